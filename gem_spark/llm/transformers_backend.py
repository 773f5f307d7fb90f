"""The `transformers` backend: small models on CPU or GPU with batched `generate`.

Greedy when the temperature is 0, sampled otherwise. Requests are grouped by their effective sampling
settings (one `generate` call cannot mix them) and run in batches of `batch_size`, left-padded.
Structured-output constraints are not enforced here: the stage's parser validates the text, as it
does for every backend.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from gem_spark.config import SamplingConfig, TransformersModelConfig
from gem_spark.llm.chat import RENDER_ERRORS, prompt_token_ids
from gem_spark.llm.errors import ErrorType, error_text
from gem_spark.llm.protocol import LLMRequest, LLMResult, stream_in_batches
from gem_spark.llm.sampling import effective_sampling, prompt_budget, prompt_too_long

if TYPE_CHECKING:
    from gem_spark.llm.feed_stats import FeedStats

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Prepared:
    index: int
    key: str
    token_ids: list[int]


class TransformersBackend:
    def __init__(self, config: TransformersModelConfig) -> None:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.model_name = config.model
        self._config = config
        self._tokenizer = AutoTokenizer.from_pretrained(config.model)
        self._tokenizer.padding_side = "left"  # decoder-only: generation continues from the right edge
        if self._tokenizer.pad_token_id is None:
            self._tokenizer.pad_token = self._tokenizer.eos_token
        model = AutoModelForCausalLM.from_pretrained(config.model, dtype=config.dtype)
        self._model = model.to(config.device).eval()
        self._eos_ids = _eos_ids(self._model.generation_config.eos_token_id, self._tokenizer.eos_token_id)
        self._context_tokens = int(
            getattr(self._model.config, "max_position_embeddings", 0) or self._tokenizer.model_max_length
        )

    def generate(self, requests: list[LLMRequest]) -> list[LLMResult]:
        results: dict[int, LLMResult] = {}
        groups: dict[str, list[_Prepared]] = defaultdict(list)
        settings: dict[str, SamplingConfig] = {}
        for index, request in enumerate(requests):
            item = self._prepare(index, request)
            if isinstance(item, LLMResult):
                results[index] = item
                continue
            sampling, prepared = item
            group = sampling.model_dump_json()
            settings[group] = sampling
            groups[group].append(prepared)
        size = self._config.batch_size
        for group, prepared_group in groups.items():
            for start in range(0, len(prepared_group), size):
                batch = prepared_group[start : start + size]
                for prepared, result in zip(batch, self._run(batch, settings[group]), strict=True):
                    results[prepared.index] = result
        return [results[index] for index in range(len(requests))]

    def stream(
        self,
        requests: Iterable[LLMRequest | LLMResult],
        in_flight: int | None = None,
        stats: FeedStats | None = None,
    ) -> Iterator[LLMResult]:
        """`generate` over consecutive batches (`in_flight` requests, default `batch_size`): a
        `generate` call on one model cannot take new requests while it runs."""
        return stream_in_batches(self.generate, requests, in_flight or self._config.batch_size)

    def _prepare(self, index: int, request: LLMRequest) -> tuple[SamplingConfig, _Prepared] | LLMResult:
        try:
            sampling = effective_sampling(self._config.sampling, request.sampling)
            token_ids = prompt_token_ids(self._tokenizer, request, self._config.chat_template_kwargs)
        except (ValidationError, *RENDER_ERRORS) as exc:
            return LLMResult.failure(request.key, ErrorType.INVALID_REQUEST.value, error_text(exc))
        budget = prompt_budget(self._context_tokens, sampling.max_tokens, self._config.max_prompt_tokens)
        if len(token_ids) > budget:
            return prompt_too_long(request.key, len(token_ids), budget)
        return sampling, _Prepared(index=index, key=request.key, token_ids=token_ids)

    def _run(self, batch: list[_Prepared], sampling: SamplingConfig) -> list[LLMResult]:
        import torch

        started = time.perf_counter()
        padded = self._tokenizer.pad({"input_ids": [item.token_ids for item in batch]}, return_tensors="pt")
        try:
            if sampling.seed is not None:
                torch.manual_seed(sampling.seed)
            with torch.inference_mode():
                output = self._model.generate(
                    input_ids=padded["input_ids"].to(self._model.device),
                    attention_mask=padded["attention_mask"].to(self._model.device),
                    pad_token_id=self._tokenizer.pad_token_id,
                    **_decoding_kwargs(sampling),
                )
        except (RuntimeError, ValueError) as exc:
            log.warning("transformers generate failed for a batch of %d: %s", len(batch), error_text(exc))
            return [
                LLMResult.failure(item.key, ErrorType.ENGINE_ERROR.value, error_text(exc)) for item in batch
            ]
        latency = time.perf_counter() - started
        completions = output[:, padded["input_ids"].shape[1] :].tolist()
        return [self._result(item, tokens, latency) for item, tokens in zip(batch, completions, strict=True)]

    def _result(self, item: _Prepared, tokens: list[int], latency: float) -> LLMResult:
        end = next((i for i, token in enumerate(tokens) if token in self._eos_ids), None)
        generated = tokens if end is None else tokens[:end]
        return LLMResult(
            key=item.key,
            text=self._tokenizer.decode(generated, skip_special_tokens=True),
            finish_reason="length" if end is None else "stop",
            prompt_tokens=len(item.token_ids),
            completion_tokens=len(generated) + (0 if end is None else 1),
            latency_s=latency,
        )


def _decoding_kwargs(sampling: SamplingConfig) -> dict[str, Any]:
    if sampling.temperature == 0:
        return {"max_new_tokens": sampling.max_tokens, "do_sample": False}
    return {
        "max_new_tokens": sampling.max_tokens,
        "do_sample": True,
        "temperature": sampling.temperature,
        "top_p": sampling.top_p,
    }


def _eos_ids(configured: int | list[int] | None, tokenizer_eos: int | None) -> frozenset[int]:
    ids = configured if isinstance(configured, list) else [configured]
    return frozenset(i for i in [*ids, tokenizer_eos] if i is not None)
