"""jobs/: every entry point parses its arguments, rejects a bad config with exit 2 and one line, and maps
failures of the job body to exit codes (run in-process on the shared local session)."""

from __future__ import annotations

import dataclasses
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import BaseModel

REPO = Path(__file__).resolve().parents[2]
JOBS_DIR = REPO / "jobs"
ENTRY_POINTS = sorted(path for path in JOBS_DIR.glob("*.py") if not path.name.startswith("_"))


def _load_common():
    """jobs/_common.py as the entry points see it (a top-level module next to them)."""
    spec = importlib.util.spec_from_file_location("_common", JOBS_DIR / "_common.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["_common"] = module
    spec.loader.exec_module(module)
    return module


_common = _load_common()


def _job_name(entry_point: Path) -> str:
    """The name an entry point passes to _common.main (its last line)."""
    call = entry_point.read_text(encoding="utf-8").strip().splitlines()[-1]
    return call.split('main("', 1)[1].split('"', 1)[0]


def _run(entry_point: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(entry_point), *args],
        check=False,
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )


def test_there_is_an_entry_point_per_job_and_every_one_calls_a_known_job() -> None:
    names = sorted(_job_name(path) for path in ENTRY_POINTS)
    assert names == sorted(_common.JOBS)
    assert set(_common.STAGE_MODES) == {"select", "extract", "generate", "refine", "synthesize", "judge"}


def test_no_entry_point_shadows_a_standard_module() -> None:
    # spark-submit puts jobs/ first on sys.path: a jobs/select.py would replace the stdlib `select`.
    assert not {path.stem for path in JOBS_DIR.glob("*.py")} & set(sys.stdlib_module_names)


@pytest.mark.parametrize("entry_point", ENTRY_POINTS, ids=lambda path: path.stem)
def test_help_works(entry_point: Path) -> None:
    result = _run(entry_point, "--help")
    assert result.returncode == 0, result.stderr
    assert "--config" in result.stdout and "--set" in result.stdout


@pytest.mark.parametrize("entry_point", ENTRY_POINTS, ids=lambda path: path.stem)
def test_a_bad_config_exits_2_with_one_line(entry_point: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("runner:\n  batch_size: 0\nspark:\n  nonsense: 1\n")
    required = {
        "ingest": ["--input", "x.jsonl", "--snapshot", "s1"],
        "export": ["--format", "sharegpt", "--out", str(tmp_path)],
    }.get(_job_name(entry_point), [])
    result = _run(entry_point, "--config", str(bad), *required)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"gem-spark {_job_name(entry_point)}: invalid config ")
    assert "runner.batch_size" in lines[0] and "spark.nonsense" in lines[0]


def test_a_missing_config_file_exits_2() -> None:
    result = _run(JOBS_DIR / "run_pipeline.py", "--config", "no/such/file.yaml")
    assert result.returncode == 2
    assert result.stderr.strip() == "gem-spark run_pipeline: config file not found: no/such/file.yaml"


def test_the_overrides_reach_the_config(spark, tmp_path: Path) -> None:
    seen = {}

    def body(args, config, session):
        seen.update(root=config.tables.root, batch=config.runner.batch_size, session=session)
        return {"ok": True}

    argv = [
        "--config",
        str(REPO / "conf" / "local.yaml"),
        "--set",
        f"tables.root={tmp_path}",
        "--set",
        "runner.batch_size=7",
    ]
    assert _common.run_job("probe", _common.job_parser("probe"), body, argv) == 0
    assert seen == {"root": str(tmp_path), "batch": 7, "session": spark}


@pytest.mark.parametrize(
    ("error", "code", "line"),
    [
        (RuntimeError("executor lost\n  at stage 2"), 1, "failed: RuntimeError: executor lost; at stage 2"),
        (
            ModuleNotFoundError("No module named 'vllm'"),
            1,
            "failed: ModuleNotFoundError: No module named 'vllm'",
        ),
    ],
)
def test_a_failing_job_exits_non_zero_with_one_line(spark, capsys, error, code, line) -> None:
    def body(args, config, session):
        raise error

    argv = ["--config", str(REPO / "conf" / "local.yaml")]
    assert _common.run_job("probe", _common.job_parser("probe"), body, argv) == code
    assert capsys.readouterr().err.strip() == f"gem-spark probe: {line}"


def test_a_late_config_error_exits_2(spark, capsys) -> None:
    from gem_spark.config import load_config

    def body(args, config, session):
        return config.model_for("judge")  # local.yaml without a judge model below

    argv = ["--config", str(REPO / "conf" / "local.yaml"), "--set", "models={}"]
    assert _common.run_job("probe", _common.job_parser("probe"), body, argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(
        "gem-spark probe: invalid config: ConfigError: stage 'judge' uses model role 'judge'"
    )
    assert load_config(REPO / "conf" / "local.yaml").models  # the file itself is untouched


def test_traceback_flag_prints_the_whole_traceback(spark, capsys) -> None:
    def body(args, config, session):
        raise ValueError("boom")

    argv = ["--config", str(REPO / "conf" / "local.yaml"), "--traceback"]
    assert _common.run_job("probe", _common.job_parser("probe"), body, argv) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert err.strip().splitlines()[-1] == "gem-spark probe: failed: ValueError: boom"


class _Summary(BaseModel):
    rows: int


@dataclasses.dataclass
class _Manifest:
    files: list[str]


@pytest.mark.parametrize(
    ("result", "line"),
    [
        (_Summary(rows=3), '{"rows": 3}'),
        (_Manifest(files=["a.jsonl"]), '{"files": ["a.jsonl"]}'),
        (Path("/tmp/report"), '{"result": "/tmp/report"}'),
    ],
)
def test_describe_prints_a_summary_as_one_json_line(result, line) -> None:
    assert _common.describe(result) == line


def test_stage_jobs_offer_only_the_modes_their_stage_belongs_to() -> None:
    assert _common.parser_for("extract").parse_args(["--config", "c"]).mode == "teacher"
    assert _common.parser_for("judge").parse_args(["--config", "c"]).mode == "synthesizer"
    with pytest.raises(SystemExit):
        _common.parser_for("synthesize").parse_args(["--config", "c", "--mode", "teacher"])
