"""The segmenting pass, the executor side of ingest: units in, Arrow batches of `ROW_SCHEMA` rows out.

Calls run one way: `ingest_units` → `readers.read_unit` (unit → records) → `documents.segment_record`
(record → segments, or the `Rejection` that quarantines it) → `procedural_score.score_text` (segment →
score); this module only turns their results into rows. `plan_batches` runs before it, in its own job,
to split Parquet files into row-group units (`spark_read.py` launches both).

Every unit also emits one `unit` row holding how many records it read, so the driver can check that
documents in = documents segmented + documents quarantined from an independent count. A file that
fails part-way keeps the records read before the failure and adds one quarantine row for the rest.

Segments are scored by the heuristic prefilter here, while their text is in this Python worker: a
separate pass would ship every new segment's text from the JVM to Python a second time, which costs
more than scoring the segments that dedup later drops (bench/ingest.py, BENCHMARKS.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyarrow as pa

from gem_spark.config import IngestConfig
from gem_spark.stages.ingest.documents import SegmentRow, fallback_doc_id, segment_record
from gem_spark.stages.ingest.quarantine import (
    PROCESSING_ERROR,
    Rejection,
    error_line,
    preview,
    reason_for_file_error,
)
from gem_spark.stages.ingest.readers import plan_units, read_unit
from gem_spark.stages.ingest.shapes import (
    QUARANTINE,
    ROW_SCHEMA,
    SEGMENT,
    UNIT,
    UNIT_SCHEMA,
    BadRecord,
    RawRecord,
    Unit,
)
from gem_spark.text.procedural_score import PrefilterScore, score_text

# Flush a batch at this many rows or this much segment text, whichever comes first.
_BATCH_ROWS = 4096
_BATCH_CHARS = 16 << 20


class _Rows:
    """Column buffers for ROW_SCHEMA, flushed as Arrow record batches."""

    def __init__(self) -> None:
        self._columns: dict[str, list[object]] = {}
        self._chars = 0
        self._clear()

    def _clear(self) -> None:
        self._columns = {name: [] for name in ROW_SCHEMA.names}
        self._chars = 0

    def __len__(self) -> int:
        return len(self._columns["kind"])

    def full(self) -> bool:
        return len(self) >= _BATCH_ROWS or self._chars >= _BATCH_CHARS

    def add(self, **values: object) -> None:
        for name, column in self._columns.items():
            column.append(values.get(name))
        text = values.get("text")
        self._chars += len(text) if isinstance(text, str) else 0

    def flush(self) -> pa.RecordBatch:
        batch = pa.RecordBatch.from_pydict(self._columns, schema=ROW_SCHEMA)
        self._clear()
        return batch


def _scored_segments(
    item: RawRecord, config: IngestConfig
) -> list[tuple[SegmentRow, PrefilterScore]] | Rejection:
    """The record's segments with their prefilter scores, or why it has none; never raises."""
    try:
        result = segment_record(item, config)
        if isinstance(result, Rejection):
            return result
        return [(row, score_text(row.segment.text)) for row in result]
    except Exception as error:  # noqa: BLE001 - one bad record must never fail the task
        return Rejection(PROCESSING_ERROR, error_line(error), preview(item.text, config.raw_preview_chars))


def _add_record(rows: _Rows, unit: Unit, item: RawRecord | BadRecord, config: IngestConfig) -> None:
    where = {"source": unit.path, "record_ref": item.ref, "record_index": item.index}
    if isinstance(item, BadRecord):
        rows.add(kind=QUARANTINE, **where, reason=item.reason, detail=item.detail,
                 raw_preview=preview(item.raw, config.raw_preview_chars))  # fmt: skip
        return
    result = _scored_segments(item, config)
    if isinstance(result, Rejection):
        rows.add(kind=QUARANTINE, **where, doc_id=item.doc_id, url=item.url, reason=result.reason,
                 detail=result.detail, raw_preview=result.raw_preview)  # fmt: skip
        return
    doc_id = item.doc_id or fallback_doc_id(unit.path, item.ref)
    for row, scored in result:
        segment = row.segment
        rows.add(kind=SEGMENT, **where, doc_id=doc_id, url=item.url, dump=item.dump, segment_id=row.segment_id,
                 position=segment.position, start=segment.start, end=segment.end, text=segment.text,
                 n_chars=len(segment.text), score=scored.score, signals=list(scored.signals))  # fmt: skip


def ingest_units(units: Iterable[Unit], config: IngestConfig) -> Iterator[pa.RecordBatch]:
    """Read, check, normalise and segment every record of `units`; never raises for bad input."""
    rows = _Rows()
    for unit in units:
        n_records = 0
        try:
            for item in read_unit(unit, config):
                n_records += 1
                _add_record(rows, unit, item, config)
                if rows.full():
                    yield rows.flush()
        except Exception as error:  # noqa: BLE001 - classified by type in reason_for_file_error
            # The rest of the file counts as one quarantined record, named after the unit.
            ref = f"part:{unit.part}" if n_records == 0 else f"part:{unit.part}:after:{n_records}"
            n_records += 1
            rows.add(kind=QUARANTINE, source=unit.path, record_ref=ref, record_index=-1,
                     reason=reason_for_file_error(error), detail=error_line(error), raw_preview="")  # fmt: skip
        rows.add(kind=UNIT, source=unit.path, record_ref=f"part:{unit.part}", n_records=n_records)
    if len(rows):
        yield rows.flush()


def _rows_of(batches: Iterable[pa.RecordBatch]) -> Iterator[dict[str, object]]:
    for batch in batches:
        yield from batch.to_pylist()


def ingest_batches(batches: Iterable[pa.RecordBatch], config: IngestConfig) -> Iterator[pa.RecordBatch]:
    """mapInArrow body: UNIT_SCHEMA batches in, ROW_SCHEMA batches out."""
    units = (Unit(row["path"], row["fmt"], row["compression"], row["part"]) for row in _rows_of(batches))
    return ingest_units(units, config)


def plan_batches(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """mapInArrow body: FILE_SCHEMA batches in, UNIT_SCHEMA batches out (Parquet split by row group)."""
    for row in _rows_of(batches):
        units = plan_units(row["path"], row["fmt"], row["compression"])
        columns = {
            "path": [unit.path for unit in units],
            "fmt": [unit.fmt for unit in units],
            "compression": [unit.compression for unit in units],
            "part": [unit.part for unit in units],
        }
        yield pa.RecordBatch.from_pydict(columns, schema=UNIT_SCHEMA)
