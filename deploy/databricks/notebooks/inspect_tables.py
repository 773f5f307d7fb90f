# Databricks notebook source
# MAGIC %md
# MAGIC # gem-spark: inspect the tables and the report
# MAGIC Row counts by status and reason code for every stage table of `<catalog>.<schema>`, the run history,
# MAGIC accepted trajectories, and the report for the current tables.

# COMMAND ----------

import os

dbutils.widgets.text("config", os.path.normpath(os.path.join(os.getcwd(), "../../../conf/databricks.yaml")))
dbutils.widgets.text("catalog", "main")
dbutils.widgets.text("schema", "gem_dev")
dbutils.widgets.text("report_out", "/Volumes/main/gem_dev/exports/report")

# COMMAND ----------

catalog = dbutils.widgets.get("catalog")
schema = dbutils.widgets.get("schema")
present = {row.tableName for row in spark.sql(f"SHOW TABLES IN {catalog}.{schema}").collect()}
STAGE_TABLES = ["segments", "quarantine", "prefilter", "select", "extract", "generate", "refine",
                "synthesize", "judge", "accepted"]
for table in STAGE_TABLES:
    if table not in present:
        print(f"{catalog}.{schema}.{table}: not written yet")
        continue
    frame = spark.table(f"{catalog}.{schema}.{table}")
    if "status" in frame.columns:
        print(f"{catalog}.{schema}.{table}")
        display(frame.groupBy("status", "reason").count().orderBy("count", ascending=False))
    else:
        print(f"{catalog}.{schema}.{table}: {frame.count()} rows")

# COMMAND ----------

# MAGIC %md
# MAGIC ## Runs (one row at the start and one at the end of every run)

# COMMAND ----------

if "runs" in present:
    display(spark.table(f"{catalog}.{schema}.runs").orderBy("run_id"))

# COMMAND ----------

# MAGIC %md
# MAGIC ## Report

# COMMAND ----------

from pathlib import Path

from gem_spark.config import load_config
from gem_spark.report import build_report

config = load_config(dbutils.widgets.get("config"), [f"tables.catalog={catalog}", f"tables.schema={schema}"])
report = Path(build_report(config, dbutils.widgets.get("report_out"), spark=spark))
pages = [report] if report.is_file() else sorted(report.rglob("*"))
for page in pages:
    print(page)
html = [page for page in pages if page.suffix == ".html"]
if html:
    displayHTML(html[0].read_text(encoding="utf-8"))
