"""ShareGPT records with tool use (glaive): `conversations[{from, value}]` with roles human / gpt /
function_call / observation, an optional `system`, and `tools` as a JSON string.

A function_call turn is an assistant turn whose content is the call (one JSON object or a list for
parallel calls); an observation answers the open calls in order, or several at once (see
add_tool_response). Importers for datasets that share
this layout but write tools or calls differently (ToolACE) pass their own readers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gem_spark.parse.builder import TrajectoryBuilder
from gem_spark.parse.failure import RECORD_INVALID, ParseFailure
from gem_spark.parse.importers.common import Call, add_tool_response, calls_from_json, field, tools_from
from gem_spark.schema import Tool, Trajectory

CallReader = Callable[[str, list[Tool], set[str]], "list[Call] | ParseFailure"]
_TEXT_ROLES = {
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "assistant": "assistant",
    "system": "system",
}


def _json_calls(value: str, tools: list[Tool], repairs: set[str]) -> list[Call] | ParseFailure:
    return calls_from_json(value, repairs)


def conversations_to_trajectory(
    record: dict[str, Any], tools: list[Tool], stage: str, repairs: set[str], read_calls: CallReader
) -> Trajectory | ParseFailure:
    turns = field(record, "conversations", list)
    if isinstance(turns, ParseFailure):
        return turns
    builder = TrajectoryBuilder()
    builder.repairs.update(repairs)
    system = record.get("system")
    if isinstance(system, str) and system.strip():
        builder.text("system", system)
    for index, turn in enumerate(turns):
        sender = turn.get("from") if isinstance(turn, dict) else None
        value = turn.get("value") if isinstance(turn, dict) else None
        if not isinstance(value, str):
            return ParseFailure(RECORD_INVALID, f"turn {index} has no text value")
        if sender == "function_call":
            calls = read_calls(value, tools, builder.repairs)
            if isinstance(calls, ParseFailure):
                return calls.with_context(f"turn {index}")
            builder.assistant("", calls)
        elif sender == "observation":
            add_tool_response(builder, value)
        elif sender in _TEXT_ROLES:
            builder.text(_TEXT_ROLES[sender], value)
        else:
            return ParseFailure(RECORD_INVALID, f"turn {index} from unknown sender {str(sender)[:40]!r}")
    return builder.build(tools, stage)


def import_sharegpt(record: Any) -> Trajectory | ParseFailure:
    if not isinstance(record, dict):
        return ParseFailure(RECORD_INVALID, "record is not an object")
    repairs: set[str] = set()
    tools = tools_from(record.get("tools"), repairs)
    if isinstance(tools, ParseFailure):
        return tools
    return conversations_to_trajectory(record, tools, "import:sharegpt", repairs, _json_calls)
