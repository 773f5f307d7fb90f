"""Trajectory → OpenAI fine-tuning record `{"messages": [...], "tools": [...]}`, and the message rules
that record must satisfy (every call answered by a `tool` message carrying its id before the next turn).

Arguments are JSON strings, as the Chat Completions API sends them; assistant content is always a string
("" beside calls) because chat templates such as Qwen3's call string methods on it.
"""

from __future__ import annotations

import json
from typing import Any

from gem_spark.schema import Message, Trajectory

ORPHAN_TOOL_MESSAGE = "openai_orphan_tool_message"
UNANSWERED_CALL = "openai_unanswered_call"
DUPLICATE_CALL_ID = "openai_duplicate_call_id"


def openai_message(message: Message) -> dict[str, Any]:
    if message.role == "tool":
        return {"role": "tool", "tool_call_id": message.tool_call_id, "content": message.content}
    out: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.tool_calls:
        out["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": json.dumps(call.arguments, ensure_ascii=False)},
            }
            for call in message.tool_calls
        ]
    return out


def to_openai(trajectory: Trajectory) -> dict[str, Any]:
    return {
        "messages": [openai_message(message) for message in trajectory.messages],
        "tools": [tool.model_dump(mode="json") for tool in trajectory.tools],
    }


def openai_problems(record: dict[str, Any]) -> list[str]:
    """Reason codes for broken call/response links (empty when the record follows the rules)."""
    problems: set[str] = set()
    seen: set[str] = set()
    open_ids: list[str] = []
    for message in record["messages"]:
        if message["role"] == "tool":
            if message.get("tool_call_id") in open_ids:
                open_ids.remove(message["tool_call_id"])
            else:
                problems.add(ORPHAN_TOOL_MESSAGE)
            continue
        if open_ids:
            problems.add(UNANSWERED_CALL)
        open_ids = [call["id"] for call in message.get("tool_calls", [])]
        if seen.intersection(open_ids) or len(set(open_ids)) != len(open_ids):
            problems.add(DUPLICATE_CALL_ID)
        seen.update(open_ids)
    if open_ids:
        problems.add(UNANSWERED_CALL)
    return sorted(problems)
