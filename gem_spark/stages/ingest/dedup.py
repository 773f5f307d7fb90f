"""Which segment and quarantine rows are new: exact dedup within the batch and against the table.

The existing table is read at a pinned version, so re-evaluating these DataFrames after the append
(Spark is lazy) still yields the same rows instead of an empty set.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyspark.sql import functions as F

from gem_spark.stages.ingest.repeats import later_occurrences
from gem_spark.stages.ingest.units import QUARANTINE, SEGMENT
from gem_spark.stages.prefilter import SCORED_SCHEMA
from gem_spark.tables.schemas import QUARANTINE as QUARANTINE_SCHEMA
from gem_spark.tables.schemas import SEGMENTS as SEGMENTS_SCHEMA

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

OK, REJECTED = "ok", "rejected"
# A segment's place in the run: the first of equal segments by this order is the one stored.
SEGMENT_ORDER = ["source", "record_index", "position"]
# The prefilter's score columns, filled by the segmenting pass and carried through to the prefilter step.
SCORE_COLUMNS = [name for name in SCORED_SCHEMA.names if name != "segment_id"]


def _bookkeeping(fingerprint: str, run_id: str, status: str, reason: Column) -> dict[str, Column]:
    return {
        "fingerprint": F.lit(fingerprint),
        "run_id": F.lit(run_id),
        "status": F.lit(status),
        "reason": reason,
        "created_at": F.current_timestamp(),
    }


def repeated_segments(rows: DataFrame) -> DataFrame:
    """Segment rows whose text (segment_id) an earlier segment of this run has: keys only."""
    return later_occurrences(rows.filter(F.col("kind") == SEGMENT), "segment_id", SEGMENT_ORDER)


def new_segments(
    rows: DataFrame, repeated: DataFrame, existing: DataFrame, snapshot: str, fingerprint: str, run_id: str
) -> DataFrame:
    """Segments whose id is neither in `existing` (segment_id column) nor earlier in this batch: the
    segments table's columns, then `SCORE_COLUMNS` (the prefilter's score from the segmenting pass).

    `repeated` is `repeated_segments(rows)`, cached and counted: among equal segments of one batch the
    first by (source, record, position) stays, so the stored doc_id does not depend on partitioning.
    """
    first = rows.filter(F.col("kind") == SEGMENT).join(
        repeated.select(*SEGMENT_ORDER), SEGMENT_ORDER, "left_anti"
    )
    fresh = first.join(existing.select("segment_id"), "segment_id", "left_anti")
    columns = _bookkeeping(fingerprint, run_id, OK, F.lit(None).cast("string")) | {
        "snapshot": F.lit(snapshot)
    }
    return fresh.withColumns(columns).select(*SEGMENTS_SCHEMA.names, *SCORE_COLUMNS)


def quarantine_id() -> Column:
    """A quarantined record's key: its file, its place in the file and its reason."""
    return F.sha2(F.concat_ws("\u0000", "source", "record_ref", "reason"), 256)


def new_quarantine(
    rows: DataFrame, existing: DataFrame, snapshot: str, fingerprint: str, run_id: str
) -> DataFrame:
    """Quarantine rows not yet in `existing` (quarantine_id column): a rerun does not repeat them."""
    bad = rows.filter(F.col("kind") == QUARANTINE).withColumn("quarantine_id", quarantine_id())
    fresh = bad.dropDuplicates(["quarantine_id"]).join(
        existing.select("quarantine_id"), "quarantine_id", "left_anti"
    )
    columns = _bookkeeping(fingerprint, run_id, REJECTED, F.col("reason")) | {"snapshot": F.lit(snapshot)}
    return fresh.withColumns(columns).select(*QUARANTINE_SCHEMA.names)
