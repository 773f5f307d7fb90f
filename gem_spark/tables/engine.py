"""Which table engine a Spark session can run: spark-delta needs Delta's classes in Spark's JVM."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

DELTA_TABLE_CLASS = "io.delta.tables.DeltaTable"


def jvm_class_loads(spark: SparkSession, class_name: str) -> bool:
    """True when Spark's JVM can load `class_name` (asked through py4j; never raises)."""
    from py4j.java_gateway import JavaClass

    target = spark.sparkContext._jvm
    if target is None:  # the SparkContext was stopped
        return False
    # py4j resolves a dotted name to a JavaClass when the class loads, else to a JavaPackage.
    for part in class_name.split("."):
        target = getattr(target, part)
    return isinstance(target, JavaClass)


def delta_classes_available(spark: SparkSession) -> bool:
    """True when Spark can load Delta.

    A Spark Connect client cannot look into the server's classpath; Connect servers that gem-spark
    targets (Databricks) always have Delta, so they count as available.
    """
    if getattr(spark, "_sc", None) is None:
        return True
    return jvm_class_loads(spark, DELTA_TABLE_CLASS)


def delta_unavailable_reason(spark: SparkSession) -> str | None:
    """None when spark-delta can run, else why not (used in errors and in the test skip)."""
    if delta_classes_available(spark):
        return None
    return (
        f"Spark cannot load {DELTA_TABLE_CLASS}: the Delta jars are not on its classpath "
        "(start Spark with --packages io.delta:delta-spark_2.13:<version> or bake the jars into the image)"
    )
