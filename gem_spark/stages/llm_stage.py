"""The shape every LLM stage shares: pending inputs → prompt → backend on executors → parse → Delta.

A concrete stage supplies four things: its inputs (with the key and the input row's fingerprint), the
request for one row (format_input), the outcome for one row and its model output (format_output), and
its payload columns. Everything else — fingerprints, pending-work selection, batching on executors,
error rows, results committed in pieces while one long job runs (`piece_job`) — happens here once.
"""

from __future__ import annotations

import functools
import logging
import os
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar

from pyspark.sql import functions as F
from pyspark.sql.types import StructField, StructType

from gem_spark.code_version import code_version, package_modules
from gem_spark.llm.errors import error_text
from gem_spark.llm.protocol import LLMRequest
from gem_spark.prompts import PROMPTS_DIR_ENV, PromptTemplate, load_template
from gem_spark.stages.codes import NO_RESULT, OUTCOME_FAILED, Reason
from gem_spark.stages.common import (
    ERROR,
    OK,
    StageContext,
    chain_fingerprint,
    fingerprint_of,
    model_identity,
    now_utc,
    pending,
    stage_schema,
    truncate,
)
from gem_spark.stages.inputs import upstream, with_text
from gem_spark.stages.piece_job import run_piece_job
from gem_spark.tables.feed_metrics import StageFeed
from gem_spark.tables.pieces import PieceCommitter
from gem_spark.tables.runs import StageCounts
from gem_spark.tables.store import CommitId

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

log = logging.getLogger(__name__)
# Set to 1 by the test suite: a payload that breaks its stage's declared contract (a code defect, never
# the model's) then fails the task loudly instead of becoming an outcome_failed error row.
STRICT_CONTRACTS_ENV = "GEM_STRICT_CONTRACTS"


@functools.cache
def _code_version_of(names: tuple[str, ...]) -> str:
    # The shared machinery (this module) runs rows, it does not decide them: left out.
    return code_version(*package_modules(*(name for name in names if name != __name__)))


@dataclass(frozen=True)
class Outcome:
    """What one row of model output became: a status, a reason code and the stage payload."""

    status: str
    reason: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    # Why the row is what it is when no payload column says it (the exception behind outcome_failed);
    # stored as the row's llm.error_message.
    detail: str | None = None


class StageContractError(ValueError):
    """A stage broke its declared contract: its inputs lack a column it needs, or an outcome's payload
    holds a key the stage does not declare (or, for an ok row, lacks one it does)."""


class LLMStage(ABC):
    """One GEM stage backed by a model role; subclasses are small and declarative."""

    name: ClassVar[str]
    key: ClassVar[str]
    template: ClassVar[str]
    # Packages of the code that turns a model output into a row (besides the stage's own modules).
    output_packages: ClassVar[tuple[str, ...]] = ("gem_spark.parse", "gem_spark.schema", "gem_spark.validate")
    # Input columns copied onto every output row (e.g. segment_id beside a trajectory_id key).
    carry: ClassVar[tuple[str, ...]] = ()
    # Input columns build_request and outcome read (besides key and carry); checked before any work.
    requires: ClassVar[tuple[str, ...]] = ()
    # The codes this stage's own outcome decides (parser, rule and backend codes are catalogued with
    # their layers); gem_spark/reasons.py collects them.
    reasons: ClassVar[tuple[Reason, ...]] = ()
    # Payload columns listing every code a row has, besides its one `reason`.
    reason_lists: ClassVar[tuple[str, ...]] = ()

    def __init__(self, ctx: StageContext, source: str | None = None) -> None:
        """`source`: the table this stage reads (the mode list's previous stage); needed only for a
        stage that reads different tables in different modes (the judge)."""
        # Only plain, picklable settings are kept: the instance is shipped to executors.
        self.source = source or self.only_source()
        self.stage_config = ctx.config.stages[self.name]
        self.model = ctx.config.model_for(self.name)
        self.pipeline_config = ctx.config.pipeline
        # Resolved on the driver and shipped, so executors render the very templates the fingerprint hashed.
        self.prompts_dir = os.environ.get(PROMPTS_DIR_ENV)

    @classmethod
    def only_source(cls) -> str:
        from gem_spark.stages.modes import sources  # the mode list imports every stage module

        found = sources(cls.name)
        if len(found) != 1:
            msg = f"stage {cls.name!r} reads {list(found)} depending on the mode: say which one"
            raise ValueError(msg)
        return found[0]

    # -- what a stage declares -------------------------------------------------------------
    @abstractmethod
    def payload(self) -> list[StructField]:
        """Payload columns of the output table (besides key, bookkeeping, carry and llm)."""

    @abstractmethod
    def inputs(self, ctx: StageContext) -> DataFrame:
        """Rows to process: the key column, `input_fingerprint`, carry columns and what the prompt needs."""

    @abstractmethod
    def build_request(self, row: dict[str, Any]) -> LLMRequest:
        """The model request for one input row (pure; runs on executors)."""

    @abstractmethod
    def outcome(self, row: dict[str, Any], text: str) -> Outcome:
        """Parse one successful model output into an outcome (pure; never raises)."""

    def extra_fingerprint(self) -> dict[str, Any]:
        """Stage-specific settings that change results (override to add some)."""
        return {}

    # -- shared machinery --------------------------------------------------------------------
    def schema(self) -> StructType:
        carried = [StructField(name, self.carry_type(name)) for name in self.carry]
        return stage_schema(self.key, carried + self.payload())

    def carry_type(self, name: str) -> Any:
        from pyspark.sql.types import IntegerType, StringType

        return IntegerType() if name.endswith("_index") else StringType()

    def fingerprint(self) -> str:
        return fingerprint_of(
            {
                "stage": self.name,
                "template": self.prompt().content_hash,
                "model": model_identity(self.model),
                "parser": self.parser_version(),
                "max_input_chars": self.stage_config.max_input_chars,
                **self.extra_fingerprint(),
            }
        )

    def parser_version(self) -> str:
        """Hash of the source that decides a row from a model output: the stage's own modules and its
        output packages, as ingest versions its code; editing a parser recomputes the stages it serves."""
        own = tuple(cls.__module__ for cls in type(self).__mro__ if cls.__module__.startswith("gem_spark.stages."))
        return _code_version_of((*own, *self.output_packages))

    def prompt(self) -> PromptTemplate:
        return load_template(self.template, self.prompts_dir)

    def request(self, row: dict[str, Any], **variables: str) -> LLMRequest:
        return LLMRequest(key=row[self.key], messages=self.prompt().render(**variables), stage=self.name)

    # -- for stages that read segments (select, extract, synthesize) ---------------------------
    def segment_inputs(self, ctx: StageContext) -> DataFrame:
        """Current ok rows of the source table keyed by segment, with the segment's text."""
        return with_text(ctx, upstream(ctx, self.source, "segment_id"))

    def text_request(self, row: dict[str, Any]) -> LLMRequest:
        """The request whose one prompt variable is the segment text, cut to max_input_chars."""
        text, _ = truncate(row["text"], self.stage_config.max_input_chars)
        return self.request(row, text=text)

    def check_inputs(self, columns: list[str]) -> None:
        """On the driver, before any work: the inputs hold every column this stage reads."""
        needed = (self.key, "input_fingerprint", *self.carry, *self.requires)
        missing = [name for name in needed if name not in columns]
        if missing:
            msg = f"stage {self.name!r} needs input column(s) {missing}, which its inputs lack (they have {sorted(columns)})"
            raise StageContractError(msg)

    def check_payload(self, outcome: Outcome) -> Outcome:
        """`outcome` unchanged when its payload keys are declared ones (all of them for an ok row)."""
        declared = [f.name for f in self.payload()]
        unknown = sorted(set(outcome.payload) - set(declared))
        missing = [name for name in declared if name not in outcome.payload] if outcome.status == OK else []
        if unknown or missing:
            msg = f"stage {self.name!r} outcome {outcome.status}: payload keys {unknown} undeclared, {missing} missing"
            raise StageContractError(msg)
        return outcome

    def to_row(self, row: dict[str, Any], llm: dict[str, Any] | None, run_id: str, outcome: Outcome) -> dict:
        out = {
            self.key: row[self.key],
            "fingerprint": row["fingerprint"],
            "run_id": run_id,
            "status": outcome.status,
            "reason": outcome.reason,
            "created_at": now_utc(),
            **{name: row.get(name) for name in self.carry},
            **{f.name: outcome.payload.get(f.name) for f in self.payload()},
        }
        out["llm"] = {**(llm or {}), "error_message": outcome.detail} if outcome.detail else llm
        return out

    def finish_row(self, row: dict[str, Any], run_id: str) -> dict[str, Any]:
        """Turn an input row plus its `llm` result into an output row (error rows keep the raw output)."""
        llm = row.get("llm")
        if llm is None or llm.get("error_type"):
            reason = (llm or {}).get("error_type") or NO_RESULT
            return self.to_row(row, llm, run_id, Outcome(ERROR, reason))
        try:
            result = self.check_payload(self.outcome(row, llm.get("raw_output") or ""))
        except Exception as exc:  # noqa: BLE001 - an outcome bug must not fail the task: record it on the row
            if isinstance(exc, StageContractError) and os.environ.get(STRICT_CONTRACTS_ENV) == "1":
                raise
            result = Outcome(ERROR, OUTCOME_FAILED, detail=error_text(exc))
        return self.to_row(row, llm, run_id, result)

    def pending_work(self, ctx: StageContext) -> DataFrame:
        """Inputs with their chained fingerprint, minus what is settled or out of attempts."""
        inputs = self.inputs(ctx)
        self.check_inputs(inputs.columns)
        ctx.store.ensure(self.name, self.schema())
        inputs = inputs.withColumn("fingerprint", chain_fingerprint(self.fingerprint()))
        todo = pending(ctx, inputs, self.name, self.key)
        if ctx.limit is not None:
            todo = todo.orderBy(self.key).limit(ctx.limit)
        return todo

    def committer(self, ctx: StageContext) -> PieceCommitter:
        """This run's piece committer for the stage table, after it finished what killed runs left
        (call before `pending_work`, so adopted rows count as done)."""
        ctx.store.ensure(self.name, self.schema())
        committer = PieceCommitter(ctx.store, self.name, ctx.run_id)
        committer.recover()
        return committer

    def infer_and_commit(
        self, ctx: StageContext, todo: DataFrame, n_rows: int, committer: PieceCommitter
    ) -> StageFeed | None:
        """Answer `todo` in one Spark job whose tasks write commit pieces while the driver commits them."""
        if not n_rows:
            return None
        return run_piece_job(self, ctx, todo, n_rows, committer)

    def run(self, ctx: StageContext) -> StageCounts:
        started = time.monotonic()
        committer = self.committer(ctx)
        todo = self.pending_work(ctx).cache()
        n_in = todo.count()
        feed = self.infer_and_commit(ctx, todo, n_in, committer)
        todo.unpersist()
        return count_written(ctx, self.name, n_in, n_in, started, feed)

    def commit(self, ctx: StageContext, rows: DataFrame, part: str) -> None:
        """One idempotent commit of `rows` outside the piece job (e.g. the judge's rule rejections)."""
        ctx.store.append(self.name, rows, CommitId(app_id=f"{ctx.run_id}:{self.name}:{part}", version=0))


def count_written(
    ctx: StageContext, table: str, n_in: int, n_requests: int, started: float, feed: StageFeed | None = None
) -> StageCounts:
    """Counts by status of what this run wrote to `table` (read back, so nothing is computed twice)."""
    by_status: dict[str, int] = {}
    if n_in:  # a stage with nothing pending wrote nothing: no Spark job to count it
        written = ctx.store.read(table).filter(F.col("run_id") == ctx.run_id).groupBy("status").count().collect()
        by_status = {row["status"]: row["count"] for row in written}
    counts = StageCounts(
        stage=table,
        n_in=n_in,
        n_ok=by_status.get("ok", 0),
        n_rejected=by_status.get("rejected", 0),
        n_error=by_status.get(ERROR, 0),
        duration_s=round(time.monotonic() - started, 3),
        n_requests=n_requests,
        feed=feed,
    )
    log.info("stage %s: %s", table, replace(counts, feed=None))  # the feed is logged by the run recorder
    return counts
