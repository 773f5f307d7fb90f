"""What differs between vLLM releases: structured-output parameters, client-error types, and the
engine's add-request/step loop.

vLLM >= 0.11 has `StructuredOutputsParams` (SamplingParams.structured_outputs) and an engine-wide
`structured_outputs_config`; older releases only have `GuidedDecodingParams` (SamplingParams.
guided_decoding) and `guided_decoding_backend`. The `LLMEngine.add_request(request_id, prompt, params)`
/ `step()` loop is the same from 0.4 to 0.32 (the official engine example), but `add_request` returns
an internal id only in recent releases (the outputs keep the id we pass, so that one is used),
`abort_request` takes a list since the V1 engine, and the scheduler is reachable (for counting steps)
only when the V1 engine core runs in this process. Imported only where vLLM is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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


def final_output_only(params: Any) -> Any:
    """Ask for one output per request, when it finishes (what LLM.generate asks for too)."""
    try:
        from vllm.sampling_params import RequestOutputKind
    except ImportError:  # before 0.6 every step returned the cumulative output; only the last is used
        return params
    params.output_kind = RequestOutputKind.FINAL_ONLY
    return params


def abort_requests(llm_engine: Any, request_ids: list[str]) -> None:
    """Drop requests from the engine (ours, by the ids we passed to add_request)."""
    if not request_ids:
        return
    try:
        llm_engine.abort_request(request_ids)
    except TypeError:  # releases whose abort_request takes one id at a time
        for request_id in request_ids:
            llm_engine.abort_request(request_id)


def max_num_seqs(llm: Any) -> int:
    """The most requests the engine's scheduler runs in one step."""
    engine = llm.llm_engine
    config = getattr(engine, "vllm_config", None)
    scheduler_config = config.scheduler_config if config is not None else engine.scheduler_config
    return int(scheduler_config.max_num_seqs)


@dataclass
class StepCounter:
    """Engine steps that ran the model, and the requests scheduled in each, summed (process-wide)."""

    steps: int = 0
    scheduled: int = 0


def count_steps(llm: Any) -> StepCounter | None:
    """Count what the scheduler schedules, step by step; None where its scheduler is not in this process
    (the V1 engine core in a subprocess, the default on GPUs, or a pre-V1 engine)."""
    core = getattr(getattr(llm.llm_engine, "engine_core", None), "engine_core", None)
    scheduler = getattr(core, "scheduler", None)
    schedule: Callable[..., Any] | None = getattr(scheduler, "schedule", None)
    if schedule is None:
        return None
    counter = StepCounter()

    def counted(*args: Any, **kwargs: Any) -> Any:
        output = schedule(*args, **kwargs)
        if output.total_num_scheduled_tokens:
            counter.steps += 1
            counter.scheduled += len(output.num_scheduled_tokens)
        return output

    scheduler.schedule = counted
    return counter
