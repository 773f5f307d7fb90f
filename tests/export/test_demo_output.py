"""End to end on the demo: the example corpus through both pipeline modes (recorded responses), then
dedup, decontamination, every export format held to the Qwen3 template, and the report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gem_spark.config import GemConfig
from gem_spark.export import run_export
from gem_spark.export.chat_template import chat_template_problems, load_chat_template
from gem_spark.export.sharegpt import TEXT_BESIDE_CALL, sharegpt_to_openai
from gem_spark.parse import parse_toolset_trajectory
from gem_spark.report import build_report
from gem_spark.tables import open_store
from gem_spark.tables.latest import latest_rows
from tests.export.test_formats import llamafactory_align, llamafactory_function
from tests.support.chromium import dump_dom

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(demo_lake: GemConfig) -> GemConfig:
    return demo_lake


def _ok_accepted(config: GemConfig, spark) -> dict[str, str]:
    latest = latest_rows(open_store(config.tables, spark).read("accepted"), ["trajectory_id"])
    return {row["trajectory_id"]: row["source_stage"] for row in latest.where("status = 'ok'").collect()}


def test_every_demo_conversation_exports_and_renders_through_qwen3(demo: GemConfig, spark, shared_data: Path,
                                                                   tmp_path: Path) -> None:  # fmt: skip
    ok = _ok_accepted(demo, spark)
    assert ok, "the demo accepts trajectories"
    qwen3 = load_chat_template(shared_data / "chat_templates" / "qwen3.jinja")
    for fmt in ("openai", "sharegpt"):
        manifest = run_export(demo, fmt, str(tmp_path / fmt), spark=spark, card=False)
        assert (manifest.n_exported, manifest.skipped) == (len(ok), {})
        records = [json.loads(line) for part in sorted((tmp_path / fmt / "data").glob("*.jsonl"))
                   for line in part.read_text().splitlines()]  # fmt: skip
        for record in records:
            conversation = record if fmt == "openai" else sharegpt_to_openai(record)
            assert chat_template_problems(qwen3, conversation) == []
            if fmt == "sharegpt":
                llamafactory_align(record, manifest.dataset_info["gem_sharegpt"])


def _records(folder: Path) -> list[dict]:
    return [json.loads(line) for part in sorted((folder / "data").glob("*.jsonl")) for line in part.read_text().splitlines()]


def test_demo_sharegpt_keeps_every_character_written_beside_calls(demo: GemConfig, spark, tmp_path: Path) -> None:
    """What LLaMA-Factory >= 0.9.4 renders before the calls is exactly the assistant's text in the openai export."""
    run_export(demo, "openai", str(tmp_path / "openai"), spark=spark, card=False)
    manifest = run_export(demo, "sharegpt", str(tmp_path / "sharegpt"), spark=spark, card=False)
    beside = [[m["content"] for m in r["messages"] if m.get("tool_calls") and m["content"].strip()]
              for r in _records(tmp_path / "openai")]  # fmt: skip
    kept = [[text.removesuffix("\n") for text, _ in map(llamafactory_function, (t["value"] for t in r["conversations"]
             if t["from"] == "function_call")) if text] for r in _records(tmp_path / "sharegpt")]  # fmt: skip
    assert kept == beside
    assert manifest.notes[TEXT_BESIDE_CALL] == sum(1 for texts in beside if texts) > 0
    print(f"text beside calls: {sum(map(len, beside))} turns, {sum(len(t) for x in beside for t in x)} characters, "
          f"{manifest.notes[TEXT_BESIDE_CALL]} of {manifest.n_exported} conversations")


def test_demo_synthesizer_pairs_parse_with_the_synthesize_parser(
    demo: GemConfig, spark, tmp_path: Path
) -> None:
    teacher = [key for key, source in _ok_accepted(demo, spark).items() if source == "refine"]
    manifest = run_export(demo, "synthesizer", str(tmp_path / "synth"), spark=spark, card=False)
    assert (manifest.n_exported, manifest.skipped) == (len(teacher), {})
    for part in sorted((tmp_path / "synth" / "data").glob("*.jsonl")):
        for line in part.read_text().splitlines():
            _, turns = llamafactory_align(json.loads(line), manifest.dataset_info["gem_synthesizer"])
            assert turns[0][1].startswith("Turn the following text into multi-turn tool-use trajectories.")
            assert not hasattr(parse_toolset_trajectory(turns[1][1], stage="synthesize"), "reason")


def test_demo_report_shows_the_run(demo: GemConfig, spark, tmp_path: Path) -> None:
    index = build_report(demo, tmp_path / "report", spark=spark)
    markdown = (index.parent / "report.md").read_text()
    for stage in (
        "segments",
        "prefilter",
        "select",
        "extract",
        "generate",
        "refine",
        "synthesize",
        "judge",
        "accepted",
    ):
        assert f"| {stage} |" in markdown
    assert "run:teacher" in markdown and "run:synthesizer" in markdown
    dom = dump_dom(index, tmp_path / "profile")
    assert 'data-images="10" data-images-loaded="10"' in dom
    throughput = markdown.split("## Inference throughput")[1]
    assert "| select | 12 | 0 |" in throughput  # the teacher run's select job: 12 requests, no errors
