"""The shapes a document takes on its way through ingest, shared by the executor and the driver side.

Executor side, in order: a `Unit` (a file or a Parquet row group) is read into `RawRecord`s (or
`BadRecord`s the reader could not parse); the segmenting pass turns each into rows of `ROW_SCHEMA`:
`segment` rows (with the prefilter's score), `quarantine` rows, and one `unit` row per unit counting
its records. The driver side reads those rows by `kind`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

# The kinds of row the segmenting pass emits (`kind` column of ROW_SCHEMA).
SEGMENT, QUARANTINE, UNIT = "segment", "quarantine", "unit"


class _Missing:
    """The text field is absent (as opposed to present and null)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()


@dataclass(frozen=True)
class Unit:
    """One task's share of the input: a whole file, or one row group of a Parquet file."""

    path: str
    fmt: str
    compression: str | None
    part: int


@dataclass(frozen=True)
class RawRecord:
    """One input record as found: `text` may be str, bytes, None, MISSING or any other JSON value."""

    index: int
    ref: str
    text: object
    doc_id: str | None
    url: str | None
    dump: str | None
    # JSON Lines: the record's keys, named when the text field is missing from most records.
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class BadRecord:
    """A record the reader could not turn into fields (bad JSON, bad CSV row, oversize line)."""

    index: int
    ref: str
    reason: str
    detail: str
    raw: object


FILE_SCHEMA = pa.schema([("path", pa.string()), ("fmt", pa.string()), ("compression", pa.string())])
UNIT_SCHEMA = FILE_SCHEMA.append(pa.field("part", pa.int32()))
ROW_SCHEMA = pa.schema(
    [
        ("kind", pa.string()),
        ("source", pa.string()),
        ("record_ref", pa.string()),
        ("record_index", pa.int64()),
        ("doc_id", pa.string()),
        ("url", pa.string()),
        ("dump", pa.string()),
        ("segment_id", pa.string()),
        ("position", pa.int32()),
        ("start", pa.int32()),
        ("end", pa.int32()),
        ("text", pa.string()),
        ("n_chars", pa.int32()),
        ("reason", pa.string()),
        ("detail", pa.string()),
        ("raw_preview", pa.string()),
        ("n_records", pa.int64()),
        ("score", pa.float64()),
        ("signals", pa.list_(pa.string())),
    ]
)
