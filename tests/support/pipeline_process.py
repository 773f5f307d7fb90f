"""A pipeline process for the reliability tests: `ingest` or `run` one mode, printing one summary line.

    python -m tests.support.pipeline_process --config C [--set k=v ...] run teacher [--stages a,b] [--snapshot S]
    python -m tests.support.pipeline_process --config C ingest SNAPSHOT PATH [PATH ...]

The fault hook (gem_spark.faults, armed by GEM_FAULT) decides where a run dies.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from gem_spark.config import load_config
from gem_spark.faults import FAULT_RUN_PID_ENV
from gem_spark.pipeline import run_pipeline
from gem_spark.stages.ingest import run_ingest


def main() -> None:
    # Executors inherit it (Spark starts after this line): the fault action `kill-run` kills this process.
    os.environ[FAULT_RUN_PID_ENV] = str(os.getpid())
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run")
    run.add_argument("mode")
    run.add_argument("--stages")
    run.add_argument("--snapshot")
    ingest = commands.add_parser("ingest")
    ingest.add_argument("snapshot")
    ingest.add_argument("inputs", nargs="+")
    args = parser.parse_args()
    config = load_config(args.config, args.overrides)
    logging.basicConfig(level=config.logging.level, format="%(levelname)s %(name)s: %(message)s")
    if args.command == "ingest":
        print(f"ingest {run_ingest(config, args.inputs, args.snapshot).describe()}", flush=True)
        return
    stages = args.stages.split(",") if args.stages else None
    summary = run_pipeline(config, args.mode, stages=stages, snapshot=args.snapshot)
    print(f"run {summary.run_id} requests={summary.n_requests}", flush=True)


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # noqa: BLE001 - like the CLI: one line naming the failure, exit 1
        print(
            f"driver failed: {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}",
            file=sys.stderr,
        )
        sys.exit(1)
