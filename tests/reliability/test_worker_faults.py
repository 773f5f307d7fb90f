"""Worker faults: a Python worker that dies in the first attempt of its task is retried by Spark.

The driver runs in its own process with master `local[2,2]` (two cores, at most two attempts per task);
the fault hook makes every Python worker `os._exit(1)` in a task's first attempt, either when it starts
answering a partition or right after it wrote its first commit piece (which the driver still commits).
The retried attempts must write exactly the rows an undisturbed run writes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.reliability_lake import PIECES, run_driver, settled_duplicates, table_state, write_config

# (fault, where the first attempt of every task dies)
WORKER_FAULTS = [
    ("llm.task:exit-first-attempt", "before its first request"),
    ("piece.written.select:exit-first-attempt", "after writing its first piece: the retry must skip its rows"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("fault", "where"), WORKER_FAULTS, ids=[spec for spec, _ in WORKER_FAULTS])
def test_worker_death_is_retried_without_duplicates_or_gaps(
    fault: str, where: str, lake: Path, tmp_path: Path, teacher_baseline: dict
) -> None:
    config = write_config(tmp_path, lake, spark={"master": "local[2,2]"}, pipeline=PIECES)
    fault_log = tmp_path / "faults.log"
    env = {"GEM_FAULT": fault, "GEM_FAULT_LOG": str(fault_log)}

    done = run_driver(config, "run", "teacher", "--stages", "select", env=env)

    assert done.returncode == 0, done.stderr[-3000:]
    assert fault_log.read_text().count(fault.split(":")[0]) >= 1, where  # at least one worker really died
    assert table_state(lake, "select") == teacher_baseline["select"]
    assert settled_duplicates(lake) == {}
