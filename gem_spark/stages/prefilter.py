"""Prefilter stage: score every segment with the pure heuristic `score_text`, keep all rows.

Rows below the threshold stay in the output with status `rejected` and reason `prefilter_low_score`
(score, then keep). The scorer runs through `mapInArrow`. Ingest scores the segments it produces while
segmenting them (`stages/ingest/segmenting_pass.py`) and only comes here for stored segments without a
score.
`bench/prefilter_variants.py` measures it against mapInPandas, pandas_udf and a plain Python UDF: all
four are within the host's ±20% noise because `score_text` itself dominates; mapInArrow skips the pandas
conversion the others pay.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from pyspark.sql import functions as F
from pyspark.sql.pandas.types import to_arrow_schema
from pyspark.sql.types import ArrayType, DoubleType, StringType, StructField, StructType

from gem_spark.stages.codes import PREFILTER_LOW_SCORE
from gem_spark.text.procedural_score import score_text

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame

LOW_SCORE = PREFILTER_LOW_SCORE
INPUT_COLUMNS = ("segment_id", "text")
SCORED_SCHEMA = StructType(
    [
        StructField("segment_id", StringType()),
        StructField("score", DoubleType(), False),
        StructField("signals", ArrayType(StringType(), False), False),
    ]
)


class PrefilterInputError(ValueError):
    """The segments DataFrame lacks a column the prefilter needs."""


def prefilter_segments(segments: DataFrame, threshold: float) -> DataFrame:
    """segment_id, score, signals, status ('ok' | 'rejected'), reason (null | 'prefilter_low_score')."""
    return with_verdict(score_segments(segments), threshold)


def score_segments(segments: DataFrame) -> DataFrame:
    """(segment_id, text) rows → SCORED_SCHEMA rows, scored on executors."""
    missing = [name for name in INPUT_COLUMNS if name not in segments.columns]
    if missing:
        msg = f"prefilter needs columns {list(INPUT_COLUMNS)}; missing {missing} in {segments.columns}"
        raise PrefilterInputError(msg)
    return segments.select(*INPUT_COLUMNS).mapInArrow(score_arrow_batches, SCORED_SCHEMA)


def with_verdict(scored: DataFrame, threshold: float) -> DataFrame:
    """Add status and reason to (segment_id, score, signals) rows: below `threshold` is rejected."""
    passed = F.col("score") >= F.lit(float(threshold))
    return scored.withColumn("status", F.when(passed, F.lit("ok")).otherwise(F.lit("rejected"))).withColumn(
        "reason", F.when(passed, F.lit(None).cast(StringType())).otherwise(F.lit(LOW_SCORE))
    )


def score_arrow_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Executor side: (segment_id, text) batches → (segment_id, score, signals) batches.

    A null text scores as the empty string (lowest score, rejected) rather than failing the task.
    """
    import pyarrow as pa

    schema = to_arrow_schema(SCORED_SCHEMA)
    for batch in batches:
        results = [score_text(text or "") for text in batch.column("text").to_pylist()]
        yield pa.RecordBatch.from_arrays(
            [
                batch.column("segment_id").cast(pa.string()),
                pa.array([result.score for result in results], pa.float64()),
                pa.array([list(result.signals) for result in results], schema.field("signals").type),
            ],
            schema=schema,
        )
