"""Declared Spark schemas of the tables, by table name (`TABLE_SCHEMAS`).

Stage tables share the bookkeeping columns of README's row convention (key, fingerprint, run_id,
status, reason, created_at) before their payload; `row_schema` builds them so every table agrees.
"""

from __future__ import annotations

from pyspark.sql.types import (
    ArrayType,
    DataType,
    DoubleType,
    IntegerType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)


def _required(name: str, data_type: DataType) -> StructField:
    return StructField(name, data_type, nullable=False)


def _optional(name: str, data_type: DataType) -> StructField:
    return StructField(name, data_type, nullable=True)


def row_schema(key: str, payload: list[StructField]) -> StructType:
    """Key, fingerprint, run_id, status, reason, created_at, then the table's own columns."""
    bookkeeping = [
        _required("fingerprint", StringType()),
        _required("run_id", StringType()),
        _required("status", StringType()),
        _optional("reason", StringType()),
        _required("created_at", TimestampType()),
    ]
    return StructType(
        [_required(key, StringType()), *(field for field in bookkeeping if field.name != key), *payload]
    )


# One row per distinct normalised segment; `snapshot` is the snapshot that first brought it in.
SEGMENTS = row_schema(
    "segment_id",
    [
        _required("doc_id", StringType()),
        _optional("url", StringType()),
        _optional("dump", StringType()),
        _required("source", StringType()),
        _required("record_ref", StringType()),
        _required("snapshot", StringType()),
        _required("position", IntegerType()),
        _required("start", IntegerType()),
        _required("end", IntegerType()),
        _required("text", StringType()),
        _required("n_chars", IntegerType()),
    ],
)

# One row per bad record (or unreadable file); the key hashes source, record_ref and reason.
QUARANTINE = row_schema(
    "quarantine_id",
    [
        _required("source", StringType()),
        _required("record_ref", StringType()),
        _optional("doc_id", StringType()),
        _optional("url", StringType()),
        _required("snapshot", StringType()),
        _optional("detail", StringType()),
        _optional("raw_preview", StringType()),
    ],
)

PREFILTER = row_schema(
    "segment_id",
    [
        _required("score", DoubleType()),
        _required("signals", ArrayType(StringType(), containsNull=False)),
    ],
)

# gem_spark.tables.feed_metrics.TaskFeed / StageFeed, field for field.
_RATES = [
    _required("requests", LongType()),
    _required("errors", LongType()),
    _required("prompt_tokens", LongType()),
    _required("completion_tokens", LongType()),
]
TASK_FEED = StructType(
    [
        _required("partition", IntegerType()),
        _required("attempt", IntegerType()),
        _required("rows", LongType()),
        *_RATES,
        _required("elapsed_s", DoubleType()),
        _required("requests_per_s", DoubleType()),
        _required("tokens_per_s", DoubleType()),
        _optional("first_result_s", DoubleType()),
        _required("engine_steps", LongType()),
        _optional("mean_running_per_step", DoubleType()),
        _optional("mean_in_flight", DoubleType()),
    ]
)
STAGE_FEED = StructType(
    [
        *_RATES,
        _required("wall_s", DoubleType()),
        _required("requests_per_s", DoubleType()),
        _required("tokens_per_s", DoubleType()),
        _optional("first_result_s", DoubleType()),
        _optional("mean_running_per_step", DoubleType()),
        _optional("mean_in_flight", DoubleType()),
        _required("pieces", LongType()),
        _required("commits", LongType()),
        _required("tasks", ArrayType(TASK_FEED, containsNull=False)),
    ]
)

STAGE_COUNTS = StructType(
    [
        _required("stage", StringType()),
        _required("n_in", LongType()),
        _required("n_ok", LongType()),
        _required("n_rejected", LongType()),
        _required("n_error", LongType()),
        _required("duration_s", DoubleType()),
        # Model requests the stage made (0 for stages without a model, and on a rerun with nothing new).
        _required("n_requests", LongType()),
        # Throughput of the stage's inference job (null for stages without one): tables/feed_metrics.py.
        _optional("feed", STAGE_FEED),
    ]
)

# Two or more rows per run (started, then finished or failed); readers take the latest per run_id.
# `fingerprint` is the config fingerprint; `status` is running | finished | failed; `reason` the
# exception type of a failed run.
RUNS = row_schema(
    "run_id",
    [
        _required("command", StringType()),
        _optional("snapshot", StringType()),
        _required("inputs", ArrayType(StringType(), containsNull=False)),
        _required("started_at", TimestampType()),
        _optional("ended_at", TimestampType()),
        _required("stages", ArrayType(STAGE_COUNTS, containsNull=False)),
        _optional("message", StringType()),
    ],
)

TABLE_SCHEMAS: dict[str, StructType] = {
    "segments": SEGMENTS,
    "quarantine": QUARANTINE,
    "prefilter": PREFILTER,
    "runs": RUNS,
}
