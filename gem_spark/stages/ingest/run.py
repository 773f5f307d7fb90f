"""`run_ingest`: files → segments (deduplicated) + quarantine + prefilter rows, recorded in `runs`.

Stages as recorded in the runs table:
- `ingest`: documents in → segmented (ok) or quarantined (rejected; `processing_error` rows count as
  error). A document under an id an earlier document of the run took is quarantined (`duplicate_id`).
  Documents in is counted independently by the readers, and the run fails if the two sides disagree:
  nothing may vanish.
- `dedup`: segments produced → new (ok) or already known (rejected).
- `prefilter`: pending segments → ok or rejected (`prefilter_low_score`). New segments were scored
  while segmenting (in the `ingest` stage's time); only stored segments a crashed run left unscored
  are scored here.

After the segmenting pass every Spark job is small and costs mostly its own planning and scheduling,
so the pass is followed by as few jobs as possible, and the independent ones (the in-run repeats
count, the quarantine append) run beside the others from a thread pool. The prefilter commit comes
after the segments commit.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pyspark import StorageLevel
from pyspark.sql import functions as F

from gem_spark.session import get_spark
from gem_spark.stages.ingest.dedup import new_quarantine, new_segments, repeated_segments
from gem_spark.stages.ingest.duplicate_ids import quarantine_reused_ids, reused_ids
from gem_spark.stages.ingest.fingerprints import segments_fingerprint
from gem_spark.stages.ingest.inputs import InputFile, expand_inputs, split_inputs
from gem_spark.stages.ingest.prefilter_step import (
    PREFILTER_TABLE,
    SEGMENTS_TABLE,
    append_prefilter,
    count_pending,
    prefilter_rows,
)
from gem_spark.stages.ingest.quarantine import PROCESSING_ERROR, SETTING_REASONS
from gem_spark.stages.ingest.spark_read import parallelism, read_rows
from gem_spark.stages.ingest.units import QUARANTINE, SEGMENT, UNIT
from gem_spark.tables import open_store
from gem_spark.tables.runs import RunRecorder, StageCounts
from gem_spark.tables.schemas import SEGMENTS, TABLE_SCHEMAS
from gem_spark.tables.store import CommitId

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from gem_spark.config import GemConfig
    from gem_spark.tables.store import TableStore

QUARANTINE_TABLE = "quarantine"
# Side jobs at once beside the main line of ingest: the in-run repeats count, the quarantine append.
_CONCURRENT_JOBS = 2

log = logging.getLogger(__name__)


class AccountingError(RuntimeError):
    """Documents in != documents segmented + documents quarantined (a bug: something vanished)."""


@dataclass(frozen=True)
class IngestSummary:
    run_id: str
    snapshot: str
    documents_in: int
    documents_segmented: int
    documents_quarantined: int
    segments_produced: int
    segments_new: int
    quarantine_rows_new: int
    prefilter_ok: int
    prefilter_rejected: int
    stages: tuple[StageCounts, ...]
    # One line per file that a setting would fix (its text field is missing or not text).
    hints: tuple[str, ...] = ()

    def describe(self) -> str:
        return (
            f"{self.documents_in} documents in: {self.documents_segmented} segmented, "
            f"{self.documents_quarantined} quarantined; {self.segments_new} new of {self.segments_produced} "
            f"segments; prefilter ok {self.prefilter_ok}, rejected {self.prefilter_rejected}"
        )


@dataclass(frozen=True)
class _DocumentCounts:
    documents_in: int
    segmented: int
    quarantined: int
    errors: int
    segments: int


def _count_documents(rows: DataFrame) -> _DocumentCounts:
    kind = F.col("kind")
    totals = rows.agg(
        F.coalesce(F.sum(F.when(kind == UNIT, F.col("n_records"))), F.lit(0)).alias("documents_in"),
        F.count(F.when((kind == SEGMENT) & (F.col("position") == 0), True)).alias("segmented"),
        F.count(F.when(kind == QUARANTINE, True)).alias("quarantined"),
        F.count(F.when((kind == QUARANTINE) & (F.col("reason") == PROCESSING_ERROR), True)).alias("errors"),
        F.count(F.when(kind == SEGMENT, True)).alias("segments"),
    ).first()
    counts = _DocumentCounts(**totals.asDict())
    if counts.documents_in != counts.segmented + counts.quarantined:
        msg = (
            f"{counts.documents_in} documents in but {counts.segmented} segmented + "
            f"{counts.quarantined} quarantined"
        )
        raise AccountingError(msg)
    return counts


def _setting_hints(rows: DataFrame) -> tuple[str, ...]:
    """`<file>: <what was found>; set ingest.columns.text ...` for each file quarantined whole because
    its text field is missing or holds no text (a setting fixes it, so the console says which)."""
    found = rows.filter((F.col("kind") == QUARANTINE) & F.col("reason").isin(*SETTING_REASONS))
    rows = found.select("source", "detail").collect()
    return tuple(sorted(f"{row['source']}: {row['detail']}" for row in rows))


def _cached(stack: ExitStack, df: DataFrame) -> DataFrame:
    """`df` persisted (in memory, spilling to disk) until `stack` closes, whatever happens."""
    df = df.persist(StorageLevel.MEMORY_AND_DISK)
    stack.callback(df.unpersist)
    return df


def _materialised(stack: ExitStack, df: DataFrame) -> tuple[DataFrame, int]:
    """`df` cached and counted: computed once, and its real size is known to the planner, so a join
    with a small result broadcasts it instead of shuffling the other side."""
    df = _cached(stack, df)
    return df, df.count()


def _append_new(store: TableStore, table: str, rows: DataFrame, commit: CommitId) -> int:
    """Append `rows` (deduplicated against a pinned table version, so counting and writing them see the
    same rows); return how many. Not cached: the count reads only key columns of the cached input."""
    count = rows.count()
    if count:
        store.append(table, rows, commit)
    return count


def run_ingest(
    config: GemConfig,
    inputs: list[str],
    snapshot: str,
    fmt: str | None = None,
    spark: SparkSession | None = None,
) -> IngestSummary:
    """Ingest `inputs` as snapshot `snapshot`; raises IngestInputError when an input names no file."""
    files = expand_inputs(inputs, fmt or config.ingest.format)
    spark = spark or get_spark(config.spark)
    store = open_store(config.tables, spark)
    for table in (SEGMENTS_TABLE, QUARANTINE_TABLE, PREFILTER_TABLE):
        store.ensure(table, TABLE_SCHEMAS[table])
    with RunRecorder(store, config, "ingest", snapshot, split_inputs(inputs)) as run:
        summary = _ingest(spark, store, config, files, snapshot, run)
        run.message = summary.describe()
    log.info("ingest %s: %s", summary.run_id, summary.describe())
    for hint in summary.hints:
        log.warning("ingest: %s", hint)
    return summary


def _ingest(
    spark: SparkSession,
    store: TableStore,
    config: GemConfig,
    files: list[InputFile],
    snapshot: str,
    run: RunRecorder,
) -> IngestSummary:
    started = time.monotonic()
    log.info("ingest: reading %d file(s) as snapshot %s", len(files), snapshot)
    # The cache is released after the pool's jobs have finished (exit order is the reverse of entry).
    with ExitStack() as cache, ThreadPoolExecutor(_CONCURRENT_JOBS, thread_name_prefix="gem-ingest") as pool:
        rows = _cached(cache, read_rows(spark, files, config.ingest))
        # The first action fills the cache: the segmenting pass runs once, before any concurrent job.
        reused, n_reused = _materialised(cache, reused_ids(rows))
        # Later jobs scan the cache, and their cost is mostly per task: one task per slot for them,
        # while the segmenting pass above had up to 32 per slot (one unit each) to balance the cores.
        rows = rows.coalesce(parallelism(spark))
        if n_reused:
            rows = quarantine_reused_ids(rows, reused, config.ingest.raw_preview_chars)
        repeated = _cached(cache, repeated_segments(rows))
        repeated_count = pool.submit(repeated.count)
        docs = _count_documents(rows)
        hints = _setting_hints(rows) if docs.quarantined else ()
        run.stage_done(
            StageCounts("ingest", docs.documents_in, docs.segmented, docs.quarantined - docs.errors, docs.errors,
                        time.monotonic() - started)
        )  # fmt: skip

        started = time.monotonic()
        fingerprint = segments_fingerprint(config.ingest)
        commit = CommitId(f"{run.run_id}:ingest", 0)
        # Pin the versions we dedup against: the appends below must not change what these reads see.
        stored_segments = store.read(SEGMENTS_TABLE, version=store.version(SEGMENTS_TABLE))
        stored_quarantine = store.read(QUARANTINE_TABLE, version=store.version(QUARANTINE_TABLE))
        quarantine_new = pool.submit(
            _append_new, store, QUARANTINE_TABLE,
            new_quarantine(rows, stored_quarantine, snapshot, fingerprint, run.run_id), commit,
        )  # fmt: skip
        repeated_count.result()  # counted, so the joins below broadcast it
        fresh = new_segments(rows, repeated, stored_segments, snapshot, fingerprint, run.run_id)
        # Prefilter rows are derived from the new segments' keys and scores (no text): cached and
        # counted, they also say how many segments are new, so the text is read once, to append it.
        prefilter_started = time.monotonic()
        pending = _cached(
            cache, prefilter_rows(fresh, stored_segments, store, config.prefilter.threshold, run.run_id)
        )
        counts = count_pending(pending)
        prefilter_s = time.monotonic() - prefilter_started
        segments_new = counts.new_segments
        if segments_new:
            store.append(SEGMENTS_TABLE, fresh.select(*SEGMENTS.names), commit)
        quarantine_rows_new = quarantine_new.result()
        run.stage_done(
            StageCounts("dedup", docs.segments, segments_new, docs.segments - segments_new, 0,
                        time.monotonic() - started - prefilter_s)
        )  # fmt: skip

        started = time.monotonic()
        by_status = counts.by_status
        if by_status:
            # After the segments commit: a prefilter row never names a segment that is not stored.
            append_prefilter(store, pending, run.run_id)
        run.stage_done(
            StageCounts("prefilter", sum(by_status.values()), by_status.get("ok", 0), by_status.get("rejected", 0),
                        by_status.get("error", 0), prefilter_s + time.monotonic() - started)
        )  # fmt: skip
    return IngestSummary(
        run_id=run.run_id,
        snapshot=snapshot,
        documents_in=docs.documents_in,
        documents_segmented=docs.segmented,
        documents_quarantined=docs.quarantined,
        segments_produced=docs.segments,
        segments_new=segments_new,
        quarantine_rows_new=quarantine_rows_new,
        prefilter_ok=by_status.get("ok", 0),
        prefilter_rejected=by_status.get("rejected", 0),
        stages=tuple(run.stages),
        hints=hints,
    )
