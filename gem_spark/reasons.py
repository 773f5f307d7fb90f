"""The reason catalogue: every code a row can carry, what it means, who writes it, how bad it is and
whether it is retried, and per table which statuses exist.

Codes are defined beside the code that emits them (parsers: parse/failure.py, rules: validate/codes.py,
workflow checks: validate/workflow.py, backends: llm/errors.py, ingest: stages/ingest/quarantine.py,
stages: stages/codes.py, exports: export/*.py); this module collects them by name, so a string is never
typed twice. A new code is one `Reason(...)` line here (a test fails while one is missing), or, for a
code a stage's own outcome decides, one entry of that stage's `reasons` (stages/modes.py lists the
stages). The README's reason table is generated from this catalogue: `python -m gem_spark.reasons
README.md` rewrites it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from gem_spark.export import call_ids, chat_template, convert, openai_format, sharegpt, synthesizer
from gem_spark.llm.errors import RETRYABLE, ErrorType
from gem_spark.parse import failure as parse
from gem_spark.stages import codes as stage
from gem_spark.stages.codes import Reason
from gem_spark.stages.ingest import quarantine as ingest
from gem_spark.stages.modes import llm_stage_names, stage_classes
from gem_spark.validate import codes as rule

INGEST, PARSERS = "ingest → quarantine", "parsers (every LLM stage)"
# Rule profiles (validate.profiles.<name>) run in these stages and in `gem-spark validate`.
RULES = "rules (generate, refine, synthesize, judge; validate)"
LLM = "LLM backends (every LLM stage)"
EXPORT_SKIP, EXPORT_NOTE = "export (skipped.jsonl)", "export (manifest notes)"

_BEFORE_THE_STAGES: tuple[Reason, ...] = (
    # Ingest: one quarantine row per bad record (or per unreadable file).
    Reason(ingest.MISSING_TEXT, INGEST, "expected", "the record has no text field, or it is null"),
    Reason(ingest.NON_STRING_TEXT, INGEST, "expected", "the text field holds a number, list, object or bool"),
    Reason(ingest.UNDECODABLE_BYTES, INGEST, "expected", "bytes that are not UTF-8 (binary file, broken encoding)"),
    Reason(ingest.EMPTY_TEXT, INGEST, "expected", "nothing but whitespace or NUL bytes"),
    Reason(ingest.DOCUMENT_TOO_LARGE, INGEST, "expected", "longer than ingest.max_document_chars"),
    Reason(ingest.HTML_ONLY, INGEST, "expected", "markup without visible text"),
    Reason(ingest.TOO_SHORT, INGEST, "expected", "shorter than ingest.min_segment_chars"),
    Reason(ingest.MALFORMED_RECORD, INGEST, "expected", "a JSON line that is not a JSON object, a ragged CSV row"),
    Reason(ingest.DUPLICATE_ID, INGEST, "expected", "an id an earlier document of the same run took"),
    Reason(ingest.PROCESSING_ERROR, INGEST, "bug", "an unexpected exception on one record or file"),
    Reason(ingest.UNREADABLE_FILE, INGEST, "expected", "a file that cannot be opened or parsed as its format"),
    Reason(ingest.CORRUPT_COMPRESSED_FILE, INGEST, "expected", "truncated or corrupt .gz/.zst (records before the damage are kept)"),
    Reason(ingest.MISSING_TEXT_COLUMN, INGEST, "expected", "a file whose records (most of them, for JSON Lines) lack the configured text field"),
    Reason(ingest.TEXT_COLUMN_WRONG_TYPE, INGEST, "expected", "a file whose text column or field is not a string (one file-level row naming the type)"),
    Reason(ingest.UNSUPPORTED_FORMAT, INGEST, "expected", "a file extension of no format gem-spark reads"),
    # The heuristic prefilter.
    Reason(stage.PREFILTER_LOW_SCORE, "prefilter", "expected", "procedural score below prefilter.threshold"),
    # Parsers: the model output is not what the prompt asked for.
    Reason(parse.INPUT_NOT_TEXT, PARSERS, "expected", "the model output is not a string"),
    Reason(parse.INPUT_TOO_LARGE, PARSERS, "expected", "longer than the parser's size cap"),
    Reason(parse.EMPTY_OUTPUT, PARSERS, "expected", "nothing left after removing think blocks and whitespace"),
    Reason(parse.MISSING_TAG, PARSERS, "expected", "a required tag is absent"),
    Reason(parse.INVALID_BOOLEAN, PARSERS, "expected", "<multi_step> is neither True nor False"),
    Reason(parse.MISSING_LABEL, PARSERS, "expected", "multi_step True but summary/domain/platform/task missing or empty"),
    Reason(parse.JSON_INVALID, PARSERS, "expected", "not JSON, even after the recorded repairs"),
    Reason(parse.JSON_TOO_DEEP, PARSERS, "expected", "JSON nested beyond the depth cap"),
    Reason(parse.JSON_WRONG_TYPE, PARSERS, "expected", "valid JSON of the wrong shape"),
    Reason(parse.TOOL_INVALID, PARSERS, "expected", "a tool definition without a usable name or schema object"),
    Reason(parse.CALL_INVALID, PARSERS, "expected", 'a call that is not {"name": str, "arguments": object}'),
    Reason(parse.GRAPH_INVALID, PARSERS, "expected", "an execution graph that is not (a)->(b, c)->(d) chains"),
    Reason(parse.NO_MESSAGES, PARSERS, "expected", "no role tags, no messages"),
    Reason(parse.SCORE_INVALID, PARSERS, "expected", "judge output without R1, R2, R3 each 0 or 1"),
    Reason(parse.RECORD_INVALID, "dataset importers (not in tables)", "expected", "an imported dataset record not in its format"),
)  # fmt: skip
_AFTER_THE_STAGES: tuple[Reason, ...] = (
    # Rule checks before the judge model (all of a row's codes are in its rule_reasons).
    Reason(rule.TOOL_SCHEMA_INVALID, RULES, "expected", "a tool's parameters are not a valid JSON Schema object"),
    Reason(rule.TOOL_DESCRIPTION_MISSING, RULES, "expected", "a tool with a valid schema but an empty description (warns by default)"),
    Reason(rule.NO_TOOL_DEFINITIONS, RULES, "expected", "calls made while the trajectory defines no tool at all"),
    Reason(rule.EMPTY_TOOL_RESULT, RULES, "expected", "a tool that returned nothing (warns by default: tools without output exist)"),
    Reason(rule.DUPLICATE_TOOL_NAME, RULES, "expected", "two tools share a name"),
    Reason(rule.TOOL_NAME_INVALID, RULES, "expected", "a tool name that is empty or not an identifier"),
    Reason(rule.UNKNOWN_TOOL_CALLED, RULES, "expected", "a call of a tool the toolset lacks"),
    Reason(rule.MISSING_REQUIRED_ARGUMENT, RULES, "expected", "a call without a required argument"),
    Reason(rule.ARGUMENT_TYPE_MISMATCH, RULES, "expected", "an argument of the wrong JSON type"),
    Reason(rule.UNEXPECTED_ARGUMENT, RULES, "expected", "an argument the tool's schema does not declare"),
    Reason(rule.CALL_WITHOUT_RESPONSE, RULES, "expected", "a tool call no tool message answers"),
    Reason(rule.RESPONSE_WITHOUT_CALL, RULES, "expected", "a tool message no call asked for"),
    Reason(rule.TOOL_FOLLOWED_BY_USER, RULES, "expected", "a user turn right after a tool response"),
    Reason(rule.BAD_TURN_ORDER, RULES, "expected", "turns out of the system/user/assistant/tool order"),
    Reason(rule.EMPTY_MESSAGE, RULES, "expected", "a message without content or calls"),
    Reason(rule.MISSING_SYSTEM, RULES, "expected", "no system message"),
    Reason(rule.MULTIPLE_CALLS_PER_TURN, RULES, "expected", "more calls in one turn than allowed"),
    Reason(rule.UNCLOSED_TAG, RULES, "expected", "a tag opened and never closed in a message"),
    Reason(rule.NOT_ENDING_WITH_ASSISTANT, RULES, "expected", "the conversation does not end with the assistant"),
    Reason(rule.TOO_FEW_TOOL_CALLS, RULES, "expected", "fewer tool calls than pipeline.min_tool_calls"),
    Reason(rule.TOOL_RESPONSE_MALFORMED, RULES, "expected", "a tool response that is not the JSON the tool returns"),
    Reason(rule.INCONSISTENT_RESPONSE_STRUCTURE, RULES, "expected", "one tool's responses disagree in structure"),
    Reason(rule.PLACEHOLDER_VALUE, RULES, "expected", "a placeholder (<value>, TODO, xxx) where data belongs"),
    # Requests that failed: error rows.
    Reason(ErrorType.REQUEST_BUILD_FAILED.value, LLM, "bug", "the stage could not turn its row into a request", "next run"),
    Reason(ErrorType.INVALID_REQUEST.value, LLM, "failure", "bad sampling override, template failure or rejected constraint", "next run"),
    Reason(ErrorType.PROMPT_TOO_LONG.value, LLM, "expected", "the prompt exceeds the model's prompt budget", "next run"),
    Reason(ErrorType.ENGINE_ERROR.value, LLM, "failure", "the engine failed on a request it accepted", "next run"),
    Reason(ErrorType.BACKEND_ERROR.value, LLM, "bug", "a backend raised for a whole batch", "next run"),
    Reason(ErrorType.NO_RECORDED_RESPONSE.value, LLM, "failure", "the replay file has no response for this stage and key", "next run"),
    Reason(ErrorType.HTTP_429.value, LLM, "failure", "rate limited", "in request, then next run"),
    Reason(ErrorType.HTTP_5XX.value, LLM, "failure", "the endpoint failed", "in request, then next run"),
    Reason(ErrorType.HTTP_4XX.value, LLM, "failure", "the endpoint refused the request", "next run"),
    Reason(ErrorType.TIMEOUT.value, LLM, "failure", "no answer within timeout_s", "in request, then next run"),
    Reason(ErrorType.CONNECTION_ERROR.value, LLM, "failure", "the endpoint could not be reached", "in request, then next run"),
    Reason(ErrorType.MALFORMED_RESPONSE.value, LLM, "failure", "a response body that is not the API's JSON", "next run"),
    Reason(ErrorType.RESPONSE_TOO_LARGE.value, LLM, "failure", "a response larger than max_response_bytes", "next run"),
    Reason(ErrorType.RETRIES_EXHAUSTED.value, LLM, "failure", "retryable failures until max_retries or max_total_wait_s ran out", "next run"),
    Reason(stage.NO_RESULT, "every LLM stage", "bug", "the row came back without a model result", "next run"),
    Reason(stage.OUTCOME_FAILED, "every LLM stage", "bug", "the stage's outcome code raised on this output", "next run"),
    # Marks on accepted trajectories (status and reason are the same code).
    Reason(stage.NEAR_DUPLICATE, "dedup (accepted)", "expected", "a near duplicate of an earlier accepted trajectory (detail names it)"),
    Reason(stage.CONTAMINATED, "decontam (accepted)", "expected", "shares an n-gram with a benchmark item (detail names it)"),
    # Exports: an accepted trajectory a format cannot hold is listed in skipped.jsonl with its code;
    # the manifest counts the rest under notes (the row was written, changed as the note says).
    Reason(convert.TRAJECTORY_INVALID, EXPORT_SKIP, "bug", "the stored trajectory JSON no longer validates"),
    Reason(openai_format.ORPHAN_TOOL_MESSAGE, EXPORT_SKIP, "expected", "openai: a tool message no earlier call id answers"),
    Reason(openai_format.UNANSWERED_CALL, EXPORT_SKIP, "expected", "openai: a call id no tool message answers"),
    Reason(openai_format.DUPLICATE_CALL_ID, EXPORT_SKIP, "expected", "openai: a call id used twice after renumbering"),
    Reason(sharegpt.TAG_IN_TEXT, EXPORT_SKIP, "expected", "sharegpt: message text holding a `<tool_call>` tag LLaMA-Factory would read as a call"),
    Reason(sharegpt.TURN_ORDER, EXPORT_SKIP, "expected", "sharegpt: turns LLaMA-Factory's human/gpt alternation cannot hold"),
    Reason(sharegpt.SYSTEM_INSIDE, EXPORT_SKIP, "expected", "sharegpt: a system message after the conversation started"),
    Reason(synthesizer.SEGMENT_MISSING, EXPORT_SKIP, "expected", "synthesizer: the trajectory's source segment is no longer in the segments table"),
    Reason(synthesizer.ROUNDTRIP_MISMATCH, EXPORT_SKIP, "expected", "synthesizer: the target does not parse back into the same trajectory (e.g. fenced JSON the parser strips)"),
    Reason(chat_template.RENDER_FAILED, EXPORT_SKIP, "expected", "the --chat-template raised while rendering the conversation"),
    Reason(chat_template.CALLS_MISMATCH, EXPORT_SKIP, "expected", "the rendered text holds other tool calls than the conversation"),
    Reason(chat_template.CALL_NOT_JSON, EXPORT_SKIP, "expected", "a rendered `<tool_call>` block is not JSON"),
    Reason(call_ids.CALL_IDS_RENUMBERED, EXPORT_NOTE, "expected", "openai: reused call ids made unique (`<id>_2`, ...)"),
    Reason(sharegpt.TEXT_BESIDE_CALL, EXPORT_NOTE, "expected", "sharegpt: assistant text kept beside a call (needs LLaMA-Factory >= 0.9.4)"),
    Reason(sharegpt.TRAILING_USER_TURN, EXPORT_NOTE, "expected", "sharegpt: a final user turn dropped so the conversation ends on the assistant"),
)  # fmt: skip


def _stage_reasons() -> tuple[Reason, ...]:
    """The codes each stage of the mode list declares for its own decisions, in data-flow order."""
    return tuple(reason for cls in stage_classes().values() for reason in cls.reasons)


_CATALOGUE = (*_BEFORE_THE_STAGES, *_stage_reasons(), *_AFTER_THE_STAGES)

CATALOGUE: dict[str, Reason] = {reason.code: reason for reason in _CATALOGUE}

OK, REJECTED, ERROR = "ok", "rejected", "error"
# Which statuses each table's rows take (the runs table's reason is the failing exception's type).
TABLE_STATUSES: dict[str, tuple[str, ...]] = {
    "segments": (OK,),
    "quarantine": (REJECTED,),
    "prefilter": (OK, REJECTED),
    **{name: (OK, REJECTED, ERROR) for name in llm_stage_names()},
    "accepted": (OK, stage.NEAR_DUPLICATE, stage.CONTAMINATED),
    "runs": ("running", "finished", "failed"),
}
# Codes kept in array columns besides the one `reason` (every problem a row has, not only the first).
REASON_LISTS: dict[str, tuple[str, ...]] = {name: cls.reason_lists for name, cls in stage_classes().items()}


def _check() -> None:
    duplicates = len(_CATALOGUE) - len(CATALOGUE)
    if duplicates:
        msg = f"{duplicates} reason code(s) catalogued twice"
        raise AssertionError(msg)
    retried_in_request = {error.value for error in RETRYABLE}
    wrong = [r.code for r in _CATALOGUE if (r.retried == "in request, then next run") != (r.code in retried_in_request)]
    if wrong:
        msg = f"catalogue and llm.errors.RETRYABLE disagree on {wrong}"
        raise AssertionError(msg)


_check()

BEGIN, END = "<!-- reasons:begin (generated by `python -m gem_spark.reasons README.md`) -->", "<!-- reasons:end -->"


def markdown() -> str:
    """The README's reason table: one row per code, grouped as catalogued."""
    lines = [
        "| code | emitted by | severity | retried | meaning |",
        "|---|---|---|---|---|",
        *(f"| `{r.code}` | {r.emitted_by} | {r.severity} | {r.retried} | {r.meaning} |" for r in _CATALOGUE),
        "",
        "| table | statuses |",
        "|---|---|",
        *(f"| `{table}` | {', '.join(f'`{s}`' for s in statuses)} |" for table, statuses in TABLE_STATUSES.items()),
    ]
    return "\n".join(lines)


def with_table(readme: str) -> str:
    """`readme` with the text between the reason markers replaced by the current table."""
    head, found, rest = readme.partition(BEGIN)
    _, found_end, tail = rest.partition(END)
    if not (found and found_end):
        msg = f"the README lacks the markers {BEGIN!r} ... {END!r}"
        raise ValueError(msg)
    return f"{head}{BEGIN}\n{markdown()}\n{END}{tail}"


if __name__ == "__main__":
    target = Path(sys.argv[1])
    target.write_text(with_table(target.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"reason table written into {target}")
