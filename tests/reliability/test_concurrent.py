"""Concurrent runs: two processes run the synthesizer path on the same tables at the same time.

Both are held at a barrier inside the `accepted` commit (files staged, Delta log not yet written), so
both have computed the same pending trajectories before either commits — the worst interleaving, every
time. Each must finish, or stop with a one-line message; `accepted` must never hold a trajectory twice.
"""

from __future__ import annotations

import subprocess
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support.reliability_lake import read_table, run_driver, write_config


@pytest.mark.slow
def test_two_concurrent_runs_never_duplicate_accepted_rows(lake: Path, tmp_path: Path) -> None:
    config = write_config(tmp_path, lake)
    env = {"GEM_FAULT": "commit.staged.accepted:barrier", "GEM_FAULT_LOG": str(tmp_path / "barrier.log")}

    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda _: run_driver(config, "run", "synthesizer", env=env), range(2)))

    assert (tmp_path / "barrier.log").read_text().count("commit.staged.accepted") == 2  # both met there
    for run in runs:
        assert run.returncode == 0 or _one_clear_line(run), run.stderr[-3000:]
    assert any(run.returncode == 0 for run in runs)
    accepted = Counter((row["trajectory_id"], row["fingerprint"]) for row in read_table(lake, "accepted"))
    assert accepted, "the runs accepted nothing"
    assert [pair for pair, count in accepted.items() if count > 1] == []


def _one_clear_line(run: subprocess.CompletedProcess[str]) -> bool:
    failure = [line for line in run.stderr.splitlines() if line.startswith("driver failed: ")]
    return run.returncode == 1 and len(failure) == 1
