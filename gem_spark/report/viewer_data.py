"""What the trajectory viewer shows, read with Spark: every trajectory's outcome along its path, and a
deterministic sample of each (path, outcome) group with its rows, source segment and labels.

A trajectory's path is `synthesizer` when the synthesize stage wrote it, else `teacher`; its outcome is the
reason of the first stage on its chain whose row is not ok (`error: <reason>` for errors, the mark for
near duplicates and contaminated rows), else `accepted` when its `accepted` row is ok, else `pending`.
Rows come through the report's reader (`latest_table`), so the viewer shows what the report counts.
Sampling happens in Spark (hash of seed and key, per group), so only the sample reaches the driver.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from pyspark.sql import Window
from pyspark.sql import functions as F

from gem_spark.report.metrics import LABELS, latest_table
from gem_spark.schema import trajectory_from_json
from gem_spark.stages.common import OK

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

    from gem_spark.config import ViewerConfig
    from gem_spark.stages.common import StageContext

KEY = "trajectory_id"
TEACHER, SYNTHESIZER = "teacher", "synthesizer"
CHAINS = {TEACHER: ("generate", "refine", "judge", "accepted"), SYNTHESIZER: ("synthesize", "judge", "accepted")}
STAGES = ("generate", "refine", "synthesize", "judge", "accepted")
ACCEPTED_OUTCOME, PENDING = "accepted", "pending"
RUBRICS = ("r1", "r2", "r3")
# Trailing workflow / synthesis index of a trajectory id: `<segment_id>-w<i>` or `<segment_id>-s<i>`.
_SEGMENT_OF_KEY = r"^(.*)-[ws][0-9]+$"


@dataclass
class ViewerData:
    # (path, outcome) → trajectories in that group (all of them, not only the sampled ones).
    groups: dict[tuple[str, str], int] = field(default_factory=dict)
    samples: list[dict[str, Any]] = field(default_factory=list)


def _stage_rows(ctx: StageContext) -> dict[str, DataFrame]:
    rows = {}
    for stage in STAGES:
        latest = latest_table(ctx, stage)
        if latest is not None:
            rows[stage] = latest  # the current chain: one row per key
    return rows


def _row_outcome(stage: str) -> Column:
    status, reason = F.col(f"{stage}.status"), F.col(f"{stage}.reason")
    return (
        F.when(status == "error", F.concat(F.lit("error: "), F.coalesce(reason, F.lit("unknown"))))
        .otherwise(F.coalesce(reason, status))
    )


def _chain_outcome(chain: tuple[str, ...], present: set[str]) -> Column:
    """The first row along the chain that is not ok; else accepted (an ok `accepted` row) or pending."""
    accepted = F.col("accepted.status") == OK if "accepted" in present else F.lit(False)
    outcome: Column = F.when(accepted, F.lit(ACCEPTED_OUTCOME)).otherwise(F.lit(PENDING))
    for stage in reversed([stage for stage in chain if stage in present]):
        failed = F.col(stage).isNotNull() & (F.col(f"{stage}.status") != OK)
        outcome = F.when(failed, _row_outcome(stage)).otherwise(outcome)
    return outcome


def _outcomes(rows: dict[str, DataFrame]) -> DataFrame | None:
    """(trajectory_id, path, outcome) of every trajectory any stage wrote."""
    joined = None
    for stage, df in rows.items():
        part = df.select(KEY, F.struct("status", "reason").alias(stage))
        joined = part if joined is None else joined.join(part, KEY, "full_outer")
    if joined is None:
        return None
    present = set(rows)
    is_synth = F.col("synthesize").isNotNull() if "synthesize" in present else F.lit(False)
    return joined.select(
        KEY,
        F.when(is_synth, F.lit(SYNTHESIZER)).otherwise(F.lit(TEACHER)).alias("path"),
        F.when(is_synth, _chain_outcome(CHAINS[SYNTHESIZER], present))
        .otherwise(_chain_outcome(CHAINS[TEACHER], present))
        .alias("outcome"),
    )


def _sample(outcomes: DataFrame, config: ViewerConfig) -> DataFrame:
    order = F.xxhash64(F.lit(config.seed), F.col(KEY))
    window = Window.partitionBy("path", "outcome").orderBy(order, F.col(KEY))
    return outcomes.withColumn("_rank", F.row_number().over(window)).where(
        F.col("_rank") <= config.samples_per_group
    )


def _stage_detail(stage: str, row: dict[str, Any], raw_chars: int) -> dict[str, Any]:
    detail: dict[str, Any] = {"stage": stage, "status": row["status"], "reason": row["reason"]}
    if stage == "judge":
        detail["scores"] = {name: row.get(name) for name in RUBRICS}
        detail["rule_reasons"] = list(row.get("rule_reasons") or [])
    if stage == "accepted" and row.get("detail"):
        detail["detail"] = row["detail"]
    llm = row.get("llm") or {}
    if row["status"] != OK and not row.get("trajectory") and llm.get("raw_output"):
        detail["raw_output"] = llm["raw_output"][:raw_chars]
    if llm.get("error_message"):
        detail["error"] = f"{llm.get('error_type') or ''}: {llm['error_message']}"[:raw_chars]
    return detail


def _trajectory(rows: dict[str, dict[str, Any]], chain: tuple[str, ...]) -> dict[str, Any] | None:
    """The furthest trajectory on the chain, as plain JSON (messages, tools), or None if none parses."""
    for stage in reversed(chain):
        text = (rows.get(stage) or {}).get("trajectory")
        if text:
            try:
                return trajectory_from_json(text).model_dump(mode="json")
            except ValidationError:
                return None
    return None


def _collect_sampled(rows: dict[str, DataFrame], sampled: DataFrame) -> dict[str, dict[str, dict[str, Any]]]:
    by_key: dict[str, dict[str, dict[str, Any]]] = {}
    keys = sampled.select(KEY)
    for stage, df in rows.items():
        for row in df.join(keys, KEY, "left_semi").collect():
            by_key.setdefault(row[KEY], {})[stage] = row.asDict(recursive=True)
    return by_key


def _segments(ctx: StageContext, segment_ids: list[str], chars: int) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {sid: {} for sid in segment_ids}
    if not segment_ids:
        return found
    ids = F.col("segment_id").isin(segment_ids)
    segments = latest_table(ctx, "segments")
    if segments is not None:
        for row in segments.where(ids).select("segment_id", "text", "url").collect():
            found[row["segment_id"]].update(text=(row["text"] or "")[:chars], url=row["url"],
                                            truncated=len(row["text"] or "") > chars)  # fmt: skip
    selected = latest_table(ctx, "select")
    if selected is not None:
        for row in selected.where(ids & (F.col("status") == OK)).select("segment_id", *LABELS).collect():
            found[row["segment_id"]].update({label: row[label] for label in LABELS})
    return found


def collect_viewer(ctx: StageContext, config: ViewerConfig) -> ViewerData:
    rows = _stage_rows(ctx)
    outcomes = _outcomes(rows)
    if outcomes is None:
        return ViewerData()
    outcomes = outcomes.cache()
    counted = outcomes.groupBy("path", "outcome").count().collect()
    groups = {(r["path"], r["outcome"]): int(r["count"]) for r in counted}
    sampled = _sample(outcomes, config).cache()
    picked = sampled.collect()
    stage_rows = _collect_sampled(rows, sampled)
    segment_of = {r[KEY]: _segment_id(r[KEY], stage_rows.get(r[KEY], {})) for r in picked}
    segments = _segments(ctx, sorted({s for s in segment_of.values() if s}), config.segment_chars)
    samples = []
    # Accepted first within a path, then by outcome, then in sample order.
    order = lambda r: (r["path"], r["outcome"] != ACCEPTED_OUTCOME, r["outcome"], r["_rank"])  # noqa: E731
    for row in sorted(picked, key=order):
        key, chain = row[KEY], CHAINS[row["path"]]
        found = stage_rows.get(key, {})
        source = segments.get(segment_of[key] or "", {})
        samples.append({
            "id": key, "path": row["path"], "outcome": row["outcome"], "segment_id": segment_of[key],
            "domain": source.get("domain"), "task": source.get("task"), "platform": source.get("platform"),
            "segment": source.get("text"), "segment_truncated": source.get("truncated", False),
            "url": source.get("url"),
            "stages": [_stage_detail(s, found[s], config.segment_chars) for s in chain if s in found],
            "trajectory": _trajectory(found, chain),
        })  # fmt: skip
    outcomes.unpersist()
    sampled.unpersist()
    return ViewerData(groups=groups, samples=samples)


def _segment_id(key: str, rows: dict[str, dict[str, Any]]) -> str | None:
    carried = next((row["segment_id"] for row in rows.values() if row.get("segment_id")), None)
    if carried:
        return carried
    match = re.match(_SEGMENT_OF_KEY, key)
    return match.group(1) if match else None
