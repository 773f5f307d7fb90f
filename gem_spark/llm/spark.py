"""Run a backend over a DataFrame on executors, in Arrow batches: the only Spark import in `llm/`.

Every input row comes out once, with all its columns and an `llm` struct holding the result or the
error. A row whose request cannot be built, or whose request fails, is an error row; a task never
fails because of a row. The backend is fetched from the per-process registry, so a reused Python
worker keeps its engine across tasks and jobs.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from pyspark.sql.pandas.types import to_arrow_type
from pyspark.sql.types import DoubleType, IntegerType, StringType, StructField, StructType

from gem_spark.config import ModelConfig, RunnerConfig
from gem_spark.faults import fault_point
from gem_spark.llm.errors import ErrorType, describe
from gem_spark.llm.protocol import Backend, LLMRequest, LLMResult
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
    """`df` plus an `llm` struct column (LLM_STRUCT) with one backend result per row; lazy."""
    if LLM_COLUMN in df.columns:
        msg = f"input already has a column named {LLM_COLUMN!r}; drop or rename it before run_llm"
        raise ValueError(msg)
    schema = StructType([*df.schema.fields, StructField(LLM_COLUMN, LLM_STRUCT)])
    source = df.repartition(runner.partitions) if runner.partitions else df
    task = partial(answer_partition, model=model, batch_size=runner.batch_size, build_request=build_request)
    return source.mapInArrow(task, schema, profile=gpu_profile(runner.gpus_per_task))


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
    batches: Iterator[pa.RecordBatch], model: ModelConfig, batch_size: int, build_request: RequestBuilder
) -> Iterator[pa.RecordBatch]:
    """mapInArrow body: slices of `batch_size` rows → requests → backend → rows with an `llm` column."""
    backend: Backend | None = None
    meter = _Meter()
    for batch in batches:
        for start in range(0, batch.num_rows, batch_size):
            chunk = batch.slice(start, batch_size)
            if backend is None:  # built only for a partition that has rows
                fault_point("llm.task")
                pin_task_gpus()
                backend = get_backend(model)
                meter.start()
            results = answer_rows(backend, chunk.to_pylist(), build_request)
            meter.add(results)
            yield with_llm_column(chunk, results, backend.model_name)
    meter.log()


def answer_rows(
    backend: Backend, rows: list[dict[str, Any]], build_request: RequestBuilder
) -> list[LLMResult]:
    """One result per row, in row order; build and backend failures become error results."""
    results: dict[int, LLMResult] = {}
    requests: dict[int, LLMRequest] = {}
    for index, row in enumerate(rows):
        try:
            requests[index] = build_request(row)
        except Exception as exc:  # noqa: BLE001 - any failure of the stage's builder is this row's error
            results[index] = LLMResult.failure("", ErrorType.REQUEST_BUILD_FAILED.value, describe(exc))
    pending = list(requests.values())
    try:
        answers = backend.generate(pending) if pending else []
    except Exception as exc:
        log.exception("backend %s raised for a batch of %d", backend.model_name, len(pending))
        answers = [LLMResult.failure(r.key, ErrorType.BACKEND_ERROR.value, describe(exc)) for r in pending]
    if [answer.key for answer in answers] != [request.key for request in pending]:
        msg = f"backend {backend.model_name} returned results out of order or incomplete"
        raise RuntimeError(msg)
    results.update(zip(requests, answers))
    return [results[index] for index in range(len(rows))]


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


@dataclass
class _Meter:
    """Per-task throughput, logged when the task's input is exhausted."""

    started: float = 0.0
    requests: int = 0
    errors: int = 0
    tokens: int = 0

    def start(self) -> None:
        self.started = time.perf_counter()

    def add(self, results: list[LLMResult]) -> None:
        self.requests += len(results)
        self.errors += sum(1 for r in results if not r.ok)
        self.tokens += sum(r.prompt_tokens + r.completion_tokens for r in results)

    def log(self) -> None:
        if not self.requests:
            return
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        log.info(
            "llm task: %d requests (%d errors) in %.2f s: %.1f requests/s, %.1f tokens/s",
            self.requests,
            self.errors,
            elapsed,
            self.requests / elapsed,
            self.tokens / elapsed,
        )
