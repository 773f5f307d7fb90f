"""Backends by model config, built lazily and cached for the life of the process.

A Spark Python worker is reused across tasks and jobs (`spark.python.worker.reuse=true`), so caching
here means one backend (one replay file load, one HTTP config) per worker, not per task; vLLM engines
are shared further, see vllm_backend.shared_engine. Heavy libraries are imported only inside the
backend that needs them.
"""

from __future__ import annotations

import logging

from gem_spark.config import (
    ModelConfig,
    OpenAIModelConfig,
    ReplayModelConfig,
    TransformersModelConfig,
    VllmModelConfig,
)
from gem_spark.llm.protocol import Backend

log = logging.getLogger(__name__)

_BACKENDS: dict[str, Backend] = {}


def get_backend(model: ModelConfig) -> Backend:
    """The process-wide backend for `model`, built on first use."""
    cache_key = model.model_dump_json()
    backend = _BACKENDS.get(cache_key)
    if backend is None:
        backend = _build(model)
        _BACKENDS[cache_key] = backend
        log.info("built %s backend for %s", model.backend, model.model)
    return backend


def _build(model: ModelConfig) -> Backend:
    if isinstance(model, VllmModelConfig):
        from gem_spark.llm.vllm_backend import VllmBackend

        return VllmBackend(model)
    if isinstance(model, OpenAIModelConfig):
        from gem_spark.llm.openai_backend import OpenAIBackend

        return OpenAIBackend(model)
    if isinstance(model, TransformersModelConfig):
        from gem_spark.llm.transformers_backend import TransformersBackend

        return TransformersBackend(model)
    if isinstance(model, ReplayModelConfig):
        from gem_spark.llm.replay import ReplayBackend

        return ReplayBackend(model)
    msg = f"no backend for model config {type(model).__name__}"
    raise TypeError(msg)
