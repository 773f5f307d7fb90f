"""The accepted table: trajectories that passed the rules and all three judge rubrics.

Exports read from here. Later marks (near duplicates, benchmark contamination) are appended as newer
rows for the same (trajectory_id, fingerprint), so the latest row decides what is exported; readers see
only the rows of the current chain (`stages/current.py`).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from pyspark.sql import functions as F
from pyspark.sql.types import StringType

# The statuses of this table's marks, defined with the other stage codes (imported from here too).
from gem_spark.stages.codes import CONTAMINATED, NEAR_DUPLICATE  # noqa: F401
from gem_spark.stages.common import (
    OK,
    StageContext,
    chain_fingerprint,
    field,
    fingerprint_of,
    pending,
    stage_schema,
)
from gem_spark.stages.inputs import upstream
from gem_spark.stages.llm_stage import count_written
from gem_spark.stages.trajectory_stage import STATS, TRAJECTORY
from gem_spark.tables.runs import StageCounts
from gem_spark.tables.store import CommitConflictError, CommitId

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

NAME = "accepted"
KEY = "trajectory_id"
ACCEPTED_SCHEMA = stage_schema(
    KEY,
    [
        field("segment_id", StringType()),
        field("source_stage", StringType()),
        TRAJECTORY,
        STATS,
        # For marks: the trajectory this one duplicates, or the benchmark item it matches.
        field("detail", StringType()),
    ],
    with_llm=False,
)
# Accepting copies a judge row as it is: its fingerprint only chains this version with the judge row's.
ACCEPT_FINGERPRINT = fingerprint_of({"stage": NAME, "version": "1"})


# Every run appends to `accepted` under this one Delta app id, at the version after the last one recorded:
# two runs that computed the same pending rows race for the same app version, so only one commit lands
# and the other recomputes what is still pending. A trajectory is never accepted twice.
ACCEPT_APP_ID = NAME
MAX_ACCEPT_ROUNDS = 5


def accept(ctx: StageContext) -> StageCounts:
    """Copy newly passed judge rows into `accepted` (pending by fingerprint like every stage)."""
    started = time.monotonic()
    ctx.store.ensure(NAME, ACCEPTED_SCHEMA)
    judged = upstream(ctx, "judge", KEY, "segment_id", "source_stage", "trajectory", "stats")
    inputs = judged.withColumn("fingerprint", chain_fingerprint(ACCEPT_FINGERPRINT))
    for _ in range(MAX_ACCEPT_ROUNDS):
        commit = CommitId(app_id=ACCEPT_APP_ID, version=last_accept_version(ctx) + 1)
        todo = pending(ctx, inputs, NAME, KEY).cache()
        n_in = todo.count()
        landed = n_in == 0 or ctx.store.append(NAME, accepted_rows(todo, ctx.run_id), commit)
        todo.unpersist()
        if landed:
            return count_written(ctx, NAME, n_in, 0, started)
    msg = f"table {NAME}: other runs committed first {MAX_ACCEPT_ROUNDS} times in a row; rerun to accept the rest"
    raise CommitConflictError(msg)


def last_accept_version(ctx: StageContext) -> int:
    """The highest app version any run's accepted commit recorded (-1 before the first)."""
    commits = [entry["commit"] for entry in ctx.store.history(NAME) if entry["commit"] is not None]
    return max((commit.version for commit in commits if commit.app_id == ACCEPT_APP_ID), default=-1)


def accepted_rows(todo: DataFrame, run_id: str) -> DataFrame:
    return todo.select(
        KEY,
        "fingerprint",
        F.lit(run_id).alias("run_id"),
        F.lit(OK).alias("status"),
        F.lit(None).cast(StringType()).alias("reason"),
        F.current_timestamp().alias("created_at"),
        "segment_id",
        "source_stage",
        "trajectory",
        "stats",
        F.lit(None).cast(StringType()).alias("detail"),
    )
