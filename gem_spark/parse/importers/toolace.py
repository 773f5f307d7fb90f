"""ToolACE (ShareGPT layout): tools are embedded in the system prompt as a JSON list, and calls are
written `[func(k=v, …), other(k=v)]` with Python-literal values (names may contain spaces, e.g.
`[Market Trends API(trend_type="GAINERS")]`). Values are read with ast.literal_eval, never eval.

The `sharegpt_func_fixed` export wrote calls as JSON but cut every tool name to its last word
("Market Trends API" → "API"). A cut name is restored when exactly one tool of the sample ends in that
word and accepts all of the call's argument names (recorded as `toolace_name_restored`); when two tools
qualify the name stays as written and the validator reports unknown_tool_called."""

from __future__ import annotations

import ast
import json
import re
from typing import Any

from gem_spark.parse.failure import CALL_INVALID, RECORD_INVALID, ParseFailure
from gem_spark.parse.importers.common import Call, calls_from_json, tools_from
from gem_spark.parse.importers.sharegpt import conversations_to_trajectory
from gem_spark.parse.jsonload import MAX_JSON_DEPTH, nesting_depth_exceeds
from gem_spark.schema import Tool, Trajectory

NAME_RESTORED = "toolace_name_restored"
PYTHON_CALL_SYNTAX = "python_call_syntax"
_WORD = re.compile(r"\w+")
_LIST_START = re.compile(r"\[\s*\{")


def tools_in_system_prompt(system: str, repairs: set[str]) -> list[Tool] | ParseFailure:
    """The first JSON list of objects in the prompt, decoded in place."""
    match = _LIST_START.search(system)
    if match is None:
        return ParseFailure(RECORD_INVALID, "no tool list in the system prompt")
    try:
        raw, _ = json.JSONDecoder().raw_decode(system, match.start())
    except ValueError as exc:
        return ParseFailure(RECORD_INVALID, f"tool list in the system prompt is not JSON: {exc}")
    return tools_from(raw, repairs)


def _split_calls(text: str) -> list[tuple[str, str]] | None:
    """`[a(x=1), b c(y="(")]` → [("a", "x=1"), ("b c", 'y="("')]; None when it is not that syntax."""
    body = text.strip()
    if not (body.startswith("[") and body.endswith("]")):
        return None
    calls, index, body = [], 0, body[1:-1]
    while index < len(body):
        open_at = body.find("(", index)
        if open_at < 0:
            return None if body[index:].strip(" ,\n") else calls
        depth, quote, position = 0, "", open_at
        for position in range(open_at, len(body)):
            char = body[position]
            if quote:
                quote = "" if char == quote and body[position - 1] != "\\" else quote
            elif char in "\"'":
                quote = char
            elif char in "([{":
                depth += 1
            elif char in ")]}":
                depth -= 1
                if depth == 0:
                    break
        if depth:
            return None
        calls.append((body[index:open_at].strip(" ,\n"), body[open_at + 1 : position]))
        index = position + 1
    return calls


def parse_python_calls(text: str) -> list[Call] | ParseFailure:
    """ToolACE's `[func(k=v, …)]` call list → calls (keyword arguments only, literal values only)."""
    if nesting_depth_exceeds(text, MAX_JSON_DEPTH):
        return ParseFailure(CALL_INVALID, "call list nests too deep")
    split = _split_calls(text)
    if split is None:
        return ParseFailure(CALL_INVALID, f"not a [func(k=v)] call list: {text[:80]!r}")
    calls: list[Call] = []
    for name, arguments in split:
        try:
            node = ast.parse(f"f({arguments})", mode="eval").body
            if not isinstance(node, ast.Call) or node.args or any(k.arg is None for k in node.keywords):
                return ParseFailure(CALL_INVALID, f"{name}: only keyword arguments are allowed")
            values = {k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg is not None}
        except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError):
            return ParseFailure(CALL_INVALID, f"{name}: arguments are not Python literals")
        if not name:
            return ParseFailure(CALL_INVALID, "call without a name")
        calls.append((name, json.loads(json.dumps(values, default=list)), None))
    return calls


def _restore_name(name: str, arguments: dict[str, Any], tools: list[Tool]) -> str | None:
    if any(tool.name == name for tool in tools):
        return name
    candidates = [
        tool.name
        for tool in tools
        if _WORD.findall(tool.name)[-1:] == [name]
        and set(arguments) <= set(tool.function.parameters.get("properties") or {})
    ]
    return candidates[0] if len(candidates) == 1 else None


def read_toolace_calls(value: str, tools: list[Tool], repairs: set[str]) -> list[Call] | ParseFailure:
    calls = calls_from_json(value, repairs)
    if isinstance(calls, ParseFailure):
        calls = parse_python_calls(value)
        if isinstance(calls, ParseFailure):
            return calls
        repairs.add(PYTHON_CALL_SYNTAX)
    restored: list[Call] = []
    for name, arguments, call_id in calls:
        original = _restore_name(name, arguments, tools)
        if original is not None and original != name:
            repairs.add(NAME_RESTORED)
        restored.append((original or name, arguments, call_id))
    return restored


def import_toolace(record: Any) -> Trajectory | ParseFailure:
    if not isinstance(record, dict) or not isinstance(record.get("system"), str):
        return ParseFailure(RECORD_INVALID, "ToolACE record without a system prompt")
    repairs: set[str] = set()
    tools = tools_in_system_prompt(record["system"], repairs)
    if isinstance(tools, ParseFailure):
        return tools
    return conversations_to_trajectory(record, tools, "import:toolace", repairs, read_toolace_calls)
