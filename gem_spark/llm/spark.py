"""Run a backend over a DataFrame on executors, in Arrow batches: the only Spark import in `llm/`.

Each task is one continuous feed: input rows are read lazily, turned into requests and pulled by the
backend as it has room (`RunnerConfig.max_in_flight`), and finished rows leave in Arrow batches as
their results arrive, in completion order. Every input row comes out once, with all its columns and
an `llm` struct holding the result or the error. A row whose request cannot be built, or whose
request fails, is an error row; a task never fails because of a row. Memory per task is bounded: the
requests in flight, one read-ahead slice of input, and at most `batch_size` finished rows. The
backend is fetched from the per-process registry, so a reused Python worker keeps its engine across
tasks and jobs.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from itertools import chain, count
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from pyspark.sql.pandas.types import to_arrow_type
from pyspark.sql.types import DoubleType, IntegerType, StringType, StructField, StructType

from gem_spark.config import ModelConfig, RunnerConfig
from gem_spark.faults import fault_point
from gem_spark.llm.errors import ErrorType, error_text
from gem_spark.llm.feed_stats import FeedStats
from gem_spark.llm.protocol import LLMRequest, LLMResult, stream_in_batches
from gem_spark.llm.registry import get_backend

if TYPE_CHECKING:
    from pyspark.resource import ResourceProfile
    from pyspark.sql import DataFrame

log = logging.getLogger(__name__)

LLM_COLUMN = "llm"

LLM_STRUCT = StructType(
    [
        StructField("model", StringType()),
        StructField("raw_output", StringType()),
        StructField("finish_reason", StringType()),
        StructField("prompt_tokens", IntegerType()),
        StructField("completion_tokens", IntegerType()),
        StructField("latency_s", DoubleType()),
        StructField("error_type", StringType()),
        StructField("error_message", StringType()),
    ]
)

_ARROW_LLM = to_arrow_type(LLM_STRUCT)

RequestBuilder = Callable[[dict[str, Any]], LLMRequest]


def run_llm(
    df: DataFrame, model: ModelConfig, runner: RunnerConfig, build_request: RequestBuilder
) -> DataFrame:
    """`df` plus an `llm` struct column (LLM_STRUCT) with one backend result per row; lazy. Row order
    within a partition follows completion, not input."""
    if LLM_COLUMN in df.columns:
        msg = f"input already has a column named {LLM_COLUMN!r}; drop or rename it before run_llm"
        raise ValueError(msg)
    source = df.repartition(runner.partitions) if runner.partitions else df
    task = partial(answer_partition, model=model, build_request=build_request, **feed_options(runner))
    return source.mapInArrow(task, llm_schema(df.schema), profile=gpu_profile(runner.gpus_per_task))


def llm_schema(schema: StructType) -> StructType:
    """The schema of `answer_partition`'s output for input rows of `schema`."""
    return StructType([*schema.fields, StructField(LLM_COLUMN, LLM_STRUCT)])


def feed_options(runner: RunnerConfig) -> dict[str, Any]:
    """`answer_partition` keyword arguments from the runner config (batch and window sizes)."""
    return {
        "batch_size": runner.batch_size,
        "in_flight": runner.max_in_flight,
        "flush_s": runner.flush_s,
        "synchronous": runner.feed == "batch_synchronous",
    }


def gpu_profile(gpus_per_task: float | None) -> ResourceProfile | None:
    """A stage-level ResourceProfile asking `gpus_per_task` GPUs for each task (None: no GPU stage)."""
    if gpus_per_task is None:
        return None
    from pyspark.resource import ResourceProfileBuilder, TaskResourceRequests

    return ResourceProfileBuilder().require(TaskResourceRequests().resource("gpu", gpus_per_task)).build


def pin_task_gpus() -> None:
    """Expose only this task's GPUs to CUDA; must run before vLLM / torch initialise CUDA."""
    from pyspark import TaskContext

    context = TaskContext.get()
    gpus = context.resources().get("gpu") if context is not None else None
    if gpus is None:
        return
    if "vllm" in sys.modules:
        log.debug("vLLM already imported in this worker; CUDA_VISIBLE_DEVICES stays as it was")
        return
    os.environ["CUDA_VISIBLE_DEVICES"] = ",".join(gpus.addresses)


def answer_partition(
    batches: Iterator[pa.RecordBatch],
    model: ModelConfig,
    batch_size: int,
    build_request: RequestBuilder,
    *,
    stats: FeedStats | None = None,
    in_flight: int | None = None,
    flush_s: float = 2.0,
    synchronous: bool = False,
) -> Iterator[pa.RecordBatch]:
    """mapInArrow body: one continuous feed of the partition's rows through the backend; yields Arrow
    batches of finished rows (input columns plus `llm`) as results arrive.

    `stats` (optional) is updated live: one `add` per result and the backend's load counters.
    `in_flight` caps the requests in the backend (None: its default); finished rows leave every
    `batch_size` rows or `flush_s` seconds. `synchronous` is the pre-#13 feed, batch by batch.
    """
    batches = (batch for batch in batches if batch.num_rows)
    first = next(batches, None)
    if first is None:  # no backend is built for a partition without rows
        return
    fault_point("llm.task")
    pin_task_gpus()
    backend = get_backend(model)
    stats = stats if stats is not None else FeedStats()
    waiting = _WaitingRows()
    out = _FinishedRows(first.schema, backend.model_name, batch_size, flush_s)
    feed = _feed(chain([first], batches), batch_size, build_request, waiting)
    results = (
        stream_in_batches(lambda batch: backend.stream(batch, len(batch), stats), feed, batch_size)
        if synchronous
        else backend.stream(feed, in_flight, stats)
    )
    try:
        for result in results:
            stats.add(result)
            out.add(waiting.take(result.key), result)
            if out.due():
                yield out.flush()
    except Exception as exc:  # noqa: BLE001 - a backend bug fails its rows, never the task
        log.exception("backend %s raised mid-feed; its remaining rows become error rows", backend.model_name)
        yield from _fail_rest(exc, feed, waiting, out, stats)
    for row, message in waiting.left_over():  # a backend that dropped a request: its row still leaves
        dropped = LLMResult.failure("", ErrorType.BACKEND_ERROR.value, message)
        stats.add(dropped)
        out.add(row, dropped)
    if out.rows:
        yield out.flush()
    log.info("llm task: %s", stats.snapshot())


class _WaitingRows:
    """Input rows handed to the backend and not yet answered, by request key (a repeated key is
    answered first in, first out)."""

    def __init__(self) -> None:
        self._rows: dict[str, deque[dict[str, Any]]] = defaultdict(deque)

    def put(self, key: str, row: dict[str, Any]) -> None:
        self._rows[key].append(row)

    def take(self, key: str) -> dict[str, Any]:
        rows = self._rows.get(key)
        if not rows:
            msg = f"backend answered key {key!r}, which no waiting row asked for"
            raise RuntimeError(msg)
        row = rows.popleft()
        if not rows:
            del self._rows[key]
        return row

    def left_over(self) -> Iterator[tuple[dict[str, Any], str]]:
        for key, rows in list(self._rows.items()):
            for row in rows:
                yield row, f"backend returned no result for key {key!r}"
        self._rows.clear()


def _feed(
    batches: Iterable[pa.RecordBatch], slice_rows: int, build_request: RequestBuilder, waiting: _WaitingRows
) -> Iterator[LLMRequest | LLMResult]:
    """Requests for the input rows, read lazily `slice_rows` at a time; a row whose request cannot be
    built is a failed result under a key of its own, so it leaves through the same feed."""
    unbuilt = count()
    for batch in batches:
        for start in range(0, batch.num_rows, slice_rows):
            for row in batch.slice(start, slice_rows).to_pylist():
                try:
                    request = build_request(row)
                except Exception as exc:  # noqa: BLE001 - any builder failure is this row's error
                    key = f"\0request-build-failed-{next(unbuilt)}"  # never a stage key
                    waiting.put(key, row)
                    yield LLMResult.failure(key, ErrorType.REQUEST_BUILD_FAILED.value, error_text(exc))
                    continue
                waiting.put(request.key, row)
                yield request


def _fail_rest(
    exc: Exception,
    feed: Iterator[LLMRequest | LLMResult],
    waiting: _WaitingRows,
    out: _FinishedRows,
    stats: FeedStats,
) -> Iterator[pa.RecordBatch]:
    """After a backend raised: every waiting and every unread row becomes an error row."""
    failure = LLMResult.failure("", ErrorType.BACKEND_ERROR.value, error_text(exc))

    def leave(row: dict[str, Any], result: LLMResult) -> None:
        stats.add(result)
        out.add(row, result)

    for row, _ in waiting.left_over():
        leave(row, failure)
    for item in feed:
        [(row, _)] = waiting.left_over()  # the one row this item was read from
        leave(row, item if isinstance(item, LLMResult) else failure)
        if out.due():
            yield out.flush()


def with_llm_column(chunk: pa.RecordBatch, results: list[LLMResult], model_name: str) -> pa.RecordBatch:
    llm = pa.StructArray.from_arrays(
        [
            pa.array([model_name] * len(results), pa.string()),
            pa.array([r.text for r in results], pa.string()),
            pa.array([r.finish_reason for r in results], pa.string()),
            pa.array([r.prompt_tokens for r in results], pa.int32()),
            pa.array([r.completion_tokens for r in results], pa.int32()),
            pa.array([r.latency_s for r in results], pa.float64()),
            pa.array([r.error_type for r in results], pa.string()),
            pa.array([r.error_message for r in results], pa.string()),
        ],
        fields=list(_ARROW_LLM),
    )
    return pa.RecordBatch.from_arrays(
        [*chunk.columns, llm], schema=chunk.schema.append(pa.field(LLM_COLUMN, _ARROW_LLM))
    )


class _FinishedRows:
    """Finished rows waiting to leave as one Arrow batch: at most `batch_size`, at most `flush_s` old."""

    def __init__(self, schema: pa.Schema, model_name: str, batch_size: int, flush_s: float) -> None:
        self._schema, self._model_name = schema, model_name
        self._batch_size, self._flush_s = batch_size, flush_s
        self.rows: list[dict[str, Any]] = []
        self._results: list[LLMResult] = []
        self._oldest = 0.0

    def add(self, row: dict[str, Any], result: LLMResult) -> None:
        if not self.rows:
            self._oldest = time.monotonic()
        self.rows.append(row)
        self._results.append(result)

    def due(self) -> bool:
        return len(self.rows) >= self._batch_size or (
            bool(self.rows) and time.monotonic() - self._oldest >= self._flush_s
        )

    def flush(self) -> pa.RecordBatch:
        chunk = pa.RecordBatch.from_pylist(self.rows, schema=self._schema)
        batch = with_llm_column(chunk, self._results, self._model_name)
        self.rows, self._results = [], []
        return batch
