"""Rows shaped like a stage table's (key, fingerprint, run_id, status, reason, created_at, payload, llm)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from pyspark.sql.types import (
    IntegerType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

STAGE_SCHEMA = StructType(
    [
        StructField("segment_id", StringType(), nullable=False),
        StructField("fingerprint", StringType(), nullable=False),
        StructField("run_id", StringType(), nullable=False),
        StructField("status", StringType(), nullable=False),
        StructField("reason", StringType(), nullable=True),
        StructField("created_at", TimestampType(), nullable=False),
        StructField("payload", StringType(), nullable=True),
        StructField(
            "llm",
            StructType(
                [
                    StructField("model", StringType(), nullable=True),
                    StructField("prompt_tokens", IntegerType(), nullable=True),
                ]
            ),
            nullable=True,
        ),
    ]
)

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def stage_rows(
    spark: SparkSession, rows: list[tuple[str, str, str, int, str]], status: str = "ok"
) -> DataFrame:
    """(segment_id, fingerprint, run_id, seconds after T0, payload) → a DataFrame of STAGE_SCHEMA."""
    data = [
        (key, fp, run, status, None, T0 + timedelta(seconds=offset), payload, ("tiny", len(payload)))
        for key, fp, run, offset, payload in rows
    ]
    return spark.createDataFrame(data, STAGE_SCHEMA)
