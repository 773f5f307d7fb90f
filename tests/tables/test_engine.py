from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from gem_spark.tables.engine import delta_unavailable_reason, jvm_class_loads

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = pytest.mark.spark


def test_class_lookup_tells_present_from_absent_classes(spark: SparkSession) -> None:
    assert jvm_class_loads(spark, "org.apache.spark.sql.SparkSession")
    assert not jvm_class_loads(spark, "io.delta.no_such_package.Nothing")


def test_the_reason_names_the_missing_delta_class_exactly_when_it_does_not_load(spark: SparkSession) -> None:
    reason = delta_unavailable_reason(spark)
    if jvm_class_loads(spark, "io.delta.tables.DeltaTable"):
        assert reason is None
    else:
        assert reason is not None
        assert "io.delta.tables.DeltaTable" in reason
