from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from gem_spark.config import TablesConfig
from gem_spark.tables import open_store
from gem_spark.tables.engine import delta_classes_available
from gem_spark.tables.store import EngineUnavailableError, TableError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = pytest.mark.spark


def test_auto_picks_spark_delta_only_when_delta_loads(spark: SparkSession, tmp_path: Path) -> None:
    store = open_store(TablesConfig(engine="auto", root=str(tmp_path)), spark)
    assert store.engine_name == ("spark-delta" if delta_classes_available(spark) else "delta-rs")
    assert store.location("select") == str(tmp_path / "select")


def test_spark_delta_without_the_jars_is_a_clear_error(spark: SparkSession, tmp_path: Path) -> None:
    if delta_classes_available(spark):
        assert (
            open_store(TablesConfig(engine="spark-delta", root=str(tmp_path)), spark).engine_name
            == "spark-delta"
        )
        return
    with pytest.raises(EngineUnavailableError, match=r"spark-delta.*io\.delta\.tables\.DeltaTable.*delta-rs"):
        open_store(TablesConfig(engine="spark-delta", root=str(tmp_path)), spark)


def test_delta_rs_refuses_unity_catalog_names(spark: SparkSession) -> None:
    config = TablesConfig.model_validate({"engine": "delta-rs", "catalog": "main", "schema": "gem"})
    with pytest.raises(EngineUnavailableError, match="paths only"):
        open_store(config, spark)


def test_catalog_and_schema_go_together(spark: SparkSession) -> None:
    with pytest.raises(TableError, match="set together"):
        open_store(TablesConfig.model_validate({"catalog": "main"}), spark)
