"""Fault injection for the reliability tests: fail the process at a named point, deterministically.

`GEM_FAULT=<point>:<action>[:<hit>]` arms one point; `fault_point(name)` is a no-op unless `name`
equals the armed point (an unset variable costs one dict lookup). `hit` (default 1) picks which
passage through the point in this process fires. Actions:

- `kill`: SIGKILL this process (the driver dies as on preemption: no cleanup, no `finally`).
- `kill-run`: SIGKILL the pipeline's driver, the process named by `GEM_FAULT_RUN_PID` (the crash
  tests' driver sets it before Spark starts, so executors inherit it), then this process: the whole
  run dies from a point inside a task, as when a cluster is lost.
- `exit-first-attempt`: on a Spark executor, `os._exit(1)` the Python worker when the task runs its
  first attempt, so Spark's retry (attempt 1) succeeds; a no-op outside a task.
- `barrier`: wait until `GEM_FAULT_PARTIES` processes (default 2) reached the point (they meet in the
  `GEM_FAULT_LOG` file), to force two concurrent runs into the same window; gives up after 10 minutes.

Before firing, the point is appended to the file named by `GEM_FAULT_LOG` (when set), so a test can
prove the fault happened where it meant it to.

Points (where `fault_point` is called):
- `stage.before.<stage>` / `stage.after.<stage>`: pipeline.run_pipeline, between stages.
- `piece.rows.<stage>`: tables.pieces.PieceWriter, on the executor after rows went into the open
  piece (inside a piece); `piece.written.<stage>`: after a piece's manifest is written (between pieces).
- `pieces.committed.<stage>`: tables.pieces.PieceCommitter, on the driver's commit thread after each
  commit of pieces (mid-stage, the Spark job still running).
- `commit.staged.<table>` / `commit.done.<table>`: DeltaRsStore.append, after the data files are
  written but before the Delta log entry, and after the commit (inside a table commit).
- `llm.task`: llm.spark.answer_partition, on the executor before a partition's first request.
"""

from __future__ import annotations

import os
import signal
import time

FAULT_ENV = "GEM_FAULT"
FAULT_LOG_ENV = "GEM_FAULT_LOG"
FAULT_PARTIES_ENV = "GEM_FAULT_PARTIES"
FAULT_RUN_PID_ENV = "GEM_FAULT_RUN_PID"
BARRIER_TIMEOUT_S = 600.0
ACTIONS = ("kill", "kill-run", "exit-first-attempt", "barrier")

_hits: dict[str, int] = {}


def fault_point(name: str) -> None:
    """Fire the armed fault if `name` is the armed point and this is the armed passage."""
    spec = os.environ.get(FAULT_ENV)
    if not spec:
        return
    point, action, hit = _parse(spec)
    if point != name:
        return
    _hits[name] = _hits.get(name, 0) + 1
    if _hits[name] != hit:
        return
    if action == "kill":
        _record(name)
        os.kill(os.getpid(), signal.SIGKILL)
    elif action == "kill-run":
        _record(name)
        os.kill(int(os.environ.get(FAULT_RUN_PID_ENV, os.getpid())), signal.SIGKILL)
        os.kill(os.getpid(), signal.SIGKILL)
    elif action == "exit-first-attempt" and _first_task_attempt():
        _record(name)
        os._exit(1)
    elif action == "barrier":
        _record(name)
        _await_parties(name)


def _parse(spec: str) -> tuple[str, str, int]:
    parts = spec.split(":")
    if len(parts) not in (2, 3) or parts[1] not in ACTIONS:
        msg = f"{FAULT_ENV}={spec!r}: expected <point>:{'|'.join(ACTIONS)}[:<hit>]"
        raise ValueError(msg)
    return parts[0], parts[1], int(parts[2]) if len(parts) == 3 else 1


def _first_task_attempt() -> bool:
    from pyspark import TaskContext

    context = TaskContext.get()
    return context is not None and context.attemptNumber() == 0


def _record(name: str) -> None:
    log_path = os.environ.get(FAULT_LOG_ENV)
    if log_path:
        with open(log_path, "a", encoding="utf-8") as log:
            log.write(f"{name} pid={os.getpid()}\n")


def _await_parties(name: str) -> None:
    log_path = os.environ.get(FAULT_LOG_ENV)
    parties = int(os.environ.get(FAULT_PARTIES_ENV, "2"))
    deadline = time.monotonic() + BARRIER_TIMEOUT_S
    while log_path and time.monotonic() < deadline:
        with open(log_path, encoding="utf-8") as log:
            if sum(line.startswith(f"{name} ") for line in log) >= parties:
                return
        time.sleep(0.2)
