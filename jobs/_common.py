"""Shared plumbing of the spark-submit entry points: arguments, config, session, exit codes.

Every job is `<job>.py --config FILE [--set key=value ...] [its own arguments]`. The config is loaded and
validated before Spark starts; the job then runs on the active session (spark-submit's or Databricks').
A failure ends the process with a non-zero exit code and ONE line on stderr, so cluster schedulers
(YARN, Kubernetes, Databricks) show the reason in their run summary; `--traceback` prints the rest.

Exit codes: 0 done, 1 the job failed, 2 bad arguments or an invalid config.

The entry points import this module as a sibling (`from _common import ...`) after putting their own
folder on sys.path: spark-submit already does that for the primary script, but Databricks python-file
tasks may not (and may run without `__file__`, with the script's folder as working directory).
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from gem_spark.config import GemConfig

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONFIG = 2

Mode = Literal["teacher", "synthesizer"]
# The production path first: it is the default of every job that takes --mode.
MODES: tuple[Mode, ...] = ("synthesizer", "teacher")
# Which pipeline mode(s) each LLM stage belongs to; the first one is the default of its job.
STAGE_MODES: dict[str, tuple[Mode, ...]] = {
    "select": MODES,
    "extract": ("teacher",),
    "generate": ("teacher",),
    "refine": ("teacher",),
    "synthesize": ("synthesizer",),
    "judge": MODES,
}
EXPORT_FORMATS = ("openai", "sharegpt", "synthesizer", "parquet")
INGEST_FORMATS = ("auto", "parquet", "jsonl", "csv", "text")

JobBody = Callable[[argparse.Namespace, "GemConfig", "SparkSession"], Any]


def job_parser(description: str) -> argparse.ArgumentParser:
    """The arguments every job shares; a job adds its own to the returned parser."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--config", required=True, help="YAML config file (conf/cluster.yaml, ...)")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one config key, e.g. --set tables.root=/data/lake (repeatable)",
    )
    parser.add_argument("--traceback", action="store_true", help="print the full traceback on failure")
    return parser


def flatten(text: str) -> str:
    """Join a multi-line message (config errors, JVM errors) into one line."""
    flat = ""
    for line in (line.strip() for line in text.splitlines()):
        if line:
            flat = f"{flat}{' ' if not flat or flat.endswith(':') else '; '}{line}"
    return flat.strip()


def one_line(error: BaseException) -> str:
    """`Type: message` on a single line."""
    text = flatten(str(error))
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def describe(result: Any) -> str:
    """One JSON line for a job's summary (pydantic model, dataclass, path or anything printable)."""
    if hasattr(result, "model_dump"):
        payload = result.model_dump(mode="json")
    elif dataclasses.is_dataclass(result) and not isinstance(result, type):
        payload = dataclasses.asdict(result)
    else:
        payload = {"result": str(result)}
    return json.dumps(payload, default=str, sort_keys=True)


def run_job(
    job: str, parser: argparse.ArgumentParser, body: JobBody, argv: Sequence[str] | None = None
) -> int:
    """Parse, load the config, get the session, run `body`; map failures to an exit code and one line."""
    args = parser.parse_args(argv)
    from gem_spark.config import ConfigError, load_config

    try:
        config = load_config(args.config, args.overrides)
    except ConfigError as exc:
        print(f"gem-spark {job}: {flatten(str(exc))}", file=sys.stderr)
        return EXIT_CONFIG
    try:
        from gem_spark.session import get_spark

        result = body(args, config, get_spark(config.spark))
    except ConfigError as exc:  # raised late, e.g. a stage whose model role is not configured
        _print_failure(job, "invalid config", exc, args.traceback)
        return EXIT_CONFIG
    except Exception as exc:  # noqa: BLE001 -- any failure ends the job with its reason, never a silent exit 0
        _print_failure(job, "failed", exc, args.traceback)
        return EXIT_FAILED
    print(f"gem-spark {job}: {describe(result)}")
    return EXIT_OK


def _print_failure(job: str, what: str, exc: BaseException, full: bool) -> None:
    if full:
        traceback.print_exception(exc, file=sys.stderr)
    print(f"gem-spark {job}: {what}: {one_line(exc)}", file=sys.stderr)


@dataclasses.dataclass(frozen=True)
class Job:
    description: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    body: JobBody


def _pipeline_args(parser: argparse.ArgumentParser, modes: tuple[Mode, ...] = MODES) -> None:
    parser.add_argument(
        "--mode", choices=modes, default=modes[0], help="pipeline mode (default: %(default)s)"
    )
    parser.add_argument("--limit", type=int, default=None, help="process at most this many pending rows")
    parser.add_argument("--snapshot", default=None, help="only segments of this corpus snapshot")


def _run_pipeline(args: argparse.Namespace, config: GemConfig, spark: SparkSession) -> Any:
    from gem_spark.pipeline import run_pipeline

    return run_pipeline(config, args.mode, limit=args.limit, snapshot=args.snapshot, spark=spark)


def _run_stage(stage: str, args: argparse.Namespace, config: GemConfig, spark: SparkSession) -> Any:
    from gem_spark.pipeline import run_pipeline

    return run_pipeline(
        config, args.mode, stages=[stage], limit=args.limit, snapshot=args.snapshot, spark=spark
    )


def _ingest_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", dest="inputs", action="append", required=True, help="file, folder or glob")
    parser.add_argument("--snapshot", required=True, help="corpus snapshot name, e.g. CC-MAIN-2025-08")
    parser.add_argument("--format", choices=INGEST_FORMATS, default=None, help="default: ingest.format")


def _run_ingest(args: argparse.Namespace, config: GemConfig, spark: SparkSession) -> Any:
    from gem_spark.stages.ingest import run_ingest

    fmt = None if args.format in (None, "auto") else args.format
    return run_ingest(config, args.inputs, args.snapshot, fmt=fmt, spark=spark)


def _export_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=EXPORT_FORMATS, required=True)
    parser.add_argument("--out", required=True, help="output folder (local path, URI or UC volume)")


def _run_export(args: argparse.Namespace, config: GemConfig, spark: SparkSession) -> Any:
    from gem_spark.export import run_export

    return run_export(config, args.format, args.out, spark=spark)


def _report_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", default=None, help="output folder (default: report.out of the config)")


def _run_report(args: argparse.Namespace, config: GemConfig, spark: SparkSession) -> Any:
    from gem_spark.report import build_report

    return build_report(config, args.out or config.report.out, spark=spark)


JOBS: dict[str, Job] = {
    "run_pipeline": Job(
        "Run every stage of a GEM pipeline mode on pending work.", _pipeline_args, _run_pipeline
    ),
    "ingest": Job(
        "Read corpus files into the segments table (bad records to quarantine).", _ingest_args, _run_ingest
    ),
    **{
        stage: Job(
            f"Run the {stage} stage on its pending work.",
            functools.partial(_pipeline_args, modes=modes),
            functools.partial(_run_stage, stage),
        )
        for stage, modes in STAGE_MODES.items()
    },
    "export": Job("Write accepted trajectories as SFT data files.", _export_args, _run_export),
    "report": Job("Build the run report (counts, reasons, tokens, cost).", _report_args, _run_report),
}


def parser_for(name: str) -> argparse.ArgumentParser:
    job = JOBS[name]
    parser = job_parser(job.description)
    job.add_arguments(parser)
    return parser


def main(name: str, argv: Sequence[str] | None = None) -> int:
    """Entry point of every jobs/*.py file."""
    return run_job(name, parser_for(name), JOBS[name].body, argv)
