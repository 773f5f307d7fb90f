"""Score segments that have no prefilter row for the current fingerprint and append the rows.

Pending work is this run's new segments (already scored while segmenting) plus any segment an
interrupted earlier run stored without scoring it, so a crash between the two commits never leaves
segments unscored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyspark import StorageLevel
from pyspark.sql import functions as F

from gem_spark.stages.ingest.fingerprints import prefilter_fingerprint
from gem_spark.stages.prefilter import SCORED_SCHEMA, score_segments, with_verdict
from gem_spark.tables.schemas import PREFILTER
from gem_spark.tables.store import CommitId

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from gem_spark.tables.store import TableStore

PREFILTER_TABLE = "prefilter"


def unscored(stored_segments: DataFrame, store: TableStore, fingerprint: str) -> DataFrame:
    """Stored segments (segment_id, text) without a prefilter row carrying `fingerprint`."""
    scored = store.read(PREFILTER_TABLE).filter(F.col("fingerprint") == fingerprint).select("segment_id")
    missing = stored_segments.select("segment_id").join(scored, "segment_id", "left_anti")
    if missing.isEmpty():
        # The usual case: skip reading the stored segments' text at all.
        return stored_segments.select("segment_id", "text").limit(0)
    return stored_segments.select("segment_id", "text").join(missing, "segment_id", "left_semi")


def score_and_append(
    fresh: DataFrame, unscored_segments: DataFrame, store: TableStore, threshold: float, run_id: str
) -> dict[str, int]:
    """Append prefilter rows for `fresh` (scored while segmenting: segment_id, score, signals) and for
    `unscored_segments` (segment_id, text: scored here); return row counts by status."""
    fingerprint = prefilter_fingerprint(threshold)
    scored = fresh.select(*SCORED_SCHEMA.names).unionByName(score_segments(unscored_segments))
    rows = (
        with_verdict(scored, threshold)
        .withColumns(
            {
                "fingerprint": F.lit(fingerprint),
                "run_id": F.lit(run_id),
                "created_at": F.current_timestamp(),
            }
        )
        .select(*PREFILTER.names)
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    try:
        counts = {row["status"]: row["count"] for row in rows.groupBy("status").count().collect()}
        if counts:
            store.append(PREFILTER_TABLE, rows, CommitId(f"{run_id}:prefilter", 0))
    finally:
        rows.unpersist()
    return counts
