"""Prefilter rows for segments that have none for the current fingerprint, and their commit.

Pending work is this run's new segments (already scored while segmenting) plus any segment an
interrupted earlier run stored without scoring it, so a crash between the two commits never leaves
segments unscored. `gem-spark run` calls `refresh_prefilter` first: after a `prefilter.*` change the
stored segments have no row under the new fingerprint yet, and the chains downstream start from those.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pyspark import StorageLevel
from pyspark.sql import functions as F

from gem_spark.stages.ingest.fingerprints import prefilter_fingerprint
from gem_spark.stages.prefilter import SCORED_SCHEMA, score_segments, with_verdict
from gem_spark.tables.runs import StageCounts
from gem_spark.tables.schemas import PREFILTER
from gem_spark.tables.store import CommitId

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from gem_spark.tables.store import TableStore

log = logging.getLogger(__name__)

PREFILTER_TABLE = "prefilter"
SEGMENTS_TABLE = "segments"
# Marks the rows of this run's new segments, so that counting the rows by status also counts those.
NEW_SEGMENT = "new_segment"


@dataclass(frozen=True)
class PendingCounts:
    by_status: dict[str, int]
    new_segments: int


def unscored(stored_segments: DataFrame, store: TableStore, fingerprint: str) -> DataFrame:
    """Stored segments (segment_id, text) without a prefilter row carrying `fingerprint`."""
    scored = store.read(PREFILTER_TABLE).filter(F.col("fingerprint") == fingerprint).select("segment_id")
    missing = stored_segments.select("segment_id").join(scored, "segment_id", "left_anti")
    if missing.isEmpty():
        # The usual case: skip reading the stored segments' text at all.
        return stored_segments.select("segment_id", "text").limit(0)
    return stored_segments.select("segment_id", "text").join(missing, "segment_id", "left_semi")


def prefilter_rows(
    fresh: DataFrame | None, stored_segments: DataFrame, store: TableStore, threshold: float, run_id: str
) -> DataFrame:
    """Prefilter table rows, plus `NEW_SEGMENT`, for `fresh` (this run's new segments, scored while
    segmenting: segment_id, score, signals; None outside ingest) and for stored segments left
    unscored under this threshold's fingerprint (scored here)."""
    fingerprint = prefilter_fingerprint(threshold)
    scored = score_segments(unscored(stored_segments, store, fingerprint)).withColumn(NEW_SEGMENT, F.lit(False))
    if fresh is not None:
        scored = fresh.select(*SCORED_SCHEMA.names).withColumn(NEW_SEGMENT, F.lit(True)).unionByName(scored)
    return (
        with_verdict(scored, threshold)
        .withColumns(
            {
                "fingerprint": F.lit(fingerprint),
                "run_id": F.lit(run_id),
                "created_at": F.current_timestamp(),
            }
        )
        .select(*PREFILTER.names, NEW_SEGMENT)
    )


def count_pending(rows: DataFrame) -> PendingCounts:
    """Rows of `prefilter_rows` by status, and how many are this run's new segments: one job."""
    by_status: dict[str, int] = {}
    new_segments = 0
    for row in rows.groupBy("status", NEW_SEGMENT).count().collect():
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["count"]
        new_segments += row["count"] if row[NEW_SEGMENT] else 0
    return PendingCounts(by_status, new_segments)


def append_prefilter(store: TableStore, rows: DataFrame, run_id: str) -> None:
    store.append(PREFILTER_TABLE, rows.select(*PREFILTER.names), CommitId(f"{run_id}:prefilter", 0))


def refresh_prefilter(store: TableStore, threshold: float, run_id: str) -> StageCounts | None:
    """Score the stored segments that have no prefilter row under `threshold`'s fingerprint and append
    the rows; None when every segment has one (the usual case, and a reverted threshold: old rows are
    reused, not rescored)."""
    started = time.monotonic()
    rows = prefilter_rows(None, store.read(SEGMENTS_TABLE), store, threshold, run_id)
    rows = rows.persist(StorageLevel.MEMORY_AND_DISK)  # counted, then appended: scored once
    try:
        by_status = count_pending(rows).by_status
        if not by_status:
            return None
        append_prefilter(store, rows, run_id)
    finally:
        rows.unpersist()
    counts = StageCounts(PREFILTER_TABLE, sum(by_status.values()), by_status.get("ok", 0),
                         by_status.get("rejected", 0), by_status.get("error", 0), time.monotonic() - started)  # fmt: skip
    log.info("prefilter: scored %d stored segment(s) under prefilter.threshold=%s", counts.n_in, threshold)
    return counts
