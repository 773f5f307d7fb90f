"""What every GEM stage table shares: row columns, fingerprints, and how pending work is selected.

A stage row's fingerprint chains the stage's own fingerprint (prompt template hash, model, sampling,
parser version, stage settings) with the fingerprint of the input row it was computed from. Changing
one stage's prompt therefore changes the fingerprints of that stage and of everything downstream, and
nothing upstream — which is exactly the set of rows that must be recomputed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from pyspark.sql import functions as F
from pyspark.sql.types import (
    ArrayType,
    BooleanType,
    DataType,
    IntegerType,
    StringType,
    StructField,
    StructType,
)

from gem_spark.config import NOT_FINGERPRINTED, GemConfig, ModelConfig
from gem_spark.llm.spark import LLM_STRUCT
from gem_spark.tables.schemas import row_schema

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from gem_spark.tables.store import TableStore

OK, REJECTED, ERROR = "ok", "rejected", "error"

STATS_STRUCT = StructType(
    [
        StructField("messages", IntegerType()),
        StructField("user_turns", IntegerType()),
        StructField("tool_calls", IntegerType()),
        StructField("distinct_tools_called", IntegerType()),
        StructField("tools_defined", IntegerType()),
    ]
)


def stage_schema(key: str, payload: list[StructField], with_llm: bool = True) -> StructType:
    """The full schema of a stage table: key and bookkeeping columns, payload, then the llm struct."""
    schema = row_schema(key, payload)
    return StructType([*schema.fields, StructField("llm", LLM_STRUCT)]) if with_llm else schema


def field(name: str, data_type: DataType) -> StructField:
    return StructField(name, data_type, True)


TRUNCATED = field("truncated", BooleanType())
REASONS = field("reasons", ArrayType(StringType()))


def fingerprint_of(parts: dict[str, Any]) -> str:
    """Stable hash of what decides a stage's output; batch sizes and parallelism never go in."""
    canonical = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def model_identity(model: ModelConfig) -> dict[str, Any]:
    """The whole model config except the settings that change how requests run, not what they return
    (config.NOT_FINGERPRINTED: concurrency, retries, timeouts, prices, batch sizes, ...)."""
    return model.model_dump(mode="json", exclude=set(NOT_FINGERPRINTED))


def chain_fingerprint(stage_fingerprint: str, input_fingerprint_col: str = "input_fingerprint") -> Any:
    """Column expression: this stage's row fingerprint from the stage's own and the input row's."""
    return F.substring(F.sha2(F.concat_ws("|", F.lit(stage_fingerprint), F.col(input_fingerprint_col)), 256), 1, 32)


def now_utc() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def truncate(text: str, limit: int) -> tuple[str, bool]:
    """Cut source text to the stage budget; the flag is stored on the row."""
    if len(text) <= limit:
        return text, False
    return text[:limit], True


@dataclass(frozen=True)
class StageContext:
    """Everything a stage needs to run once: the config, Spark, the store and the run it belongs to."""

    config: GemConfig
    spark: SparkSession
    store: TableStore
    run_id: str
    limit: int | None = None
    snapshot: str | None = None
    # Current fingerprint chains computed under this context, keyed by the table versions they read
    # (`stages/current.py`); shared by the copies `dataclasses.replace` makes.
    chains: dict[Any, DataFrame] = dataclass_field(default_factory=dict, compare=False, repr=False)


def pending(ctx: StageContext, inputs: DataFrame, table: str, key: str) -> DataFrame:
    """Input rows whose (key, fingerprint) has no ok/rejected output yet and has not run out of attempts.

    `inputs` must already carry the chained `fingerprint` column.
    """
    done = ctx.store.read(table).select(key, "fingerprint", "status")
    settled = done.filter(F.col("status").isin(OK, REJECTED)).select(key, "fingerprint")
    exhausted = (
        done.filter(F.col("status") == ERROR)
        .groupBy(key, "fingerprint")
        .count()
        .filter(F.col("count") >= ctx.config.pipeline.max_attempts)
        .select(key, "fingerprint")
    )
    todo = inputs.join(settled, [key, "fingerprint"], "left_anti").join(exhausted, [key, "fingerprint"], "left_anti")
    return todo.dropDuplicates([key, "fingerprint"])
