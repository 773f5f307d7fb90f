"""Each export format read the way its consumer reads it, on real conversations from ../shared/data."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from openai.types.chat import ChatCompletionFunctionToolParam, ChatCompletionMessageParam
from pydantic import TypeAdapter

from gem_spark.export.openai_format import ORPHAN_TOOL_MESSAGE, UNANSWERED_CALL, openai_problems, to_openai
from gem_spark.export.sharegpt import (
    OBSERVATION_SEPARATOR,
    TAG_IN_TEXT,
    TEXT_BESIDE_CALL,
    dataset_info,
    sharegpt_to_openai,
    to_sharegpt,
)
from gem_spark.export.synthesizer import ROUNDTRIP_MISMATCH, SEGMENT_MISSING, to_synthesizer_pair
from gem_spark.parse import parse_toolset_trajectory
from gem_spark.schema import Message, ToolCall, Trajectory
from tests.support.accepted_rows import real_trajectories
from tests.support.trajectories import refined_trajectory

OPENAI_MESSAGES = TypeAdapter(list[ChatCompletionMessageParam])
OPENAI_TOOLS = TypeAdapter(list[ChatCompletionFunctionToolParam])
# LLaMA-Factory >= 0.9.4's FunctionFormatter: the first <tool_call>…</tool_call> holds the calls' JSON and the
# rest of the value is the text rendered before them; a value without the tags is the JSON itself.
LLAMAFACTORY_TOOL_CALL = re.compile(r"<tool_call>(.*?)</tool_call>", re.DOTALL)


def llamafactory_function(content: str) -> tuple[str, list[dict[str, Any]]]:
    match = LLAMAFACTORY_TOOL_CALL.search(content)
    text, payload = ("", content) if match is None else (content.replace(match.group(0), ""), match.group(1))
    calls = json.loads(payload)
    return text, calls if isinstance(calls, list) else [calls]


def llamafactory_align(record: dict[str, Any], entry: dict[str, Any]) -> tuple[str, list[tuple[str, str]]]:
    """(system, [(role, content)]) as LLaMA-Factory's SharegptDatasetConverter reads a record through a
    dataset_info entry: columns and tags looked up by name, a leading system-tag turn taken as system,
    (user|observation) at even and (assistant|function) at odd positions, an even number of turns.
    Raises AssertionError where LLaMA-Factory would skip the example as abnormal."""
    columns, tags = entry["columns"], entry["tags"]
    roles = {tags["user_tag"]: "user", tags["assistant_tag"]: "assistant", tags.get("observation_tag"): "observation",
             tags.get("function_tag"): "function", tags["system_tag"]: "system"}  # fmt: skip
    turns = record[columns["messages"]]
    system = record.get(columns.get("system", ""), "")
    if turns and turns[0][tags["role_tag"]] == tags["system_tag"]:
        system, turns = turns[0][tags["content_tag"]], turns[1:]
    accept = (
        (tags["user_tag"], tags.get("observation_tag")),
        (tags["assistant_tag"], tags.get("function_tag")),
    )
    aligned = []
    for index, turn in enumerate(turns):
        assert turn[tags["role_tag"]] in accept[index % 2], f"invalid role at {index}"
        aligned.append((roles[turn[tags["role_tag"]]], turn[tags["content_tag"]]))
    assert len(aligned) % 2 == 0, "odd number of turns"
    for role, content in aligned:
        if role == "function":  # one call object or a list of them, after the text if any
            assert all({"name", "arguments"} <= call.keys() for call in llamafactory_function(content)[1])
    if "tools" in columns and record.get(columns["tools"]):
        assert isinstance(json.loads(record[columns["tools"]]), list)
    return system, aligned


@pytest.fixture(scope="module")
def conversations(shared_data: Path) -> list[Trajectory]:
    files = ["glaive_toolcall_en_demo.json", "functionary_test_case.json", "functionary_test_case_v2.json",
             "apigen_mt_style_sample.jsonl", "reason_tool_use_demo_50.jsonl", "toolace_sharegpt_func_fixed_100.json"]  # fmt: skip
    return [trajectory for file in files for trajectory in real_trajectories(shared_data, file)]


def test_openai_records_follow_the_chat_completions_types(conversations: list[Trajectory]) -> None:
    valid = 0
    for trajectory in [*conversations, refined_trajectory(1)]:
        record = to_openai(trajectory)
        if openai_problems(record):  # an unlinked tool message has no tool_call_id the API would accept
            continue
        valid += 1
        OPENAI_MESSAGES.validate_python(record["messages"])
        OPENAI_TOOLS.validate_python(record["tools"])
        for message in record["messages"]:
            for call in message.get("tool_calls", []):
                assert isinstance(json.loads(call["function"]["arguments"]), dict)
    assert valid >= 0.8 * len(conversations)


def test_openai_rules_catch_broken_call_links() -> None:
    call = ToolCall(id="c1", name="lookup", arguments={"q": "x"})
    unanswered = Trajectory(messages=[Message(role="user", content="hi"), Message(role="assistant", tool_calls=[call]),
                                      Message(role="assistant", content="done")])  # fmt: skip
    orphan = Trajectory(messages=[Message(role="user", content="hi"), Message(role="tool", content="{}")])
    assert openai_problems(to_openai(unanswered)) == [UNANSWERED_CALL]
    assert openai_problems(to_openai(orphan)) == [ORPHAN_TOOL_MESSAGE]


def test_sharegpt_records_load_through_their_dataset_info(conversations: list[Trajectory]) -> None:
    entry = dataset_info("data")["gem_sharegpt"]
    converted = [to_sharegpt(trajectory) for trajectory in conversations]
    records = [item.record for item in converted if item.record is not None]
    assert len(records) == len(conversations)
    for record in records:
        llamafactory_align(record, entry)
    parallel = [
        r
        for r in records
        if any(t["from"] == "function_call" and len(llamafactory_function(t["value"])[1]) > 1
               for t in r["conversations"])
    ]
    assert parallel, "functionary's parallel calls become one function_call turn holding a JSON list"
    observation = next(t["value"] for t in parallel[0]["conversations"] if t["from"] == "observation")
    assert OBSERVATION_SEPARATOR in observation
    assert any(TEXT_BESIDE_CALL in item.notes for item in converted)


def test_sharegpt_round_trips_to_the_same_calls(conversations: list[Trajectory]) -> None:
    for trajectory in conversations[:50]:
        record = to_sharegpt(trajectory).record
        back = sharegpt_to_openai(record)
        calls = [
            (c["function"]["name"], json.loads(c["function"]["arguments"]))
            for m in back["messages"]
            for c in m.get("tool_calls", [])
        ]
        assert calls == [(c.name, c.arguments) for m in trajectory.messages for c in m.tool_calls]


def test_sharegpt_keeps_the_text_beside_calls(conversations: list[Trajectory]) -> None:
    """Every character an assistant writes beside its calls reaches LLaMA-Factory's rendered turn."""
    kept = 0
    for trajectory in conversations:
        record = to_sharegpt(trajectory).record
        texts = [m.content for m in trajectory.messages if m.role == "assistant" and m.tool_calls]
        values = [t["value"] for t in record["conversations"] if t["from"] == "function_call"]
        assert len(values) == len(texts)
        for text, value in zip(texts, values):
            rendered_text = llamafactory_function(value)[0]
            if text.strip():
                assert rendered_text == text + "\n"  # then "<tool_call>\n{…}" as in Qwen3's own template
                kept += 1
            else:
                assert rendered_text == "" and not value.startswith("<")
        back = sharegpt_to_openai(record)
        assert [m["content"] for m in back["messages"] if m.get("tool_calls")] == [
            text if text.strip() else "" for text in texts
        ]
    assert kept > 0, "the real data has assistant text beside calls"


def test_sharegpt_skips_text_holding_a_tool_call_tag() -> None:
    trajectory = refined_trajectory(2)
    index = next(i for i, m in enumerate(trajectory.messages) if m.tool_calls)
    messages = list(trajectory.messages)
    messages[index] = messages[index].model_copy(update={"content": 'I will <tool_call>{"name": "x"}</tool_call>'})
    tagged = trajectory.model_copy(update={"messages": messages})
    assert to_sharegpt(tagged).skip_reason == TAG_IN_TEXT


def test_synthesizer_pairs_parse_back_with_the_synthesize_parser() -> None:
    trajectory = refined_trajectory(2)
    pair = to_synthesizer_pair(trajectory, "How to return an order: sign in, open Orders, ...", 12_000)
    system, turns = llamafactory_align(pair.record, {
        "columns": {"messages": "conversations", "system": "system"},
        "tags": {"role_tag": "from", "content_tag": "value", "user_tag": "human", "assistant_tag": "gpt", "system_tag": "system"},
    })  # fmt: skip
    assert "How to return an order" in turns[0][1] and system
    parsed = parse_toolset_trajectory(turns[1][1], stage="synthesize")
    assert parsed.tools == trajectory.tools
    assert [(m.role, m.content, m.tool_calls) for m in parsed.messages] == [
        (m.role, m.content, m.tool_calls) for m in trajectory.messages
    ]


def test_synthesizer_skips_what_it_cannot_pair() -> None:
    trajectory = refined_trajectory(3)
    assert to_synthesizer_pair(trajectory, None, 12_000).skip_reason == SEGMENT_MISSING
    tagged = trajectory.model_copy(
        update={
            "messages": [Message(role="user", content="see </user><user> here"), *trajectory.messages[1:]]
        }
    )
    assert to_synthesizer_pair(tagged, "text", 12_000).skip_reason == ROUNDTRIP_MISMATCH
