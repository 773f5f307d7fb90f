"""An LLM stage's pending work as one long Spark job that commits in pieces while it runs.

Every task feeds its whole partition to the backend continuously, turns results into stage rows as
they finish, and writes them as commit pieces (`tables.pieces`); a driver thread commits what the
tasks wrote every `pipeline.commit_interval_s` and logs progress (rows committed and pending,
requests/s, tokens/s, cost so far, ETA). Engines therefore never drain at a commit, and a crash loses
only the requests in flight plus one unwritten piece per task.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
from pyspark.sql.types import IntegerType, LongType, StringType, StructField, StructType

from gem_spark.config import RunnerConfig
from gem_spark.llm.feed_stats import FeedStats
from gem_spark.llm.spark import answer_partition, feed_options, gpu_profile
from gem_spark.tables.feed_metrics import StageFeed, TaskFeed
from gem_spark.tables.pieces import PieceCommitter, PieceWriter, RunFolder, keys_written_before
from gem_spark.tables.staged_files import delta_arrow_schema

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from gem_spark.stages.common import StageContext
    from gem_spark.stages.llm_stage import LLMStage

log = logging.getLogger(__name__)

# What each task reports when its partition is done: one row.
_TASK_ROWS = StructType(
    [
        StructField("partition", IntegerType(), nullable=False),
        StructField("attempt", IntegerType(), nullable=False),
        StructField("rows", LongType(), nullable=False),
        StructField("pieces", IntegerType(), nullable=False),
        StructField("feed", StringType(), nullable=False),
    ]
)
_TASK_ROWS_ARROW = pa.schema(
    [
        pa.field("partition", pa.int32(), nullable=False),
        pa.field("attempt", pa.int32(), nullable=False),
        pa.field("rows", pa.int64(), nullable=False),
        pa.field("pieces", pa.int32(), nullable=False),
        pa.field("feed", pa.string(), nullable=False),
    ]
)


@dataclass(frozen=True)
class PieceTask:
    """The mapInArrow body: answer a partition, finish its rows, write them as commit pieces."""

    stage: LLMStage
    run_id: str
    runner: RunnerConfig
    data_uri: str
    staging_uri: str
    piece_rows: int
    piece_seconds: float

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from pyspark import TaskContext

        context = TaskContext.get()
        partition, attempt = context.partitionId(), context.attemptNumber()
        run = RunFolder(self.staging_uri, self.run_id)
        key = self.stage.key
        if attempt:  # a retry skips what earlier attempts of this task already wrote (and will be committed)
            batches = _without_keys(batches, key, keys_written_before(run, self.data_uri, partition, attempt, key))
        schema = delta_arrow_schema(self.stage.schema())
        writer = PieceWriter(self.data_uri, run, schema, partition, attempt, self.piece_rows, self.piece_seconds,
                             self.stage.name)  # fmt: skip
        stats = FeedStats()
        rows = 0
        answers = answer_partition(batches, self.stage.model, build_request=self.stage.build_request, stats=stats,
                                   **feed_options(self.runner))
        for answered in answers:
            finished = [self.stage.finish_row(row, self.run_id) for row in answered.to_pylist()]
            writer.write(pa.RecordBatch.from_pylist(finished, schema=schema), stats.snapshot)
            rows += len(finished)
        writer.close_piece(stats.snapshot)
        if rows:
            yield pa.RecordBatch.from_pydict(
                {"partition": [partition], "attempt": [attempt], "rows": [rows], "pieces": [len(writer.pieces)],
                 "feed": [json.dumps(stats.snapshot())]},
                schema=_TASK_ROWS_ARROW,
            )  # fmt: skip


def _without_keys(batches: Iterator[pa.RecordBatch], key: str, done: set[str]) -> Iterator[pa.RecordBatch]:
    if not done:
        yield from batches
        return
    done_keys = pa.array(sorted(done), pa.string())
    for batch in batches:
        yield batch.filter(pc.invert(pc.is_in(batch.column(key), value_set=done_keys)))


@dataclass
class Progress:
    """The driver's view of a running stage, logged at every commit tick."""

    stage: str
    n_rows: int
    committer: PieceCommitter
    prices: tuple[float, float]
    started: float

    def line(self) -> str:
        written = self.committer.written
        elapsed = max(time.monotonic() - self.started, 1e-9)
        done = sum(piece.rows for piece in written)
        # Each task's latest piece carries its feed counters so far.
        latest: dict[tuple[int, int], dict[str, Any]] = {}
        for piece in written:
            latest[(piece.partition, piece.attempt)] = piece.feed
        requests = sum(feed.get("requests", 0) for feed in latest.values())
        prompt = sum(piece.prompt_tokens for piece in written)
        completion = sum(piece.completion_tokens for piece in written)
        usd = (prompt * self.prices[0] + completion * self.prices[1]) / 1e6
        rate = done / elapsed
        pending = max(self.n_rows - self.committer.committed_rows, 0)
        eta = f"{(self.n_rows - done) / rate:.0f}s" if rate > 0 else "unknown"
        return (f"stage {self.stage}: {self.committer.committed_rows}/{self.n_rows} rows committed "
                f"({len(self.committer.committed)} pieces, {self.committer.commits} commits), {pending} pending; "
                f"{requests / elapsed:.2f} requests/s, {(prompt + completion) / elapsed:.1f} tokens/s, "
                f"${usd:.4f} so far; ETA {eta}")  # fmt: skip


class CommitLoop:
    """A driver thread: every `interval_s`, commit what the tasks wrote and log progress."""

    def __init__(self, committer: PieceCommitter, interval_s: float, progress: Progress) -> None:
        self._committer, self._interval_s, self._progress = committer, interval_s, progress
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"commit-{progress.stage}", daemon=True)

    def __enter__(self) -> CommitLoop:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while not self._stop.wait(self._interval_s):
            try:
                self._committer.commit_new()
            except Exception:  # noqa: BLE001 - retried at the next tick, and at the end of the job
                stage = self._progress.stage
                log.warning("stage %s: commit failed, retrying at the next tick", stage, exc_info=True)
            log.info(self._progress.line())


def run_piece_job(stage: LLMStage, ctx: StageContext, todo: DataFrame, n_rows: int,
                  committer: PieceCommitter) -> StageFeed:  # fmt: skip
    """Answer `todo` in one Spark job, committing pieces as they come; the stage's throughput."""
    runner, pipeline = ctx.config.runner, ctx.config.pipeline
    task = PieceTask(
        stage=stage,
        run_id=ctx.run_id,
        runner=runner,
        data_uri=ctx.store.piece_data_location(stage.name),
        staging_uri=ctx.store.piece_staging_location(stage.name),
        piece_rows=pipeline.piece_rows,
        piece_seconds=pipeline.piece_seconds,
    )
    if ctx.spark.conf.get("spark.speculation", "false").lower() == "true":
        log.warning("spark.speculation is on: two attempts of one task may both write (and commit) its rows")
    source = todo.repartition(runner.partitions) if runner.partitions else todo
    job = source.mapInArrow(task, _TASK_ROWS, profile=gpu_profile(runner.gpus_per_task))
    prices = (stage.model.prices.prompt_per_m, stage.model.prices.completion_per_m)
    started = time.monotonic()
    progress = Progress(stage.name, n_rows, committer, prices, started)
    ctx.spark.sparkContext.setJobGroup(f"{ctx.run_id}:{stage.name}", f"gem-spark {stage.name}: inference")
    try:
        with CommitLoop(committer, pipeline.commit_interval_s, progress):
            reports = job.collect()
    finally:
        ctx.spark.sparkContext.setLocalProperty("spark.jobGroup.id", None)
    wall_s = time.monotonic() - started
    committer.commit_new()
    log.info(progress.line())
    committer.finish()
    tasks = [TaskFeed.of(r["partition"], r["attempt"], r["rows"], json.loads(r["feed"])) for r in reports]
    for item in tasks:
        log.info("stage %s task %d (attempt %d): %d rows, %.2f requests/s, %.1f tokens/s, first result %s s, "
                 "running/step %s, in flight %s", stage.name, item.partition, item.attempt, item.rows,
                 item.requests_per_s, item.tokens_per_s, item.first_result_s, item.mean_running_per_step,
                 item.mean_in_flight)  # fmt: skip
    if len(committer.committed) >= pipeline.compact_after_pieces:
        compact(ctx, stage.name)
    return StageFeed.of(tasks, wall_s, len(committer.committed), committer.commits)


def compact(ctx: StageContext, table: str) -> None:
    """Merge the stage's pieces into large files; best effort (a concurrent writer may win the race)."""
    try:
        ctx.store.compact(table)
    except Exception:  # noqa: BLE001 - the rows are committed either way; the next stage run compacts again
        log.warning("table %s: compaction failed; the next run retries it", table, exc_info=True)
