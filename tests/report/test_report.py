"""The report over tables written through the real store: empty tables render as empty, filled ones
show their counts, and index.html renders its images and tables (the trajectory-samples table included) in
headless Chromium."""

from __future__ import annotations

import re
from pathlib import Path

from PIL import Image

from gem_spark.report import build_report
from gem_spark.report.metrics import collect
from gem_spark.stages.accepted import CONTAMINATED, NEAR_DUPLICATE
from gem_spark.tables.feed_metrics import StageFeed, TaskFeed
from gem_spark.tables.runs import RunRecorder, StageCounts
from tests.support.accepted_rows import Lake, accepted_row, real_trajectories
from tests.support.chromium import dump_dom, screenshot

IMAGES = ("funnel.png", "pass_rates.png", "domains.png", "tasks.png", "platforms.png", "complexity.png",
          "judge.png", "cost.png", "throughput.png", "runs.png")  # fmt: skip


def _rendered(index: Path, profile: Path) -> dict[str, int]:
    """The render-check marker the page writes on load: images, images decoded, tables."""
    dom = dump_dom(index, profile)
    marker = re.search(r'<p id="render-check"[^>]*>', dom)
    assert marker, dom[:500]
    return {key: int(value) for key, value in re.findall(r'data-([a-z-]+)="(\d+)"', marker.group(0))}


def test_report_of_empty_tables_renders(spark, tmp_path: Path) -> None:
    lake = Lake(spark, tmp_path / "lake")
    index = build_report(lake.config, tmp_path / "report", spark=spark)
    assert index.name == "index.html"
    assert sorted(p.name for p in index.parent.glob("*.png")) == sorted(IMAGES)
    markdown = (index.parent / "report.md").read_text()
    assert "## Funnel" in markdown and "(none)" in markdown
    assert _rendered(index, tmp_path / "profile") == {"images": 10, "images-loaded": 10, "tables": 14}


def test_report_counts_accepted_marks_and_runs(spark, shared_data: Path, tmp_path: Path) -> None:
    lake = Lake(spark, tmp_path / "lake")
    with RunRecorder(lake.store, lake.config, command="run:teacher", snapshot="2026-01") as run:
        trajectories = real_trajectories(shared_data)[:12]
        lake.accept(
            [accepted_row(f"t{i:02d}", t, minutes=i, run_id=run.run_id) for i, t in enumerate(trajectories)]
        )
        lake.accept([
            accepted_row("t03", trajectories[3], minutes=60, status=NEAR_DUPLICATE, detail="t01"),
            accepted_row("t05", trajectories[5], minutes=60, status=CONTAMINATED, detail="bfcl:3"),
        ])  # fmt: skip
        tasks = [TaskFeed.of(part, 0, 6, {"requests": 6, "prompt_tokens": 600, "completion_tokens": 300 * (part + 1),
                                          "elapsed_s": 2.0 + part, "first_result_s": 0.4 + part, "engine_steps": 50,
                                          "mean_running_per_step": 5.5})
                 for part in range(2)]  # fmt: skip
        run.stage_done(StageCounts("synthesize", 12, 12, 0, 0, 4.0, 12, StageFeed.of(tasks, 4.0, 5, 3)))
    data = collect(lake.store, lake.config)
    assert data.funnel["accepted"] == {
        ("ok", None): 10,
        (NEAR_DUPLICATE, NEAR_DUPLICATE): 1,
        (CONTAMINATED, CONTAMINATED): 1,
    }
    assert data.complexity["accepted"].rows == 10
    assert [(r["status"], r["snapshot"], r["accepted"]) for r in data.runs] == [("finished", "2026-01", 12)]
    [stage] = data.throughput
    assert (stage["stage"], stage["requests"], stage["pieces"], stage["commits"]) == ("synthesize", 12, 5, 3)
    assert (stage["tokens_per_s"], stage["mean_running_per_step"], stage["first_result_s"]) == (525.0, 5.5, 0.4)
    assert [(t["partition"], t["first_result_s"]) for t in data.task_throughput] == [(0, 0.4), (1, 1.4)]

    index = build_report(lake.config, tmp_path / "report", spark=spark)
    markdown = (index.parent / "report.md").read_text()
    assert "| accepted | 12 | 10 | 0 | 0 | 2 |" in markdown
    assert f"| {run.run_id} | run:teacher | 2026-01 | finished |" in markdown
    # The samples table: outcomes of the accepted rows, each linked to its samples in viewer.html.
    assert "| [accepted](viewer.html#path=teacher&outcome=accepted) | 10 | 5 |" in markdown
    assert "| [contaminated](viewer.html#path=teacher&outcome=contaminated) | 1 | 1 |" in markdown
    assert (index.parent / "viewer.html").is_file()
    assert "## Inference throughput" in markdown
    assert _rendered(index, tmp_path / "profile")["images-loaded"] == len(IMAGES)
    shot = screenshot(index, tmp_path / "profile", tmp_path / "report.png")
    colours = Image.open(shot).convert("RGB").resize((64, 256)).getcolors(64 * 256)
    assert len(colours) > 20, "the screenshot is blank"
