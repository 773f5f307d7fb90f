"""The gem-spark command line: exit codes, config errors before Spark, tables, demo."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from deltalake import DeltaTable

from gem_spark.cli import COMMANDS, EXIT_CONFIG, EXIT_FAILED, EXIT_OK, build_parser, main

REPO = Path(__file__).resolve().parent.parent
CONFIG_FILE = str(REPO / "conf" / "local.yaml")


def test_every_command_has_config_and_set() -> None:
    parser = build_parser()
    required = {"ingest": ["--input", "x", "--snapshot", "s"], "export": ["--format", "openai", "--out", "o"],
                "validate": ["--input", "x"]}
    for command in COMMANDS:
        args = parser.parse_args(
            [command.name, "--config", "c.yaml", "--set", "a=1", "--set", "b=2", *required.get(command.name, [])]
        )
        assert (args.command, args.config, args.overrides) == (command.name, "c.yaml", ["a=1", "b=2"])


def test_ingest_takes_comma_separated_and_repeated_inputs() -> None:
    args = build_parser().parse_args(
        ["ingest", "--config", "c", "--input", "a,b", "--input", "c", "--format", "jsonl", "--snapshot", "s1"]
    )
    assert (args.inputs, args.format, args.snapshot) == (["a,b", "c"], "jsonl", "s1")


def test_an_unknown_config_key_exits_2_naming_key_and_file_without_starting_spark() -> None:
    # A fresh interpreter: no Spark session may exist afterwards, and nothing may be imported from pyspark.
    code = (
        "import sys; from gem_spark.cli import main; "
        "rc = main(['ingest', '--config', sys.argv[1], '--set', 'ingest.min_segment_charz=5', "
        "'--input', 'x', '--snapshot', 's']); "
        "assert 'pyspark' not in sys.modules, 'pyspark was imported'; sys.exit(rc)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, CONFIG_FILE], capture_output=True, text=True, check=False
    )
    assert result.returncode == EXIT_CONFIG, result.stderr
    assert "ingest.min_segment_charz" in result.stderr
    assert CONFIG_FILE in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 3


def test_a_bad_value_and_a_missing_file_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tables", "--config", CONFIG_FILE, "--set", "prefilter.threshold=7"]) == EXIT_CONFIG
    assert "prefilter.threshold" in capsys.readouterr().err
    assert main(["tables", "--config", "/nonexistent/gem.yaml"]) == EXIT_CONFIG
    assert "config file not found: /nonexistent/gem.yaml" in capsys.readouterr().err


@pytest.mark.spark
def test_an_input_that_names_nothing_fails_with_one_line(
    spark, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        "ingest",
        "--config",
        CONFIG_FILE,
        "--set",
        f"tables.root={tmp_path}",
        "--input",
        str(tmp_path / "*.jsonl"),
    ]
    assert main([*args, "--snapshot", "s1"]) == EXIT_FAILED
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == f"gem-spark ingest failed: IngestInputError: input '{tmp_path}/*.jsonl' matches no file"


@pytest.mark.spark
def test_demo_ingests_the_example_corpus_and_tables_lists_it(
    spark, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "lake"
    outputs = ["--set", f"export.out={tmp_path / 'exports'}", "--set", f"report.out={tmp_path / 'report'}"]
    assert main(["demo", "--config", CONFIG_FILE, "--set", f"tables.root={root}", *outputs]) == EXIT_OK
    out = capsys.readouterr().out
    assert "ingest: 30 documents in: 30 segmented, 0 quarantined" in out
    label, viewer = out.strip().splitlines()[-1].split(": ", 1)
    assert label == "trajectory viewer" and Path(viewer).name == "viewer.html" and Path(viewer).is_file()
    for name in ("segments", "prefilter", "runs"):
        assert DeltaTable(str(root / name)).version() >= 1
    assert main(["tables", "--config", CONFIG_FILE, "--set", f"tables.root={root}"]) == EXIT_OK
    lines = capsys.readouterr().out.strip().splitlines()
    rows = {line.split()[0]: line.split(maxsplit=3)[1:] for line in lines[1:]}
    assert rows["segments"][1:] == ["30", "ok 30"]
    assert rows["quarantine"] == ["0", "0", "empty"]
    _, count, statuses = rows["prefilter"]
    assert count == "30"
    assert statuses.startswith("ok ") and "rejected" in statuses and "(prefilter_low_score " in statuses
    assert rows["runs"][2].startswith("finished ") and "failed" not in rows["runs"][2]


@pytest.mark.spark
def test_a_run_before_any_ingest_says_what_to_run_first_and_exits_2(
    spark, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lake = tmp_path / "lake"
    args = ["--config", CONFIG_FILE, "--set", f"tables.root={lake}", "--set", f"report.out={tmp_path / 'report'}"]
    for command in (["run"], ["run", "--stages", "extract"]):
        assert main([*command, *args]) == EXIT_CONFIG
        err = capsys.readouterr().err.strip().splitlines()
        assert err == [
            f"gem-spark run failed: NothingIngestedError: nothing ingested yet (no segments or prefilter table at "
            f"{lake}/segments): run `gem-spark ingest --config CONFIG --input FILES --snapshot NAME` first, or "
            f"point tables.root (now '{lake}') at the lake that ingest wrote"
        ]
    assert not lake.exists()  # refused before the run was recorded
