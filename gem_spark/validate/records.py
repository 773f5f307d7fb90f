"""One record of a user's dataset → one result row (pure; runs on executors for `gem-spark validate`).

A record is imported with the importer its format names (or the detected one), then checked with a
rule profile. A record that is a tool definition (tau-bench tool files) gets the definition rules only.
Nothing raises: unreadable JSON and records in no known format become `import_failed` rows.
"""

from __future__ import annotations

import json
from typing import Any

from gem_spark.parse import ParseFailure
from gem_spark.parse.failure import JSON_INVALID, RECORD_INVALID
from gem_spark.parse.importers import IMPORTERS, detect_format
from gem_spark.parse.importers.common import tools_from
from gem_spark.schema import Tool
from gem_spark.validate.rules import RuleConfig
from gem_spark.validate.trajectory import Verdict, check_tools, check_trajectory

# CLI format names → the importers they may use (openai covers both message content styles).
FORMATS: dict[str, tuple[str, ...]] = {
    "openai": ("openai_chat", "reason_tool_use"),
    "sharegpt": ("sharegpt",),
    "toolace": ("toolace",),
    "apigen-mt": ("apigen_mt",),
    "tau-bench": ("tau_bench",),
}
OK, WARNED, REJECTED, IMPORT_FAILED = "ok", "warned", "rejected", "import_failed"
_PREVIEW_CHARS = 300


def is_tool_definition(record: Any) -> bool:
    if not isinstance(record, dict):
        return False
    function = record.get("function")
    if isinstance(function, dict):
        return "name" in function
    return "name" in record and "parameters" in record


def _importer_kind(record: Any, fmt: str) -> str | None:
    detected = detect_format(record)
    if fmt == "auto":
        return detected
    allowed = FORMATS[fmt]
    return detected if detected in allowed else allowed[0]


def _row(
    status: str, kind: str, reasons: list[str], findings: list[dict[str, str]], preview: str
) -> dict[str, Any]:
    return {"status": status, "kind": kind, "reasons": reasons, "findings": findings, "preview": preview}


def _from_verdict(kind: str, verdict: Verdict) -> dict[str, Any]:
    status = REJECTED if verdict.rejects else WARNED if verdict.warnings else OK
    return _row(status, kind, verdict.rejects, verdict.findings(), "")


def _failed(failure: ParseFailure, raw: str) -> dict[str, Any]:
    finding = {"code": failure.reason, "severity": "reject", "detail": failure.detail[:500]}
    return _row(IMPORT_FAILED, "unknown", [failure.reason], [finding], raw[:_PREVIEW_CHARS])


def check_record(record: Any, fmt: str, rules: RuleConfig, tools: list[Tool]) -> dict[str, Any]:
    """`tools` stand in for a conversation's definitions when its format ships none (tau-bench logs)."""
    if is_tool_definition(record):
        defined = tools_from([record], set())
        if isinstance(defined, ParseFailure):
            return _failed(defined, json.dumps(record, ensure_ascii=False))
        return _from_verdict("tool", check_tools(defined, rules))
    kind = _importer_kind(record, fmt)
    if kind is None:
        failure = ParseFailure(RECORD_INVALID, "record matches no known tool-use format")
        return _failed(failure, json.dumps(record, ensure_ascii=False))
    imported = IMPORTERS[kind](record)
    if isinstance(imported, ParseFailure):
        return _failed(imported, json.dumps(record, ensure_ascii=False))
    if not imported.tools and tools:
        imported = imported.model_copy(update={"tools": tools})
    return {**_from_verdict(kind, check_trajectory(imported, rules)), "kind": kind}


def check_line(line: str, fmt: str, rules: RuleConfig, tools: list[Tool]) -> dict[str, Any]:
    try:
        record = json.loads(line.lstrip("\ufeff"))
    except ValueError as error:
        return _failed(ParseFailure(JSON_INVALID, str(error)), line)
    return check_record(record, fmt, rules, tools)


def check_document(text: str, fmt: str, rules: RuleConfig, tools: list[Tool]) -> list[dict[str, Any]]:
    """A whole .json file: a list of records, or one record."""
    try:
        data = json.loads(text.lstrip("\ufeff"))
    except ValueError as error:
        return [_failed(ParseFailure(JSON_INVALID, str(error)), text)]
    records = data if isinstance(data, list) else [data]
    return [check_record(record, fmt, rules, tools) for record in records]


def load_tools(text: str) -> list[Tool]:
    """A tool file (`--tools`): a JSON list of definitions; a ValueError names what is wrong."""
    tools = tools_from(json.loads(text.lstrip("\ufeff")), set())
    if isinstance(tools, ParseFailure):
        msg = f"{tools.reason}: {tools.detail}"
        raise ValueError(msg)
    return tools


