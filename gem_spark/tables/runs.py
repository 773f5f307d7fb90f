"""The `runs` table: one `running` row when a run starts, one `finished` or `failed` row when it ends.

Readers take the latest row per run_id (`read_runs`), so a run that was killed stays visible as
`running` with its start time, config fingerprint and inputs.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from types import TracebackType
from typing import TYPE_CHECKING

from gem_spark.tables.feed_metrics import StageFeed
from gem_spark.tables.latest import latest_rows
from gem_spark.tables.schemas import RUNS, STAGE_COUNTS
from gem_spark.tables.store import CommitId

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from gem_spark.config import GemConfig
    from gem_spark.tables.store import TableStore

RUNS_TABLE = "runs"
RUNNING, FINISHED, FAILED = "running", "finished", "failed"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StageCounts:
    """What one stage of a run did: rows in, and how they came out (ok + rejected + error = in)."""

    stage: str
    n_in: int
    n_ok: int
    n_rejected: int
    n_error: int
    duration_s: float
    n_requests: int = 0
    feed: StageFeed | None = None


def new_run_id() -> str:
    """Time-sortable and unique: `20261121T112233Z-<12 hex>`."""
    return f"{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:12]}"


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _counts_row(counts: StageCounts) -> dict[str, object]:
    """A stage's counts as a `runs` row; any record with StageCounts' fields will do (`feed` is optional)."""
    feed = getattr(counts, "feed", None)
    return {**{name: getattr(counts, name) for name in STAGE_COUNTS.names if name != "feed"},
            "feed": asdict(feed) if feed is not None else None}  # fmt: skip


class RunRecorder:
    """One run's rows in the `runs` table: `begin()` writes the running row, `finish()` the last one.

    Also a context manager (begin on enter, finish on exit): an exception inside the block is recorded
    (status `failed`, reason = exception type, message = its first line) and then propagates.
    """

    def __init__(
        self,
        store: TableStore,
        config: GemConfig,
        command: str,
        snapshot: str | None = None,
        inputs: list[str] | None = None,
    ) -> None:
        self.run_id = new_run_id()
        self._store = store
        self._fingerprint = config.fingerprint()
        self._command = command
        self._snapshot = snapshot
        self._inputs = list(inputs or [])
        self._stages: list[StageCounts] = []
        self._started_at = datetime.now(timezone.utc)
        self._started_clock = time.monotonic()
        self.message: str | None = None

    def begin(self) -> RunRecorder:
        """Write the `running` row (the context manager does this on enter)."""
        self._store.ensure(RUNS_TABLE, RUNS)
        self._write(RUNNING, reason=None, ended=False, version=0)
        log.info("run %s started: %s (config %s)", self.run_id, self._command, self._fingerprint)
        return self

    @property
    def stages(self) -> list[StageCounts]:
        return list(self._stages)

    def stage_done(self, counts: StageCounts) -> None:
        """Keep a stage's counts for the end row and log them."""
        self._stages.append(counts)
        log.info(
            "run %s stage %s: in=%d ok=%d rejected=%d error=%d in %.1fs",
            self.run_id, counts.stage, counts.n_in, counts.n_ok, counts.n_rejected, counts.n_error,
            counts.duration_s,
        )  # fmt: skip
        feed = getattr(counts, "feed", None)
        if feed is not None:
            log.info("run %s stage %s: %s", self.run_id, counts.stage, feed.describe())

    def finish(self, status: str = FINISHED, message: str | None = None, reason: str | None = None) -> None:
        """Write the end row: `finished`, or `failed` with a reason code and a one-line message."""
        if message is not None:
            self.message = message
        self._write(status, reason=reason, ended=True, version=1)
        elapsed = time.monotonic() - self._started_clock
        log.log(logging.INFO if status == FINISHED else logging.ERROR, "run %s %s after %.1fs%s",
                self.run_id, status, elapsed, f": {self.message}" if status != FINISHED else "")  # fmt: skip

    def __enter__(self) -> RunRecorder:  # noqa: PYI034 - subclasses are not expected
        return self.begin()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if error is None:
            self.finish(FINISHED)
        else:
            self.finish(FAILED, message=_first_line(error), reason=type(error).__name__)

    def _write(self, status: str, reason: str | None, ended: bool, version: int) -> None:
        now = datetime.now(timezone.utc)
        row = {
            "run_id": self.run_id,
            "fingerprint": self._fingerprint,
            "status": status,
            "reason": reason,
            "created_at": now,
            "command": self._command,
            "snapshot": self._snapshot,
            "inputs": self._inputs,
            "started_at": self._started_at,
            "ended_at": now if ended else None,
            "stages": [_counts_row(stage) for stage in self._stages],
            "message": self.message,
        }
        self._store.append_rows(RUNS_TABLE, [row], RUNS, CommitId(f"{self.run_id}:runs", version))


def read_runs(store: TableStore) -> DataFrame:
    """The current state of every run: its latest row."""
    return latest_rows(store.read(RUNS_TABLE), ["run_id"])
