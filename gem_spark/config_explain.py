"""`gem-spark config`: the effective config, one line per setting, with where its value came from
(default / file / --set) and, on request, the setting's description from the schema."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from gem_spark.config import ConfigSources, KeyPath, Source, field_key, load_config_with_sources


@dataclass(frozen=True)
class Setting:
    key: str
    value: object
    source: Source
    description: str


def _settings(model: BaseModel, prefix: KeyPath, sources: ConfigSources) -> Iterator[Setting]:
    for name, info in type(model).model_fields.items():
        value, key = getattr(model, name), (*prefix, field_key(name, info))
        # Sections, and maps or lists of sections (models, stages, benchmarks), open up into their settings.
        if isinstance(value, BaseModel):
            yield from _settings(value, key, sources)
        elif isinstance(value, dict) and value and all(isinstance(item, BaseModel) for item in value.values()):
            for item_key, item in value.items():
                yield from _settings(item, (*key, str(item_key)), sources)
        elif isinstance(value, list) and value and all(isinstance(item, BaseModel) for item in value):
            for index, item in enumerate(value):
                yield from _settings(item, (*key, str(index)), sources)
        else:
            yield Setting(".".join(key), value, sources.source(key), info.description or "")


def effective_settings(path: str | Path | None, overrides: list[str] | None = None) -> list[Setting]:
    """Every leaf setting of the config `path` + `overrides` would load, in schema order."""
    config, sources = load_config_with_sources(path, overrides)
    return list(_settings(config, (), sources))


def format_settings(settings: list[Setting], explain: bool = False) -> str:
    """`key = value  (source)` lines; with `explain`, each followed by its description."""
    width = max(len(setting.key) for setting in settings)
    lines = []
    for setting in settings:
        value = json.dumps(setting.value, default=str)
        lines.append(f"{setting.key:<{width}} = {value}  ({setting.source})")
        if explain:
            lines.append(f"{'':<{width}}   # {setting.description}")
    return "\n".join(lines)
