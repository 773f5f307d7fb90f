"""One contract, every engine: the same tests run against each TableStore implementation.

The spark-delta leg needs the Delta jars on Spark's classpath; where they are missing (no Maven access,
as on our CI machines) it skips with that reason. The delta-rs leg always runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timezone
from typing import TYPE_CHECKING

import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

from gem_spark.config import TablesConfig
from gem_spark.tables import open_store
from gem_spark.tables.conform import schema_differences
from gem_spark.tables.engine import delta_unavailable_reason
from gem_spark.tables.latest import latest_rows
from gem_spark.tables.store import CommitId, SchemaMismatchError, TableNotFoundError, TableStore
from tests.support.stage_rows import STAGE_SCHEMA, stage_dicts, stage_rows

if TYPE_CHECKING:
    from pathlib import Path

    from pyspark.sql import DataFrame, SparkSession

pytestmark = pytest.mark.spark

ENGINES = ["delta-rs", "spark-delta"]


@pytest.fixture(params=ENGINES)
def store(request: pytest.FixtureRequest, spark: SparkSession, tmp_path: Path) -> Iterator[TableStore]:
    if request.param == "spark-delta":
        reason = delta_unavailable_reason(spark)
        if reason is not None:
            pytest.skip(reason)
    yield open_store(TablesConfig(engine=request.param, root=str(tmp_path / "lake")), spark)


def _sorted(df: DataFrame) -> DataFrame:
    return df.orderBy("segment_id", "fingerprint", "created_at")


def _assert_same_rows(actual: DataFrame, expected: DataFrame) -> None:
    # Parquet-based reads report every column nullable; rows, names and types must match exactly.
    assert_df_equality(_sorted(actual), _sorted(expected), ignore_nullable=True)


def test_ensure_creates_an_empty_table_with_the_declared_schema(store: TableStore) -> None:
    assert not store.exists("select")
    store.ensure("select", STAGE_SCHEMA)
    assert store.exists("select")
    table = store.read("select")
    assert table.count() == 0
    # Names and types as declared; file readers report every column nullable, so that is not compared.
    assert schema_differences(STAGE_SCHEMA, table.schema) == []
    version = store.version("select")
    store.ensure("select", STAGE_SCHEMA)  # second call is a no-op
    assert store.version("select") == version


def test_ensure_refuses_a_different_schema_for_an_existing_table(store: TableStore) -> None:
    store.ensure("select", STAGE_SCHEMA)
    other = StructType([*STAGE_SCHEMA.fields, StructField("extra", StringType())])
    with pytest.raises(SchemaMismatchError, match="extra"):
        store.ensure("select", other)


def test_append_then_read_returns_the_rows(store: TableStore, spark: SparkSession) -> None:
    store.ensure("select", STAGE_SCHEMA)
    rows = stage_rows(spark, [("s1", "f1", "r1", 0, "a"), ("s2", "f1", "r1", 0, "b")])
    assert store.append("select", rows, CommitId("r1:select", 1)) is True
    _assert_same_rows(store.read("select"), rows)


def test_a_repeated_commit_is_a_no_op(store: TableStore, spark: SparkSession) -> None:
    store.ensure("select", STAGE_SCHEMA)
    rows = stage_rows(spark, [("s1", "f1", "r1", 0, "a")])
    assert store.append("select", rows, CommitId("r1:select", 1)) is True
    version = store.version("select")
    assert store.append("select", rows, CommitId("r1:select", 1)) is False
    assert store.append("select", rows, CommitId("r1:select", 0)) is False  # older than recorded
    assert store.version("select") == version
    assert store.read("select").count() == 1
    assert store.append("select", rows, CommitId("r1:select", 2)) is True
    assert store.append("select", rows, CommitId("r2:select", 1)) is True  # another app id
    assert store.read("select").count() == 3


def test_an_empty_append_still_records_its_commit(store: TableStore, spark: SparkSession) -> None:
    store.ensure("select", STAGE_SCHEMA)
    empty = stage_rows(spark, [])
    assert store.append("select", empty, CommitId("r1:select", 1)) is True
    assert store.append("select", empty, CommitId("r1:select", 1)) is False
    assert store.read("select").count() == 0


def test_append_rejects_columns_that_do_not_match(store: TableStore, spark: SparkSession) -> None:
    store.ensure("select", STAGE_SCHEMA)
    rows = stage_rows(spark, [("s1", "f1", "r1", 0, "a")])
    version = store.version("select")
    with pytest.raises(SchemaMismatchError, match="missing column 'payload'"):
        store.append("select", rows.drop("payload"), CommitId("r1:select", 1))
    with pytest.raises(SchemaMismatchError, match="unexpected column 'extra'"):
        store.append("select", rows.withColumn("extra", F.lit(1)), CommitId("r1:select", 1))
    with pytest.raises(SchemaMismatchError, match="column 'payload' is int"):
        store.append("select", rows.withColumn("payload", F.lit(1)), CommitId("r1:select", 1))
    assert store.version("select") == version


def test_driver_rows_append_like_a_dataframe(store: TableStore, spark: SparkSession) -> None:
    # A run's bookkeeping rows take this path (the delta-rs engine commits them without a Spark job).
    store.ensure("select", STAGE_SCHEMA)
    rows = stage_dicts([("s1", "f1", "r1", 0, "a"), ("s2", "f1", "r1", 5, "b")])
    assert store.append_rows("select", rows, STAGE_SCHEMA, CommitId("r1:select", 1)) is True
    assert store.append_rows("select", rows, STAGE_SCHEMA, CommitId("r1:select", 1)) is False
    _assert_same_rows(store.read("select"), spark.createDataFrame(rows, STAGE_SCHEMA))
    assert store.history("select")[0]["commit"] == CommitId("r1:select", 1)


def test_driver_rows_with_other_columns_are_refused(store: TableStore) -> None:
    store.ensure("select", STAGE_SCHEMA)
    version = store.version("select")
    without_payload = StructType([field for field in STAGE_SCHEMA.fields if field.name != "payload"])
    rows = [
        {name: row[name] for name in without_payload.names}
        for row in stage_dicts([("s1", "f1", "r1", 0, "a")])
    ]
    with pytest.raises(SchemaMismatchError, match="missing column 'payload'"):
        store.append_rows("select", rows, without_payload, CommitId("r1:select", 1))
    assert store.version("select") == version


def test_columns_in_another_order_are_written_in_table_order(store: TableStore, spark: SparkSession) -> None:
    store.ensure("select", STAGE_SCHEMA)
    rows = stage_rows(spark, [("s1", "f1", "r1", 0, "a")])
    store.append("select", rows.select(*reversed(rows.columns)), CommitId("r1:select", 1))
    _assert_same_rows(store.read("select"), rows)


def test_read_as_of_a_version_travels_back_in_time(store: TableStore, spark: SparkSession) -> None:
    store.ensure("select", STAGE_SCHEMA)
    created = store.version("select")
    first = stage_rows(spark, [("s1", "f1", "r1", 0, "a")])
    second = stage_rows(spark, [("s2", "f1", "r2", 5, "b")])
    store.append("select", first, CommitId("r1:select", 1))
    after_first = store.version("select")
    store.append("select", second, CommitId("r2:select", 1))
    assert store.version("select") == after_first + 1
    assert store.read("select", version=created).count() == 0
    _assert_same_rows(store.read("select", version=after_first), first)
    _assert_same_rows(store.read("select"), first.unionByName(second))


def test_history_lists_commits_newest_first_with_their_app_transaction(
    store: TableStore, spark: SparkSession
) -> None:
    store.ensure("select", STAGE_SCHEMA)
    store.append("select", stage_rows(spark, [("s1", "f1", "r1", 0, "a")]), CommitId("r1:select", 1))
    store.append("select", stage_rows(spark, [("s2", "f1", "r2", 0, "b")]), CommitId("r2:select", 7))
    history = store.history("select")
    assert [entry["operation"] for entry in history] == ["WRITE", "WRITE", "CREATE TABLE"]
    assert [entry["commit"] for entry in history] == [
        CommitId("r2:select", 7),
        CommitId("r1:select", 1),
        None,
    ]
    assert [entry["version"] for entry in history] == sorted((e["version"] for e in history), reverse=True)
    assert history[0]["version"] == store.version("select")
    stamps = [entry["timestamp"] for entry in history]
    assert all(stamp.tzinfo == timezone.utc for stamp in stamps)
    assert stamps == sorted(stamps, reverse=True)


def test_compact_keeps_every_row(store: TableStore, spark: SparkSession) -> None:
    store.ensure("select", STAGE_SCHEMA)
    batches = [stage_rows(spark, [(f"s{i}", "f1", f"r{i}", i, "x" * i)]) for i in range(4)]
    for i, batch in enumerate(batches):
        store.append("select", batch.repartition(2), CommitId(f"r{i}:select", 1))
    before = store.read("select")
    expected = _sorted(before).collect()
    store.compact("select")
    assert store.history("select")[0]["operation"] == "OPTIMIZE"
    assert _sorted(store.read("select")).collect() == expected


def test_missing_tables_raise_table_not_found(store: TableStore, spark: SparkSession) -> None:
    rows = stage_rows(spark, [("s1", "f1", "r1", 0, "a")])
    for call in (
        lambda: store.read("nothing"),
        lambda: store.version("nothing"),
        lambda: store.history("nothing"),
        lambda: store.append("nothing", rows, CommitId("r1:nothing", 1)),
    ):
        with pytest.raises(TableNotFoundError, match="nothing"):
            call()


def test_readers_see_the_latest_row_per_key_and_fingerprint(store: TableStore, spark: SparkSession) -> None:
    store.ensure("select", STAGE_SCHEMA)
    # Run r1 fails s1 (error row); the rerun r2 writes ok. A new fingerprint f2 keeps its own row.
    store.append(
        "select", stage_rows(spark, [("s1", "f1", "r1", 0, "old")], status="error"), CommitId("r1", 1)
    )
    store.append("select", stage_rows(spark, [("s1", "f1", "r2", 10, "new")]), CommitId("r2", 1))
    store.append("select", stage_rows(spark, [("s1", "f2", "r3", 5, "other")]), CommitId("r3", 1))
    latest = latest_rows(store.read("select"), ["segment_id"])
    got = sorted((row["fingerprint"], row["payload"], row["status"]) for row in latest.collect())
    assert got == [("f1", "new", "ok"), ("f2", "other", "ok")]


def test_a_large_write_streams_without_collecting_on_the_driver(
    store: TableStore, spark: SparkSession, driver_rss_peak
) -> None:
    rows = 2_000_000
    text = F.concat(F.lit("segment "), F.col("id").cast("string"), F.lit(" " + "lorem ipsum " * 6))
    df = spark.range(rows, numPartitions=4).select(F.col("id"), text.alias("text"))
    data_mb = rows * 90 / 2**20  # ~90 bytes of text per row: ~170 MB if it were collected
    store.ensure("big", df.schema)
    with driver_rss_peak() as growth:
        assert store.append("big", df, CommitId("bench:big", 1)) is True
    assert growth.mb < data_mb / 4, f"driver RSS grew {growth.mb:.0f} MB for {data_mb:.0f} MB of data"
    assert store.read("big").count() == rows
