"""`gem-spark compare`: two configs side by side over the keys both have current results for.

Nothing is computed anew and no model is asked: each side's current rows are read from the tables
(`stages/current.py`), so a side whose chain was never run simply has no results to compare. Each side
is a config (with its own overrides) and optionally its own prompts folder (GEM_PROMPTS_DIR while its
stage fingerprints are derived).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from pyspark.sql import functions as F

from gem_spark.prompts import PROMPTS_DIR_ENV
from gem_spark.report import plots
from gem_spark.report.document import Percent, Section, Table, write
from gem_spark.stages.common import OK
from gem_spark.stages.current import chained_keys, current_rows, reading_context
from gem_spark.tables import open_store

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, Row, SparkSession

    from gem_spark.config import GemConfig

TITLE = "gem-spark config comparison"
STAGES = tuple(chained_keys())[1:]  # every chained table but the prefilter (which is not a config's result)
LLM_STAGES = STAGES[:-1]
KEYS = chained_keys()
RUBRICS = ("r1", "r2", "r3")
COMPLEXITY = ("messages", "tool_calls", "distinct_tools_called", "tools_defined")
SAMPLED_DISAGREEMENTS = 5
JUDGE_TABLE = "judge"


@dataclass(frozen=True)
class Side:
    """One configuration to compare: a label, the config and optionally its own prompts folder."""

    label: str
    config: GemConfig
    prompts_dir: str | None = None


@dataclass
class SideResults:
    """What one side's current rows say, over the keys both sides have results for."""

    # stage → {(status, reason): rows}
    statuses: dict[str, dict[tuple[str, str | None], int]] = field(default_factory=dict)
    complexity: dict[str, float | None] = field(default_factory=dict)
    # rubric → share of judged trajectories failing it (None: nothing judged by the model)
    rubric_failure: dict[str, float | None] = field(default_factory=dict)
    tokens: int = 0
    usd: float = 0.0

    def total(self, stage: str, status: str | None = None) -> int:
        return sum(n for (s, _), n in self.statuses.get(stage, {}).items() if status is None or s == status)


@contextmanager
def prompts_of(side: Side) -> Iterator[None]:
    """GEM_PROMPTS_DIR as the side asks while its stage fingerprints are derived."""
    before = os.environ.get(PROMPTS_DIR_ENV)
    if side.prompts_dir is None:
        os.environ.pop(PROMPTS_DIR_ENV, None)
    else:
        os.environ[PROMPTS_DIR_ENV] = side.prompts_dir
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(PROMPTS_DIR_ENV, None)
        else:
            os.environ[PROMPTS_DIR_ENV] = before


def side_rows(side: Side, spark: SparkSession) -> dict[str, DataFrame]:
    """stage → the side's current rows. Their chains are derived (and materialised) while the side's
    prompts folder is in effect; the rows themselves are cached for the several counts read from them."""
    store = open_store(side.config.tables, spark)
    ctx = reading_context(side.config, store, spark)
    with prompts_of(side):
        return {stage: current_rows(ctx, stage).cache() for stage in STAGES if store.exists(stage)}


def common_keys(a: dict[str, DataFrame], b: dict[str, DataFrame]) -> dict[str, DataFrame]:
    """stage → the keys both sides have a current row for."""
    return {
        stage: a[stage].select(KEYS[stage]).intersect(b[stage].select(KEYS[stage]))
        for stage in STAGES
        if stage in a and stage in b
    }


def summarise(config: GemConfig, rows: dict[str, DataFrame], keys: dict[str, DataFrame]) -> SideResults:
    shared = {stage: rows[stage].join(keys[stage], KEYS[stage], "left_semi") for stage in keys}
    results = SideResults()
    for stage, df in shared.items():
        counted = df.groupBy("status", "reason").count().collect()
        results.statuses[stage] = {(r["status"], r["reason"]): int(r["count"]) for r in counted}
    if "accepted" in shared:
        ok = shared["accepted"].where(F.col("status") == OK)
        row = ok.agg(*[F.avg(f"stats.{m}").alias(m) for m in COMPLEXITY]).first()
        results.complexity = {m: None if row[m] is None else float(row[m]) for m in COMPLEXITY}
    if "judge" in shared:
        scored = shared["judge"].where(F.col("r1").isNotNull())
        failed = [F.sum((F.col(r) == 0).cast("int")).alias(r) for r in RUBRICS]
        row = scored.agg(F.count(F.lit(1)).alias("n"), *failed).first()
        results.rubric_failure = {r: (row[r] or 0) / row["n"] if row["n"] else None for r in RUBRICS}
    for stage in (s for s in LLM_STAGES if s in shared):
        tokens = [F.sum("llm.prompt_tokens").alias("p"), F.sum("llm.completion_tokens").alias("c")]
        row = shared[stage].agg(*tokens).first()
        prompt, completion = int(row["p"] or 0), int(row["c"] or 0)
        model = config.models.get(config.stages[stage].model)
        results.tokens += prompt + completion
        if model is not None:
            results.usd += (prompt * model.prices.prompt_per_m + completion * model.prices.completion_per_m) / 1e6
    return results


def disagreements(rows_a: dict[str, DataFrame], rows_b: dict[str, DataFrame]) -> list[Row]:
    """Up to SAMPLED_DISAGREEMENTS judged trajectories per direction that one side accepts and the
    other does not (trajectory_id, a_status, a_reason, b_status, b_reason), by trajectory_id."""
    if JUDGE_TABLE not in rows_a or JUDGE_TABLE not in rows_b:
        return []
    verdicts = [rows[JUDGE_TABLE].select("trajectory_id", F.col("status").alias(f"{side}_status"),
                                        F.col("reason").alias(f"{side}_reason"))
                for side, rows in (("a", rows_a), ("b", rows_b))]  # fmt: skip
    both = verdicts[0].join(verdicts[1], "trajectory_id")
    found = []
    for accepted, other in (("a_status", "b_status"), ("b_status", "a_status")):
        differ = both.where((F.col(accepted) == OK) & (F.col(other) != OK))
        found += differ.orderBy("trajectory_id").limit(SAMPLED_DISAGREEMENTS).collect()
    return found


def compare(a: Side, b: Side, spark: SparkSession) -> tuple[SideResults, SideResults, list[Row]]:
    rows_a, rows_b = side_rows(a, spark), side_rows(b, spark)
    keys = common_keys(rows_a, rows_b)
    return summarise(a.config, rows_a, keys), summarise(b.config, rows_b, keys), disagreements(rows_a, rows_b)


def _share(value: float | None) -> Percent | None:
    return None if value is None else Percent(value)


def status_section(a: Side, b: Side, ra: SideResults, rb: SideResults, folder: Path) -> Section:
    rows = []
    stages = [stage for stage in STAGES if stage in ra.statuses]
    for stage in stages:
        for status in ("ok", "rejected", "error"):
            rows.append([stage, status, ra.total(stage, status), rb.total(stage, status)])
    reasons = sorted({(stage, s, r) for stage in stages for res in (ra, rb) for (s, r) in res.statuses[stage] if r})
    reason_rows = [[stage, f"{s}:{r}", ra.statuses[stage].get((s, r), 0), rb.statuses[stage].get((s, r), 0)]
                   for stage, s, r in reasons]  # fmt: skip
    ok_share = [
        [ra.total(s, OK) / ra.total(s) if ra.total(s) else 0.0 for s in stages],
        [rb.total(s, OK) / rb.total(s) if rb.total(s) else 0.0 for s in stages],
    ]
    plots.compared_bars(folder / "compare_ok.png", "Share ok per stage (keys both have)", stages, ok_share[0],
                        list(ok_share[1]), "share ok", a.label, b.label)  # fmt: skip
    text = "Rows per stage over the keys both configs have current results for."
    return Section("Stage outcomes", text, [Table(["stage", "status", a.label, b.label], rows),
                   Table(["stage", "reason", a.label, b.label], reason_rows, "Reason codes")], ["compare_ok.png"])  # fmt: skip


def quality_section(a: Side, b: Side, ra: SideResults, rb: SideResults, folder: Path) -> Section:
    complexity = [[f"mean {m.replace('_', ' ')}", ra.complexity.get(m), rb.complexity.get(m)] for m in COMPLEXITY]
    rubrics = [[r.upper(), _share(ra.rubric_failure.get(r)), _share(rb.rubric_failure.get(r))] for r in RUBRICS]
    per_a, per_b = max(ra.total("accepted", OK), 1), max(rb.total("accepted", OK), 1)
    cost = [["tokens per accepted trajectory", ra.tokens / per_a, rb.tokens / per_b],
            ["USD per accepted trajectory", ra.usd / per_a, rb.usd / per_b]]  # fmt: skip
    labels = [r.upper() for r in RUBRICS]
    plots.compared_bars(folder / "compare_judge.png", "Judge failure rate per rubric", labels,
                        [ra.rubric_failure.get(r) or 0.0 for r in RUBRICS],
                        [rb.rubric_failure.get(r) for r in RUBRICS], "share failed", a.label, b.label)  # fmt: skip
    header = ["metric", a.label, b.label]
    tables = [Table(header, complexity, "Complexity of accepted trajectories"),
              Table(header, rubrics, "Judge failure rates (model-judged trajectories)"),
              Table(header, cost, "Tokens and cost (every LLM stage, keys both have)")]  # fmt: skip
    return Section("Complexity, judge and cost", "", tables, ["compare_judge.png"])


def disagreement_section(a: Side, b: Side, found: list[Row]) -> Section:
    """A few trajectories one config accepts and the other rejects, both directions."""
    rows = []
    for row in found:
        one, other, status, reason = (a, b, row["b_status"], row["b_reason"]) if row["a_status"] == OK else (
            b, a, row["a_status"], row["a_reason"])  # fmt: skip
        rows.append([row["trajectory_id"], f"accepted by {one.label}", f"{status} by {other.label}", reason])
    text = f"Up to {SAMPLED_DISAGREEMENTS} judged trajectories per direction where the two configs disagree."
    return Section("Disagreements", text, [Table(["trajectory_id", "one", "other", "reason"], rows)])


def build_comparison(a: Side, b: Side, out: str | Path, spark: SparkSession) -> Path:
    """Write the comparison (index.html, report.md, charts) into folder `out`; returns index.html."""
    folder = Path(out).expanduser().resolve()
    folder.mkdir(parents=True, exist_ok=True)
    ra, rb, found = compare(a, b, spark)
    sections = [status_section(a, b, ra, rb, folder), quality_section(a, b, ra, rb, folder),
                disagreement_section(a, b, found)]  # fmt: skip
    intro = (
        f"{a.label}: config {a.config.fingerprint()}" + (f", prompts {a.prompts_dir}" if a.prompts_dir else "")
        + f"; {b.label}: config {b.config.fingerprint()}" + (f", prompts {b.prompts_dir}" if b.prompts_dir else "")
        + f"; written {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC. No model was asked."
    )
    return write(folder, TITLE, intro, sections)
