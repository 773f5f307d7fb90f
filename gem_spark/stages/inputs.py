"""Reading what a stage consumes from the tables upstream of it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyspark.sql import functions as F

from gem_spark.stages.common import StageContext
from gem_spark.stages.current import chain_input, current_ok

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


def segment_texts(ctx: StageContext) -> DataFrame:
    """segment_id → text, restricted to the run's snapshot when one is given."""
    segments = ctx.store.read("segments")
    if ctx.snapshot is not None:
        segments = segments.filter(F.col("snapshot") == ctx.snapshot)
    return segments.select("segment_id", "text").dropDuplicates(["segment_id"])


def upstream(ctx: StageContext, table: str, key: str, *columns: str) -> DataFrame:
    """Current ok rows of an upstream table with the fingerprint to chain to as `input_fingerprint`."""
    rows = current_ok(ctx, table)
    return rows.select(key, chain_input(table).alias("input_fingerprint"), *columns)


def with_text(ctx: StageContext, rows: DataFrame) -> DataFrame:
    return rows.join(segment_texts(ctx), "segment_id", "inner")
