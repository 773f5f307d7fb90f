"""Fixtures for the inference layer: the scripted HTTP server and one shared tiny vLLM engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gem_spark.config import SamplingConfig, VllmModelConfig
from tests.support.scripted_server import ServerState, start_server


@pytest.fixture(scope="session")
def scripted_server() -> Iterator[ServerState]:
    server, state = start_server()
    yield state
    server.shutdown()
    server.server_close()


def tiny_vllm_config(model_dir: Path, **changes: object) -> VllmModelConfig:
    """Engine settings for the tiny model (ENVIRONMENT.md); configs that differ only in sampling or
    prompt limits share one engine per process."""
    fields: dict[str, object] = {
        "backend": "vllm",
        "model": str(model_dir),
        "max_model_len": 1024,
        "dtype": "bfloat16",
        "enforce_eager": True,
        "kv_cache_memory_bytes": 64 << 20,
        "structured_outputs_backend": "xgrammar",
        "disable_any_whitespace": True,
        "sampling": SamplingConfig(temperature=0.0, max_tokens=16),
    }
    return VllmModelConfig.model_validate({**fields, **changes})


@pytest.fixture(scope="session")
def vllm_config(tiny_model_dir: Path) -> VllmModelConfig:
    return tiny_vllm_config(tiny_model_dir)
