"""Validation: rule checks first (free), then the LLM judge's three binary rubrics on what passed.

A trajectory is kept only if it passes every rule and scores 1 on R1, R2 and R3 (GEM.md). Rule
failures never reach the judge model, so they cost nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pandas as pd
from pyspark.sql import functions as F
from pyspark.sql.types import IntegerType, StructField, StructType

from gem_spark.llm.protocol import LLMRequest, ResponseConstraint
from gem_spark.parse import ParseFailure, parse_judgement
from gem_spark.parse.render import render_trajectory
from gem_spark.schema import tools_to_json, trajectory_from_json
from gem_spark.stages.codes import JUDGE_R1_FAILED, JUDGE_R2_FAILED, JUDGE_R3_FAILED, Reason, judge_failed
from gem_spark.stages.common import OK, REJECTED, StageContext, field, truncate
from gem_spark.stages.inputs import upstream
from gem_spark.stages.llm_stage import Outcome, count_written
from gem_spark.stages.trajectory_stage import RULE_FINDINGS, RULE_REASONS, STATS, TRAJECTORY, TrajectoryStage
from gem_spark.tables.runs import StageCounts
from gem_spark.validate import check_trajectory

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

RUBRICS = ("r1", "r2", "r3")
JUDGEMENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {name.upper(): {"type": "integer", "enum": [0, 1]} for name in RUBRICS},
    "required": [name.upper() for name in RUBRICS],
    "additionalProperties": False,
}


class JudgeStage(TrajectoryStage):
    name = "judge"
    template = "judge"
    carry = ("segment_id", "source_stage")
    requires = ("trajectory", "stats")
    reasons = (
        Reason(
            JUDGE_R1_FAILED,
            name,
            "expected",
            "R1 tool-call hallucination: an argument value not given or derivable from the dialogue",
        ),
        Reason(
            JUDGE_R2_FAILED,
            name,
            "expected",
            "R2 capability hallucination: false inability, or a limitation not disclosed",
        ),
        Reason(
            JUDGE_R3_FAILED,
            name,
            "expected",
            "R3 context hallucination: misremembered constraints, entities or values",
        ),
    )

    def payload(self) -> list[StructField]:
        return [
            TRAJECTORY,
            STATS,
            RULE_REASONS,
            RULE_FINDINGS,
            *(field(name, IntegerType()) for name in RUBRICS),
        ]

    def extra_fingerprint(self) -> dict[str, Any]:
        schema = JUDGEMENT_SCHEMA if self.stage_config.structured_output else None
        return {**super().extra_fingerprint(), "json_schema": schema}

    def inputs(self, ctx: StageContext) -> DataFrame:
        rows = upstream(ctx, self.source, "trajectory_id", "segment_id", "trajectory", "stats")
        return rows.withColumn("source_stage", F.lit(self.source))

    def build_request(self, row: dict[str, Any]) -> LLMRequest:
        trajectory = trajectory_from_json(row["trajectory"])
        rendered, _ = truncate(render_trajectory(trajectory), self.stage_config.max_input_chars)
        tools_json = tools_to_json(trajectory.tools)
        request = self.request(row, tools_json=tools_json, trajectory=rendered)
        if not self.stage_config.structured_output:
            return request
        constraint = ResponseConstraint("json_schema", JUDGEMENT_SCHEMA)
        return LLMRequest(key=request.key, messages=request.messages, stage=self.name, constraint=constraint)

    def outcome(self, row: dict[str, Any], text: str) -> Outcome:
        carried = {
            "trajectory": row["trajectory"],
            "stats": row["stats"],
            "rule_reasons": [],
            "rule_findings": row["rule_findings"],
        }
        judgement = parse_judgement(text)
        if isinstance(judgement, ParseFailure):
            return Outcome(REJECTED, judgement.reason, carried)
        scores = {name: getattr(judgement, name) for name in RUBRICS}
        failed = [name for name in RUBRICS if scores[name] != 1]
        reason = judge_failed(failed[0]) if failed else None
        return Outcome(REJECTED if failed else OK, reason, {**carried, **scores})

    def check_rules(self, todo: DataFrame) -> DataFrame:
        """Adds `rule_reasons` (the codes that reject the trajectory) and `rule_findings` on executors."""
        schema = StructType([*todo.schema.fields, RULE_REASONS, RULE_FINDINGS])

        def check(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
            for batch in batches:
                verdicts = [
                    check_trajectory(trajectory_from_json(text), self.rules) for text in batch["trajectory"]
                ]
                batch["rule_reasons"] = [verdict.rejects for verdict in verdicts]
                batch["rule_findings"] = [verdict.findings() for verdict in verdicts]
                yield batch

        return todo.mapInPandas(check, schema=schema)

    def rule_rejections(self, checked: DataFrame, run_id: str) -> DataFrame:
        schema = self.schema()

        def reject(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
            for batch in batches:
                rows = []
                for row in batch.to_dict("records"):
                    reasons = list(row["rule_reasons"])
                    payload = {
                        "trajectory": row["trajectory"],
                        "stats": row["stats"],
                        "rule_reasons": reasons,
                        "rule_findings": row["rule_findings"],
                    }
                    rows.append(self.to_row(row, None, run_id, Outcome(REJECTED, reasons[0], payload)))
                yield pd.DataFrame(rows, columns=schema.fieldNames())

        return checked.mapInPandas(reject, schema=schema)

    def run(self, ctx: StageContext) -> StageCounts:
        started = time.monotonic()
        committer = self.committer(ctx)
        checked = self.check_rules(self.pending_work(ctx)).cache()
        n_in = checked.count()
        passing = checked.filter(F.size("rule_reasons") == 0).drop("rule_reasons").cache()
        n_requests = passing.count()
        if n_in > n_requests:
            broken = checked.filter(F.size("rule_reasons") > 0)
            self.commit(ctx, self.rule_rejections(broken, ctx.run_id), "rules")
        feed = self.infer_and_commit(ctx, passing, n_requests, committer)
        checked.unpersist()
        passing.unpersist()
        return count_written(ctx, self.name, n_in, n_requests, started, feed)
