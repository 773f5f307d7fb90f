"""`make bench`: run every bench/*.py script, collect each one's final `BENCH {json}` line, print one table.

Columns: figure, baseline, ratio, target, met. A script that fails or prints no BENCH line gets a row
saying so (and `make bench` exits 1), so a broken benchmark never disappears from the table.

    .venv/bin/python -m bench.run_all [--only NAME ...]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
PREFIX = "BENCH "
COLUMNS = ("bench", "figure", "baseline", "ratio", "target", "met", "unit", "wall s")


@dataclass(frozen=True)
class Outcome:
    name: str
    report: dict[str, Any] | None
    wall_s: float
    problem: str | None = None


def scripts(only: list[str] | None) -> list[Path]:
    found = sorted(path for path in BENCH_DIR.glob("*.py") if path.stem not in ("__init__", "run_all"))
    return [path for path in found if not only or path.stem in only]


def last_bench_line(output: str) -> dict[str, Any] | None:
    lines = [line for line in output.splitlines() if line.startswith(PREFIX)]
    return json.loads(lines[-1][len(PREFIX) :]) if lines else None


def run_script(path: Path) -> Outcome:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", f"bench.{path.stem}"], cwd=REPO, capture_output=True, text=True, check=False
    )
    wall_s = time.perf_counter() - started
    sys.stdout.write(done.stdout)
    try:
        report = last_bench_line(done.stdout)
    except json.JSONDecodeError as exc:
        return Outcome(path.stem, None, wall_s, f"unreadable BENCH line: {exc}")
    if done.returncode != 0 or report is None:
        tail = done.stderr.strip().splitlines()[-1:] or ["no output"]
        return Outcome(path.stem, report, wall_s, f"exit {done.returncode}, no BENCH line: {tail[0][:120]}")
    return Outcome(path.stem, report, wall_s)


def _target(target: Any) -> str:
    if isinstance(target, dict):
        return ", ".join(f"{name} {value}" for name, value in target.items())
    if isinstance(target, str):  # already a condition, e.g. "stage >= 0.9 x fastest variant"
        return target
    return "" if target is None else f">= {target}"


def row(outcome: Outcome) -> list[str]:
    report = outcome.report or {}
    met = report.get("met", report.get("ok"))
    cells = [outcome.name]
    cells += [str(report.get(name, "")) for name in ("figure", "baseline", "ratio")]
    cells += [
        _target(report.get("target")),
        "FAILED" if outcome.problem else {True: "yes", False: "no"}.get(met, "?"),
    ]
    cells += [str(report.get("unit", outcome.problem or "")), f"{outcome.wall_s:.0f}"]
    return cells


def table(outcomes: list[Outcome]) -> str:
    rows = [list(COLUMNS), *(row(outcome) for outcome in outcomes)]
    widths = [max(len(cells[i]) for cells in rows) for i in range(len(COLUMNS))]
    lines = [" | ".join(cell.ljust(width) for cell, width in zip(cells, widths)) for cells in rows]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description="run every benchmark in bench/ and tabulate them")
    parser.add_argument("--only", nargs="*", help="bench script names (stems) to run")
    args = parser.parse_args()
    outcomes = []
    for path in scripts(args.only):
        print(f"== bench/{path.name}", flush=True)
        outcomes.append(run_script(path))
    print()
    print(table(outcomes))
    return 1 if any(outcome.problem for outcome in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
