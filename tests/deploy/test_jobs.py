"""jobs/: every entry point is a thin call of `gem_spark.cli.main` with its subcommand, and behaves as a job:
it uses the active session, ends with one JSON line on success, and fails with one line on stderr and
exit code 1 (the job failed) or 2 (bad arguments or config).

The scripts run in this process as spark-submit runs them (as `__main__`, with sys.argv), on the shared
local session; one runs as a real process to show the file works on its own."""

from __future__ import annotations

import ast
import dataclasses
import json
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import BaseModel

from gem_spark.cli import COMMANDS, as_json_line, build_parser, one_line
from tests.support.entry_points import ENTRY_POINTS, JOBS_DIR, REPO, cli_prefix, passes_its_arguments_last

CONFIG = str(REPO / "conf" / "local.yaml")
CORPUS = REPO / "examples" / "corpus" / "docs.jsonl"
# What each entry point runs; a per-stage job is `run --stages <stage>` (its mode follows from the stage).
EXPECTED_PREFIXES = {
    "run_pipeline": ["run"],
    "ingest": ["ingest"],
    "select_stage": ["run", "--stages", "select"],
    "extract": ["run", "--stages", "extract"],
    "generate": ["run", "--stages", "generate"],
    "refine": ["run", "--stages", "refine"],
    "synthesize": ["run", "--stages", "synthesize"],
    "judge": ["run", "--stages", "judge"],
    "export": ["export"],
    "report": ["report"],
    "validate": ["validate"],
}
# Arguments a job cannot run without, besides --config.
REQUIRED = {
    "ingest": ["--input", "x.jsonl", "--snapshot", "s1"],
    "export": ["--format", "sharegpt", "--out", "out"],
    "validate": ["--input", "x.jsonl"],
}


def _job(name: str, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], list[str]]:
    """Run jobs/<name>.py as spark-submit does; (exit code, stdout lines, stderr lines)."""
    path = JOBS_DIR / f"{name}.py"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "argv", [str(path), *args])
        with pytest.raises(SystemExit) as exited:
            runpy.run_path(str(path), run_name="__main__")
    out, err = capsys.readouterr()
    return exited.value.code, out.splitlines(), err.strip().splitlines()


def _summary(command: str, out: list[str]) -> dict:
    prefix = f"gem-spark {command}: "
    assert out and out[-1].startswith(prefix), out[-3:]
    return json.loads(out[-1].removeprefix(prefix))


def test_there_is_an_entry_point_per_stage_and_per_job_command() -> None:
    from gem_spark.pipeline import STAGES

    assert {path.stem: cli_prefix(path) for path in ENTRY_POINTS} == {
        name: [*prefix, "--json-summary"] for name, prefix in EXPECTED_PREFIXES.items()
    }
    stage_jobs = {prefix[2] for prefix in EXPECTED_PREFIXES.values() if "--stages" in prefix}
    assert stage_jobs == {stage for stages in STAGES.values() for stage in stages}
    assert {prefix[0] for prefix in EXPECTED_PREFIXES.values()} <= {command.name for command in COMMANDS}


@pytest.mark.parametrize("entry_point", ENTRY_POINTS, ids=lambda path: path.stem)
def test_an_entry_point_is_only_a_call_of_the_cli(entry_point: Path) -> None:
    tree = ast.parse(entry_point.read_text(encoding="utf-8"))
    body = [ast.unparse(node) for node in tree.body[1:]]  # after the docstring
    assert body[:2] == ["import sys", "from gem_spark.cli import main"]
    assert len(body) == 3 and body[2].startswith("if __name__ == '__main__':\n    sys.exit(main([")
    assert passes_its_arguments_last(entry_point)
    args = build_parser().parse_args(
        [*cli_prefix(entry_point), "--config", "c.yaml", *REQUIRED.get(entry_point.stem, [])]
    )
    assert args.json_summary


def test_no_entry_point_shadows_a_standard_module() -> None:
    # spark-submit puts jobs/ first on sys.path: a jobs/select.py would replace the stdlib `select`.
    assert not {path.stem for path in JOBS_DIR.glob("*.py")} & set(sys.stdlib_module_names)


@pytest.mark.parametrize("name", sorted(EXPECTED_PREFIXES))
def test_help_lists_config_and_set(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _job(name, capsys, "--help")
    assert code == 0
    assert "--config" in "\n".join(out) and "--set" in "\n".join(out)


@pytest.mark.parametrize("name", sorted(EXPECTED_PREFIXES))
def test_a_bad_config_exits_2_with_one_line(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("runner:\n  batch_size: 0\nspark:\n  nonsense: 1\n")
    code, _, err = _job(name, capsys, "--config", str(bad), *REQUIRED.get(name, []))
    assert code == 2
    assert len(err) == 1, err
    assert err[0].startswith(f"gem-spark {EXPECTED_PREFIXES[name][0]}: invalid config {bad}: ")
    assert "runner.batch_size" in err[0] and "spark.nonsense" in err[0]


def test_the_script_runs_on_its_own_and_a_missing_config_exits_2() -> None:
    result = subprocess.run(
        [sys.executable, str(JOBS_DIR / "run_pipeline.py"), "--config", "no/such/file.yaml"],
        check=False,
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "gem-spark run: config file not found: no/such/file.yaml"


def test_jobs_run_on_the_active_session_and_end_with_a_json_summary(
    spark, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # No MinHash dedup: it has its own tests, and this one is about the jobs.
    # `run` ends by writing the report: into the temp dir, never the checkout's report/.
    into = ["--config", CONFIG, "--set", f"tables.root={tmp_path}", "--set", "dedup.enabled=false",
            "--set", f"report.out={tmp_path / 'report'}"]  # fmt: skip
    code, out, err = _job("ingest", capsys, *into, "--input", str(CORPUS), "--snapshot", "demo")
    assert code == 0, err
    ingest = _summary("ingest", out)
    assert (ingest["snapshot"], ingest["documents_in"], ingest["documents_quarantined"]) == ("demo", 30, 0)

    code, out, err = _job("select_stage", capsys, *into)
    assert code == 0, err
    selected = _summary("run", out)
    assert selected["mode"] == "synthesizer"  # the production path is the default
    assert [counts["stage"] for counts in selected["stages"]] == ["select"]
    assert selected["stages"][0]["n_in"] == ingest["prefilter_ok"]

    # A teacher-only stage runs in teacher mode without --mode (nothing extracted yet: the select rows
    # are pending for it).
    code, out, err = _job("extract", capsys, *into, "--limit", "1")
    assert code == 0, err
    extracted = _summary("run", out)
    assert extracted["mode"] == "teacher"
    assert [(c["stage"], c["n_in"]) for c in extracted["stages"]] == [("extract", 1)]


def test_a_stage_outside_the_chosen_mode_fails_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _job("synthesize", capsys, "--config", CONFIG, "--mode", "teacher")
    assert code == 1
    assert err == [
        (
            "gem-spark run failed: PipelineError: stage(s) ['synthesize'] are not part of mode 'teacher' "
            "(its stages: ['select', 'extract', 'generate', 'refine', 'judge'])"
        )
    ]


def test_a_config_error_found_late_exits_2_and_traceback_adds_the_rest(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["--config", CONFIG, "--set", "models={}"]  # valid on its own; the judge stage lacks its model
    code, _, err = _job("judge", capsys, *args)
    assert code == 2
    assert len(err) == 1 and err[0].startswith(
        "gem-spark run failed: ConfigError: stage 'judge' uses model role 'judge'"
    )
    code, _, with_traceback = _job("judge", capsys, *args, "--traceback")
    assert code == 2
    assert with_traceback[0] == "Traceback (most recent call last):"
    assert with_traceback[-1] == err[0]


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (RuntimeError("executor lost\n  at stage 2\n"), "RuntimeError: executor lost; at stage 2"),
        (
            RuntimeError("An error occurred while calling o42.save.:\norg.apache.spark.SparkException: boom"),
            "RuntimeError: An error occurred while calling o42.save.: org.apache.spark.SparkException: boom",
        ),
        (ModuleNotFoundError("No module named 'vllm'"), "ModuleNotFoundError: No module named 'vllm'"),
        (KeyError(), "KeyError"),
    ],
)
def test_a_failure_is_one_line_whatever_its_message_spans(error: BaseException, line: str) -> None:
    assert one_line(error) == line


class _Counts(BaseModel):
    rows: int


@dataclasses.dataclass
class _Manifest:
    files: list[Path]
    counts: _Counts


@pytest.mark.parametrize(
    ("result", "line"),
    [
        (_Counts(rows=3), '{"rows": 3}'),
        (
            _Manifest(files=[Path("a.jsonl")], counts=_Counts(rows=1)),
            '{"counts": {"rows": 1}, "files": ["a.jsonl"]}',
        ),
        (Path("/tmp/report/index.html"), '"/tmp/report/index.html"'),
        (None, "null"),
    ],
)
def test_as_json_line_writes_a_result_as_one_json_line(result: object, line: str) -> None:
    assert as_json_line(result) == line
