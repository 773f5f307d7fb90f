"""Trajectory ↔ LLaMA-Factory's ShareGPT record (`conversations` of human / gpt / function_call /
observation turns, `system`, `tools` as a JSON string).

LLaMA-Factory's converter accepts a conversation only when human/observation turns sit at even positions
and gpt/function_call turns at odd ones, with an even number of turns; several calls of one assistant
turn are one function_call turn holding a JSON list, and their results one observation turn joined the
way the Qwen3 template joins `<tool_response>` blocks. Text an assistant writes beside its calls is kept
in the function_call value as `text` + `<tool_call>…</tool_call>` (the calls' JSON between the tags): since
LLaMA-Factory 0.9.4 its FunctionFormatter reads that form (`tool_call_words`) and renders the text before
the calls, as Qwen3's own template does. A turn without text keeps the bare JSON every version reads.
"""

from __future__ import annotations

import json
import re
from typing import Any

from gem_spark.export.converted import Converted
from gem_spark.schema import Message, Trajectory

HUMAN, GPT, FUNCTION, OBSERVATION, SYSTEM = "human", "gpt", "function_call", "observation", "system"
# Between the results of one observation turn (LLaMA-Factory's Qwen template wraps the whole turn).
OBSERVATION_SEPARATOR = "\n</tool_response>\n<tool_response>\n"
# LLaMA-Factory's default `tool_call_words`; the version that first reads them (formatter.py, #9610).
TOOL_CALL_OPEN, TOOL_CALL_CLOSE = "<tool_call>", "</tool_call>"
MIN_LLAMAFACTORY = "0.9.4"
_TOOL_CALL = re.compile(f"{re.escape(TOOL_CALL_OPEN)}(.*?){re.escape(TOOL_CALL_CLOSE)}", re.DOTALL)
# Counts conversations with text kept beside a call: those need LLaMA-Factory >= MIN_LLAMAFACTORY.
TEXT_BESIDE_CALL = "assistant_text_beside_call"
# Text that itself holds a tool-call tag would be read as the call: such a conversation is not written.
TAG_IN_TEXT = "sharegpt_tool_call_tag_in_text"
# A final user turn has no answer to learn from; it is dropped so the conversation ends on the assistant.
TRAILING_USER_TURN = "trailing_user_turn_dropped"
TURN_ORDER = "sharegpt_turn_order"
SYSTEM_INSIDE = "sharegpt_system_inside_conversation"
DATASET_NAME = "gem_sharegpt"

TAGS = {
    "role_tag": "from",
    "content_tag": "value",
    "user_tag": HUMAN,
    "assistant_tag": GPT,
    "observation_tag": OBSERVATION,
    "function_tag": FUNCTION,
    "system_tag": SYSTEM,
}


def dataset_info(file_name: str) -> dict[str, Any]:
    """The `dataset_info.json` entry LLaMA-Factory reads this export with."""
    return {
        DATASET_NAME: {
            "file_name": file_name,
            "formatting": "sharegpt",
            "columns": {"messages": "conversations", "system": "system", "tools": "tools"},
            "tags": TAGS,
            # LLaMA-Factory reads only the keys it knows; this one is for the people who open the file.
            "comment": f"needs LLaMA-Factory >= {MIN_LLAMAFACTORY}: a function_call value may hold the "
            f"assistant's text followed by {TOOL_CALL_OPEN}{{calls JSON}}{TOOL_CALL_CLOSE}",
        }
    }


def _function_call_value(message: Message) -> str:
    calls = [{"name": call.name, "arguments": call.arguments} for call in message.tool_calls]
    value = json.dumps(calls[0] if len(calls) == 1 else calls, ensure_ascii=False)
    if not message.content.strip():
        return value
    # LLaMA-Factory renders the text, then the calls: "text\n<tool_call>\n{…}\n</tool_call>", as Qwen3 does.
    return f"{message.content}\n{TOOL_CALL_OPEN}\n{value}\n{TOOL_CALL_CLOSE}"


def split_function_call(value: str) -> tuple[str, list[dict[str, Any]]]:
    """A function_call value as (text beside the calls, calls), reading both forms `_function_call_value` writes."""
    match = _TOOL_CALL.search(value)
    if match is None:
        text, payload = "", value
    else:
        text, payload = value.replace(match.group(0), "").removesuffix("\n"), match.group(1)
    loaded = json.loads(payload)
    return text, loaded if isinstance(loaded, list) else [loaded]


def _turns(messages: list[Message]) -> tuple[list[dict[str, str]], set[str]] | str:
    turns: list[dict[str, str]] = []
    notes: set[str] = set()
    for message in messages:
        if message.role == "system":
            return SYSTEM_INSIDE
        if message.role == "tool":
            if turns and turns[-1]["from"] == OBSERVATION:
                turns[-1]["value"] += OBSERVATION_SEPARATOR + message.content
            else:
                turns.append({"from": OBSERVATION, "value": message.content})
        elif message.role == "user":
            turns.append({"from": HUMAN, "value": message.content})
        elif message.tool_calls:
            if TOOL_CALL_OPEN in message.content or TOOL_CALL_CLOSE in message.content:
                return TAG_IN_TEXT
            if message.content.strip():
                notes.add(TEXT_BESIDE_CALL)
            turns.append({"from": FUNCTION, "value": _function_call_value(message)})
        else:
            turns.append({"from": GPT, "value": message.content})
    return turns, notes


def turn_order_ok(turns: list[dict[str, str]]) -> bool:
    """LLaMA-Factory's rule: (human|observation) then (gpt|function_call), repeated, ending on the latter."""
    allowed = ((HUMAN, OBSERVATION), (GPT, FUNCTION))
    return len(turns) % 2 == 0 and all(turn["from"] in allowed[index % 2] for index, turn in enumerate(turns))


def to_sharegpt(trajectory: Trajectory) -> Converted:
    messages = list(trajectory.messages)
    leading = 0
    while leading < len(messages) and messages[leading].role == "system":
        leading += 1
    result = _turns(messages[leading:])
    if isinstance(result, str):
        return Converted.skipped(result)
    turns, notes = result
    if turns and turns[-1]["from"] == HUMAN:
        turns.pop()
        notes.add(TRAILING_USER_TURN)
    if not turn_order_ok(turns):
        return Converted.skipped(TURN_ORDER)
    record = {
        "conversations": turns,
        "system": "\n\n".join(message.content for message in messages[:leading]),
        "tools": json.dumps([tool.model_dump(mode="json") for tool in trajectory.tools], ensure_ascii=False),
    }
    return Converted(record, notes=tuple(sorted(notes)))


def sharegpt_to_openai(record: dict[str, Any]) -> dict[str, Any]:
    """The OpenAI-shaped conversation a ShareGPT record stands for (call ids `call_<n>` in order)."""
    messages: list[dict[str, Any]] = []
    if record.get("system"):
        messages.append({"role": "system", "content": record["system"]})
    open_ids: list[str] = []
    n_calls = 0
    for turn in record["conversations"]:
        kind, value = turn["from"], turn["value"]
        if kind == HUMAN:
            messages.append({"role": "user", "content": value})
        elif kind == GPT:
            messages.append({"role": "assistant", "content": value})
        elif kind == FUNCTION:
            text, calls = split_function_call(value)
            open_ids = [f"call_{n_calls + index}" for index in range(len(calls))]
            n_calls += len(calls)
            messages.append({"role": "assistant", "content": text, "tool_calls": [
                {"id": call_id, "type": "function",
                 "function": {"name": call["name"], "arguments": json.dumps(call["arguments"], ensure_ascii=False)}}
                for call_id, call in zip(open_ids, calls)
            ]})  # fmt: skip
        else:
            results = value.split(OBSERVATION_SEPARATOR) if len(open_ids) > 1 else [value]
            messages.extend(
                {"role": "tool", "tool_call_id": call_id, "content": content}
                for call_id, content in zip(open_ids, results)
            )
    tools = json.loads(record["tools"]) if record.get("tools") else []
    return {"messages": messages, "tools": tools}
