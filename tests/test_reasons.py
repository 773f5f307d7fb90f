"""The reason catalogue is complete (every code the code defines), and the README's table is its output."""

from __future__ import annotations

from pathlib import Path

from gem_spark import reasons
from gem_spark.export import call_ids, chat_template, convert, openai_format, sharegpt, synthesizer
from gem_spark.llm.errors import ErrorType
from gem_spark.parse.failure import PARSE_REASONS
from gem_spark.stages import codes as stage_codes
from gem_spark.stages.ingest.quarantine import ALL_REASONS as QUARANTINE_REASONS
from gem_spark.stages.modes import stage_classes
from gem_spark.validate import workflow
from gem_spark.validate.codes import RULE_CODES

README = Path(__file__).resolve().parent.parent / "README.md"


# What an export writes into skipped.jsonl and counts under its manifest's notes.
EXPORT_CODES = {
    convert.TRAJECTORY_INVALID, openai_format.ORPHAN_TOOL_MESSAGE, openai_format.UNANSWERED_CALL,
    openai_format.DUPLICATE_CALL_ID, sharegpt.TAG_IN_TEXT, sharegpt.TURN_ORDER, sharegpt.SYSTEM_INSIDE,
    synthesizer.SEGMENT_MISSING, synthesizer.ROUNDTRIP_MISMATCH, chat_template.RENDER_FAILED,
    chat_template.CALLS_MISMATCH, chat_template.CALL_NOT_JSON, call_ids.CALL_IDS_RENUMBERED,
    sharegpt.TEXT_BESIDE_CALL, sharegpt.TRAILING_USER_TURN,
}  # fmt: skip


def _constants(module: object) -> set[str]:
    return {value for name, value in vars(module).items() if name.isupper() and isinstance(value, str)}


def test_every_code_the_modules_define_is_catalogued_and_nothing_else() -> None:
    defined = (
        PARSE_REASONS
        | RULE_CODES
        | QUARANTINE_REASONS
        | {error.value for error in ErrorType}
        | _constants(stage_codes)
        | {workflow.NO_TOOLS, workflow.GRAPH_UNKNOWN_TOOL}
        | {stage_codes.judge_failed(rubric) for rubric in ("r1", "r2", "r3")}
        | EXPORT_CODES
    )
    assert set(reasons.CATALOGUE) == defined


def test_each_stage_catalogues_the_codes_it_declares_under_its_own_name() -> None:
    for name, stage in stage_classes().items():
        for reason in stage.reasons:
            assert reasons.CATALOGUE[reason.code] == reason and reason.emitted_by == name


def test_every_entry_says_what_it_means() -> None:
    for reason in reasons.CATALOGUE.values():
        assert reason.meaning and reason.emitted_by, reason.code
    assert {r.severity for r in reasons.CATALOGUE.values()} == {"expected", "failure", "bug"}


def test_every_error_code_is_retried_and_no_rejection_is() -> None:
    llm_errors = {error.value for error in ErrorType} | {stage_codes.NO_RESULT, stage_codes.OUTCOME_FAILED}
    for code, reason in reasons.CATALOGUE.items():
        assert (reason.retried != "no") == (code in llm_errors), code


def test_the_readme_table_is_the_catalogues() -> None:
    readme = README.read_text(encoding="utf-8")
    assert reasons.with_table(readme) == readme, "run `python -m gem_spark.reasons README.md`"
    assert reasons.markdown() in readme
