"""The driver-side steps of one ingest run, in the order `run.py` calls them, on the segmenting pass's rows.

1. `reused_ids` / `quarantine_reused_ids`: a document under an id an earlier document of the run took
   becomes one `duplicate_id` quarantine row instead of its segments.
2. `repeated_segments`: segments whose text an earlier segment of the run has (exact in-run dedup).
3. `count_documents`: documents in (counted by the readers) = segmented + quarantined, or the run fails;
   `setting_hints` names the files a setting would fix.
4. `new_quarantine`: quarantine rows not stored yet.
5. `new_segments`: segments neither repeated in the run nor stored yet.
6. `prefilter_verdicts`: ok / rejected rows for the new segments (from the score the pass computed) and
   for stored segments a crashed run left unscored; `count_verdicts`, then `append_verdicts`.

Every step returns a lazy DataFrame (or counts). The in-run checks (1, 2) shuffle keys, never text;
text is read from the pass's cache only to append new segments and to preview a reused id's document.
"Earlier" is by (file, record, position), an order that does not depend on partitioning, so reruns and
cluster sizes keep the same first occurrence. `refresh_prefilter` reuses step 6 alone for `gem-spark run`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pyspark import StorageLevel
from pyspark.sql import functions as F
from pyspark.sql.window import Window

from gem_spark.stages.ingest.fingerprints import prefilter_fingerprint
from gem_spark.stages.ingest.quarantine import DUPLICATE_ID, PROCESSING_ERROR, SETTING_REASONS
from gem_spark.stages.ingest.shapes import QUARANTINE, SEGMENT, UNIT
from gem_spark.stages.prefilter import SCORED_SCHEMA, score_segments, with_verdict
from gem_spark.tables.runs import StageCounts
from gem_spark.tables.schemas import PREFILTER
from gem_spark.tables.schemas import QUARANTINE as QUARANTINE_SCHEMA
from gem_spark.tables.store import CommitId

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

    from gem_spark.tables.store import TableStore

log = logging.getLogger(__name__)

SEGMENTS_TABLE, QUARANTINE_TABLE, PREFILTER_TABLE = "segments", "quarantine", "prefilter"
OK, REJECTED = "ok", "rejected"
DOCUMENT = ["source", "record_index"]
# A segment's place in the run: the first of equal segments by this order is the one stored.
SEGMENT_ORDER = ["source", "record_index", "position"]
# Marks the verdicts of this run's new segments, so that counting verdicts by status also counts those.
NEW_SEGMENT = "new_segment"
_FIRST = "first"
_RANK = "__rank"
_DUPLICATE_OF = "__duplicate_of"


def _later_occurrences(
    rows: DataFrame, key: str, order: list[str], first: list[str] | None = None
) -> DataFrame:
    """(`key`, `order`...) of every row whose key an earlier row by `order` has; with `first`, a struct
    column `first` also holds those columns of the earliest row (to name it). Meant to be cached and
    counted by the caller: once its (usually tiny) size is known, joins with it broadcast it."""
    by_key = Window.partitionBy(key).orderBy(*order)
    keys = rows.select(key, *dict.fromkeys([*order, *(first or [])]))
    if first:
        keys = keys.withColumn(_FIRST, F.first(F.struct(*first)).over(by_key))
    return (
        keys.withColumn(_RANK, F.row_number().over(by_key))
        .filter(F.col(_RANK) > 1)
        .select(key, *order, *([_FIRST] if first else []))
    )


# 1. Reused document ids. A document id names one document of a snapshot; a second document under it
# (the same file listed twice, an exporter bug) is quarantined, not silently kept or dropped. Ids the
# reader made up are unique by construction. Across snapshots a reused id is normal (a page re-crawled
# under its URL) and is not checked: its segments are deduplicated by content hash.


def reused_ids(rows: DataFrame) -> DataFrame:
    """(doc_id, source, record_index, first) of every segmented document whose id an earlier one took."""
    documents = rows.filter((F.col("kind") == SEGMENT) & (F.col("position") == 0))
    return _later_occurrences(documents, "doc_id", DOCUMENT, ["source", "record_ref"])


def quarantine_reused_ids(rows: DataFrame, reused: DataFrame, preview_chars: int) -> DataFrame:
    """`rows` with the segments of each document in `reused` replaced by one `duplicate_id` row."""
    detail = F.format_string(
        "id %s is already used by %s %s", "doc_id", f"{_FIRST}.source", f"{_FIRST}.record_ref"
    )
    flagged = rows.join(reused.select(*DOCUMENT, detail.alias(_DUPLICATE_OF)), DOCUMENT, "left")
    is_duplicate = F.col(_DUPLICATE_OF).isNotNull() & (F.col("kind") == SEGMENT)
    kept = flagged.filter(~is_duplicate).select(*rows.columns)
    quarantined = flagged.filter(is_duplicate & (F.col("position") == 0)).select(
        F.lit(QUARANTINE).alias("kind"),
        "source",
        "record_ref",
        "record_index",
        "doc_id",
        "url",
        F.lit(DUPLICATE_ID).alias("reason"),
        F.col(_DUPLICATE_OF).alias("detail"),
        F.substring("text", 1, preview_chars).alias("raw_preview"),
    )
    return kept.unionByName(quarantined, allowMissingColumns=True)


# 2. In-run repeats (exact dedup within the run, on keys).


def repeated_segments(rows: DataFrame) -> DataFrame:
    """Segment rows whose text (segment_id) an earlier segment of this run has: keys only."""
    return _later_occurrences(rows.filter(F.col("kind") == SEGMENT), "segment_id", SEGMENT_ORDER)


# 3. Accounting.


class AccountingError(RuntimeError):
    """Documents in != documents segmented + documents quarantined (a bug: something vanished)."""


@dataclass(frozen=True)
class DocumentCounts:
    documents_in: int
    segmented: int
    quarantined: int
    errors: int
    segments: int


def count_documents(rows: DataFrame) -> DocumentCounts:
    """Documents in (the pass's `unit` rows), segmented, quarantined (of which `processing_error`) and
    segments, in one job; raises AccountingError when documents in != segmented + quarantined."""
    kind = F.col("kind")
    totals = rows.agg(
        F.coalesce(F.sum(F.when(kind == UNIT, F.col("n_records"))), F.lit(0)).alias("documents_in"),
        F.count(F.when((kind == SEGMENT) & (F.col("position") == 0), True)).alias("segmented"),
        F.count(F.when(kind == QUARANTINE, True)).alias("quarantined"),
        F.count(F.when((kind == QUARANTINE) & (F.col("reason") == PROCESSING_ERROR), True)).alias("errors"),
        F.count(F.when(kind == SEGMENT, True)).alias("segments"),
    ).first()
    counts = DocumentCounts(**totals.asDict())
    if counts.documents_in != counts.segmented + counts.quarantined:
        msg = (
            f"{counts.documents_in} documents in but {counts.segmented} segmented + "
            f"{counts.quarantined} quarantined"
        )
        raise AccountingError(msg)
    return counts


def setting_hints(rows: DataFrame) -> tuple[str, ...]:
    """`<file>: <what was found>; set ingest.columns.text ...` for each file quarantined whole because
    its text field is missing or holds no text (a setting fixes it, so the console says which)."""
    found = rows.filter((F.col("kind") == QUARANTINE) & F.col("reason").isin(*SETTING_REASONS))
    rows = found.select("source", "detail").collect()
    return tuple(sorted(f"{row['source']}: {row['detail']}" for row in rows))


# 4-5. New rows: not repeated in the run, not in the tables. `existing` is a table read at a pinned
# version, so re-evaluating these lazy DataFrames after the append still yields the same rows.


def _bookkeeping(
    fingerprint: str, run_id: str, status: str, reason: Column, snapshot: str
) -> dict[str, Column]:
    return {
        "fingerprint": F.lit(fingerprint),
        "run_id": F.lit(run_id),
        "status": F.lit(status),
        "reason": reason,
        "created_at": F.current_timestamp(),
        "snapshot": F.lit(snapshot),
    }


def quarantine_id() -> Column:
    """A quarantined record's key: its file, its place in the file and its reason."""
    return F.sha2(F.concat_ws("\u0000", "source", "record_ref", "reason"), 256)


def new_quarantine(
    rows: DataFrame, existing: DataFrame, snapshot: str, fingerprint: str, run_id: str
) -> DataFrame:
    """Quarantine table rows not yet in `existing` (quarantine_id column): a rerun does not repeat them."""
    bad = rows.filter(F.col("kind") == QUARANTINE).withColumn("quarantine_id", quarantine_id())
    fresh = bad.dropDuplicates(["quarantine_id"]).join(
        existing.select("quarantine_id"), "quarantine_id", "left_anti"
    )
    columns = _bookkeeping(fingerprint, run_id, REJECTED, F.col("reason"), snapshot)
    return fresh.withColumns(columns).select(*QUARANTINE_SCHEMA.names)


def new_segments(
    rows: DataFrame, repeated: DataFrame, existing: DataFrame, snapshot: str, fingerprint: str, run_id: str
) -> DataFrame:
    """The pass's segment rows whose id is neither in `existing` (segment_id column) nor earlier in this
    run, with the segments table's bookkeeping columns added. They keep every column of the pass: the
    segments append selects the table's columns, `prefilter_verdicts` the score the pass computed.

    `repeated` is `repeated_segments(rows)`, cached and counted: among equal segments of one run the
    first by (source, record, position) stays, so the stored doc_id does not depend on partitioning.
    """
    first = rows.filter(F.col("kind") == SEGMENT).join(
        repeated.select(*SEGMENT_ORDER), SEGMENT_ORDER, "left_anti"
    )
    fresh = first.join(existing.select("segment_id"), "segment_id", "left_anti")
    return fresh.withColumns(_bookkeeping(fingerprint, run_id, OK, F.lit(None).cast("string"), snapshot))


# 6. Prefilter verdicts: this run's new segments (already scored in the pass) plus any segment an
# interrupted earlier run stored without a verdict, so a crash between the segments commit and the
# prefilter commit never leaves segments unscored.


@dataclass(frozen=True)
class VerdictCounts:
    by_status: dict[str, int]
    new_segments: int


def _unscored(stored_segments: DataFrame, store: TableStore, fingerprint: str) -> DataFrame:
    """Stored segments (segment_id, text) without a prefilter row carrying `fingerprint`."""
    scored = store.read(PREFILTER_TABLE).filter(F.col("fingerprint") == fingerprint).select("segment_id")
    missing = stored_segments.select("segment_id").join(scored, "segment_id", "left_anti")
    if missing.isEmpty():
        # The usual case: skip reading the stored segments' text at all.
        return stored_segments.select("segment_id", "text").limit(0)
    return stored_segments.select("segment_id", "text").join(missing, "segment_id", "left_semi")


def prefilter_verdicts(
    fresh: DataFrame | None, stored_segments: DataFrame, store: TableStore, threshold: float, run_id: str
) -> DataFrame:
    """Prefilter table rows, plus `NEW_SEGMENT`, for `fresh` (`new_segments`, scored in the pass; None
    outside ingest) and for stored segments without a verdict under this threshold's fingerprint
    (scored here)."""
    fingerprint = prefilter_fingerprint(threshold)
    unscored = _unscored(stored_segments, store, fingerprint)
    scored = score_segments(unscored).withColumn(NEW_SEGMENT, F.lit(False))
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


def count_verdicts(rows: DataFrame) -> VerdictCounts:
    """Rows of `prefilter_verdicts` by status, and how many are this run's new segments: one job."""
    by_status: dict[str, int] = {}
    new_segments = 0
    for row in rows.groupBy("status", NEW_SEGMENT).count().collect():
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["count"]
        new_segments += row["count"] if row[NEW_SEGMENT] else 0
    return VerdictCounts(by_status, new_segments)


def append_verdicts(store: TableStore, rows: DataFrame, run_id: str) -> None:
    store.append(PREFILTER_TABLE, rows.select(*PREFILTER.names), CommitId(f"{run_id}:prefilter", 0))


def refresh_prefilter(store: TableStore, threshold: float, run_id: str) -> StageCounts | None:
    """Step 6 alone, for `gem-spark run`: after a `prefilter.*` change the stored segments have no
    verdict under the new fingerprint yet, and the chains downstream start from those. Score and append
    them; None when every segment has one (the usual case, and a reverted threshold: old rows are
    reused, not rescored)."""
    started = time.monotonic()
    rows = prefilter_verdicts(None, store.read(SEGMENTS_TABLE), store, threshold, run_id)
    rows = rows.persist(StorageLevel.MEMORY_AND_DISK)  # counted, then appended: scored once
    try:
        by_status = count_verdicts(rows).by_status
        if not by_status:
            return None
        append_verdicts(store, rows, run_id)
    finally:
        rows.unpersist()
    counts = StageCounts(PREFILTER_TABLE, sum(by_status.values()), by_status.get("ok", 0),
                         by_status.get("rejected", 0), by_status.get("error", 0), time.monotonic() - started)  # fmt: skip
    log.info("prefilter: scored %d stored segment(s) under prefilter.threshold=%s", counts.n_in, threshold)
    return counts
