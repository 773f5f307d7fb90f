"""The whole GEM pipeline on the project's example corpus: both modes, reruns, prompt changes, junk models.

One lakehouse is ingested and run once per module (replay backend over examples/responses.jsonl);
tests that change it work on a copy.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F

from examples.assemble_responses import CORPUS, corpus_segment_ids
from gem_spark.config import GemConfig, SamplingConfig, load_config
from gem_spark.pipeline import PipelineError, plan, run_pipeline
from gem_spark.stages.ingest import run_ingest
from gem_spark.tables import open_store
from tests.llm.conftest import tiny_vllm_config
from tests.support.catalogue import assert_catalogued

REPO = Path(__file__).resolve().parent.parent
SNAPSHOT = "demo"

pytestmark = pytest.mark.slow


def config_for(root: Path, *overrides: str) -> GemConfig:
    return load_config(REPO / "conf" / "local.yaml", [f"tables.root={root}", *overrides])


@pytest.fixture(scope="module")
def demo_lake(spark, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ingest the example corpus and run both modes once; tests copy this folder before changing it."""
    root = tmp_path_factory.mktemp("lake") / "lakehouse"
    config = config_for(root)
    run_ingest(config, [str(CORPUS)], SNAPSHOT, spark=spark)
    run_pipeline(config, "teacher", snapshot=SNAPSHOT, spark=spark)
    run_pipeline(config, "synthesizer", snapshot=SNAPSHOT, spark=spark)
    return root


def copy_lake(demo_lake: Path, tmp_path: Path) -> Path:
    target = tmp_path / "lakehouse"
    shutil.copytree(demo_lake, target)
    return target


def test_plan_orders_stages_and_rejects_foreign_ones() -> None:
    assert plan("teacher", None) == ("select", "extract", "generate", "refine", "judge")
    assert plan("synthesizer", ["judge", "select"]) == ("select", "judge")
    with pytest.raises(PipelineError, match="not part of mode"):
        plan("synthesizer", ["refine"])
    with pytest.raises(PipelineError, match="unknown mode"):
        plan("student", None)


def test_select_keeps_exactly_the_procedural_documents(spark, demo_lake: Path) -> None:
    store = open_store(config_for(demo_lake).tables, spark)
    ids = corpus_segment_ids()
    procedural = sorted(ids[doc] for doc in ids if doc.startswith("ex-proc-"))
    selected = store.read("select").filter("status = 'ok'").select("segment_id").orderBy("segment_id")
    expected = spark.createDataFrame([(sid,) for sid in procedural], selected.schema)
    assert_df_equality(selected, expected)
    # Non-procedural pages never reach the model: the prefilter rejects them with a reason.
    prefilter = store.read("prefilter").groupBy("status", "reason").count().collect()
    assert {(row["status"], row["reason"]): row["count"] for row in prefilter} == {
        ("ok", None): 12,
        ("rejected", "prefilter_low_score"): 18,
    }


def test_every_status_and_reason_of_both_modes_is_catalogued(demo_lake: Path) -> None:
    assert_catalogued(demo_lake)


def test_judge_rejections_carry_their_reasons(spark, demo_lake: Path) -> None:
    store = open_store(config_for(demo_lake).tables, spark)
    ids = corpus_segment_ids()
    judged = {row["trajectory_id"]: row for row in store.read("judge").collect()}
    invented_order = judged[f"{ids['ex-proc-02']}-w0"]
    assert (invented_order["status"], invented_order["reason"], invented_order["r1"]) == ("rejected", "judge_r1_failed", 0)
    misremembered = judged[f"{ids['ex-proc-04']}-s0"]
    assert (misremembered["status"], misremembered["reason"]) == ("rejected", "judge_r3_failed")
    # The synthesize stage checks its output with its rule profile: a rule failure never reaches the judge.
    assert f"{ids['ex-proc-05']}-s0" not in judged
    synthesized = {row["trajectory_id"]: row for row in store.read("synthesize").collect()}
    undefined_tool = synthesized[f"{ids['ex-proc-05']}-s0"]
    assert (undefined_tool["status"], undefined_tool["reason"]) == ("rejected", "unknown_tool_called")
    assert list(undefined_tool["rule_reasons"]) == ["unknown_tool_called"]
    assert undefined_tool["rule_findings"][0]["detail"].startswith("message ")
    # Every judged row is either kept or has a reason; nothing is silently dropped.
    assert all(row["status"] == "ok" or row["reason"] for row in judged.values())


def test_accepted_is_exactly_what_the_judge_kept(spark, demo_lake: Path) -> None:
    store = open_store(config_for(demo_lake).tables, spark)
    kept = store.read("judge").filter("status = 'ok'").select("trajectory_id", "segment_id", "source_stage", "trajectory")
    accepted = store.read("accepted").select("trajectory_id", "segment_id", "source_stage", "trajectory")
    assert_df_equality(accepted, kept, ignore_row_order=True)
    sources = {row["source_stage"] for row in accepted.select("source_stage").distinct().collect()}
    assert sources == {"refine", "synthesize"}


def test_refinement_makes_trajectories_longer(spark, demo_lake: Path) -> None:
    store = open_store(config_for(demo_lake).tables, spark)

    def mean_messages(table: str) -> float:
        return store.read(table).filter("status = 'ok'").agg(F.avg("stats.messages")).first()[0]

    assert mean_messages("refine") > mean_messages("generate") > 10


def test_every_stage_row_accounts_for_its_input(spark, demo_lake: Path) -> None:
    """Each stage wrote one row per pending input key: ok + rejected + error = in."""
    store = open_store(config_for(demo_lake).tables, spark)
    ok_selected = store.read("select").filter("status = 'ok'").count()
    assert store.read("extract").count() == ok_selected
    assert store.read("synthesize").count() == ok_selected
    workflows = store.read("extract").filter("status = 'ok'").agg(F.sum("n_workflows")).first()[0]
    assert store.read("generate").count() == workflows
    assert store.read("refine").count() == store.read("generate").filter("status = 'ok'").count()
    errors = store.read("generate").filter("status = 'error'").select("reason").distinct().collect()
    assert {row["reason"] for row in errors} <= {"no_recorded_response"}


def test_rerun_with_nothing_new_makes_no_model_requests(spark, demo_lake: Path, tmp_path: Path) -> None:
    root = copy_lake(demo_lake, tmp_path)
    config = config_for(root)
    store = open_store(config.tables, spark)
    before = {table: store.version(table) for table in ("accepted", "judge", "select")}
    for mode in ("teacher", "synthesizer"):
        summary = run_pipeline(config, mode, snapshot=SNAPSHOT, spark=spark)
        assert summary.n_requests == 0, summary.stages
        # Model stages find nothing pending; the marking steps re-check accepted rows and mark none.
        assert all(counts.n_in == 0 for counts in summary.stages if counts.stage not in ("dedup", "decontam"))
        assert all(counts.n_rejected == 0 for counts in summary.stages)
    assert {table: store.version(table) for table in before} == before


def test_changed_select_prompt_recomputes_select_and_later_stages_only(
    spark, demo_lake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_lake(demo_lake, tmp_path)
    prompts = tmp_path / "prompts"
    shutil.copytree(REPO / "prompts", prompts)
    select = prompts / "select.j2"
    select.write_text(select.read_text(encoding="utf-8") + "\n{# reworded: a new prompt version #}\n", encoding="utf-8")
    monkeypatch.setenv("GEM_PROMPTS_DIR", str(prompts))
    config = config_for(root)
    store = open_store(config.tables, spark)
    ingest_versions = {table: store.version(table) for table in ("segments", "prefilter", "quarantine")}

    summary = run_pipeline(config, "synthesizer", snapshot=SNAPSHOT, spark=spark)

    assert summary.counts("select").n_requests == 12
    assert summary.counts("synthesize").n_requests == 12  # its input fingerprints changed
    assert summary.counts("judge").n_in == summary.counts("synthesize").n_ok
    assert {table: store.version(table) for table in ingest_versions} == ingest_versions
    # The teacher stages' inputs (select rows) changed too, so they are pending again — but not run yet.
    teacher = run_pipeline(config, "teacher", stages=["extract"], snapshot=SNAPSHOT, spark=spark)
    assert teacher.counts("extract").n_requests == 12


def test_limit_caps_the_first_stage(spark, tmp_path: Path) -> None:
    config = config_for(tmp_path / "lakehouse")
    run_ingest(config, [str(CORPUS)], SNAPSHOT, spark=spark)
    summary = run_pipeline(config, "synthesizer", stages=["select"], limit=5, spark=spark)
    assert summary.counts("select").n_in == 5
    rest = run_pipeline(config, "synthesizer", stages=["select"], spark=spark)
    assert rest.counts("select").n_in == 7


@pytest.mark.vllm
def test_junk_from_a_real_vllm_engine_ends_rejected_or_error_never_lost(
    spark, tiny_model_dir: Path, tmp_path: Path
) -> None:
    """The tiny random-weight model writes junk through the real vLLM engine: every row must end
    `rejected` or `error` with a reason code, each input accounted for, and the job must stay green."""
    engine = tiny_vllm_config(tiny_model_dir, max_model_len=16384, sampling=SamplingConfig(max_tokens=48))
    base = config_for(tmp_path / "lakehouse")
    # Stage 1 keeps its recorded answers so that the procedural segments reach the junk-writing stages.
    models = {**base.models, **dict.fromkeys(("teacher", "synthesizer", "judge"), engine)}
    config = base.model_copy(update={"models": models})
    run_ingest(config, [str(CORPUS)], SNAPSHOT, spark=spark)

    for mode in ("teacher", "synthesizer"):
        summary = run_pipeline(config, mode, snapshot=SNAPSHOT, spark=spark)
        for counts in summary.stages:
            assert counts.n_ok + counts.n_rejected + counts.n_error == counts.n_in, counts

    store = open_store(config.tables, spark)
    assert store.read("select").count() == 12
    for table in ("extract", "synthesize"):
        rows = store.read(table).collect()
        assert rows, f"no {table} rows: junk never reached it"
        assert all(row["status"] in ("rejected", "error") and row["reason"] for row in rows), table
    assert not store.exists("accepted") or store.read("accepted").count() == 0
