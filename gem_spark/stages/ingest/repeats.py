"""Later occurrences of a key within one ingest run, found by shuffling keys only, never the text.

Both in-run checks use it: a segment text seen earlier in the run (exact dedup) and a document id an
earlier document took (`duplicate_id`). "Earlier" is by an order of columns that does not depend on
partitioning (file, record, position), so reruns and cluster sizes pick the same first occurrence.

The result is meant to be cached and counted by the caller: once materialised its real size is known,
so the joins that drop or replace these rows broadcast it (usually tiny) instead of shuffling the text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyspark.sql import functions as F
from pyspark.sql.window import Window

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

FIRST = "first"
_RANK = "__rank"


def later_occurrences(
    rows: DataFrame, key: str, order: list[str], first: list[str] | None = None
) -> DataFrame:
    """(`key`, `order`...) of every row whose key an earlier row by `order` has.

    With `first`, a struct column `first` also holds those columns of the earliest row (to name it).
    """
    by_key = Window.partitionBy(key).orderBy(*order)
    keys = rows.select(key, *dict.fromkeys([*order, *(first or [])]))
    if first:
        keys = keys.withColumn(FIRST, F.first(F.struct(*first)).over(by_key))
    return (
        keys.withColumn(_RANK, F.row_number().over(by_key))
        .filter(F.col(_RANK) > 1)
        .select(key, *order, *([FIRST] if first else []))
    )
