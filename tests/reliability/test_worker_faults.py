"""Worker faults: a Python worker that dies in the first attempt of its task is retried by Spark.

The driver runs in its own process with master `local[2,2]` (two cores, at most two attempts per task);
the fault hook makes every Python worker `os._exit(1)` when it starts answering a partition in a task's
first attempt. The retried attempts must write exactly the rows an undisturbed run writes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability.lake import run_driver, settled_duplicates, table_state, write_config


@pytest.mark.slow
def test_worker_death_is_retried_without_duplicates_or_gaps(
    lake: Path, tmp_path: Path, teacher_baseline: dict
) -> None:
    config = write_config(tmp_path, lake, spark={"master": "local[2,2]"})
    fault_log = tmp_path / "faults.log"
    env = {"GEM_FAULT": "llm.task:exit-first-attempt", "GEM_FAULT_LOG": str(fault_log)}

    done = run_driver(config, "run", "teacher", "--stages", "select", env=env)

    assert done.returncode == 0, done.stderr[-3000:]
    assert fault_log.read_text().count("llm.task") >= 1  # at least one worker really died
    assert table_state(lake, "select") == teacher_baseline["select"]
    assert settled_duplicates(lake) == {}
