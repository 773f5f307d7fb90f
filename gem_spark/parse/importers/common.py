"""Helpers every dataset importer shares: tool lists, JSON-or-Python tool content, call payloads."""

from __future__ import annotations

import json
from typing import Any

from gem_spark.parse.builder import TrajectoryBuilder
from gem_spark.parse.calls import read_call
from gem_spark.parse.failure import RECORD_INVALID, ParseFailure
from gem_spark.parse.jsonload import PYTHON_LITERAL, load_json
from gem_spark.parse.tools import normalize_tools
from gem_spark.schema import Tool

TOOL_CONTENT_PYTHON_LITERAL = "tool_content_python_literal"
TOOL_CONTENT_STRUCTURED = "tool_content_structured"
RESPONSES_SPLIT = "tool_responses_split"

Call = tuple[str, dict[str, Any], str | None]


def tools_from(raw: Any, repairs: set[str]) -> list[Tool] | ParseFailure:
    """A tool list given as a list or as a JSON string (glaive, reason_tool_use); "" means none."""
    if raw is None or raw == "":
        return []
    if isinstance(raw, str):
        loaded = load_json(raw)
        if isinstance(loaded, ParseFailure):
            return loaded.with_context("tools")
        raw = loaded[0]
        repairs.update(loaded[1])
    normalized = normalize_tools(raw)
    if isinstance(normalized, ParseFailure):
        return normalized
    repairs.update(normalized[1])
    return normalized[0]


def tool_content(raw: Any, repairs: set[str]) -> str:
    """Tool output as text: structured values become JSON; a Python-literal dict/list (some datasets
    print responses with repr) becomes JSON too; anything else stays as written."""
    if not isinstance(raw, str):
        repairs.add(TOOL_CONTENT_STRUCTURED)
        return json.dumps(raw, ensure_ascii=False)
    text = raw.strip()
    if text[:1] in ("{", "["):
        loaded = load_json(text)
        if not isinstance(loaded, ParseFailure) and PYTHON_LITERAL in loaded[1]:
            repairs.add(TOOL_CONTENT_PYTHON_LITERAL)
            return json.dumps(loaded[0], ensure_ascii=False)
    return raw


def calls_from_json(value: str, repairs: set[str]) -> list[Call] | ParseFailure:
    """A JSON call object or a JSON list of them (ShareGPT function_call values)."""
    loaded = load_json(value)
    if isinstance(loaded, ParseFailure):
        return loaded
    repairs.update(loaded[1])
    items = loaded[0] if isinstance(loaded[0], list) else [loaded[0]]
    calls: list[Call] = []
    for item in items:
        call = read_call(item, repairs)
        if isinstance(call, ParseFailure):
            return call
        calls.append((call[0], call[1], None))
    return calls


def field(record: Any, key: str, kind: type) -> Any:
    """record[key] if it has the expected type, else a ParseFailure naming the field."""
    if not isinstance(record, dict):
        return ParseFailure(RECORD_INVALID, f"record is a {type(record).__name__}, not an object")
    value = record.get(key)
    if not isinstance(value, kind):
        return ParseFailure(RECORD_INVALID, f"{key!r} is {type(value).__name__}, expected {kind.__name__}")
    return value


def _bundled_answers(text: str, open_calls: int) -> list[dict[str, Any]] | None:
    if open_calls < 2:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if (
        isinstance(value, list)
        and len(value) == open_calls
        and all(isinstance(v, dict) and "name" in v for v in value)
    ):
        return value
    return None


def add_tool_response(builder: TrajectoryBuilder, raw: str) -> None:
    """One tool message, or — when it answers several open calls at once as a JSON list of
    `{name, content|results, …}` (ToolACE, reason_tool_use) — one message per answer, linked by name.
    A `content` field is the answer itself; otherwise the item is, kept inside a one-item list as the
    dataset writes a single answer (ToolACE), so one tool's answers keep one shape. Recorded as
    `tool_responses_split`."""
    answers = _bundled_answers(raw, builder.open_calls)
    if answers is None:
        builder.tool(tool_content(raw, builder.repairs))
        return
    builder.repairs.add(RESPONSES_SPLIT)
    for answer in answers:
        name = answer["name"] if isinstance(answer["name"], str) else None
        builder.tool(tool_content(answer.get("content", [answer]), builder.repairs), name)
