"""Read a dataset file (.json list/object or .jsonl) and import every record in its detected format."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gem_spark.parse.failure import RECORD_INVALID, ParseFailure
from gem_spark.parse.importers.apigen_mt import import_apigen_mt
from gem_spark.parse.importers.openai_chat import import_openai_chat
from gem_spark.parse.importers.reason_tool_use import import_reason_tool_use
from gem_spark.parse.importers.sharegpt import import_sharegpt
from gem_spark.parse.importers.tau_bench import import_tau_bench
from gem_spark.parse.importers.toolace import import_toolace
from gem_spark.schema import Trajectory

Importer = Callable[[Any], "Trajectory | ParseFailure"]
IMPORTERS: dict[str, Importer] = {
    "apigen_mt": import_apigen_mt,
    "openai_chat": import_openai_chat,
    "reason_tool_use": import_reason_tool_use,
    "sharegpt": import_sharegpt,
    "tau_bench": import_tau_bench,
    "toolace": import_toolace,
}


def detect_format(record: Any) -> str | None:
    """Which importer reads this record (None: a format we do not know)."""
    if not isinstance(record, dict):
        return None
    if "blueprint" in record and "trajectory" in record:
        return "apigen_mt"
    if isinstance(record.get("traj"), list):
        return "tau_bench"
    if "conversations" in record:
        system = record.get("system")
        return "toolace" if isinstance(system, str) and "[func" in system else "sharegpt"
    messages = record.get("messages")
    if isinstance(messages, list) and messages and isinstance(messages[0], dict):
        return "reason_tool_use" if isinstance(messages[0].get("content"), list) else "openai_chat"
    return None


def load_records(path: Path) -> list[Any]:
    """.jsonl: one record per line; .json: a list of records or one record."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    data = json.loads(text)
    return data if isinstance(data, list) else [data]


def import_record(record: Any) -> Trajectory | ParseFailure:
    kind = detect_format(record)
    if kind is None:
        return ParseFailure(RECORD_INVALID, "record matches no known tool-use format")
    return IMPORTERS[kind](record)


def import_file(path: str | Path) -> list[Trajectory | ParseFailure]:
    return [import_record(record) for record in load_records(Path(path))]
