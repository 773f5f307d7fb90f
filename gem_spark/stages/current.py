"""Which stage rows are current: the ones the current config computes from the current upstream rows.

Stage tables are append-only and keep the rows of every fingerprint chain ever computed. A row of stage
S is *current* when its (key, fingerprint) equals (key, chain(S's fingerprint under the current config,
fingerprint of a current ok input row)) — a semi-join against the chain the config derives today. The
prefilter gates every chain: its current rows are those under the current prefilter fingerprint
(`gem-spark run` scores the stored segments under it first, `ingest.driver_steps.refresh_prefilter`),
and a first stage reads the segments they pass, chaining to the segment itself (`SEGMENT_INPUT`).

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
    from types import ModuleType

    from pyspark.sql import Column, DataFrame, SparkSession

    from gem_spark.config import GemConfig
    from gem_spark.stages.llm_stage import LLMStage
    from gem_spark.tables.store import TableStore

PREFILTER, JUDGE, ACCEPTED = "prefilter", "judge", "accepted"
# What a first stage's rows chain to: the segment alone (its id is the hash of its text). The prefilter
# only gates which segments are inputs; its threshold and scorer never change what a model answers for
# a segment, so a prefilter change asks the model for the newly passing segments only.
SEGMENT_INPUT = "segment"


def _modes() -> ModuleType:
    """The mode list, imported at call time: it imports every stage module, and those read their
    inputs through here."""
    from gem_spark.stages import modes

    return modes


def chained_keys() -> dict[str, str]:
    """Tables whose rows belong to fingerprint chains, in data-flow order, with their keys: the
    prefilter, every stage of the mode list, and `accepted` (computed from the judge's ok rows)."""
    stages = {name: cls.key for name, cls in _modes().stage_classes().items()}
    return {PREFILTER: "segment_id", **stages, ACCEPTED: stages[JUDGE]}


def inputs_of(table: str) -> tuple[str, ...]:
    """The tables a chained table is computed from (the judge reads refine or synthesize, by mode)."""
    if table == PREFILTER:
        return ()
    return (JUDGE,) if table == ACCEPTED else _modes().sources(table)


def upstream_of(table: str) -> set[str]:
    """Every table whose rows decide which rows of `table` are current."""
    found: set[str] = set()
    for name in inputs_of(table):
        found |= {name, *upstream_of(name)}
    return found


def current_rows(ctx: StageContext, table: str) -> DataFrame:
    """The latest row per (key, fingerprint) of chained `table` in the current chain, every status."""
    if not ctx.store.exists(table):
        msg = f"table {table!r} does not exist yet: run the stages that write it first"
        raise TableNotFoundError(msg)
    key = chained_keys()[table]
    latest = latest_rows(ctx.store.read(table), [key])
    if table == PREFILTER:
        return latest.filter(F.col("fingerprint") == prefilter_fingerprint(ctx.config.prefilter.threshold))
    chain = current_chain(ctx, table)
    if chain is None:  # none of its input tables exists: the chain starts here (e.g. imported rows)
        return latest
    return latest.join(chain, [key, "fingerprint"], "left_semi")


def current_ok(ctx: StageContext, table: str) -> DataFrame:
    return current_rows(ctx, table).filter(F.col("status") == OK)


def chain_input(table: str) -> Column:
    """The fingerprint a stage reading `table` chains its own to: the input row's, or for the first
    stage of a mode (reading the prefilter) the segment's."""
    return F.lit(SEGMENT_INPUT) if table == PREFILTER else F.col("fingerprint")


def split_chain(ctx: StageContext, table: str) -> tuple[DataFrame, DataFrame] | None:
    """(current rows, stored rows of superseded chains) of a stage table; None for other tables."""
    if table not in chained_keys():
        return None
    key, current = chained_keys()[table], current_rows(ctx, table)
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
    if not any(whole.store.exists(name) for name in inputs_of(table)):
        return None
    chains = [stage_chain(whole, stage) for stage in chain_stages(whole, table)]
    if not chains:  # the config has no model for this stage: none of its rows is current
        return whole.spark.createDataFrame([], f"{chained_keys()[table]} string, fingerprint string")
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
    stage_class = _modes().stage_classes()[table]
    return [(stage_class(ctx, source), source) for source in inputs_of(table)]


def stage_fingerprints(ctx: StageContext) -> dict[str, str]:
    """Each chained table's own fingerprint under the current config (the judge per source): what an
    export's manifest records, so its rows can be traced to the prompts and models that made them."""
    from gem_spark.stages.accepted import ACCEPT_FINGERPRINT

    found = {PREFILTER: prefilter_fingerprint(ctx.config.prefilter.threshold)}
    for table in _modes().llm_stage_names():
        writers = stage_writers(ctx, table)
        for stage, input_table in writers:
            found[f"{table}({input_table})" if len(writers) > 1 else table] = stage.fingerprint()
    found[ACCEPTED] = ACCEPT_FINGERPRINT
    return found


def reading_context(config: GemConfig, store: TableStore, spark: SparkSession | None = None) -> StageContext:
    """A context for readers (export, report, tables, compare): no run, every snapshot, no limit."""
    from pyspark.sql import SparkSession

    return StageContext(config=config, spark=spark or SparkSession.active(), store=store, run_id="")
