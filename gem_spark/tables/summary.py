"""What `gem-spark tables` prints: every table with its version and row counts by status and reason.

For stage tables the counts are of the current rows (the current config's fingerprint chain), followed
by how many stored rows belong to superseded chains (history and cache, never deleted by a run).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gem_spark.tables.runs import RUNS_TABLE, read_runs
from gem_spark.tables.schemas import TABLE_SCHEMAS

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from gem_spark.tables.store import TableStore

# A stage table's (current rows, superseded rows) under the caller's config; None for other tables.
ChainSplit = Callable[[str], "tuple[DataFrame, DataFrame] | None"]


@dataclass(frozen=True)
class TableSummary:
    name: str
    location: str
    version: int
    rows: int
    # (status, reason) → rows: current rows of a stage table; every row elsewhere (each run once, by its
    # latest row, in `runs`).
    counts: dict[tuple[str, str | None], int]
    # Stored rows of superseded fingerprint chains; None for tables outside the chains.
    superseded: int | None = None

    def by_status(self) -> dict[str, int]:
        totals: Counter[str] = Counter()
        for (status, _), count in self.counts.items():
            totals[status] += count
        return dict(totals)

    def describe(self) -> str:
        parts = []
        for status, total in sorted(self.by_status().items()):
            reasons = sorted((reason, n) for (s, reason), n in self.counts.items() if s == status and reason)
            detail = ", ".join(f"{reason} {n}" for reason, n in reasons)
            parts.append(f"{status} {total}" + (f" ({detail})" if detail else ""))
        described = "; ".join(parts) or "empty"
        return described if self.superseded is None else f"{described} | superseded {self.superseded}"


def summarize(
    store: TableStore, names: list[str] | None = None, split: ChainSplit | None = None
) -> list[TableSummary]:
    """Summaries of the tables that exist among `names` (default: every declared table); with `split`,
    stage tables count their current rows and their superseded ones apart."""
    summaries = []
    for name in names or list(TABLE_SCHEMAS):
        if not store.exists(name):
            continue
        df = read_runs(store) if name == RUNS_TABLE else store.read(name)
        parts = split(name) if split is not None else None
        counted = df if parts is None else parts[0]
        rows = counted.groupBy("status", "reason").count().collect()
        counts = {(row["status"], row["reason"]): row["count"] for row in rows}
        total = sum(counts.values()) if parts is None else df.count()
        superseded = None if parts is None else parts[1].count()
        summaries.append(
            TableSummary(name, store.location(name), store.version(name), total, counts, superseded)
        )
    return summaries


def format_summaries(summaries: list[TableSummary]) -> str:
    if not summaries:
        return "no tables yet"
    width = max(len(summary.name) for summary in summaries)
    lines = [f"{'table':<{width}}  version  {'rows':>8}  by status (stage tables: current rows | superseded)"]
    lines += [
        f"{summary.name:<{width}}  {summary.version:>7}  {summary.rows:>8}  {summary.describe()}"
        for summary in summaries
    ]
    return "\n".join(lines)
