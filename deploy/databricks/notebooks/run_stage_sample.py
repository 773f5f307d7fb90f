# Databricks notebook source
# MAGIC %md
# MAGIC # gem-spark: run one stage on a sample
# MAGIC Runs one GEM stage on at most `limit` pending rows and shows what it wrote, to try a prompt, a model or
# MAGIC a config change before the whole job runs. Attach to a cluster that has the gem-spark wheel (the
# MAGIC bundle's job clusters do; elsewhere `%pip install` the wheel from the bundle's artifact path), with
# MAGIC GPUs for `select` and `synthesize` (vLLM) and `DATABRICKS_TOKEN` set for `judge`.

# COMMAND ----------

import os

dbutils.widgets.text("config", os.path.normpath(os.path.join(os.getcwd(), "../../../conf/databricks.yaml")))
dbutils.widgets.text("catalog", "main")
dbutils.widgets.text("schema", "gem_dev")
dbutils.widgets.dropdown("stage", "select", ["select", "extract", "generate", "refine", "synthesize", "judge"])
dbutils.widgets.dropdown("mode", "synthesizer", ["synthesizer", "teacher"])
dbutils.widgets.text("limit", "20")
dbutils.widgets.text("overrides", "", "extra --set items, separated by ';'")

# COMMAND ----------

from gem_spark.config import load_config
from gem_spark.pipeline import run_pipeline

catalog = dbutils.widgets.get("catalog")
schema = dbutils.widgets.get("schema")
stage = dbutils.widgets.get("stage")
overrides = [f"tables.catalog={catalog}", f"tables.schema={schema}"]
overrides += [item.strip() for item in dbutils.widgets.get("overrides").split(";") if item.strip()]
config = load_config(dbutils.widgets.get("config"), overrides)

summary = run_pipeline(
    config, dbutils.widgets.get("mode"), stages=[stage], limit=int(dbutils.widgets.get("limit")), spark=spark
)
print(summary)

# COMMAND ----------

# What the stage wrote in its latest run: status and reason codes, then the rows themselves.
written = spark.table(f"{catalog}.{schema}.{stage}")
latest = written.orderBy("created_at", ascending=False).select("run_id").first()
if latest is None:
    print(f"{catalog}.{schema}.{stage} is empty: the stage had no pending input")
else:
    this_run = written.where(written.run_id == latest["run_id"])
    display(this_run.groupBy("status", "reason").count().orderBy("count", ascending=False))
    display(this_run)
