"""Per-request generation settings: the model's sampling config plus a request's overrides, and the
prompt budget those settings leave inside a model's context window."""

from __future__ import annotations

from typing import Any

from gem_spark.config import SamplingConfig
from gem_spark.llm.errors import ErrorType
from gem_spark.llm.protocol import LLMResult


def effective_sampling(base: SamplingConfig, overrides: dict[str, Any]) -> SamplingConfig:
    """`base` with `overrides` applied and validated; raises pydantic.ValidationError on a bad override."""
    if not overrides:
        return base
    return SamplingConfig.model_validate({**base.model_dump(), **overrides})


def prompt_budget(context_tokens: int, max_tokens: int, max_prompt_tokens: int | None) -> int:
    """Longest prompt that still leaves room for `max_tokens` of completion (and honours the config cap)."""
    budget = context_tokens - max_tokens
    if max_prompt_tokens is not None:
        budget = min(budget, max_prompt_tokens)
    return budget


def prompt_too_long(key: str, prompt_tokens: int, budget: int) -> LLMResult:
    message = f"prompt has {prompt_tokens} tokens; the budget is {budget}"
    return LLMResult(
        key=key,
        text=None,
        prompt_tokens=prompt_tokens,
        error_type=ErrorType.PROMPT_TOO_LONG.value,
        error_message=message,
    )
