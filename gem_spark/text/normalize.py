"""Text normalisation: one canonical form per document, so equal text hashes to equal segment ids.

Unicode NFC, control characters removed, tabs and other blanks collapsed to one space inside a line,
single line breaks kept (list items on separate lines are a prefilter signal), blank-line runs turned
into exactly one paragraph break, outer whitespace stripped. Markup is left alone: this is a text
normaliser, and `looks_like_html_only` lets ingest quarantine pages that are nothing but markup.
"""

from __future__ import annotations

import re
import unicodedata

# Characters that end a line (besides "\n") or a paragraph; every other C0/C1 control is dropped.
_LINE_BREAKS = "\r\x0b\x0c\x85\u2028"
_PARAGRAPH_BREAK = "\u2029"


def _translation_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {
        code: None for code in (*range(0x20), 0x7F, *range(0x80, 0xA0)) if chr(code) not in "\n\t"
    }
    table.update({ord(char): "\n" for char in _LINE_BREAKS})
    table[ord(_PARAGRAPH_BREAK)] = "\n\n"
    table[ord("\t")] = " "
    # Byte-order marks inside text are invisible noise; lone surrogates cannot be encoded as UTF-8.
    table[0xFEFF] = None
    table.update({code: None for code in range(0xD800, 0xE000)})
    return table


_TRANSLATION = _translation_table()
_BLANK_RUN = re.compile(r"[^\S\n]+")
_SPACE_AROUND_NEWLINE = re.compile(r" ?\n ?")
_NEWLINE_RUN = re.compile(r"\n{3,}")


def normalize_text(text: str) -> str:
    """Return the canonical form of `text` (idempotent: normalising twice changes nothing)."""
    text = text.replace("\r\n", "\n").translate(_TRANSLATION)
    # NFC after removing controls: a removed control may have separated a base and its combining mark.
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    text = _BLANK_RUN.sub(" ", text)
    text = _SPACE_AROUND_NEWLINE.sub("\n", text)
    text = _NEWLINE_RUN.sub("\n\n", text)
    return text.strip()


# Markup that carries no visible text: comments, script/style bodies, tags, character references.
_INVISIBLE_BLOCKS = re.compile(
    r"<!--.*?(?:-->|\Z)|<(script|style)\b[^>]*>.*?(?:</\1\s*>|\Z)", re.IGNORECASE | re.DOTALL
)
_TAG = re.compile(r"</?[A-Za-z!][^<>]*>")
_CHAR_REFERENCE = re.compile(r"&(?:#\d{1,7}|#x[0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_WORD_CHAR = re.compile(r"\w")
# Below this share of word characters left after removing markup, a page is markup only.
HTML_ONLY_VISIBLE_SHARE = 0.1


def looks_like_html_only(text: str) -> bool:
    """True when `text` contains markup and almost nothing readable is left once the markup is removed."""
    if not _TAG.search(text):
        return False
    total = len(_WORD_CHAR.findall(text))
    if total == 0:
        return True
    visible = _CHAR_REFERENCE.sub(" ", _TAG.sub(" ", _INVISIBLE_BLOCKS.sub(" ", text)))
    return len(_WORD_CHAR.findall(visible)) < HTML_ONLY_VISIBLE_SHARE * total
