"""The `vllm` backend: one in-process vllm.LLM per Python worker, fed token prompts continuously.

A task's requests go through the engine's own add-request/step loop: up to a window of requests sits
in the engine for the whole task, and each one that finishes is replaced at once, so the engine's
running batch stays full across what used to be batch boundaries (a batch waits for its slowest
request; with long-tail output lengths most decode slots would sit idle).

Prompts are rendered here with the engine's own tokenizer and chat template (tools and template kwargs
included) rather than through `LLM.chat`, because `LLM.chat` takes one tool list for the whole batch
and raises for the whole batch on one over-long prompt. Rendering first lets every request carry its
own tools, lets an over-long prompt become a `prompt_too_long` row before it reaches the engine, and
lets each window be sorted by token prefix so requests sharing a prefix are scheduled together.
"""

from __future__ import annotations

import gc
import json
import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import count, islice
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from gem_spark.config import VllmModelConfig
from gem_spark.llm.chat import RENDER_ERRORS, prompt_token_ids
from gem_spark.llm.errors import ErrorType, error_text
from gem_spark.llm.protocol import LLMRequest, LLMResult, in_request_order
from gem_spark.llm.sampling import effective_sampling, prompt_budget, prompt_too_long
from gem_spark.llm.vllm_compat import (
    StepCounter,
    abort_requests,
    client_error_types,
    count_steps,
    engine_structured_kwargs,
    final_output_only,
    max_num_seqs,
    sampling_constraint_kwargs,
)

if TYPE_CHECKING:
    from gem_spark.llm.feed_stats import FeedStats

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


# At most one engine per process: engine options (JSON) → (vllm.LLM, its step counter). Backends whose
# configs differ only in sampling or prompt limits share it; a different model replaces it instead of
# sharing the device.
_ENGINE: dict[str, tuple[Any, StepCounter | None]] = {}
# Engine request ids for the whole process: unique across the tasks that share the engine.
_REQUEST_IDS = count()


def _cache_key(options: dict[str, Any]) -> str:
    return json.dumps(options, sort_keys=True, default=str)


def shared_engine(options: dict[str, Any]) -> Any:
    """The process's vllm.LLM for `options`, built on first use (releasing any other model first)."""
    from vllm import LLM

    cache_key = _cache_key(options)
    if cache_key not in _ENGINE:
        if _ENGINE:
            log.info("releasing the vLLM engine of another model before loading %s", options["model"])
            _ENGINE.clear()
            gc.collect()
        started = time.perf_counter()
        llm = LLM(**options)
        _ENGINE[cache_key] = (llm, count_steps(llm))
        log.info("vLLM engine for %s ready in %.1f s", options["model"], time.perf_counter() - started)
    return _ENGINE[cache_key][0]


def engine_step_counter(options: dict[str, Any]) -> StepCounter | None:
    """Steps and scheduled requests so far of this process's engine for `options`; None when no such
    engine is loaded here or its scheduler runs in another process."""
    entry = _ENGINE.get(_cache_key(options))
    return entry[1] if entry else None


@dataclass(frozen=True)
class _Prepared:
    """A request that passed every local check, ready for the engine."""

    key: str
    token_ids: list[int]
    params: Any  # vllm.SamplingParams


@dataclass(frozen=True)
class _Live:
    item: _Prepared
    added: float


class _EngineLoad:
    """Feeds a FeedStats with engine steps and requests running per step, as they happen: from the
    scheduler where it runs in this process, else estimated from our own loop (one `step()` call per
    engine step; the requests we hold, capped at `max_num_seqs`, as running)."""

    def __init__(self, counter: StepCounter | None, max_running: int, stats: FeedStats | None) -> None:
        self._counter, self._max_running, self._stats = counter, max_running, stats
        self._seen = (counter.steps, counter.scheduled) if counter else (0, 0)

    def stepped(self, live: int) -> None:
        stats = self._stats
        if stats is None:
            return
        if self._counter is None:
            stats.engine_steps += 1
            stats.running_sum += min(live, self._max_running)
            return
        steps, scheduled = self._counter.steps, self._counter.scheduled
        stats.engine_steps += steps - self._seen[0]
        stats.running_sum += scheduled - self._seen[1]
        self._seen = (steps, scheduled)


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
        """One batch, synchronously: the whole list is fed at once and this waits for its slowest."""
        return in_request_order(requests, self.stream(requests, in_flight=max(1, len(requests))))

    def stream(
        self,
        requests: Iterable[LLMRequest | LLMResult],
        in_flight: int | None = None,
        stats: FeedStats | None = None,
    ) -> Iterator[LLMResult]:
        """Keep up to `in_flight` requests (default: twice the engine's max_num_seqs, so its waiting
        queue is never empty when a slot frees) in the engine for the whole feed, stepping it and
        refilling as requests finish. Requests are read and prefix-sorted one window at a time."""
        llm = self._engine()
        engine = llm.llm_engine
        window = in_flight or 2 * max_num_seqs(llm)
        load = _EngineLoad(engine_step_counter(self._options), max_num_seqs(llm), stats)
        feed = self._windows(requests, llm, window)
        live: dict[str, _Live] = {}
        try:
            exhausted = False
            while True:
                while not exhausted and len(live) < window:
                    item = next(feed, None)
                    exhausted = item is None
                    if isinstance(item, LLMResult):
                        yield item
                    elif item is not None and (rejected := self._add(engine, item, live)) is not None:
                        yield rejected
                if not live:  # the admission loop stops short of the window only at the end of the feed
                    return
                yield from self._step(engine, live, load)
        finally:
            abort_requests(engine, list(live))  # a consumer that stops early leaves the engine clean

    def _windows(
        self, requests: Iterable[LLMRequest | LLMResult], llm: Any, window: int
    ) -> Iterator[_Prepared | LLMResult]:
        """Prepared requests `window` at a time in token-prefix order (requests sharing a prefix are
        scheduled together and hit the prefix cache); local failures first, as they are."""
        tokenizer = llm.get_tokenizer()
        context_tokens = int(llm.llm_engine.model_config.max_model_len)
        items = iter(requests)
        while chunk := list(islice(items, window)):
            prepared: list[_Prepared] = []
            for item in chunk:
                if isinstance(item, LLMRequest):
                    item = self._prepare(item, tokenizer, context_tokens)
                if isinstance(item, LLMResult):
                    yield item
                else:
                    prepared.append(item)
            yield from (prepared[i] for i in prefix_order([p.token_ids for p in prepared]))

    def _add(self, engine: Any, item: _Prepared, live: dict[str, _Live]) -> LLMResult | None:
        """Hand one request to the engine; a request it refuses is that row's error."""
        from vllm.inputs import TokensPrompt

        request_id = f"gem-{next(_REQUEST_IDS)}"
        try:
            engine.add_request(request_id, TokensPrompt(prompt_token_ids=item.token_ids), item.params)
        except self._client_errors as exc:
            return LLMResult.failure(item.key, ErrorType.INVALID_REQUEST.value, error_text(exc))
        except Exception as exc:  # noqa: BLE001 - an engine failure becomes this row's error
            return LLMResult.failure(item.key, ErrorType.ENGINE_ERROR.value, error_text(exc))
        live[request_id] = _Live(item, time.perf_counter())
        return None

    def _step(self, engine: Any, live: dict[str, _Live], load: _EngineLoad) -> Iterator[LLMResult]:
        """One engine step; yields the requests it finished. If the step fails, the requests in the
        engine become error rows (the pipeline retries error rows) and the feed goes on."""
        try:
            outputs = engine.step()
        except Exception as exc:  # noqa: BLE001 - never fail the task: fail the requests in the engine
            log.exception("vLLM engine step failed with %d requests in it", len(live))
            abort_requests(engine, list(live))
            failed = [entry.item.key for entry in live.values()]
            live.clear()
            for key in failed:
                yield LLMResult.failure(key, ErrorType.ENGINE_ERROR.value, error_text(exc))
            return
        load.stepped(len(live))
        for output in outputs:
            entry = live.pop(output.request_id, None) if output.finished else None
            if entry is not None:
                yield _finished(entry, output)

    def _prepare(self, request: LLMRequest, tokenizer: Any, context_tokens: int) -> _Prepared | LLMResult:
        from vllm import SamplingParams

        try:
            sampling = effective_sampling(self._config.sampling, request.sampling)
            token_ids = prompt_token_ids(tokenizer, request, self._config.chat_template_kwargs)
            params = SamplingParams(
                temperature=sampling.temperature,
                top_p=sampling.top_p,
                max_tokens=sampling.max_tokens,
                seed=sampling.seed,
                ignore_eos=request.ignore_eos,
                **sampling_constraint_kwargs(request.constraint, self._config.disable_any_whitespace),
            )
        except (ValidationError, *RENDER_ERRORS, *self._client_errors) as exc:
            return LLMResult.failure(request.key, ErrorType.INVALID_REQUEST.value, error_text(exc))
        budget = prompt_budget(context_tokens, sampling.max_tokens, self._config.max_prompt_tokens)
        if len(token_ids) > budget:
            return prompt_too_long(request.key, len(token_ids), budget)
        return _Prepared(key=request.key, token_ids=token_ids, params=final_output_only(params))


# Finish reasons that mean the engine gave up on the request (vLLM: "abort", or "error", a retryable
# request-level failure such as a lost KV transfer): an error row, retried by the next run.
_ENGINE_FAILURES = frozenset({"abort", "error"})


def _finished(entry: _Live, output: Any) -> LLMResult:
    completion = output.outputs[0]
    latency = time.perf_counter() - entry.added
    if completion.finish_reason in _ENGINE_FAILURES:
        message = f"the engine ended the request early (finish_reason {completion.finish_reason!r})"
        return LLMResult.failure(entry.item.key, ErrorType.ENGINE_ERROR.value, message, latency_s=latency)
    return LLMResult(
        key=entry.item.key,
        text=completion.text,
        finish_reason=completion.finish_reason,
        prompt_tokens=len(entry.item.token_ids),
        completion_tokens=len(completion.token_ids),
        latency_s=latency,
    )
