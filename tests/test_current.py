"""Current results only: a data engineer's prompt/model iteration loop on the example corpus.

Replayed model text is identical across fingerprint chains, which is exactly what made the old mixture
invisible: here every check is about *which chain* a reader took, not about the text.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F

from examples.assemble_responses import CORPUS
from gem_spark.config import GemConfig
from gem_spark.export import run_export
from gem_spark.pipeline import run_pipeline
from gem_spark.stages.current import (
    current_ok,
    current_rows,
    reading_context,
    stage_fingerprints,
    table_summaries,
)
from gem_spark.stages.ingest import run_ingest
from gem_spark.tables import open_store
from gem_spark.tables.runs import read_runs
from tests.test_pipeline import REPO, SNAPSHOT, config_for, copy_lake

LLM_TEACHER = ("select", "extract", "generate", "refine", "judge")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def teacher_lake(spark, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example corpus ingested and run once in teacher mode (replay backend)."""
    root = tmp_path_factory.mktemp("current") / "lakehouse"
    config = config_for(root)
    run_ingest(config, [str(CORPUS)], SNAPSHOT, spark=spark)
    run_pipeline(config, "teacher", snapshot=SNAPSHOT, spark=spark)
    return root


def reworded_prompts(tmp_path: Path, template: str = "select.j2") -> Path:
    """A copy of prompts/ with one harmless comment appended to `template`: a new prompt version."""
    prompts = tmp_path / "prompts"
    shutil.copytree(REPO / "prompts", prompts)
    path = prompts / template
    path.write_text(path.read_text(encoding="utf-8") + "\n{# reworded: a new prompt version #}\n", encoding="utf-8")
    return prompts


def export(spark, config: GemConfig, out: Path) -> tuple[list[str], dict]:
    """Exported openai lines (in order) and the manifest."""
    run_export(config, "openai", str(out), spark=spark)
    lines = [line for part in sorted((out / "data").glob("part-*.jsonl")) for line in part.read_text().splitlines()]
    return lines, json.loads((out / "manifest.json").read_text())


def requests_by_stage(summary) -> dict[str, int]:
    return {counts.stage: counts.n_requests for counts in summary.stages if counts.stage in LLM_TEACHER}


def test_prompt_change_supersedes_and_reverting_reuses_the_cache(
    spark, teacher_lake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_lake(teacher_lake, tmp_path)
    config = config_for(root)
    store = open_store(config.tables, spark)
    first_lines, first = export(spark, config, tmp_path / "export-1")
    assert len(first_lines) == first["n_exported"] > 0

    # The user's loop: a reworded select prompt, rerun, export.
    monkeypatch.setenv("GEM_PROMPTS_DIR", str(reworded_prompts(tmp_path)))
    changed = run_pipeline(config, "teacher", snapshot=SNAPSHOT, spark=spark)
    assert all(n > 0 for n in requests_by_stage(changed).values()), changed.stages
    second_lines, second = export(spark, config, tmp_path / "export-2")
    ctx = reading_context(config, store, spark)

    # Both chains are stored; readers see only the new one.
    accepted = store.read("accepted")
    assert accepted.select("fingerprint").distinct().count() == 2 * len(first["fingerprints"])
    current = current_rows(ctx, "accepted")
    assert current.count() == current.select("trajectory_id").distinct().count()
    assert set(second["fingerprints"]).isdisjoint(first["fingerprints"])
    assert second["stage_fingerprints"]["select"] != first["stage_fingerprints"]["select"]
    assert second["stage_fingerprints"]["prefilter"] == first["stage_fingerprints"]["prefilter"]
    assert second["n_exported"] == len(second_lines) == len(first_lines) == current.filter("status = 'ok'").count()
    assert len(set(second_lines)) == len(second_lines)
    # Nothing of the new chain is a near duplicate of a superseded row (the bug: 13 of them were).
    assert current.filter(F.col("status") == "near_duplicate").count() == 0
    assert accepted.filter(F.col("status") == "near_duplicate").count() == 0
    # Same trajectories, replayed: the current accepted rows hold what the old chain held, key by key.
    columns = ("trajectory_id", "segment_id", "source_stage", "trajectory", "status")
    old_chain = accepted.join(current.select("trajectory_id", "fingerprint"), ["trajectory_id", "fingerprint"], "left_anti")
    assert_df_equality(current.select(*columns), old_chain.select(*columns), ignore_row_order=True)
    # `gem-spark tables`: current rows by status, the old chain as superseded.
    summaries = {s.name: s for s in table_summaries(config, store, ["select", "accepted", "segments"])}
    assert summaries["select"].superseded == summaries["select"].rows // 2 > 0
    assert sum(summaries["select"].by_status().values()) == summaries["select"].rows // 2
    assert summaries["segments"].superseded is None

    # Reverting the prompt: every stage's chain exists, so nothing is asked and the export is the first.
    monkeypatch.delenv("GEM_PROMPTS_DIR")
    reverted = run_pipeline(config, "teacher", snapshot=SNAPSHOT, spark=spark)
    assert reverted.n_requests == 0, reverted.stages
    third_lines, third = export(spark, config, tmp_path / "export-3")
    assert third_lines == first_lines
    assert (third["fingerprints"], third["stage_fingerprints"]) == (first["fingerprints"], first["stage_fingerprints"])


def current_ids(ctx, table: str, ok_only: bool = False) -> set[str]:
    rows = current_ok(ctx, table) if ok_only else current_rows(ctx, table)
    return {row["segment_id"] for row in rows.select("segment_id").collect()}


def test_prefilter_threshold_change_rescores_before_select_and_reverting_reuses_the_cache(
    spark, teacher_lake: Path, tmp_path: Path
) -> None:
    """`run` right after a prefilter.threshold change, without re-ingesting: the old traps were a select
    with no current input that silently did nothing, then one that asked again for every passing segment."""
    root = copy_lake(teacher_lake, tmp_path)
    config, lowered = config_for(root), config_for(root, "prefilter.threshold=0.03")
    store = open_store(config.tables, spark)
    passing_before = current_ids(reading_context(config, store, spark), "prefilter", ok_only=True)

    changed = run_pipeline(lowered, "teacher", stages=["select"], snapshot=SNAPSHOT, spark=spark)

    ctx = reading_context(lowered, store, spark)
    passing = current_ids(ctx, "prefilter", ok_only=True)
    assert passing_before < passing  # a lower bar: some low-scoring web pages pass now
    assert changed.counts("prefilter").n_in == store.read("segments").count()
    assert changed.counts("prefilter").n_ok == len(passing)
    # Select's rows cover every passing segment; the model was asked for the newly passing ones only.
    assert current_ids(ctx, "select") == passing
    assert changed.counts("select").n_requests == len(passing - passing_before) > 0
    recorded = read_runs(store).filter(F.col("run_id") == changed.run_id).first()
    assert (recorded["status"], [s["stage"] for s in recorded["stages"]]) == ("finished", ["prefilter", "select"])

    # Reverting: the old prefilter rows and select chain are current again; nothing rescored or asked.
    reverted = run_pipeline(config, "teacher", stages=["select"], snapshot=SNAPSHOT, spark=spark)
    assert reverted.n_requests == 0, reverted.stages
    assert [s.stage for s in reverted.stages] == ["select"]
    assert current_ids(reading_context(config, store, spark), "select") == passing_before

def planted_judge_responses(tmp_path: Path, n: int) -> tuple[Path, list[str]]:
    """The recorded responses with the judge failing R2 for the first `n` teacher trajectories it passed."""
    records = [json.loads(line) for line in (REPO / "examples" / "responses.jsonl").read_text().splitlines() if line.strip()]
    passed = sorted(r["key"] for r in records if r["stage"] == "judge" and r["key"].endswith("-w0")
                    and json.loads(r["text"]) == {"R1": 1, "R2": 1, "R3": 1})  # fmt: skip
    flipped = passed[:n]
    for record in records:
        if record["stage"] == "judge" and record["key"] in flipped:
            record["text"] = json.dumps({"R1": 1, "R2": 0, "R3": 1})
    path = tmp_path / "responses-judge-v2.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path, flipped


def test_judge_model_change_recomputes_the_judge_and_after_only_and_compare_shows_it(
    spark, teacher_lake: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from gem_spark.cli import EXIT_OK, main
    from tests.support.chromium import dump_dom

    root = copy_lake(teacher_lake, tmp_path)
    responses, flipped = planted_judge_responses(tmp_path, 3)
    judge_v2 = ["--set", "models.judge.model=recorded/judge-v2", "--set", f"models.judge.responses={responses}"]
    base = ["--config", str(REPO / "conf" / "local.yaml"), "--set", f"tables.root={root}"]
    before, after = config_for(root), config_for(root, *judge_v2[1::2])
    _, first = export(spark, before, tmp_path / "export-1")

    summary = run_pipeline(after, "teacher", snapshot=SNAPSHOT, spark=spark)

    requests = requests_by_stage(summary)
    assert {stage: n for stage, n in requests.items() if stage != "judge"} == dict.fromkeys(LLM_TEACHER[:-1], 0)
    assert requests["judge"] > 0
    assert summary.counts("accepted").n_ok == first["n_exported"] - len(flipped)
    # The export follows the new judge: its chain, without the trajectories it now rejects.
    _, second = export(spark, after, tmp_path / "export-2")
    stage_fps = first["stage_fingerprints"], second["stage_fingerprints"]
    assert {k for k in stage_fps[0] if stage_fps[0][k] != stage_fps[1][k]} == {"judge(refine)", "judge(synthesize)"}
    assert set(second["fingerprints"]).isdisjoint(first["fingerprints"])
    assert second["n_exported"] == first["n_exported"] - len(flipped)
    ctx, old_ctx = (reading_context(config, open_store(config.tables, spark), spark) for config in (after, before))
    # Sampling alone is part of the judge's identity too: it would start a new judge chain the same way.
    resampled = reading_context(config_for(root, "models.judge.sampling.temperature=0.6"), ctx.store, spark)
    changed = {k for k, v in stage_fingerprints(resampled).items() if stage_fps[0][k] != v}
    assert changed == {"judge(refine)", "judge(synthesize)"}
    # The judge's inputs are the same refine rows under both configs (nothing upstream was recomputed).
    assert_df_equality(current_rows(ctx, "refine"), current_rows(old_ctx, "refine"), ignore_row_order=True)

    out = tmp_path / "compare"
    assert main(["compare", *base, *base, *judge_v2, "--out", str(out)]) == EXIT_OK
    assert "comparison:" in capsys.readouterr().out
    markdown = (out / "report.md").read_text()
    disagreements = markdown.split("## Disagreements")[1]
    for key in flipped:
        assert f"| {key} | accepted by A | rejected by B | judge_r2_failed |" in disagreements
    assert disagreements.count("accepted by ") == len(flipped)  # nothing else differs
    n_ok = current_ok(old_ctx, "judge").count()
    assert f"| judge | ok | {n_ok} | {n_ok - len(flipped)} |" in markdown
    assert f"| judge | rejected:judge_r2_failed | 0 | {len(flipped)} |" in markdown
    assert f"| select | ok | 12 | 12 |" in markdown
    dom = dump_dom(out / "index.html", tmp_path / "profile")
    assert 'data-images="2" data-images-loaded="2"' in dom, dom[:800]
    assert all(key in dom for key in flipped)
