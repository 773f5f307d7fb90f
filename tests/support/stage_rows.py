"""Rows of a real stage table schema (`stages.common.stage_schema`) with a text payload."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from pyspark.sql.types import StringType, StructField

from gem_spark.llm.spark import LLM_STRUCT
from gem_spark.stages.common import stage_schema

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

STAGE_SCHEMA = stage_schema("segment_id", [StructField("payload", StringType())])

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def stage_dicts(rows: list[tuple[str, str, str, int, str]], status: str = "ok") -> list[dict[str, object]]:
    """(segment_id, fingerprint, run_id, seconds after T0, payload) → rows of STAGE_SCHEMA as dicts."""
    return [
        {
            "segment_id": key,
            "fingerprint": fp,
            "run_id": run,
            "status": status,
            "reason": None,
            "created_at": T0 + timedelta(seconds=offset),
            "payload": payload,
            "llm": {**dict.fromkeys(LLM_STRUCT.names), "model": "tiny", "prompt_tokens": len(payload)},
        }
        for key, fp, run, offset, payload in rows
    ]


def stage_rows(
    spark: SparkSession, rows: list[tuple[str, str, str, int, str]], status: str = "ok"
) -> DataFrame:
    """`stage_dicts` as a DataFrame of STAGE_SCHEMA."""
    return spark.createDataFrame(stage_dicts(rows, status), STAGE_SCHEMA)
