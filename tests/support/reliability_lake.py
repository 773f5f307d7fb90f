"""Helpers shared by the reliability tests: test configs, subprocess runs, and table contents as sets.

Tables are read straight from their Delta logs with `deltalake` (no Spark), so comparing two lakehouses
costs milliseconds and sees exactly what a reader of the committed tables sees.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from deltalake import DeltaTable

REPO = Path(__file__).resolve().parents[2]
RESPONSES = REPO / "examples" / "responses.jsonl"
CORPUS = REPO / "examples" / "corpus"
SNAPSHOT = "s1"
STAGE_TABLES = ("select", "extract", "generate", "refine", "synthesize", "judge", "accepted")
KEYS = {"select": "segment_id", "extract": "segment_id"}
# Commit pieces of 2 rows and a commit tick every 50 ms: several pieces and commits per stage.
PIECES: dict[str, Any] = {"piece_rows": 2, "commit_interval_s": 0.05}
# Columns that differ between two runs computing the same thing: who wrote it, when, and the timings.
RUN_COLUMNS = frozenset({"run_id", "created_at", "llm"})


def write_config(folder: Path, root: Path, **sections: dict[str, Any]) -> Path:
    """A config file for one test: conf/local.yaml's replay models, delta-rs tables under `root`, small
    Spark settings; `sections` are merged over it one level deep (e.g. pipeline=PIECES)."""
    data: dict[str, Any] = yaml.safe_load((REPO / "conf" / "local.yaml").read_text())
    for model in data["models"].values():
        model["responses"] = str(RESPONSES)
    data["spark"] = {"master": "local[2]", "conf": {"spark.sql.shuffle.partitions": "2"}}
    # delta-rs: the Delta jars cannot be downloaded here, and its commit is where the fault hooks sit.
    data["tables"] = {"engine": "delta-rs", "root": str(root)}
    data["logging"] = {"level": "WARNING"}
    for name, values in sections.items():
        data[name] = {**data.get(name, {}), **values}
    path = folder / f"config-{root.name}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def run_driver(
    config: Path, *args: str, env: dict[str, str] | None = None, timeout_s: float = 900
) -> subprocess.CompletedProcess[str]:
    """`python -m tests.support.pipeline_process --config <config> <args>` in its own process group.

    Whatever the driver leaves behind (a JVM whose Python parent was SIGKILLed, Python workers) is
    killed with the group afterwards, by its group id.
    """
    command = [sys.executable, "-m", "tests.support.pipeline_process", "--config", str(config), *args]
    process = subprocess.Popen(
        command,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout_s)
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def read_table(root: Path, table: str) -> list[dict[str, Any]]:
    path = root / table
    if not DeltaTable.is_deltatable(str(path)):
        return []
    return DeltaTable(str(path)).to_pyarrow_table().to_pylist()


def key_of(table: str) -> str:
    return KEYS.get(table, "trajectory_id")


def payload_hash(row: dict[str, Any]) -> str:
    kept = {name: value for name, value in row.items() if name not in RUN_COLUMNS}
    return hashlib.sha256(json.dumps(kept, sort_keys=True, default=str).encode()).hexdigest()[:16]


def table_state(root: Path, table: str) -> set[tuple[str, str, str, str]]:
    """The table as a set of (key, fingerprint, status, payload hash)."""
    key = key_of(table)
    return {(r[key], r["fingerprint"], r["status"], payload_hash(r)) for r in read_table(root, table)}


def lake_state(root: Path) -> dict[str, set[tuple[str, str, str, str]]]:
    return {table: table_state(root, table) for table in STAGE_TABLES}


def settled_duplicates(root: Path) -> dict[str, list[tuple[str, str]]]:
    """Per table, every (key, fingerprint) with more than one ok/rejected row (must stay empty)."""
    duplicates = {}
    for table in STAGE_TABLES:
        key = key_of(table)
        counts = Counter(
            (r[key], r["fingerprint"]) for r in read_table(root, table) if r["status"] in ("ok", "rejected")
        )
        duplicates[table] = [pair for pair, count in counts.items() if count > 1]
    return {table: pairs for table, pairs in duplicates.items() if pairs}


def run_statuses(root: Path) -> dict[str, str]:
    """run_id → its latest status in the `runs` table (running rows come first, end rows later)."""
    latest: dict[str, tuple[Any, str]] = {}
    for row in read_table(root, "runs"):
        current = latest.get(row["run_id"])
        ended = row["ended_at"] is not None
        if current is None or ended:
            latest[row["run_id"]] = (ended, row["status"])
    return {run_id: status for run_id, (_, status) in latest.items()}
