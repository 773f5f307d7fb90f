"""The vllm backend against the real vLLM engine (CPU build) and the tiny random-weight model.

Every test here shares one engine per process: configs that differ only in sampling, prompt limits or
template kwargs reuse it (see vllm_backend.shared_engine).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from gem_spark.config import VllmModelConfig
from gem_spark.llm.chat import render_prompt
from gem_spark.llm.errors import ErrorType
from gem_spark.llm.protocol import LLMRequest, ResponseConstraint
from gem_spark.llm.registry import get_backend
from gem_spark.llm.vllm_backend import engine_options, prefix_order, shared_engine
from tests.llm.conftest import tiny_vllm_config

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "book_flight",
            "description": "Book a flight for the customer",
            "parameters": {"type": "object", "properties": {"to": {"type": "string"}}, "required": ["to"]},
        },
    }
]

# No maxLength: xgrammar 0.2.8 compiles a maxLength string to a character class that admits raw
# control characters, which strict JSON rejects; a bounded pattern keeps strings short and valid.
SCHEMA = {
    "type": "object",
    "properties": {
        "label": {"enum": ["procedural", "other"]},
        "steps": {"type": "integer", "minimum": 0, "maximum": 20},
        "title": {"type": "string", "pattern": "^[a-z ]{1,12}$"},
    },
    "required": ["label", "steps", "title"],
    "additionalProperties": False,
}


def user(key: str, text: str, **fields: object) -> LLMRequest:
    return LLMRequest(key=key, messages=[{"role": "user", "content": text}], **fields)  # type: ignore[arg-type]


def sampled(count: int, constraint: ResponseConstraint) -> list[LLMRequest]:
    """`count` requests sampled at temperature 1 with different seeds: many distinct outputs."""
    return [
        user(
            f"k{i}",
            f"Describe task {i}.",
            sampling={"temperature": 1.0, "seed": i, "max_tokens": 64},
            constraint=constraint,
        )
        for i in range(count)
    ]


def test_prefix_order_puts_shared_prefixes_together() -> None:
    prompts = [[1, 2, 3], [9], [1, 2], [1, 5], [1, 2, 3, 4]]
    assert prefix_order(prompts) == [2, 0, 4, 3, 1]


def test_engine_options_pass_config_and_engine_kwargs_through(tiny_model_dir: Path) -> None:
    config = tiny_vllm_config(tiny_model_dir, engine_kwargs={"seed": 3, "enforce_eager": False})
    options = engine_options(config)
    assert options["model"] == str(tiny_model_dir)
    assert (options["max_model_len"], options["kv_cache_memory_bytes"], options["dtype"]) == (
        1024,
        64 << 20,
        "bfloat16",
    )
    assert options["structured_outputs_config"] == {"backend": "xgrammar", "disable_any_whitespace": True}
    assert (options["seed"], options["enforce_eager"]) == (3, False)  # engine_kwargs win


@pytest.mark.vllm
def test_generation(vllm_config: VllmModelConfig) -> None:
    results = get_backend(vllm_config).generate([user("a", "Book a flight to Paris."), user("b", "Hello")])
    assert [r.key for r in results] == ["a", "b"]
    for result in results:
        assert result.ok and isinstance(result.text, str)
        assert result.finish_reason in {"stop", "length"}
        assert result.prompt_tokens > 5
        assert 1 <= result.completion_tokens <= 16
        assert result.latency_s > 0


@pytest.mark.vllm
def test_chat_with_tools_and_template_kwargs(vllm_config: VllmModelConfig) -> None:
    backend = get_backend(vllm_config)
    tokenizer = shared_engine(engine_options(vllm_config)).get_tokenizer()
    plain, with_tools = user("plain", "Book a flight."), user("tools", "Book a flight.", tools=TOOLS)
    assert '"name": "book_flight"' in render_prompt(tokenizer, with_tools, {})
    results = backend.generate([plain, with_tools])
    assert all(r.ok for r in results)
    assert results[1].prompt_tokens > results[0].prompt_tokens + 20

    no_thinking = get_backend(
        vllm_config.model_copy(update={"chat_template_kwargs": {"enable_thinking": False}})
    )
    assert "<think>" in render_prompt(tokenizer, plain, {"enable_thinking": False})
    [result] = no_thinking.generate([plain])
    assert result.prompt_tokens > results[0].prompt_tokens


@pytest.mark.vllm
def test_json_schema_outputs_are_valid_every_time(vllm_config: VllmModelConfig) -> None:
    results = get_backend(vllm_config).generate(sampled(24, ResponseConstraint("json_schema", SCHEMA)))
    assert len({r.text for r in results}) > 1
    for result in results:
        assert result.ok, result.error_message
        jsonschema.validate(json.loads(result.text or ""), SCHEMA)


@pytest.mark.vllm
def test_regex_and_choice_constraints(vllm_config: VllmModelConfig) -> None:
    backend = get_backend(vllm_config)
    pattern = r"[a-z]{3}-[0-9]{2}"
    for result in backend.generate(sampled(12, ResponseConstraint("regex", pattern))):
        assert re.fullmatch(pattern, result.text or ""), result.text
    choices = ["procedural", "descriptive", "none"]
    texts = {r.text for r in backend.generate(sampled(12, ResponseConstraint("choice", choices)))}
    assert texts <= set(choices)


@pytest.mark.vllm
def test_results_come_back_in_input_order_after_prefix_sorting(vllm_config: VllmModelConfig) -> None:
    backend = get_backend(vllm_config)
    tokenizer = shared_engine(engine_options(vllm_config)).get_tokenizer()
    # Lengths differ per request, and "z…" prompts sort after "a…" ones: sorting really permutes.
    requests = [user(f"r{i}", ("z" if i % 2 else "a") + " word" * (i + 1)) for i in range(10)]
    results = backend.generate(requests)
    assert [r.key for r in results] == [r.key for r in requests]
    expected_tokens = [
        len(tokenizer.encode(render_prompt(tokenizer, r, {}), add_special_tokens=False)) for r in requests
    ]
    assert [r.prompt_tokens for r in results] == expected_tokens
    solo = [backend.generate([r])[0].text for r in requests]  # greedy: a request's answer is its own
    assert [r.text for r in results] == solo


@pytest.mark.vllm
def test_prompt_too_long_is_an_error_row_not_a_crash(vllm_config: VllmModelConfig) -> None:
    capped = get_backend(vllm_config.model_copy(update={"max_prompt_tokens": 40}))
    results = capped.generate([user("short", "Hi"), user("long", "word " * 200), user("ok", "Hello")])
    assert [r.error_type for r in results] == [None, ErrorType.PROMPT_TOO_LONG.value, None]
    assert results[1].prompt_tokens > 40
    # Without a cap the budget is the context (1024) minus max_tokens.
    [huge] = get_backend(vllm_config).generate([user("huge", "word " * 900, sampling={"max_tokens": 200})])
    assert huge.error_type == ErrorType.PROMPT_TOO_LONG.value
    assert "824" in (huge.error_message or "")


@pytest.mark.vllm
def test_a_request_the_engine_rejects_fails_alone(vllm_config: VllmModelConfig) -> None:
    backend = get_backend(vllm_config)
    results = backend.generate(
        [
            user("good", "Hello"),
            user("bad-regex", "Hello", constraint=ResponseConstraint("regex", "([a-z")),
            user("bad-sampling", "Hello", sampling={"temperature": -1}),
            LLMRequest(key="no-messages", messages=[]),
            user("good2", "Hi there"),
        ]
    )
    assert results[0].ok and results[4].ok
    assert [r.error_type for r in results[1:4]] == [ErrorType.INVALID_REQUEST.value] * 3
    assert "regex" in (results[1].error_message or "")
