"""reason_tool_use records: `messages[{role, content: [{type: text|reasoning|tool_call, value}]}]` with
`tools` as a JSON string whose schemas use Python type names ("dict", "str, optional").

Reasoning parts are dropped (they are the model's thinking, not the conversation). When one tool message
follows several calls, its content is a JSON list of `{name, content[, tool_call_id]}` answers: it is split
into one tool message per answer (see add_tool_response)."""

from __future__ import annotations

from typing import Any

from gem_spark.parse.builder import TrajectoryBuilder
from gem_spark.parse.failure import RECORD_INVALID, ParseFailure
from gem_spark.parse.importers.common import Call, add_tool_response, calls_from_json, field, tools_from
from gem_spark.schema import Trajectory


def _parts(message: Any, index: int) -> list[dict[str, Any]] | ParseFailure:
    parts = message.get("content") if isinstance(message, dict) else None
    if not isinstance(parts, list) or not all(
        isinstance(p, dict) and isinstance(p.get("value"), str) for p in parts
    ):
        return ParseFailure(RECORD_INVALID, f"message {index} content is not a list of typed parts")
    return parts


def import_reason_tool_use(record: Any) -> Trajectory | ParseFailure:
    messages = field(record, "messages", list)
    if isinstance(messages, ParseFailure):
        return messages
    builder = TrajectoryBuilder()
    tools = tools_from(record.get("tools"), builder.repairs)
    if isinstance(tools, ParseFailure):
        return tools
    for index, message in enumerate(messages):
        parts = _parts(message, index)
        if isinstance(parts, ParseFailure):
            return parts
        role = message.get("role")
        text = "\n".join(p["value"] for p in parts if p.get("type") == "text")
        if role == "assistant":
            calls: list[Call] = []
            for part in (p for p in parts if p.get("type") == "tool_call"):
                parsed = calls_from_json(part["value"], builder.repairs)
                if isinstance(parsed, ParseFailure):
                    return parsed.with_context(f"message {index}")
                calls.extend(parsed)
            builder.assistant(text, calls)
        elif role == "tool":
            add_tool_response(builder, text)
        elif role in ("system", "user"):
            builder.text(role, text)
        else:
            return ParseFailure(RECORD_INVALID, f"message {index} has unknown role {str(role)[:40]!r}")
    return builder.build(tools, "import:reason_tool_use")
