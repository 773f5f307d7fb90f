"""Checks a lake against the reason catalogue: every status and reason its tables hold is catalogued."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.dataset as ds
from deltalake import DeltaTable

from gem_spark.export.manifest import MANIFEST
from gem_spark.reasons import CATALOGUE, REASON_LISTS, TABLE_STATUSES


def _active_rows(table: Path, columns: list[str]) -> list[dict]:
    """The rows of a Delta table's active files. Read with pyarrow directly: deltalake's own readers
    register a Python filesystem handler that aborts a short-lived interpreter at exit ("terminate
    called without an active exception", deltalake 1.6 with pyarrow 26), and this check also runs in
    subprocesses."""
    files = DeltaTable(str(table)).file_uris()
    return ds.dataset(files, format="parquet").to_table(columns=columns).to_pylist() if files else []


def uncatalogued(root: Path) -> list[tuple[str, str, str]]:
    """(table, column, value) of every status, reason or listed reason in the lake's tables that the
    catalogue lacks; every table must be one the catalogue lists statuses for."""
    found: list[tuple[str, str, str]] = []
    for path in sorted(p for p in root.iterdir() if DeltaTable.is_deltatable(str(p))):
        table = path.name
        if table not in TABLE_STATUSES:
            found.append((table, "table", table))
            continue
        lists = REASON_LISTS.get(table, ())
        columns = ["status", "reason", *lists]
        rows = _active_rows(path, columns)
        found += [(table, "status", s) for s in sorted({r["status"] for r in rows} - set(TABLE_STATUSES[table]))]
        if table == "runs":  # the reason of a failed run is the exception's type, not a code
            continue
        reasons = {r["reason"] for r in rows if r["reason"] is not None}
        reasons |= {code for r in rows for column in lists for code in r[column] or []}
        found += [(table, "reason", code) for code in sorted(reasons - CATALOGUE.keys())]
    return found


def assert_catalogued(root: Path) -> None:
    missing = uncatalogued(root)
    assert not missing, f"statuses/reasons missing from gem_spark/reasons.py: {missing}"


def assert_export_catalogued(folder: Path) -> None:
    """Every skip reason and note an export's manifest counts is a catalogued code."""
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    codes = {*manifest["skipped"], *manifest["notes"]}
    assert codes <= CATALOGUE.keys(), (
        f"export codes missing from gem_spark/reasons.py: {codes - CATALOGUE.keys()}"
    )
