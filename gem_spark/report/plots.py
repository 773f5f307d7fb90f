"""PNG charts (matplotlib, Agg backend: no display needed on a driver or in CI)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

COLORS = {"ok": "#2e7d32", "rejected": "#c62828", "error": "#6d4c41", "other": "#f9a825", "paper": "#9e9e9e"}


def _save(fig: plt.Figure, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _empty(ax: plt.Axes, title: str) -> None:
    ax.set_title(title)
    ax.text(0.5, 0.5, "no data yet", ha="center", va="center", fontsize=14, color="#757575")
    ax.set_axis_off()


def stacked_bars(path: Path, title: str, labels: list[str], series: dict[str, list[int]]) -> Path:
    """Horizontal stacked bars, one per label (e.g. stage), one colour per series (e.g. status)."""
    fig, ax = plt.subplots(figsize=(8, 0.45 * max(len(labels), 4) + 1))
    if not labels:
        _empty(ax, title)
        return _save(fig, path)
    left = [0] * len(labels)
    for name, values in series.items():
        ax.barh(labels, values, left=left, label=name, color=COLORS.get(name))
        left = [a + b for a, b in zip(left, values)]
    ax.invert_yaxis()
    ax.set_title(title)
    ax.set_xlabel("rows")
    ax.legend(loc="lower right")
    return _save(fig, path)


def compared_bars(path: Path, title: str, labels: list[str], ours: list[float], paper: list[float | None],
                  ylabel: str, ours_label: str = "this run", paper_label: str = "paper") -> Path:  # fmt: skip
    """Side-by-side bars: this run's value and the paper's (None: the paper gives no figure)."""
    fig, ax = plt.subplots(figsize=(max(6, 0.9 * len(labels) + 2), 4.2))
    if not labels:
        _empty(ax, title)
        return _save(fig, path)
    positions = list(range(len(labels)))
    ax.bar([p - 0.2 for p in positions], ours, width=0.4, label=ours_label, color=COLORS["ok"])
    known = [(p, v) for p, v in zip(positions, paper) if v is not None]
    if known:
        ax.bar(
            [p + 0.2 for p, _ in known],
            [v for _, v in known],
            width=0.4,
            label=paper_label,
            color=COLORS["paper"],
        )
    ax.set_xticks(positions, [label.replace("_", " ") for label in labels], rotation=30, ha="right")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(loc="upper right")
    return _save(fig, path)


def bars(path: Path, title: str, labels: list[str], values: list[float], ylabel: str,
         reference: float | None = None, reference_label: str = "") -> Path:  # fmt: skip
    """Simple bars, with an optional dashed reference line (e.g. the paper's 14%)."""
    fig, ax = plt.subplots(figsize=(max(6, 0.8 * len(labels) + 2), 4))
    if not labels:
        _empty(ax, title)
        return _save(fig, path)
    ax.bar(labels, values, color=COLORS["ok"])
    if reference is not None:
        ax.axhline(reference, linestyle="--", color=COLORS["paper"], label=reference_label)
        ax.legend(loc="upper right")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.tick_params(axis="x", rotation=30)
    return _save(fig, path)
