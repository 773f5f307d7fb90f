"""What `gem-spark tables` prints: every table with its version and row counts by status and reason."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gem_spark.tables.runs import RUNS_TABLE, read_runs
from gem_spark.tables.schemas import TABLE_SCHEMAS

if TYPE_CHECKING:
    from gem_spark.tables.store import TableStore


@dataclass(frozen=True)
class TableSummary:
    name: str
    location: str
    version: int
    rows: int
    # (status, reason) → rows; the runs table counts each run once, by its latest row.
    counts: dict[tuple[str, str | None], int]

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
        return "; ".join(parts) or "empty"


def summarize(store: TableStore, names: list[str] | None = None) -> list[TableSummary]:
    """Summaries of the tables that exist among `names` (default: every declared table)."""
    summaries = []
    for name in names or list(TABLE_SCHEMAS):
        if not store.exists(name):
            continue
        df = read_runs(store) if name == RUNS_TABLE else store.read(name)
        rows = df.groupBy("status", "reason").count().collect()
        counts = {(row["status"], row["reason"]): row["count"] for row in rows}
        summaries.append(
            TableSummary(name, store.location(name), store.version(name), sum(counts.values()), counts)
        )
    return summaries


def format_summaries(summaries: list[TableSummary]) -> str:
    if not summaries:
        return "no tables yet"
    width = max(len(summary.name) for summary in summaries)
    lines = [f"{'table':<{width}}  version  {'rows':>8}  by status"]
    lines += [
        f"{summary.name:<{width}}  {summary.version:>7}  {summary.rows:>8}  {summary.describe()}"
        for summary in summaries
    ]
    return "\n".join(lines)
