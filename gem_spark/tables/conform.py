"""Check a DataFrame against a table's declared schema before anything is written."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gem_spark.tables.store import SchemaMismatchError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame
    from pyspark.sql.types import StructType


def schema_differences(declared: StructType, actual: StructType) -> list[str]:
    """Human-readable differences by column name and type; nullability is left to the writer."""
    declared_types = {field.name: field.dataType.simpleString() for field in declared.fields}
    actual_types = {field.name: field.dataType.simpleString() for field in actual.fields}
    problems = [f"missing column {name!r}" for name in declared_types if name not in actual_types]
    problems += [f"unexpected column {name!r}" for name in actual_types if name not in declared_types]
    problems += [
        f"column {name!r} is {actual_types[name]}, table declares {kind}"
        for name, kind in declared_types.items()
        if name in actual_types and actual_types[name] != kind
    ]
    return problems


def require_same_schema(table: str, declared: StructType, actual: StructType) -> None:
    problems = schema_differences(declared, actual)
    if problems:
        msg = f"table {table}: schema mismatch: " + "; ".join(problems)
        raise SchemaMismatchError(msg)


def conform(table: str, df: DataFrame, declared: StructType) -> DataFrame:
    """`df` with the table's column order; a missing, extra or differently typed column is an error."""
    require_same_schema(table, declared, df.schema)
    return df.select(*declared.names)
