"""Checks a lake against the reason catalogue: every status and reason its tables hold is catalogued."""

from __future__ import annotations

from pathlib import Path

from deltalake import DeltaTable

from gem_spark.reasons import CATALOGUE, REASON_LISTS, TABLE_STATUSES


def uncatalogued(root: Path) -> list[tuple[str, str, str]]:
    """(table, column, value) of every status, reason or listed reason in the lake's tables that the
    catalogue lacks; every table must be one the catalogue lists statuses for."""
    found: list[tuple[str, str, str]] = []
    for path in sorted(p for p in root.iterdir() if DeltaTable.is_deltatable(str(p))):
        table = path.name
        if table not in TABLE_STATUSES:
            found.append((table, "table", table))
            continue
        columns = ["status", "reason", *([REASON_LISTS[table]] if table in REASON_LISTS else [])]
        rows = DeltaTable(str(path)).to_pyarrow_table(columns=columns).to_pylist()
        found += [(table, "status", s) for s in sorted({r["status"] for r in rows} - set(TABLE_STATUSES[table]))]
        if table == "runs":  # the reason of a failed run is the exception's type, not a code
            continue
        reasons = {r["reason"] for r in rows if r["reason"] is not None}
        reasons |= {code for r in rows for code in r.get(REASON_LISTS.get(table, ""), None) or []}
        found += [(table, "reason", code) for code in sorted(reasons - CATALOGUE.keys())]
    return found


def assert_catalogued(root: Path) -> None:
    missing = uncatalogued(root)
    assert not missing, f"statuses/reasons missing from gem_spark/reasons.py: {missing}"
