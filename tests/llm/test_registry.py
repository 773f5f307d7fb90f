from __future__ import annotations

import json
from pathlib import Path

from gem_spark.config import ReplayModelConfig
from gem_spark.llm.protocol import Backend
from gem_spark.llm.registry import get_backend


def test_backends_are_built_once_per_config(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps({"stage": "s", "key": "k", "text": "t"}) + "\n", encoding="utf-8")
    config = ReplayModelConfig(backend="replay", model="recorded", responses=str(path))
    backend = get_backend(config)
    assert isinstance(backend, Backend)
    assert get_backend(ReplayModelConfig.model_validate(config.model_dump())) is backend
    assert get_backend(config.model_copy(update={"model": "other"})) is not backend
