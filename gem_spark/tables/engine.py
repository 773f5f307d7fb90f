"""Which table engine a Spark session can run: spark-delta needs Delta's classes in Spark's JVM."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

DELTA_TABLE_CLASS = "io.delta.tables.DeltaTable"


def delta_classes_available(spark: SparkSession) -> bool:
    """True when Spark can load Delta (asks the JVM through py4j; never raises).

    A Spark Connect client cannot look into the server's classpath; Connect servers that gem-spark
    targets (Databricks) always have Delta, so they count as available.
    """
    context = getattr(spark, "_sc", None)
    if context is None:
        return True
    from py4j.java_gateway import JavaClass

    target = context._jvm
    if target is None:  # the SparkContext was stopped
        return False
    # py4j resolves a dotted name to JavaClass when the class loads, else to a JavaPackage.
    for part in DELTA_TABLE_CLASS.split("."):
        target = getattr(target, part)
    return isinstance(target, JavaClass)


def delta_unavailable_reason(spark: SparkSession) -> str | None:
    """None when spark-delta can run, else why not (used in errors and in the test skip)."""
    if delta_classes_available(spark):
        return None
    return (
        f"Spark cannot load {DELTA_TABLE_CLASS}: the Delta jars are not on its classpath "
        "(start Spark with --packages io.delta:delta-spark_2.13:<version> or bake the jars into the image)"
    )
