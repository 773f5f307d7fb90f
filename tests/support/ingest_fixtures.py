"""Small corpus files for the ingest tests, written by the tests in every format ingest reads."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import zstandard


def procedure(n: int) -> str:
    """A how-to document of a few paragraphs, distinct for every `n`, well over 200 characters."""
    return (
        f"How to reset the router in room {n}\n\n"
        f"1. Open the admin page at 192.168.{n % 250}.1 and sign in with the password on the sticker.\n"
        "2. Click Settings > System > Reset and confirm the dialog.\n"
        f"3. Wait {n + 2} minutes until the status light turns green, then reconnect your laptop."
    )


def docs(count: int, first: int = 0) -> list[dict[str, str]]:
    return [
        {"id": f"doc-{n}", "url": f"https://example.com/{n}", "dump": "CC-TEST", "text": procedure(n)}
        for n in range(first, first + count)
    ]


def jsonl_bytes(records: list[dict[str, object]]) -> bytes:
    return b"".join(json.dumps(record).encode() + b"\n" for record in records)


def write_jsonl(path: Path, records: list[dict[str, object]]) -> Path:
    data = jsonl_bytes(records)
    if path.suffix == ".gz":
        data = gzip.compress(data)
    elif path.suffix == ".zst":
        data = zstandard.ZstdCompressor().compress(data)
    path.write_bytes(data)
    return path


def write_parquet(path: Path, records: list[dict[str, object]], row_group_size: int | None = None) -> Path:
    pq.write_table(pa.Table.from_pylist(records), path, row_group_size=row_group_size)
    return path


def write_csv(path: Path, records: list[dict[str, object]]) -> Path:
    pacsv.write_csv(pa.Table.from_pylist(records), path)
    return path


def write_texts(folder: Path, records: list[dict[str, object]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for record in records:
        (folder / f"{record['id']}.txt").write_text(str(record["text"]), encoding="utf-8")
    return folder
