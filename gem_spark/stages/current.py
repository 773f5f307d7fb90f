"""Which stage rows are current: the ones the current config computes from the current upstream rows.

Stage tables are append-only and keep the rows of every fingerprint chain ever computed. A row of stage
S is *current* when its (key, fingerprint) equals (key, chain(S's fingerprint under the current config,
fingerprint of a current ok input row)) — a semi-join against the chain the config derives today. The
prefilter starts every chain: its current rows carry the current prefilter fingerprint (`gem-spark run`
scores the stored segments under it first, `ingest.driver_steps.refresh_prefilter`).

Every reader goes through here: downstream stages (`inputs.upstream`), `accepted`, the near-duplicate
and contamination marks, exports, the report, `gem-spark tables` and `gem-spark compare`. Superseded
chains stay in the tables as history and act as a cache: a config that comes back finds its rows
settled, so nothing is pending for it and no model is asked again.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from pyspark.sql import functions as F

from gem_spark.stages.common import OK, StageContext, chain_fingerprint
from gem_spark.stages.ingest.fingerprints import prefilter_fingerprint
from gem_spark.tables.latest import latest_rows
from gem_spark.tables.store import TableNotFoundError
from gem_spark.tables.summary import TableSummary, summarize

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from gem_spark.config import GemConfig
    from gem_spark.stages.llm_stage import LLMStage
    from gem_spark.tables.store import TableStore

PREFILTER, JUDGE, ACCEPTED = "prefilter", "judge", "accepted"
# Tables whose rows belong to fingerprint chains, in data-flow order, with their keys.
CHAINED_KEYS = {
    PREFILTER: "segment_id",
    "select": "segment_id",
    "extract": "segment_id",
    "generate": "trajectory_id",
    "refine": "trajectory_id",
    "synthesize": "trajectory_id",
    JUDGE: "trajectory_id",
    ACCEPTED: "trajectory_id",
}
# The tables each chained table is computed from (the judge reads the teacher's refined or the
# synthesizer's trajectories, each with its own rules).
INPUTS: dict[str, tuple[str, ...]] = {
    PREFILTER: (),
    "select": (PREFILTER,),
    "extract": ("select",),
    "generate": ("extract",),
    "refine": ("generate",),
    "synthesize": ("select",),
    JUDGE: ("refine", "synthesize"),
    ACCEPTED: (JUDGE,),
}


def upstream_of(table: str) -> set[str]:
    """Every table whose rows decide which rows of `table` are current."""
    found: set[str] = set()
    for name in INPUTS[table]:
        found |= {name, *upstream_of(name)}
    return found


def current_rows(ctx: StageContext, table: str) -> DataFrame:
    """The latest row per (key, fingerprint) of chained `table` in the current chain, every status."""
    if not ctx.store.exists(table):
        msg = f"table {table!r} does not exist yet: run the stages that write it first"
        raise TableNotFoundError(msg)
    key = CHAINED_KEYS[table]
    latest = latest_rows(ctx.store.read(table), [key])
    if table == PREFILTER:
        return latest.filter(F.col("fingerprint") == prefilter_fingerprint(ctx.config.prefilter.threshold))
    chain = current_chain(ctx, table)
    if chain is None:  # none of its input tables exists: the chain starts here (e.g. imported rows)
        return latest
    return latest.join(chain, [key, "fingerprint"], "left_semi")


def current_ok(ctx: StageContext, table: str) -> DataFrame:
    return current_rows(ctx, table).filter(F.col("status") == OK)


def split_chain(ctx: StageContext, table: str) -> tuple[DataFrame, DataFrame] | None:
    """(current rows, stored rows of superseded chains) of a stage table; None for other tables."""
    if table not in CHAINED_KEYS:
        return None
    key, current = CHAINED_KEYS[table], current_rows(ctx, table)
    current_keys = current.select(key, "fingerprint")
    superseded = ctx.store.read(table).join(current_keys, [key, "fingerprint"], "left_anti")
    return current, superseded


def table_summaries(config: GemConfig, store: TableStore, names: list[str]) -> list[TableSummary]:
    """What `gem-spark tables` lists: stage tables by current rows, with their superseded ones apart."""
    ctx = reading_context(config, store)
    return summarize(store, names, lambda table: split_chain(ctx, table))


def current_chain(ctx: StageContext, table: str) -> DataFrame | None:
    """(key, fingerprint) pairs the current config derives for `table` from the current upstream rows.

    Computed over every snapshot and without a row limit: what is current does not depend on which
    part of the corpus a run works on. None when no upstream table exists yet. Materialised once per
    context and state of the tables it reads, so readers and the levels below share one computation.
    """
    read = sorted(name for name in upstream_of(table) if ctx.store.exists(name))
    memo_key = (table, *((name, ctx.store.version(name)) for name in read))
    if memo_key not in ctx.chains:
        chain = derive_chain(replace(ctx, snapshot=None, limit=None), table)
        ctx.chains[memo_key] = None if chain is None else chain.localCheckpoint()
    return ctx.chains[memo_key]


def derive_chain(whole: StageContext, table: str) -> DataFrame | None:
    """`current_chain` computed (see there), from the current rows of the tables `table` reads."""
    if table == ACCEPTED:
        from gem_spark.stages.accepted import ACCEPT_FINGERPRINT, KEY

        if not whole.store.exists(JUDGE):
            return None
        accepting = chain_fingerprint(ACCEPT_FINGERPRINT, "fingerprint").alias("fingerprint")
        return current_ok(whole, JUDGE).select(KEY, accepting)
    if not any(whole.store.exists(name) for name in INPUTS[table]):
        return None
    chains = [stage_chain(whole, stage) for stage in chain_stages(whole, table)]
    if not chains:  # the config has no model for this stage: none of its rows is current
        return whole.spark.createDataFrame([], f"{CHAINED_KEYS[table]} string, fingerprint string")
    union = chains[0]
    for other in chains[1:]:
        union = union.unionByName(other)
    return union


def stage_chain(ctx: StageContext, stage: LLMStage) -> DataFrame:
    """(key, chained fingerprint) of every current input row of `stage`."""
    inputs = stage.inputs(ctx)
    return inputs.select(stage.key, chain_fingerprint(stage.fingerprint()).alias("fingerprint"))


def chain_stages(ctx: StageContext, table: str) -> list[LLMStage]:
    """The stages that write `table` under the current config and whose input table exists."""
    return [stage for stage, input_table in stage_writers(ctx, table) if ctx.store.exists(input_table)]


def stage_writers(ctx: StageContext, table: str) -> list[tuple[LLMStage, str]]:
    """(stage object, its input table) for every way the current config writes `table`: one per stage,
    the judge once per source it reads. Nothing for a stage whose model role the config lacks: it can
    never run under this config."""
    if ctx.config.stages[table].model not in ctx.config.models:
        return []
    return [(writer_stage(ctx, table, source), source) for source in INPUTS[table]]


def writer_stage(ctx: StageContext, table: str, source: str) -> LLMStage:
    """The stage object that writes `table` from `source` (only the judge has more than one source)."""
    # Stage modules import `inputs.upstream`, which reads through here: look them up at call time.
    from gem_spark.stages.extract import ExtractStage
    from gem_spark.stages.generate import GenerateStage
    from gem_spark.stages.judge import JudgeStage
    from gem_spark.stages.refine import RefineStage
    from gem_spark.stages.select import SelectStage
    from gem_spark.stages.synthesize import SynthesizeStage

    if table == JUDGE:
        return JudgeStage(ctx, source)
    stage_classes: dict[str, type[LLMStage]] = {
        "select": SelectStage,
        "extract": ExtractStage,
        "generate": GenerateStage,
        "refine": RefineStage,
        "synthesize": SynthesizeStage,
    }
    return stage_classes[table](ctx)


def stage_fingerprints(ctx: StageContext) -> dict[str, str]:
    """Each chained table's own fingerprint under the current config (the judge per source): what an
    export's manifest records, so its rows can be traced to the prompts and models that made them."""
    from gem_spark.stages.accepted import ACCEPT_FINGERPRINT

    found = {PREFILTER: prefilter_fingerprint(ctx.config.prefilter.threshold)}
    for table in CHAINED_KEYS:
        if table in (PREFILTER, ACCEPTED):
            continue
        for stage, input_table in stage_writers(ctx, table):
            found[f"{table}({input_table})" if table == JUDGE else table] = stage.fingerprint()
    found[ACCEPTED] = ACCEPT_FINGERPRINT
    return found


def reading_context(config: GemConfig, store: TableStore, spark: SparkSession | None = None) -> StageContext:
    """A context for readers (export, report, tables, compare): no run, every snapshot, no limit."""
    from pyspark.sql import SparkSession

    return StageContext(config=config, spark=spark or SparkSession.active(), store=store, run_id="")
