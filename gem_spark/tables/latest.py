"""Readers' view of an append-only stage table: the latest row per (key..., fingerprint)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyspark.sql import functions as F
from pyspark.sql.window import Window

from gem_spark.tables.store import SchemaMismatchError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

_ORDER_COLUMNS = ("created_at", "run_id")


def latest_rows(df: DataFrame, key_cols: list[str]) -> DataFrame:
    """Keep the newest row (by `created_at`) of every (key..., fingerprint) group.

    Ties on `created_at` go to the larger `run_id`, then to the larger hash of the whole row, so the
    choice never depends on partitioning or file order.
    """
    needed = [*key_cols, "fingerprint", *_ORDER_COLUMNS]
    missing = [name for name in needed if name not in df.columns]
    if missing:
        msg = f"latest_rows needs columns {missing}; the DataFrame has {df.columns}"
        raise SchemaMismatchError(msg)
    # Hashing the columns themselves, not their JSON text: serialising every row (trajectories, raw
    # outputs) to JSON only to break ties made the window several times dearer on wide tables.
    row_hash = F.xxhash64(*[F.col(name) for name in df.columns])
    window = Window.partitionBy(*key_cols, "fingerprint").orderBy(
        *[F.col(name).desc_nulls_last() for name in _ORDER_COLUMNS], row_hash.desc()
    )
    rank = "__latest_rank"
    return df.withColumn(rank, F.row_number().over(window)).where(F.col(rank) == 1).drop(rank)
