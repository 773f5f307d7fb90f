"""Orders the GEM stages of a mode, runs each over its pending work only, and records the run."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gem_spark.config import ConfigError, GemConfig
from gem_spark.faults import fault_point
from gem_spark.session import get_spark
from gem_spark.stages.accepted import accept
from gem_spark.stages.common import StageContext
from gem_spark.stages.decontam import mark_contaminated
from gem_spark.stages.ingest import refresh_prefilter
from gem_spark.stages.llm_stage import LLMStage
from gem_spark.stages.modes import MODES, Mode, llm_stage_names, source_in, stage_names
from gem_spark.stages.near_duplicates import mark_near_duplicates
from gem_spark.tables import open_store
from gem_spark.tables.runs import RunRecorder, StageCounts

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from gem_spark.tables.store import TableStore

log = logging.getLogger(__name__)

# The stages of each mode, by name (stages/modes.py is where they are listed).
STAGES: dict[Mode, tuple[str, ...]] = {mode: stage_names(mode) for mode in MODES}
# Every table a pipeline writes, in data-flow order (what `gem-spark tables` lists).
TABLES = ("segments", "quarantine", "prefilter", *llm_stage_names(), "accepted", "runs")
# What ingest writes and every run reads first.
INGEST_TABLES = ("segments", "prefilter")


class PipelineError(ValueError):
    """The requested run is not possible (unknown mode or stage)."""


class NothingIngestedError(ConfigError):
    """The lake holds no ingested segments: ingest first, or tables.root names another lake (exit 2)."""


def require_ingested(config: GemConfig, store: TableStore) -> None:
    """Fail before a run starts, with the command to run first, when ingest never finished on this lake."""
    missing = [name for name in INGEST_TABLES if not store.exists(name)]
    if missing:
        msg = (
            f"nothing ingested yet (no {' or '.join(missing)} table at {store.location(missing[0])}): run "
            "`gem-spark ingest --config CONFIG --input FILES --snapshot NAME` first, or point tables.root "
            f"(now {config.tables.root!r}) at the lake that ingest wrote"
        )
        raise NothingIngestedError(msg)


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    mode: Mode
    stages: list[StageCounts] = field(default_factory=list)

    @property
    def n_requests(self) -> int:
        """Model requests this run made, over all stages (0 when nothing was pending)."""
        return sum(counts.n_requests for counts in self.stages)

    def counts(self, stage: str) -> StageCounts:
        return next(counts for counts in self.stages if counts.stage == stage)


def build_stage(name: str, ctx: StageContext, mode: Mode) -> LLMStage:
    stage_class = next(cls for cls in MODES[mode] if cls.name == name)
    return stage_class(ctx, source_in(mode, name))


def plan(mode: str, stages: list[str] | None) -> tuple[str, ...]:
    """The stages to run, in pipeline order; a stage outside the mode is an error, not silently dropped."""
    if mode not in STAGES:
        msg = f"unknown mode {mode!r}; expected one of {sorted(STAGES)}"
        raise PipelineError(msg)
    order = STAGES[mode]  # type: ignore[index]
    if not stages:
        return order
    unknown = [name for name in stages if name not in order]
    if unknown:
        msg = f"stage(s) {unknown} are not part of mode {mode!r} (its stages: {list(order)})"
        raise PipelineError(msg)
    return tuple(name for name in order if name in stages)


def run_pipeline(
    config: GemConfig,
    mode: Mode,
    stages: list[str] | None = None,
    limit: int | None = None,
    snapshot: str | None = None,
    spark: SparkSession | None = None,
) -> RunSummary:
    """Run the stages of `mode` over pending work; `limit` caps the rows the first stage takes."""
    to_run = plan(mode, stages)
    for name in to_run:
        config.model_for(name)  # fail before any work when a stage's model role is missing
    spark = spark or get_spark(config.spark)
    store = open_store(config.tables, spark)
    require_ingested(config, store)
    with RunRecorder(store, config, command=f"run:{mode}", snapshot=snapshot) as recorder:
        summary = RunSummary(run_id=recorder.run_id, mode=mode)
        # Every chain starts at the prefilter: after a `prefilter.*` change, score the segments under it first.
        prefiltered = refresh_prefilter(store, config.prefilter.threshold, recorder.run_id)
        if prefiltered is not None:
            summary.stages.append(prefiltered)
            recorder.stage_done(prefiltered)
        chains: dict = {}  # current fingerprint chains, shared by the stages (keyed by table versions)
        for position, name in enumerate(to_run):
            ctx = StageContext(
                config=config,
                spark=spark,
                store=store,
                run_id=recorder.run_id,
                limit=limit if position == 0 else None,
                snapshot=snapshot,
                chains=chains,
            )
            fault_point(f"stage.before.{name}")
            summary.stages.append(build_stage(name, ctx, mode).run(ctx))
            recorder.stage_done(summary.stages[-1])
            fault_point(f"stage.after.{name}")
            if name == "judge":
                # Newly accepted trajectories, then the marks that keep them out of exports.
                for step in (accept, mark_near_duplicates, mark_contaminated):
                    summary.stages.append(step(ctx))
                    recorder.stage_done(summary.stages[-1])
                fault_point("stage.after.accepted")
    log.info("run %s (%s) finished: %d model requests", summary.run_id, mode, summary.n_requests)
    return summary
