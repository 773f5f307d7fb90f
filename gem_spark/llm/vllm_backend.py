"""The `vllm` backend: one in-process vllm.LLM per Python worker, fed token prompts in batches.

Prompts are rendered here with the engine's own tokenizer and chat template (tools and template kwargs
included) rather than through `LLM.chat`, because `LLM.chat` takes one tool list for the whole batch
and raises for the whole batch on one over-long prompt. Rendering first lets every request carry its
own tools, lets an over-long prompt become a `prompt_too_long` row before it reaches the engine, and
lets the batch be sorted by token prefix so requests sharing a prefix are scheduled together.
"""

from __future__ import annotations

import gc
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from gem_spark.config import VllmModelConfig
from gem_spark.llm.chat import RENDER_ERRORS, prompt_token_ids
from gem_spark.llm.errors import ErrorType, describe
from gem_spark.llm.protocol import LLMRequest, LLMResult
from gem_spark.llm.sampling import effective_sampling, prompt_budget, prompt_too_long
from gem_spark.llm.vllm_compat import (
    client_error_types,
    engine_structured_kwargs,
    sampling_constraint_kwargs,
)

log = logging.getLogger(__name__)


def engine_options(config: VllmModelConfig) -> dict[str, Any]:
    """vllm.LLM keyword arguments from the config; `engine_kwargs` pass through and win."""
    options: dict[str, Any] = {
        "model": config.model,
        "tensor_parallel_size": config.tensor_parallel_size,
        "gpu_memory_utilization": config.gpu_memory_utilization,
        "dtype": config.dtype,
        "enforce_eager": config.enforce_eager,
        **engine_structured_kwargs(config.structured_outputs_backend, config.disable_any_whitespace),
    }
    if config.max_model_len is not None:
        options["max_model_len"] = config.max_model_len
    if config.kv_cache_memory_bytes is not None:
        options["kv_cache_memory_bytes"] = config.kv_cache_memory_bytes
    return {**options, **config.engine_kwargs}


def prefix_order(prompts: list[list[int]]) -> list[int]:
    """Indices of `prompts` in lexicographic token order: shared prefixes end up next to each other."""
    return sorted(range(len(prompts)), key=prompts.__getitem__)


# At most one engine per process: engine options (JSON) → vllm.LLM. Backends whose configs differ only
# in sampling or prompt limits share it; a different model replaces it instead of sharing the device.
_ENGINE: dict[str, Any] = {}


def shared_engine(options: dict[str, Any]) -> Any:
    """The process's vllm.LLM for `options`, built on first use (releasing any other model first)."""
    from vllm import LLM

    cache_key = json.dumps(options, sort_keys=True, default=str)
    if cache_key not in _ENGINE:
        if _ENGINE:
            log.info("releasing the vLLM engine of another model before loading %s", options["model"])
            _ENGINE.clear()
            gc.collect()
        started = time.perf_counter()
        _ENGINE[cache_key] = LLM(**options)
        log.info("vLLM engine for %s ready in %.1f s", options["model"], time.perf_counter() - started)
    return _ENGINE[cache_key]


@dataclass(frozen=True)
class _Prepared:
    """A request that passed every local check, ready for the engine."""

    index: int
    key: str
    token_ids: list[int]
    params: Any  # vllm.SamplingParams


class VllmBackend:
    def __init__(self, config: VllmModelConfig) -> None:
        self.model_name = config.model
        self._config = config
        self._options = engine_options(config)
        self._client_errors = client_error_types()
        self._engine()  # built now, so a bad engine config fails the task at once, not row by row

    def _engine(self) -> Any:
        return shared_engine(self._options)

    def generate(self, requests: list[LLMRequest]) -> list[LLMResult]:
        engine = self._engine()
        tokenizer = engine.get_tokenizer()
        context_tokens = int(engine.llm_engine.model_config.max_model_len)
        results: dict[int, LLMResult] = {}
        prepared: list[_Prepared] = []
        for index, request in enumerate(requests):
            item = self._prepare(index, request, tokenizer, context_tokens)
            if isinstance(item, LLMResult):
                results[index] = item
            else:
                prepared.append(item)
        ordered = [prepared[i] for i in prefix_order([item.token_ids for item in prepared])]
        for item, result in zip(ordered, self._run(ordered), strict=True):
            results[item.index] = result
        return [results[index] for index in range(len(requests))]

    def _prepare(
        self, index: int, request: LLMRequest, tokenizer: Any, context_tokens: int
    ) -> _Prepared | LLMResult:
        from vllm import SamplingParams

        try:
            sampling = effective_sampling(self._config.sampling, request.sampling)
            token_ids = prompt_token_ids(tokenizer, request, self._config.chat_template_kwargs)
            params = SamplingParams(
                temperature=sampling.temperature,
                top_p=sampling.top_p,
                max_tokens=sampling.max_tokens,
                seed=sampling.seed,
                **sampling_constraint_kwargs(request.constraint, self._config.disable_any_whitespace),
            )
        except (ValidationError, *RENDER_ERRORS, *self._client_errors) as exc:
            return LLMResult.failure(request.key, ErrorType.INVALID_REQUEST.value, describe(exc))
        budget = prompt_budget(context_tokens, sampling.max_tokens, self._config.max_prompt_tokens)
        if len(token_ids) > budget:
            return prompt_too_long(request.key, len(token_ids), budget)
        return _Prepared(index=index, key=request.key, token_ids=token_ids, params=params)

    def _run(self, batch: list[_Prepared]) -> list[LLMResult]:
        """Generate a batch; if the engine rejects it, retry one by one so only the culprit fails."""
        if not batch:
            return []
        try:
            return self._generate(batch)
        except Exception as exc:  # noqa: BLE001 - isolate the failing request below
            log.warning("vLLM rejected a batch of %d (%s); retrying one by one", len(batch), describe(exc))
        results = []
        for item in batch:
            try:
                results.extend(self._generate([item]))
            except self._client_errors as exc:
                results.append(LLMResult.failure(item.key, ErrorType.INVALID_REQUEST.value, describe(exc)))
            except Exception as exc:  # noqa: BLE001 - an engine failure becomes this row's error
                results.append(LLMResult.failure(item.key, ErrorType.ENGINE_ERROR.value, describe(exc)))
        return results

    def _generate(self, batch: list[_Prepared]) -> list[LLMResult]:
        from vllm.inputs import TokensPrompt

        started = time.perf_counter()
        outputs = self._engine().generate(
            [TokensPrompt(prompt_token_ids=item.token_ids) for item in batch],
            [item.params for item in batch],
            use_tqdm=False,
        )
        # Offline batches finish together: every request's latency is the batch's wall time.
        latency = time.perf_counter() - started
        return [
            LLMResult(
                key=item.key,
                text=output.outputs[0].text,
                finish_reason=output.outputs[0].finish_reason,
                prompt_tokens=len(item.token_ids),
                completion_tokens=len(output.outputs[0].token_ids),
                latency_s=latency,
            )
            for item, output in zip(batch, outputs, strict=True)
        ]
