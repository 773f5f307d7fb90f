"""`run_ingest`: the order of ingest's phases, what is cached, what runs beside what, and the `runs` rows.

What each phase computes lives elsewhere (the map is in `__init__.py`): the segmenting pass in
`spark_read.py` / `segmenting_pass.py`, every later step in `driver_steps.py`, numbered as there.

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

from gem_spark.session import get_spark
from gem_spark.stages.ingest.driver_steps import (
    PREFILTER_TABLE,
    QUARANTINE_TABLE,
    SEGMENTS_TABLE,
    append_verdicts,
    count_documents,
    count_verdicts,
    new_quarantine,
    new_segments,
    prefilter_verdicts,
    quarantine_reused_ids,
    repeated_segments,
    reused_ids,
    setting_hints,
)
from gem_spark.stages.ingest.fingerprints import segments_fingerprint
from gem_spark.stages.ingest.input_files import InputFile, expand_inputs, split_inputs
from gem_spark.stages.ingest.spark_read import parallelism, read_rows
from gem_spark.tables import open_store
from gem_spark.tables.runs import RunRecorder, StageCounts
from gem_spark.tables.schemas import SEGMENTS, TABLE_SCHEMAS
from gem_spark.tables.store import CommitId

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from gem_spark.config import GemConfig
    from gem_spark.tables.store import TableStore

# Side jobs at once beside the main line of ingest: the in-run repeats count, the quarantine append.
_CONCURRENT_JOBS = 2

log = logging.getLogger(__name__)


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
        rows = _cached(cache, read_rows(spark, files, config.ingest))  # the segmenting pass, lazily
        # 1. Reused ids. The first action fills the cache: the pass runs once, before any concurrent job.
        reused, n_reused = _materialised(cache, reused_ids(rows))
        # Later jobs scan the cache, and their cost is mostly per task: one task per slot for them,
        # while the segmenting pass above had up to 32 per slot (one unit each) to balance the cores.
        rows = rows.coalesce(parallelism(spark))
        if n_reused:
            rows = quarantine_reused_ids(rows, reused, config.ingest.raw_preview_chars)
        # 2. In-run repeats, counted beside the main line.
        repeated = _cached(cache, repeated_segments(rows))
        repeated_count = pool.submit(repeated.count)
        # 3. Accounting.
        docs = count_documents(rows)
        hints = setting_hints(rows) if docs.quarantined else ()
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
        # 4. New quarantine rows, appended beside the main line.
        quarantine_new = pool.submit(
            _append_new, store, QUARANTINE_TABLE,
            new_quarantine(rows, stored_quarantine, snapshot, fingerprint, run.run_id), commit,
        )  # fmt: skip
        repeated_count.result()  # counted, so the joins below broadcast it
        # 5. New segments.
        fresh = new_segments(rows, repeated, stored_segments, snapshot, fingerprint, run.run_id)
        # 6. Prefilter verdicts, derived from the new segments' keys and scores (no text): cached and
        # counted, they also say how many segments are new, so the text is read once, to append it.
        prefilter_started = time.monotonic()
        verdicts = _cached(
            cache, prefilter_verdicts(fresh, stored_segments, store, config.prefilter.threshold, run.run_id)
        )
        counts = count_verdicts(verdicts)
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
            append_verdicts(store, verdicts, run.run_id)
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
