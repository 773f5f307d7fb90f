"""Each LLM stage's request building and outcome, with plain dicts and the recorded responses of the
example corpus (no Spark, no model); the declared contracts (input columns, payload keys); and the
settings that change a stage's decisions: structured_output, reject_invalid_labels, max_attempts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gem_spark.config import TablesConfig, load_config
from gem_spark.llm.protocol import ResponseConstraint
from gem_spark.pipeline import build_stage
from gem_spark.prompts import SELECT_JSON_SCHEMA
from gem_spark.stages.common import StageContext, pending
from gem_spark.stages.llm_stage import STRICT_CONTRACTS_ENV, LLMStage, Outcome, StageContractError
from gem_spark.stages.select import SelectStage
from gem_spark.stages.modes import stage_classes, stage_names
from gem_spark.tables import open_store
from gem_spark.tables.store import CommitId

REPO = Path(__file__).resolve().parents[2]
LOCAL = REPO / "conf" / "local.yaml"
RECORDED = {
    (row["stage"], row["key"]): row["text"]
    for row in map(json.loads, (REPO / "examples" / "responses.jsonl").read_text(encoding="utf-8").splitlines())
}
SEGMENT = "03d2fbfa276bf8ede041c0a6f3e42e871f2f232412a80f78e34206bce033f2d9"  # the Cirrus Backup help page
TEXT = next(
    doc["text"]
    for doc in map(json.loads, (REPO / "examples" / "corpus" / "docs.jsonl").read_text(encoding="utf-8").splitlines())
    if "Cirrus Backup" in doc["text"]
)


def make(name: str, *overrides: str, mode: str = "teacher") -> LLMStage:
    # Requests and outcomes are pure: the stage needs its config only (no session, no store).
    ctx = StageContext(config=load_config(LOCAL, list(overrides)), spark=None, store=None, run_id="r")  # type: ignore[arg-type]
    return build_stage(name, ctx, mode)  # type: ignore[arg-type]


def outcome_of(stage: LLMStage, row: dict[str, Any], key: str) -> Outcome:
    return stage.check_payload(stage.outcome(row, RECORDED[stage.name, key]))


def user_message(stage: LLMStage, row: dict[str, Any]) -> str:
    return stage.build_request(row).messages[-1]["content"]


@pytest.fixture(scope="module")
def chain() -> dict[str, Any]:
    """Rows of each stage built from the previous stage's outcome, as the tables would hold them."""
    segment = {"segment_id": SEGMENT, "input_fingerprint": "f0", "text": TEXT}
    extracted = outcome_of(make("extract"), segment, SEGMENT)
    key = f"{SEGMENT}-w0"
    workflow_row = {**segment, "trajectory_id": key, "workflow_index": 0, "workflow": extracted.payload["workflows"][0]}
    generated = outcome_of(make("generate"), workflow_row, key)
    refine_row = {**workflow_row, "trajectory": generated.payload["trajectory"], "generated_text": RECORDED["generate", key]}
    synthesized = outcome_of(make("synthesize", mode="synthesizer"), {**segment, "trajectory_id": f"{SEGMENT}-s0"}, f"{SEGMENT}-s0")
    judge_row = {"trajectory_id": f"{SEGMENT}-s0", "input_fingerprint": "f1", "segment_id": SEGMENT, "source_stage": "synthesize",
                 "trajectory": synthesized.payload["trajectory"], "stats": synthesized.payload["stats"],
                 # The judge's rule check (check_rules, before the model) adds its findings to the row.
                 "rule_findings": synthesized.payload["rule_findings"]}  # fmt: skip
    return {"segment": segment, "extracted": extracted, "workflow_row": workflow_row, "generated": generated,
            "refine_row": refine_row, "synthesized": synthesized, "judge_row": judge_row}  # fmt: skip


def test_select_asks_with_the_text_and_keeps_the_recorded_labels(chain: dict[str, Any]) -> None:
    select, row = make("select"), chain["segment"]
    request = select.build_request(row)
    assert (request.key, request.stage, request.constraint) == (SEGMENT, "select", None)
    assert TEXT[:300] in request.messages[-1]["content"]
    outcome = outcome_of(select, row, SEGMENT)
    assert (outcome.status, outcome.reason) == ("ok", None)
    assert outcome.payload["multi_step"] is True and outcome.payload["domain"] == "computers_and_electronics"
    assert outcome.payload["truncated"] is False


def test_select_cuts_long_text_and_flags_the_row(chain: dict[str, Any]) -> None:
    select = make("select", "stages.select.max_input_chars=500")
    assert len(user_message(select, chain["segment"])) < len(TEXT)
    assert outcome_of(select, chain["segment"], SEGMENT).payload["truncated"] is True


def test_structured_select_constrains_the_request_and_parses_json(chain: dict[str, Any]) -> None:
    select = make("select", "stages.select.structured_output=true")
    request = select.build_request(chain["segment"])
    assert request.constraint == ResponseConstraint("json_schema", SELECT_JSON_SCHEMA)
    answer = {"multi_step": True, "summary": "Restore files from a backup snapshot.", "domain": "computers_and_electronics",
              "platform": "computer", "task": "file_systems"}  # fmt: skip
    outcome = select.check_payload(select.outcome(chain["segment"], json.dumps(answer)))
    assert outcome.status == "ok" and outcome.payload["summary"] == answer["summary"]
    # The tag format is not what a structured select parses.
    assert make("select", "stages.select.structured_output=true").outcome(chain["segment"], RECORDED["select", SEGMENT]).status == "rejected"


@pytest.mark.parametrize(("reject", "status", "reason"), [(True, "rejected", "invalid_label"), (False, "ok", None)])
def test_reject_invalid_labels_decides_a_row_with_a_label_outside_the_sets(
    chain: dict[str, Any], reject: bool, status: str, reason: str | None
) -> None:
    select = make("select", f"pipeline.reject_invalid_labels={str(reject).lower()}")
    text = RECORDED["select", SEGMENT].replace("<domain>computers_and_electronics</domain>", "<domain>astrology</domain>")
    outcome = select.check_payload(select.outcome(chain["segment"], text))
    assert (outcome.status, outcome.reason) == (status, reason)
    assert outcome.payload["invalid_labels"]  # recorded either way
    assert select.fingerprint() != make("select", f"pipeline.reject_invalid_labels={str(not reject).lower()}").fingerprint()


def test_select_rejects_a_text_that_is_not_multi_step(chain: dict[str, Any]) -> None:
    select = make("select")
    outcome = select.check_payload(select.outcome(chain["segment"], "<think>a news story</think><multi_step>False</multi_step>"))
    assert (outcome.status, outcome.reason) == ("rejected", "not_multi_step")


def test_extract_asks_with_the_text_and_keeps_every_valid_workflow(chain: dict[str, Any]) -> None:
    assert TEXT[:300] in user_message(make("extract"), chain["segment"])
    extracted = chain["extracted"]
    assert extracted.status == "ok" and extracted.payload["n_workflows"] == len(extracted.payload["workflows"]) == 2
    assert extracted.payload["reasons"] == []
    outcome = make("extract").outcome(chain["segment"], "I found no procedure in this page.")
    assert (outcome.status, outcome.reason) == ("rejected", "missing_tag")


def test_generate_asks_with_the_workflow_and_parses_the_trajectory(chain: dict[str, Any]) -> None:
    generate, row = make("generate"), chain["workflow_row"]
    message = user_message(generate, row)
    workflow = json.loads(row["workflow"])
    assert all(tool["function"]["name"] in message for tool in workflow["tools"])
    generated = chain["generated"]
    assert generated.status == "ok" and generated.payload["stats"]["tool_calls"] >= 1
    assert json.loads(generated.payload["trajectory"])["messages"][0]["role"] == "system"


def test_refine_asks_with_the_generated_conversation_and_parses_the_longer_one(chain: dict[str, Any]) -> None:
    refine, row = make("refine"), chain["refine_row"]
    assert RECORDED["generate", row["trajectory_id"]][:200] in user_message(refine, row)
    refined = outcome_of(refine, row, row["trajectory_id"])
    assert refined.status == "ok"
    assert refined.payload["stats"]["messages"] >= chain["generated"].payload["stats"]["messages"]


def test_synthesize_parses_tools_and_conversation_in_one_answer(chain: dict[str, Any]) -> None:
    synthesized = chain["synthesized"]
    assert synthesized.status == "ok" and json.loads(synthesized.payload["trajectory"])["tools"]


@pytest.mark.parametrize("structured", [False, True])
def test_judge_asks_with_the_conversation_and_rejects_a_failed_rubric(chain: dict[str, Any], structured: bool) -> None:
    judge = make("judge", f"stages.judge.structured_output={str(structured).lower()}", mode="synthesizer")
    row = chain["judge_row"]
    request = judge.build_request(row)
    assert (request.constraint is not None) is structured
    assert json.loads(row["trajectory"])["messages"][1]["content"][:100] in request.messages[-1]["content"]
    outcome = judge.check_payload(judge.outcome(row, RECORDED["judge", row["trajectory_id"]]))
    assert (outcome.status, outcome.reason) == ("rejected", "judge_r3_failed")
    assert (outcome.payload["r1"], outcome.payload["r2"], outcome.payload["r3"]) == (1, 1, 0)
    passed = judge.check_payload(judge.outcome(row, '{"R1": 1, "R2": 1, "R3": 1}'))
    assert (passed.status, passed.reason, passed.payload["trajectory"]) == ("ok", None, row["trajectory"])


def test_an_undeclared_or_missing_payload_key_breaks_the_contract(chain: dict[str, Any]) -> None:
    select = make("select")
    good = outcome_of(select, chain["segment"], SEGMENT)
    misspelt = Outcome("ok", None, {**{k: v for k, v in good.payload.items() if k != "truncated"}, "truncatd": False})
    with pytest.raises(StageContractError, match=r"\['truncatd'\] undeclared, \['truncated'\] missing"):
        select.check_payload(misspelt)
    assert select.check_payload(Outcome("rejected", "missing_tag", {"truncated": False})).payload  # partial is fine


@pytest.mark.parametrize("strict", [True, False])
def test_a_contract_break_fails_loudly_under_tests_and_is_an_error_row_in_production(
    chain: dict[str, Any], monkeypatch: pytest.MonkeyPatch, strict: bool
) -> None:
    monkeypatch.setenv(STRICT_CONTRACTS_ENV, "1" if strict else "0")
    select = make("select")
    monkeypatch.setattr(select, "payload", lambda: [f for f in SelectStage.payload(select) if f.name != "domain"])
    llm = {"model": "m", "raw_output": RECORDED["select", SEGMENT], "error_type": None, "error_message": None}
    row = {**chain["segment"], "fingerprint": "fp", "llm": llm}
    if strict:
        with pytest.raises(StageContractError, match=r"\['domain'\] undeclared"):
            select.finish_row(row, "run-1")
        return
    out = select.finish_row(row, "run-1")
    assert (out["status"], out["reason"]) == ("error", "outcome_failed")
    assert "['domain'] undeclared" in out["llm"]["error_message"]


def test_a_failing_outcome_becomes_an_error_row_that_keeps_the_exception(chain: dict[str, Any]) -> None:
    select = make("select")
    llm = {"model": "m", "raw_output": RECORDED["select", SEGMENT], "error_type": None, "error_message": None}
    row = {**chain["segment"], "fingerprint": "fp", "llm": llm}
    broken = {**row, "text": None}  # outcome() cannot measure a missing text
    out = select.finish_row(broken, "run-1")
    assert (out["status"], out["reason"]) == ("error", "outcome_failed")
    assert out["llm"]["error_message"].startswith("TypeError: ")
    assert out["llm"]["raw_output"] == llm["raw_output"]  # the output that broke it stays for inspection
    ok = select.finish_row(row, "run-1")
    assert (ok["status"], ok["llm"]) == ("ok", llm)


def test_a_missing_input_column_is_refused_on_the_driver() -> None:
    judge = make("judge", mode="synthesizer")
    with pytest.raises(StageContractError) as refused:
        judge.check_inputs(["trajectory_id", "input_fingerprint", "segment_id", "source_stage", "trajectory"])
    assert str(refused.value).startswith("stage 'judge' needs input column(s) ['stats'], which its inputs lack")


@pytest.mark.spark
def test_pending_work_checks_the_inputs_before_creating_anything(spark, tmp_path: Path) -> None:
    store = open_store(TablesConfig(engine="delta-rs", root=str(tmp_path)), spark)
    ctx = StageContext(config=load_config(LOCAL), spark=spark, store=store, run_id="r")
    select = build_stage("select", ctx, "teacher")
    without_text = spark.createDataFrame([(SEGMENT, "f0")], "segment_id string, input_fingerprint string")
    select.inputs = lambda _ctx: without_text  # type: ignore[method-assign]  # an inputs() that forgot a column
    with pytest.raises(StageContractError, match=r"needs input column\(s\) \['text'\]"):
        select.pending_work(ctx)
    assert not store.exists("select")


@pytest.mark.spark
@pytest.mark.parametrize(("max_attempts", "expected"), [(3, ["a", "d"]), (2, ["d"]), (4, ["a", "b", "d"])])
def test_error_rows_are_retried_until_max_attempts(spark, tmp_path: Path, max_attempts: int, expected: list[str]) -> None:
    store = open_store(TablesConfig(engine="delta-rs", root=str(tmp_path)), spark)
    config = load_config(LOCAL, [f"pipeline.max_attempts={max_attempts}"])
    ctx = StageContext(config=config, spark=spark, store=store, run_id="r")
    select = build_stage("select", ctx, "teacher")
    fingerprint = {"now": "fp-now", "old": "fp-old"}
    history = {  # key -> statuses of its earlier rows (under the current fingerprint unless "old")
        "a": ["error", "error"],
        "b": ["error", "error", "error"],
        "c": ["error", "rejected"],
        "d": ["old-error"] * 5,
    }
    rows = [
        select.to_row(
            {"segment_id": key, "fingerprint": fingerprint["old" if status.startswith("old") else "now"]},
            None,
            "earlier",
            Outcome(status.removeprefix("old-"), "timeout" if status.endswith("error") else "not_multi_step"),
        )
        for key, statuses in history.items()
        for status in statuses
    ]
    store.ensure("select", select.schema())
    store.append_rows("select", rows, select.schema(), CommitId("earlier:select", 0))
    inputs = spark.createDataFrame([(key, "fp-now") for key in history], "segment_id string, fingerprint string")
    todo = pending(ctx, inputs, "select", "segment_id")
    assert sorted(row["segment_id"] for row in todo.collect()) == expected


@pytest.mark.parametrize("mode", ["teacher", "synthesizer"])
def test_each_stage_reads_the_table_of_the_stage_before_it_in_its_mode(mode: str) -> None:
    names = stage_names(mode)  # type: ignore[arg-type]
    assert [make(name, mode=mode).source for name in names] == ["prefilter", *names[:-1]]


def test_the_columns_listing_codes_are_the_declared_reason_lists() -> None:
    for name in stage_classes():
        stage = make(name, mode="synthesizer" if name == "synthesize" else "teacher")
        assert [f.name for f in stage.payload() if f.name.endswith("reasons")] == list(stage.reason_lists), name
