from __future__ import annotations

import pytest
from pydantic import ValidationError

from gem_spark.config import SamplingConfig
from gem_spark.llm.errors import ErrorType
from gem_spark.llm.sampling import effective_sampling, prompt_budget, prompt_too_long


def test_overrides_apply_on_top_of_the_model_config() -> None:
    base = SamplingConfig(temperature=0.0, max_tokens=100)
    merged = effective_sampling(base, {"temperature": 0.7, "seed": 5})
    assert (merged.temperature, merged.max_tokens, merged.seed) == (0.7, 100, 5)
    assert effective_sampling(base, {}) is base


@pytest.mark.parametrize("overrides", [{"temperature": -1}, {"max_tokens": 0}, {"beam_width": 4}])
def test_invalid_overrides_raise(overrides: dict) -> None:
    with pytest.raises(ValidationError):
        effective_sampling(SamplingConfig(), overrides)


def test_budget_leaves_room_for_the_completion_and_honours_the_cap() -> None:
    assert prompt_budget(1024, 24, None) == 1000
    assert prompt_budget(1024, 24, 300) == 300
    assert prompt_budget(1024, 24, 5000) == 1000


def test_prompt_too_long_result() -> None:
    result = prompt_too_long("k", 120, 100)
    assert (result.error_type, result.prompt_tokens, result.text) == (
        ErrorType.PROMPT_TOO_LONG.value,
        120,
        None,
    )
    assert "120" in (result.error_message or "") and "100" in (result.error_message or "")
