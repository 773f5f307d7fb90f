"""Everything the report shows, read from the tables with Spark and reduced to small plain values.

A table that does not exist yet (a synthesizer-only run has no generate/refine) yields empty values,
never an error. Status counts, labels, complexity and judge figures use the current rows (latest per
key and fingerprint, current fingerprint chain only: `stages/current.py`); token counts use every row,
because every request was paid for, retries and superseded chains included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pyspark.sql import functions as F

from gem_spark.stages.common import OK, StageContext
from gem_spark.stages.current import chained_keys, current_rows, reading_context
from gem_spark.stages.modes import llm_stage_names
from gem_spark.tables.latest import latest_rows
from gem_spark.tables.runs import RUNS_TABLE, read_runs

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from gem_spark.config import GemConfig
    from gem_spark.tables.store import TableStore

# Funnel order and each table's key.
TABLE_KEYS = {"segments": "segment_id", "quarantine": "quarantine_id", **chained_keys()}
LLM_STAGES = llm_stage_names()
TRAJECTORY_TABLES = ("generate", "refine", "synthesize", "accepted")
RUBRICS = ("r1", "r2", "r3")
LABELS = ("domain", "platform", "task")


@dataclass(frozen=True)
class Complexity:
    rows: int
    mean: dict[str, float]
    median: dict[str, float]


@dataclass(frozen=True)
class StageCost:
    stage: str
    model: str
    requests: int
    prompt_tokens: int
    completion_tokens: int
    usd: float


@dataclass
class ReportData:
    # table → {(status, reason): rows}
    funnel: dict[str, dict[tuple[str, str | None], int]] = field(default_factory=dict)
    # label → {value: rows} over ok select rows
    labels: dict[str, dict[str, int]] = field(default_factory=dict)
    complexity: dict[str, Complexity] = field(default_factory=dict)
    # rubric → (failed, judged); rule reason → judge rows rejected for it
    rubric_failures: dict[str, tuple[int, int]] = field(default_factory=dict)
    rule_failures: dict[str, int] = field(default_factory=dict)
    costs: list[StageCost] = field(default_factory=list)
    runs: list[dict[str, Any]] = field(default_factory=list)
    # Inference throughput per (run, stage), and per task of the latest run's stages (from `runs`).
    throughput: list[dict[str, Any]] = field(default_factory=list)
    task_throughput: list[dict[str, Any]] = field(default_factory=list)

    def status_total(self, table: str, status: str | None = None) -> int:
        counts = self.funnel.get(table, {})
        return sum(n for (s, _), n in counts.items() if status is None or s == status)

    def pass_rate(self, table: str) -> float | None:
        total = self.status_total(table)
        return self.status_total(table, OK) / total if total else None

    @property
    def accepted_ok(self) -> int:
        return self.status_total("accepted", OK)


def _latest(ctx: StageContext, table: str) -> DataFrame | None:
    """Current rows of a stage table; latest rows per key and fingerprint of segments and quarantine."""
    if not ctx.store.exists(table):
        return None
    if table in chained_keys():
        return current_rows(ctx, table)
    return latest_rows(ctx.store.read(table), [TABLE_KEYS[table]])


def latest_table(ctx: StageContext, table: str) -> DataFrame | None:
    """The rows of `table` the report reads (None before the table exists); the trajectory viewer reads these too."""
    return _latest(ctx, table)


def _funnel(ctx: StageContext) -> dict[str, dict[tuple[str, str | None], int]]:
    funnel = {}
    for table in TABLE_KEYS:
        latest = _latest(ctx, table)
        if latest is not None:
            rows = latest.groupBy("status", "reason").count().collect()
            funnel[table] = {(row["status"], row["reason"]): int(row["count"]) for row in rows}
    return funnel


def _labels(ctx: StageContext) -> dict[str, dict[str, int]]:
    selected = _latest(ctx, "select")
    if selected is None:
        return {label: {} for label in LABELS}
    selected = selected.where(F.col("status") == OK)
    return {
        label: {
            row[label]: int(row["count"]) for row in selected.groupBy(label).count().collect() if row[label]
        }
        for label in LABELS
    }


def _complexity(ctx: StageContext) -> dict[str, Complexity]:
    found = {}
    for table in TRAJECTORY_TABLES:
        latest = _latest(ctx, table)
        if latest is None:
            continue
        ok = latest.where(F.col("status") == OK)
        metrics = ("messages", "distinct_tools_called", "tool_calls")
        row = ok.agg(
            F.count(F.lit(1)).alias("rows"),
            *[F.avg(f"stats.{m}").alias(f"mean_{m}") for m in metrics],
            *[F.median(f"stats.{m}").alias(f"median_{m}") for m in metrics],
        ).first()
        if row["rows"]:
            found[table] = Complexity(
                rows=int(row["rows"]),
                mean={m: float(row[f"mean_{m}"]) for m in metrics},
                median={m: float(row[f"median_{m}"]) for m in metrics},
            )
    return found


def _judge(ctx: StageContext) -> tuple[dict[str, tuple[int, int]], dict[str, int]]:
    latest = _latest(ctx, "judge")
    if latest is None:
        return {}, {}
    scored = latest.where(F.col("r1").isNotNull())
    row = scored.agg(
        F.count(F.lit(1)).alias("n"), *[F.sum((F.col(r) == 0).cast("int")).alias(r) for r in RUBRICS]
    ).first()
    rubrics = {r: (int(row[r] or 0), int(row["n"])) for r in RUBRICS}
    return rubrics, _rule_rejections(ctx)


def _rule_rejections(ctx: StageContext) -> dict[str, int]:
    """Rule codes of rejected trajectories, from every stage that checks rules with its profile."""
    rules: dict[str, int] = {}
    for table in ("generate", "refine", "synthesize", "judge"):
        latest = _latest(ctx, table)
        if latest is None or "rule_reasons" not in latest.columns:
            continue
        reasons = latest.select(F.explode("rule_reasons").alias("reason"))
        for r in reasons.groupBy("reason").count().collect():
            rules[r["reason"]] = rules.get(r["reason"], 0) + int(r["count"])
    return rules


def _costs(store: TableStore, config: GemConfig) -> list[StageCost]:
    costs = []
    for stage in LLM_STAGES:
        if not store.exists(stage):
            continue
        used = store.read(stage).where(F.col("llm").isNotNull())
        row = used.agg(
            F.count(F.lit(1)).alias("requests"),
            F.sum("llm.prompt_tokens").alias("prompt"),
            F.sum("llm.completion_tokens").alias("completion"),
            F.first("llm.model", ignorenulls=True).alias("model"),
        ).first()
        role = config.stages[stage].model
        model = config.models.get(role)
        prompt, completion = int(row["prompt"] or 0), int(row["completion"] or 0)
        usd = 0.0
        if model is not None:
            usd = (prompt * model.prices.prompt_per_m + completion * model.prices.completion_per_m) / 1e6
        costs.append(StageCost(stage, row["model"] or (model.model if model else role), int(row["requests"]),
                               prompt, completion, usd))  # fmt: skip
    return costs


def _runs(store: TableStore) -> list[dict[str, Any]]:
    if not store.exists(RUNS_TABLE):
        return []
    accepted: dict[str, int] = {}
    if store.exists("accepted"):
        rows = store.read("accepted").where(F.col("status") == OK).groupBy("run_id").count().collect()
        accepted = {row["run_id"]: int(row["count"]) for row in rows}
    runs = []
    for row in read_runs(store).orderBy("started_at", "run_id").collect():
        ended = row["ended_at"]
        runs.append({
            "run_id": row["run_id"], "command": row["command"], "snapshot": row["snapshot"] or "",
            "status": row["status"], "started_at": row["started_at"].strftime("%Y-%m-%d %H:%M:%S"),
            "duration_s": round((ended - row["started_at"]).total_seconds(), 1) if ended else None,
            "stages": len(row["stages"]), "accepted": accepted.get(row["run_id"], 0),
        })  # fmt: skip
    return runs


def collect_funnel(ctx: StageContext) -> ReportData:
    """Only the funnel and the complexity figures (what a dataset card shows), without the report's other reads."""
    return ReportData(funnel=_funnel(ctx), complexity=_complexity(ctx))


def _throughput(store: TableStore) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Each run's LLM stages with their feed metrics, oldest first; the tasks of the latest such run."""
    if not store.exists(RUNS_TABLE):
        return [], []
    stages, tasks = [], []
    for row in read_runs(store).orderBy("started_at", "run_id").collect():
        fed = [stage for stage in row["stages"] if stage["feed"] is not None]
        if fed:
            tasks = []
        for stage in fed:
            feed = stage["feed"].asDict(recursive=True)
            totals = {name: value for name, value in feed.items() if name != "tasks"}
            stages.append({"run_id": row["run_id"], "stage": stage["stage"], **totals})
            tasks += [{"run_id": row["run_id"], "stage": stage["stage"], **task} for task in feed["tasks"]]
    return stages, tasks


def collect(store: TableStore, config: GemConfig) -> ReportData:
    ctx = reading_context(config, store)
    rubrics, rules = _judge(ctx)
    throughput, task_throughput = _throughput(store)
    return ReportData(
        throughput=throughput,
        task_throughput=task_throughput,
        funnel=_funnel(ctx),
        labels=_labels(ctx),
        complexity=_complexity(ctx),
        rubric_failures=rubrics,
        rule_failures=rules,
        costs=_costs(store, config),
        runs=_runs(store),
    )
