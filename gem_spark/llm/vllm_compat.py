"""What differs between vLLM releases: structured-output parameters and client-error types.

vLLM >= 0.11 has `StructuredOutputsParams` (SamplingParams.structured_outputs) and an engine-wide
`structured_outputs_config`; older releases only have `GuidedDecodingParams` (SamplingParams.
guided_decoding) and `guided_decoding_backend`. Imported only where vLLM is.
"""

from __future__ import annotations

from typing import Any

from gem_spark.llm.protocol import ResponseConstraint


def _constraint_fields(constraint: ResponseConstraint) -> dict[str, Any]:
    field = {"json_schema": "json", "regex": "regex", "choice": "choice"}[constraint.kind]
    return {field: constraint.value}


def sampling_constraint_kwargs(
    constraint: ResponseConstraint | None, disable_any_whitespace: bool
) -> dict[str, Any]:
    """Keyword arguments for vllm.SamplingParams that apply `constraint` (empty when there is none)."""
    if constraint is None:
        return {}
    fields = {**_constraint_fields(constraint), "disable_any_whitespace": disable_any_whitespace}
    try:
        from vllm.sampling_params import StructuredOutputsParams
    except ImportError:
        from vllm.sampling_params import GuidedDecodingParams

        return {"guided_decoding": GuidedDecodingParams(**fields)}
    return {"structured_outputs": StructuredOutputsParams(**fields)}


def engine_structured_kwargs(backend: str | None, disable_any_whitespace: bool) -> dict[str, Any]:
    """Keyword arguments for vllm.LLM that choose the structured-output backend engine-wide.

    `disable_any_whitespace` must be engine-wide: per request, recent releases ignore it.
    """
    if backend is None and not disable_any_whitespace:
        return {}
    try:
        from vllm.sampling_params import StructuredOutputsParams  # noqa: F401
    except ImportError:
        return {"guided_decoding_backend": backend} if backend else {}
    options: dict[str, Any] = {"disable_any_whitespace": disable_any_whitespace}
    if backend:
        options["backend"] = backend
    return {"structured_outputs_config": options}


def client_error_types() -> tuple[type[Exception], ...]:
    """Exceptions vLLM raises for a request it rejects (as opposed to an engine failure)."""
    try:
        from vllm.exceptions import VLLMClientError
    except ImportError:
        return (ValueError,)
    return (ValueError, VLLMClientError)
