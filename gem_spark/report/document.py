"""A report as sections of text, tables and images, written out as report.md and index.html."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path


class Percent(float):
    """A share shown as a percentage (0.0833 → 8.3%)."""


class Link(str):
    """A cell shown as a link (`href` relative to the report folder), e.g. a reason to its viewer samples."""

    href: str

    def __new__(cls, text: str, href: str) -> Link:
        link = super().__new__(cls, text)
        link.href = href
        return link


Cell = str | int | float | Percent | None


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[Cell]]
    caption: str = ""


@dataclass
class Section:
    title: str
    text: str = ""
    tables: list[Table] = field(default_factory=list)
    # File names of PNGs in the report folder.
    images: list[str] = field(default_factory=list)


def cell(value: Cell) -> str:
    if value is None:
        return "–"
    if isinstance(value, Percent):
        return f"{100 * value:.1f}%"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _markdown_cell(value: Cell) -> str:
    text = cell(value).replace("|", "\\|")
    return f"[{text}]({value.href})" if isinstance(value, Link) else text


def to_markdown(title: str, intro: str, sections: list[Section]) -> str:
    lines = [f"# {title}", "", intro, ""]
    for section in sections:
        lines += [f"## {section.title}", ""]
        if section.text:
            lines += [section.text, ""]
        for table in section.tables:
            if table.caption:
                lines += [f"**{table.caption}**", ""]
            lines.append("| " + " | ".join(table.header) + " |")
            lines.append("|" + "---|" * len(table.header))
            lines += ["| " + " | ".join(_markdown_cell(value) for value in row) + " |" for row in table.rows]
            if not table.rows:
                lines.append("| " + " | ".join(["(none)"] + [""] * (len(table.header) - 1)) + " |")
            lines.append("")
        lines += [f"![{section.title}]({image})" for image in section.images]
        lines.append("")
    return "\n".join(lines)


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #212121; }
table { border-collapse: collapse; margin: 0.5rem 0 1.2rem; font-size: 0.9rem; }
th, td { border: 1px solid #bdbdbd; padding: 0.25rem 0.6rem; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #eeeeee; }
caption { text-align: left; font-weight: 600; padding-bottom: 0.3rem; }
img { max-width: 100%; border: 1px solid #e0e0e0; margin: 0.3rem 0; }
section { margin-bottom: 2rem; }
.broken { color: #c62828; font-weight: 600; }
"""

# Marks the page once loaded: how many images decoded and how many tables there are, so a headless
# browser (and a reader) can tell a broken report at a glance.
_CHECK = """
window.addEventListener('load', function () {
  var images = Array.prototype.slice.call(document.images);
  var loaded = images.filter(function (img) { return img.complete && img.naturalWidth > 0; }).length;
  var marker = document.getElementById('render-check');
  marker.setAttribute('data-images', images.length);
  marker.setAttribute('data-images-loaded', loaded);
  marker.setAttribute('data-tables', document.getElementsByTagName('table').length);
  marker.textContent = loaded === images.length ? '' : (images.length - loaded) + ' image(s) failed to load';
  marker.className = loaded === images.length ? 'ok' : 'broken';
});
"""


def _html_cell(value: Cell) -> str:
    if isinstance(value, Link):
        return f'<td><a href="{html.escape(value.href)}">{html.escape(value)}</a></td>'
    numeric = value is None or isinstance(value, (int, float))
    return (
        f'<td class="n">{html.escape(cell(value))}</td>'
        if numeric
        else f"<td>{html.escape(cell(value))}</td>"
    )


def _html_table(table: Table) -> str:
    caption = f"<caption>{html.escape(table.caption)}</caption>" if table.caption else ""
    head = "".join(f"<th>{html.escape(name)}</th>" for name in table.header)
    body = "".join("<tr>" + "".join(_html_cell(value) for value in row) + "</tr>" for row in table.rows)
    if not table.rows:
        body = f'<tr><td colspan="{len(table.header)}">(none)</td></tr>'
    return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def to_html(title: str, intro: str, sections: list[Section]) -> str:
    parts = []
    for section in sections:
        text = f"<p>{html.escape(section.text)}</p>" if section.text else ""
        tables = "".join(_html_table(table) for table in section.tables)
        images = "".join(
            f'<img src="{html.escape(image)}" alt="{html.escape(section.title)}">' for image in section.images
        )
        parts.append(f"<section><h2>{html.escape(section.title)}</h2>{text}{tables}{images}</section>")
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{_STYLE}</style><script>{_CHECK}</script></head><body><h1>{html.escape(title)}</h1>"
        f'<p>{html.escape(intro)}</p><p id="render-check"></p>{"".join(parts)}</body></html>'
    )


def write(folder: Path, title: str, intro: str, sections: list[Section]) -> Path:
    (folder / "report.md").write_text(to_markdown(title, intro, sections), encoding="utf-8")
    index = folder / "index.html"
    index.write_text(to_html(title, intro, sections), encoding="utf-8")
    return index
