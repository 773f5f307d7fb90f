from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from gem_spark.tables.latest import latest_rows
from gem_spark.tables.store import SchemaMismatchError
from tests.support.stage_rows import stage_rows

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

pytestmark = pytest.mark.spark


def _payloads(df: DataFrame) -> list[tuple[str, str, str]]:
    return sorted((row["segment_id"], row["fingerprint"], row["payload"]) for row in df.collect())


def test_keeps_the_newest_row_per_key_and_fingerprint(spark: SparkSession) -> None:
    rows = stage_rows(
        spark,
        [
            ("s1", "f1", "r1", 0, "first"),
            ("s1", "f1", "r2", 9, "rerun"),
            ("s1", "f2", "r1", 1, "new fingerprint"),
            ("s2", "f1", "r1", 2, "only"),
        ],
    )
    assert _payloads(latest_rows(rows, ["segment_id"])) == [
        ("s1", "f1", "rerun"),
        ("s1", "f2", "new fingerprint"),
        ("s2", "f1", "only"),
    ]


def test_equal_timestamps_go_to_the_larger_run_id_then_a_row_hash(spark: SparkSession) -> None:
    tied_runs = stage_rows(spark, [("s1", "f1", "r2", 5, "r2 row"), ("s1", "f1", "r1", 5, "r1 row")])
    assert _payloads(latest_rows(tied_runs, ["segment_id"])) == [("s1", "f1", "r2 row")]
    full_tie = stage_rows(spark, [("s1", "f1", "r1", 5, "x"), ("s1", "f1", "r1", 5, "y")])
    picks = {_payloads(latest_rows(full_tie.repartition(n), ["segment_id"]))[0] for n in (1, 2, 3)}
    picks |= {_payloads(latest_rows(full_tie.orderBy("payload", ascending=False), ["segment_id"]))[0]}
    assert len(picks) == 1


def test_missing_columns_are_named(spark: SparkSession) -> None:
    rows = stage_rows(spark, [("s1", "f1", "r1", 0, "a")]).drop("run_id")
    with pytest.raises(SchemaMismatchError, match="run_id"):
        latest_rows(rows, ["segment_id"])
