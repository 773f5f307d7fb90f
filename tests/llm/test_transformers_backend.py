"""The transformers backend with the tiny random-weight model (real tokenizer, template and generate)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gem_spark.config import SamplingConfig, TransformersModelConfig
from gem_spark.llm.errors import ErrorType
from gem_spark.llm.protocol import LLMRequest
from gem_spark.llm.registry import get_backend
from gem_spark.llm.transformers_backend import TransformersBackend

TOOLS = [{"type": "function", "function": {"name": "lookup_order", "parameters": {"type": "object"}}}]


@pytest.fixture(scope="module")
def config(tiny_model_dir: Path) -> TransformersModelConfig:
    return TransformersModelConfig(
        backend="transformers",
        model=str(tiny_model_dir),
        dtype="float32",
        batch_size=3,
        sampling=SamplingConfig(temperature=0.0, max_tokens=8),
    )


def user(key: str, text: str, **fields: object) -> LLMRequest:
    return LLMRequest(key=key, messages=[{"role": "user", "content": text}], **fields)  # type: ignore[arg-type]


def test_batched_greedy_generation_is_deterministic_and_in_order(config: TransformersModelConfig) -> None:
    backend = get_backend(config)
    assert isinstance(backend, TransformersBackend)
    requests = [user(f"k{i}", "Where is my order?" + " please" * i) for i in range(7)]
    first, second = backend.generate(requests), backend.generate(requests)
    assert [r.key for r in first] == [r.key for r in requests]
    assert [r.text for r in first] == [r.text for r in second]
    assert all(r.ok and r.finish_reason in {"stop", "length"} for r in first)
    assert all(1 <= r.completion_tokens <= 8 for r in first)
    assert [r.prompt_tokens for r in first] == sorted(r.prompt_tokens for r in first)  # longer prompts
    # Left padding: a request's greedy answer does not depend on its batch-mates.
    assert backend.generate([requests[3]])[0].text == first[3].text


def test_tools_are_rendered_and_sampling_groups_keep_order(config: TransformersModelConfig) -> None:
    backend = get_backend(config)
    requests = [
        user("plain", "Find order 7."),
        user("sampled", "Find order 7.", sampling={"temperature": 0.9, "seed": 1}),
        user("tools", "Find order 7.", tools=TOOLS),
        user("short", "Find order 7.", sampling={"max_tokens": 2}),
    ]
    plain, sampled, tools, short = backend.generate(requests)
    assert [r.key for r in (plain, sampled, tools, short)] == ["plain", "sampled", "tools", "short"]
    assert tools.prompt_tokens > plain.prompt_tokens + 10
    assert sampled.ok and sampled.prompt_tokens == plain.prompt_tokens
    assert short.completion_tokens <= 2


def test_prompt_too_long_and_bad_override_are_error_rows(config: TransformersModelConfig) -> None:
    capped = get_backend(config.model_copy(update={"max_prompt_tokens": 30}))
    ok, long, bad = capped.generate(
        [user("ok", "Hi"), user("long", "word " * 100), user("bad", "Hi", sampling={"top_p": 0})]
    )
    assert ok.ok
    assert long.error_type == ErrorType.PROMPT_TOO_LONG.value
    assert bad.error_type == ErrorType.INVALID_REQUEST.value
