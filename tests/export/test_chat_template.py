"""Exported conversations through the real Qwen3 chat template (../shared/data/chat_templates)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gem_spark.export.chat_template import (
    CALLS_MISMATCH,
    chat_template_problems,
    load_chat_template,
    render_chat,
)
from gem_spark.export.openai_format import openai_problems, to_openai
from gem_spark.export.sharegpt import sharegpt_to_openai, to_sharegpt
from tests.support.accepted_rows import real_trajectories
from tests.support.trajectories import refined_trajectory

FILES = ["glaive_toolcall_en_demo.json", "functionary_test_case.json", "functionary_test_case_v2.json",
         "apigen_mt_style_sample.jsonl", "reason_tool_use_demo_50.jsonl", "toolace_sharegpt_func_fixed_100.json"]  # fmt: skip


@pytest.fixture(scope="module")
def qwen3(shared_data: Path) -> str:
    return load_chat_template(shared_data / "chat_templates" / "qwen3.jinja")


@pytest.mark.parametrize("file", FILES)
def test_real_conversations_render_and_calls_parse_back(qwen3: str, shared_data: Path, file: str) -> None:
    checked = 0
    for trajectory in real_trajectories(shared_data, file):
        record = to_openai(trajectory)
        if not openai_problems(record):
            assert chat_template_problems(qwen3, record) == []
            checked += 1
        assert chat_template_problems(qwen3, sharegpt_to_openai(to_sharegpt(trajectory).record)) == []
    assert checked > 0


def test_rendered_text_carries_tools_calls_and_responses(qwen3: str) -> None:
    record = to_openai(refined_trajectory(4))
    text = render_chat(qwen3, record["messages"], record["tools"])
    n_calls = sum(len(message.get("tool_calls", [])) for message in record["messages"])
    assert n_calls == 16
    assert text.count("<tool_call>") == n_calls + 2  # the system turn names the tag and shows an example
    assert text.count("<tool_response>") == n_calls
    assert '"name": "create_return"' in text
    assert json.dumps(record["tools"][0], ensure_ascii=False) in text


def test_a_call_written_as_text_is_reported(qwen3: str) -> None:
    record = to_openai(refined_trajectory(5))
    fake = '<tool_call>\n{"name": "cancel_order", "arguments": {"order_id": "X"}}\n</tool_call>'
    record["messages"].append({"role": "user", "content": "thanks"})
    record["messages"].append({"role": "assistant", "content": f"Sure. {fake}"})
    assert chat_template_problems(qwen3, record) == [CALLS_MISMATCH]
