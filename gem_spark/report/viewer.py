"""The report's trajectory viewer: viewer.html beside index.html, and the index section that links each
(path, outcome) group to its samples."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gem_spark.report.document import Link, Section, Table
from gem_spark.report.viewer_data import ACCEPTED_OUTCOME, collect_viewer
from gem_spark.report.viewer_page import VIEWER, viewer_html, viewer_link

if TYPE_CHECKING:
    from pathlib import Path

    from gem_spark.config import ViewerConfig
    from gem_spark.report.viewer_data import ViewerData
    from gem_spark.stages.common import StageContext

TITLE = "gem-spark trajectory viewer"


def viewer_section(data: ViewerData) -> Section:
    sampled: dict[tuple[str, str], int] = {}
    for sample in data.samples:
        group = (sample["path"], sample["outcome"])
        sampled[group] = sampled.get(group, 0) + 1
    order = sorted(data.groups, key=lambda g: (g[0], g[1] != ACCEPTED_OUTCOME, g[1]))
    rows = [[Link(path, viewer_link(path=path)), Link(outcome, viewer_link(path=path, outcome=outcome)),
             data.groups[(path, outcome)], sampled.get((path, outcome), 0)] for path, outcome in order]  # fmt: skip
    text = (f"Read sampled conversations with their tools, stage rows, judge scores and source text in {VIEWER}: "
            "accepted trajectories and a sample per rejection reason for each path; each row links to its samples.")  # fmt: skip
    return Section("Trajectory samples", text, [Table(["path", "outcome", "trajectories", "sampled"], rows)])


def write_viewer(ctx: StageContext, config: ViewerConfig, folder: Path) -> tuple[Path, Section]:
    """Writes viewer.html into the report folder; returns its path and the index's section about it."""
    data = collect_viewer(ctx, config)
    intro = (f"{len(data.samples)} trajectories sampled (up to {config.samples_per_group} per path and outcome, "
             f"seed {config.seed}) from {sum(data.groups.values())}.")  # fmt: skip
    page = folder / VIEWER
    page.write_text(viewer_html(TITLE, intro, data.samples), encoding="utf-8")
    return page, viewer_section(data)
