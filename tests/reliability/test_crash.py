"""Crash safety: SIGKILL the driver at named points across the teacher pipeline, rerun, compare.

Each case arms one fault point (gem_spark.faults) in a subprocess running the whole teacher mode,
which kills itself there with SIGKILL — deterministic, not timing-based. The rerun (in this process)
must finish the work, and the tables must then hold exactly what an uninterrupted run wrote, as sets
of (key, fingerprint, status, payload hash), with at most one ok/rejected row per (key, fingerprint).
With PIECES (2 rows a piece, a commit tick every 50 ms) every stage writes several pieces per task, so
points inside a piece, between pieces and between commits exist; `kill-run` points fire on an executor
and kill the driver with it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gem_spark.config import load_config
from gem_spark.pipeline import run_pipeline
from tests.support.reliability_lake import (
    PIECES,
    lake_state,
    run_driver,
    run_statuses,
    settled_duplicates,
    write_config,
)

# (fault spec, what the process was doing when it died)
KILL_POINTS = [
    ("stage.before.select:kill", "run row written, no stage started"),
    ("piece.written.select:kill-run", "between pieces: a task's first select piece written, not committed"),
    ("piece.rows.select:kill-run:2", "inside a piece: rows in the open piece file, not closed"),
    ("commit.done.extract:kill", "extract's first piece commit landed, its record not yet settled"),
    ("stage.after.extract:kill", "between stages: extract done, generate not started"),
    ("pieces.committed.generate:kill", "mid-stage: first generate pieces committed by the driver thread"),
    ("piece.written.refine:kill-run:2", "between pieces: a refine task's second piece written"),
    ("piece.rows.judge:kill-run", "inside judge's first piece (teacher trajectories all pass the rules)"),
    ("pieces.committed.judge:kill", "mid-stage: first judged pieces committed"),
    ("commit.staged.accepted:kill", "inside the accepted commit"),
    ("commit.staged.runs:kill:2", "inside the runs table's end-row commit: all data written"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("fault", "where"), KILL_POINTS, ids=[spec for spec, _ in KILL_POINTS])
def test_killed_run_reruns_to_the_same_tables(
    fault: str, where: str, lake: Path, tmp_path: Path, teacher_baseline: dict, spark
) -> None:
    config_path = write_config(tmp_path, lake, pipeline=PIECES)
    fault_log = tmp_path / "faults.log"
    killed = run_driver(
        config_path, "run", "teacher", env={"GEM_FAULT": fault, "GEM_FAULT_LOG": str(fault_log)}
    )

    assert killed.returncode == -9, f"expected SIGKILL at {fault} ({where}); stderr:\n{killed.stderr[-3000:]}"
    assert fault_log.read_text().startswith(fault.split(":")[0])
    assert settled_duplicates(lake) == {}
    statuses = run_statuses(lake)
    interrupted = [run_id for run_id, status in statuses.items() if status == "running"]
    assert len(interrupted) == 1, statuses

    rerun = run_pipeline(load_config(config_path), "teacher", spark=spark)

    assert lake_state(lake) == teacher_baseline
    assert settled_duplicates(lake) == {}
    statuses = run_statuses(lake)
    assert statuses[interrupted[0]] == "running"  # the killed run stays visible as unfinished
    assert statuses[rerun.run_id] == "finished"
