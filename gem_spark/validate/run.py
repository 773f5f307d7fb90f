"""`gem-spark validate`: check a user's own tool-use dataset (APIGen-MT, ToolACE, tau-bench logs, ...)
with a rule profile, as a Spark job, before mixing it with GEM output.

JSON Lines files (plain or compressed) are read line by line and split across executors; a `.json`
file is one document (a list of records or one record) and is parsed whole by one task; Parquet rows
are records. Each record
becomes a result row (validate/records.py). The driver prints counts by status and by reason code;
rows that are not plainly ok (rejected, import failures, warnings) are written with their detail to
`--out` as JSON Lines or a Delta table. Unreadable input (no such file, a corrupt archive) fails the
command; a bad record never does.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType, LongType, StringType, StructField, StructType

from gem_spark.config import GemConfig, TablesConfig
from gem_spark.stages.ingest.input_files import expand_inputs
from gem_spark.stages.trajectory_stage import FINDING_STRUCT
from gem_spark.tables.store import CommitId
from gem_spark.validate.records import OK, check_document, check_line, check_record, load_tools
from gem_spark.validate.rules import profile_rules

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from gem_spark.schema import Tool
    from gem_spark.validate.rules import RuleConfig

OUT_FORMATS = ("jsonl", "delta")
RESULT_SCHEMA = StructType(
    [
        StructField("source", StringType()),
        StructField("record", LongType()),
        StructField("status", StringType()),
        StructField("kind", StringType()),
        StructField("reasons", ArrayType(StringType())),
        StructField("findings", ArrayType(FINDING_STRUCT)),
        StructField("preview", StringType()),
    ]
)


@dataclass(frozen=True)
class ValidateSummary:
    profile: str
    n_records: int
    by_status: dict[str, int]
    # "severity:code" → records with that finding
    by_code: dict[str, int]
    out: str | None = None
    files: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        statuses = "  ".join(f"{status} {n}" for status, n in sorted(self.by_status.items()))
        out = [f"validate ({self.profile}): {self.n_records} records in {len(self.files)} files  {statuses}"]
        out += [f"  {key.split(':', 1)[1]:<34} {key.split(':', 1)[0]:<7} {n:>7}" for key, n in
                sorted(self.by_code.items(), key=lambda item: (-item[1], item[0]))]  # fmt: skip
        if self.out:
            out.append(f"failures and warnings with their detail -> {self.out}")
        return out


def _whole_document(path: str) -> bool:
    name = path.lower()
    return name.endswith(".json") or name.endswith(".json.gz")


def _results(spark: SparkSession, path: str, fmt: str, rules: RuleConfig, tools: list[Tool]) -> Any:
    """An RDD of result rows for one file."""
    context = spark.sparkContext
    if path.lower().endswith(".parquet"):
        # Hub datasets ship Parquet: each row (nested structs and lists as dicts and lists) is a record.
        rows = spark.read.parquet(path).rdd.zipWithIndex()
        return rows.map(lambda item: {"source": path, "record": item[1],
                                      **check_record(item[0].asDict(recursive=True), fmt, rules, tools)})  # fmt: skip
    if _whole_document(path):
        documents = context.wholeTextFiles(path)
        return documents.flatMap(
            lambda item: [
                {"source": path, "record": index, **row}
                for index, row in enumerate(check_document(item[1], fmt, rules, tools))
            ]
        )
    lines = context.textFile(path).zipWithIndex().filter(lambda item: item[0].strip())
    return lines.map(
        lambda item: {"source": path, "record": item[1], **check_line(item[0], fmt, rules, tools)}
    )


def validate_dataset(
    spark: SparkSession, config: GemConfig, inputs: list[str], fmt: str = "auto", profile: str = "import",
    tools_path: str | None = None,
) -> tuple[DataFrame, list[str]]:
    """Result rows for every record of every input file, and the files read."""
    rules = profile_rules(config, profile)
    files = [item.path for item in expand_inputs(inputs, "auto")]
    tools = load_tools(Path(tools_path).read_text(encoding="utf-8")) if tools_path else []
    rdds = [_results(spark, path, fmt, rules, tools) for path in files]
    rows = spark.sparkContext.union(rdds) if len(rdds) > 1 else rdds[0]
    return spark.createDataFrame(rows.map(lambda row: tuple(row[name] for name in RESULT_SCHEMA.names)),
                                 RESULT_SCHEMA), files  # fmt: skip


def _write(spark: SparkSession, config: GemConfig, failures: DataFrame, out: str, out_format: str) -> None:
    if out_format == "jsonl":
        failures.write.mode("overwrite").json(out)
        return
    from gem_spark.tables import open_store

    root, name = os.path.split(out.rstrip("/"))
    store = open_store(TablesConfig(engine=config.tables.engine, root=root or "."), spark)
    store.ensure(name, RESULT_SCHEMA)
    store.append(name, failures, CommitId(f"validate:{uuid.uuid4().hex}", 0))


def run_validate(
    config: GemConfig, inputs: list[str], fmt: str = "auto", profile: str = "import",
    out: str | None = None, out_format: str = "jsonl", tools_path: str | None = None,
) -> ValidateSummary:  # fmt: skip
    from gem_spark.session import get_spark

    spark = get_spark(config.spark)
    results, files = validate_dataset(spark, config, inputs, fmt, profile, tools_path)
    results = results.cache()
    try:
        by_status = {row["status"]: row["count"] for row in results.groupBy("status").count().collect()}
        findings = results.select(F.explode("findings").alias("finding")).select(
            F.concat_ws(":", "finding.severity", "finding.code").alias("key")
        )
        by_code = {row["key"]: row["count"] for row in findings.groupBy("key").count().collect()}
        if out:
            _write(spark, config, results.where(F.col("status") != OK), out, out_format)
    finally:
        results.unpersist()
    return ValidateSummary(profile, sum(by_status.values()), by_status, by_code, out, files)
