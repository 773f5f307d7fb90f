"""The `gem-spark` command line (also `python -m gem_spark`).

Subcommands are rows of `COMMANDS`: a name, a help line, a function adding its arguments and a
function running it; adding one is a one-line edit there. Every subcommand takes `--config` and
`--set key=value`; the config is validated before Spark starts.

Exit codes: 0 done, 1 the command failed (one line on stderr; `--traceback` for the rest),
2 bad arguments or an invalid config. Cluster schedulers (YARN, Kubernetes, Databricks) show that line in
their run summary: the spark-submit entry points in jobs/ are thin calls of `main` with a subcommand.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from gem_spark.config import ConfigError, GemConfig, load_config

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2
INGEST_FORMATS = ("parquet", "jsonl", "csv", "text")
EXPORT_FORMATS = ("openai", "sharegpt", "synthesizer", "parquet")
VALIDATE_FORMATS = ("auto", "openai", "sharegpt", "toolace", "apigen-mt", "tau-bench")
# Pipeline modes, the production path first (the default of `run`).
MODES = ("synthesizer", "teacher")


def _ingest_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--input",
        dest="inputs",
        action="append",
        required=True,
        metavar="PATH[,PATH...]",
        help="files, folders or globs (repeatable; each may be a comma-separated list)",
    )
    parser.add_argument("--format", choices=INGEST_FORMATS, help="input format (default: by file extension)")
    parser.add_argument("--snapshot", required=True, help="name of this corpus snapshot, e.g. 2026-11")


def _no_arguments(parser: argparse.ArgumentParser) -> None:
    del parser


def _ingest(args: argparse.Namespace, config: GemConfig) -> object:
    from gem_spark.stages.ingest import run_ingest

    summary = run_ingest(config, args.inputs, args.snapshot, args.format)
    print(f"run {summary.run_id}: {summary.describe()}")
    for hint in summary.hints:
        print(f"check {hint}")
    return summary


def _tables(args: argparse.Namespace, config: GemConfig) -> None:
    from gem_spark.pipeline import TABLES
    from gem_spark.session import get_spark
    from gem_spark.stages.current import table_summaries
    from gem_spark.tables import open_store
    from gem_spark.tables.summary import format_summaries

    store = open_store(config.tables, get_spark(config.spark))
    print(format_summaries(table_summaries(config, store, list(TABLES))))


def _run_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--mode",
        choices=MODES,
        help="teacher: the teacher path (workflow extraction, generation, refinement, judge); synthesizer: "
        "the distilled Trajectory Synthesizer, then the judge (default: synthesizer, or teacher when --stages "
        "are teacher-only); gem_spark/stages/modes.py lists each mode's stages",
    )
    parser.add_argument("--stages", help="comma-separated subset of the mode's stages (default: all)")
    parser.add_argument("--limit", type=int, help="at most this many rows enter the first stage")
    parser.add_argument("--snapshot", help="only segments of this corpus snapshot")  # fmt: skip


def _run(args: argparse.Namespace, config: GemConfig) -> object:
    from gem_spark.pipeline import STAGES, run_pipeline

    stages = [name.strip() for name in args.stages.split(",")] if args.stages else None
    # The production path first; `--stages extract` (jobs/extract.py) alone means the teacher path.
    mode = args.mode or next((mode for mode in MODES if set(stages or ()) <= set(STAGES[mode])), MODES[0])
    summary = run_pipeline(config, mode, stages=stages, limit=args.limit, snapshot=args.snapshot)
    for counts in summary.stages:
        print(f"{counts.stage:<11} in {counts.n_in:>6}  ok {counts.n_ok:>6}  rejected {counts.n_rejected:>6}  "
              f"error {counts.n_error:>6}  {counts.duration_s:>7.1f}s")  # fmt: skip
    print(f"run {summary.run_id}: {summary.n_requests} model requests")
    from gem_spark.report import build_report

    print(f"report: {build_report(config, config.report.out)}")
    return summary


def _export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=EXPORT_FORMATS, required=True, help="SFT data format")
    parser.add_argument("--out", required=True, help="output folder (local path or URI)")
    parser.add_argument("--card", action=argparse.BooleanOptionalAction, default=True,
                        help="write README.md, the Hugging Face dataset card (default: on)")  # fmt: skip


def _export(args: argparse.Namespace, config: GemConfig) -> object:
    from gem_spark.export import run_export

    manifest = run_export(config, args.format, args.out, card=args.card)
    print(f"export {manifest.format}: {manifest.n_exported} rows in {len(manifest.files)} files, "
          f"{manifest.n_skipped} skipped -> {args.out}")  # fmt: skip
    return manifest


def _report_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", default=None, help="output folder (default: report.out of the config)")


def _report(args: argparse.Namespace, config: GemConfig) -> object:
    from gem_spark.report import build_report

    index = build_report(config, args.out or config.report.out)
    print(f"report: {index}")
    return index


def _validate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", dest="inputs", action="append", required=True, metavar="PATH[,PATH...]",
                        help="dataset files, folders or globs (.json, .jsonl, compressed too; repeatable)")
    parser.add_argument("--format", default="auto", choices=VALIDATE_FORMATS, help="record format (default: auto)")
    parser.add_argument("--profile", default="import", help="rule profile, validate.profiles.<name> (default: import)")
    parser.add_argument("--tools", help="JSON list of tool definitions for records that ship none (tau-bench logs)")
    parser.add_argument("--out", help="write rejected, unreadable and warned records with their detail here")
    parser.add_argument("--out-format", default="jsonl", choices=("jsonl", "delta"), help="default: jsonl")  # fmt: skip


def _validate(args: argparse.Namespace, config: GemConfig) -> object:
    from gem_spark.validate.run import run_validate

    config.validate_.profile(args.profile)  # an unknown profile is a config error before Spark starts
    summary = run_validate(config, args.inputs, args.format, args.profile, args.out, args.out_format, args.tools)
    print("\n".join(summary.lines()))
    return summary


def _config_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--explain", action="store_true", help="add each setting's description")


def _config(args: argparse.Namespace, config: GemConfig) -> object:
    del config  # loaded (and so validated) by main; printed here with each value's source
    from gem_spark.config_explain import effective_settings, format_settings

    settings = effective_settings(args.config, args.overrides)
    print(format_settings(settings, explain=args.explain))
    return {setting.key: setting.source for setting in settings if setting.source != "default"}


class _Sides(argparse.Action):
    """`--config`, `--set` and `--prompts` as usual, also recorded in order as `sides`: each `--config`
    starts a side and the options after it belong to it (what `compare` reads)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:  # fmt: skip
        sides = [*(getattr(namespace, "sides", None) or [])]
        if self.dest == "config":
            sides.append({"config": values, "overrides": [], "prompts": None})
            namespace.config = values
        elif self.dest == "overrides":
            namespace.overrides = [*(namespace.overrides or []), values]
            if sides:
                sides[-1] = {**sides[-1], "overrides": [*sides[-1]["overrides"], values]}
        elif sides:
            sides[-1] = {**sides[-1], "prompts": values}
        namespace.sides = sides


def _compare_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--prompts", action=_Sides, metavar="DIR",
                        help="prompts folder of the config given just before (default: GEM_PROMPTS_DIR or the packaged one)")  # fmt: skip
    parser.add_argument("--out", default="compare", help="output folder (default: ./compare)")


def _compare(args: argparse.Namespace, config: GemConfig) -> object:
    import os

    from gem_spark.prompts import PROMPTS_DIR_ENV
    from gem_spark.report.compare import Side, build_comparison
    from gem_spark.session import get_spark

    if len(args.sides) != 2:
        msg = f"compare needs exactly two --config options (each followed by its --set/--prompts), got {len(args.sides)}"
        raise ConfigError(msg)
    default_prompts = os.environ.get(PROMPTS_DIR_ENV)
    sides = [
        Side(label, load_config(side["config"], side["overrides"]), side["prompts"] or default_prompts)
        for label, side in zip(("A", "B"), args.sides)
    ]
    index = build_comparison(sides[0], sides[1], args.out, get_spark(config.spark))
    print(f"comparison: {index}")
    return index


def _demo(args: argparse.Namespace, config: GemConfig) -> None:
    from gem_spark.demo import run_demo

    run_demo(config)


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    # Prints its human summary and returns the result (what --json-summary prints as one JSON line).
    run: Callable[[argparse.Namespace, GemConfig], object]


COMMANDS: tuple[Command, ...] = (
    Command("ingest", "read corpus files into the segments table (bad records to quarantine)", _ingest_arguments, _ingest),
    Command("tables", "list every table with its version and row counts by status", _no_arguments, _tables),
    Command("run", "run the GEM stages of a mode over pending work", _run_arguments, _run),
    Command("export", "write the accepted trajectories as SFT data files", _export_arguments, _export),
    Command("report", "write the run report (index.html, report.md, charts)", _report_arguments, _report),
    Command("compare", "compare two configs' current results side by side (no model calls)", _compare_arguments, _compare),
    Command("demo", "run the job on the bundled example corpus", _no_arguments, _demo),
    Command("validate", "check a tool-use dataset (yours or GEM's) with a rule profile", _validate_arguments, _validate),
    Command("config", "print the effective config: every setting, its value and its source", _config_arguments, _config),
)  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gem-spark", description="Mine web text for tool-use training data."
    )
    subcommands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        sub = subcommands.add_parser(command.name, help=command.help, description=command.help)
        sub.add_argument("--config", required=True, action=_Sides, help="YAML config file (conf/local.yaml, ...)")
        sub.add_argument(
            "--set",
            dest="overrides",
            action=_Sides,
            default=[],
            metavar="KEY=VALUE",
            help="override one config key, e.g. --set tables.root=/tmp/lake (repeatable)",
        )
        sub.add_argument("--traceback", action="store_true", help="print the full traceback on failure")
        sub.add_argument("--json-summary", action="store_true",
                         help="end with the result as one JSON line (what the jobs/ entry points print)")  # fmt: skip
        command.add_arguments(sub)
        sub.set_defaults(run=command.run)
    return parser


def _setup_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
    # py4j logs every gateway connection at INFO.
    logging.getLogger("py4j").setLevel(logging.WARNING)


def flatten(text: str) -> str:
    """Join a multi-line message (pydantic errors, JVM stack summaries) into one line."""
    flat = ""
    for line in (line.strip() for line in text.splitlines()):
        if line:
            flat = f"{flat}{' ' if not flat or flat.endswith(':') else '; '}{line}"
    return flat.strip()


def one_line(error: BaseException) -> str:
    """`Type: message` on a single line, whatever the message spans."""
    text = flatten(str(error))
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _jsonable(value: object) -> object:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return str(value)  # paths, timestamps


def as_json_line(result: object) -> str:
    """A command's result (dataclass, pydantic model, path, ...) as one JSON line."""
    return json.dumps(result, default=_jsonable, sort_keys=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = load_config(args.config, args.overrides)
    except ConfigError as error:
        print(f"gem-spark {args.command}: {flatten(str(error))}", file=sys.stderr)
        return EXIT_CONFIG
    _setup_logging(config.logging.level)
    try:
        result = args.run(args, config)
    except Exception as error:  # noqa: BLE001 - the CLI's job is to turn any failure into one line
        if args.traceback:
            traceback.print_exc()
        print(f"gem-spark {args.command} failed: {one_line(error)}", file=sys.stderr)
        # A config error found late (a stage's model role is missing) is still the config's fault.
        return EXIT_CONFIG if isinstance(error, ConfigError) else EXIT_FAILED
    if args.json_summary:
        print(f"gem-spark {args.command}: {as_json_line(result)}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
