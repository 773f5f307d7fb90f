"""Secrets: a planted API key never reaches a table, a log, a run record, an export or a report.

The filter role uses the openai backend against a fake endpoint with `api_key_env` naming a variable
that holds the planted key; the endpoint proves the key was sent, and echoes it back in the error body
of two prompts (as some servers do). The run goes through a subprocess at DEBUG logging so every log
line is captured, then every export format and the report are written; every file under the
lakehouse and the outputs, every decoded table row, and the captured stdout/stderr are searched.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from gem_spark.config import load_config
from gem_spark.export.run import FORMATS, run_export
from gem_spark.report import build_report
from tests.support.fake_endpoint import FakeEndpoint, recorded_prompts
from tests.support.reliability_lake import RESPONSES, read_table, run_driver, write_config

KEY_ENV = "GEM_RELIABILITY_PLANTED_KEY"


def files_holding(folder: Path, secret: bytes) -> list[str]:
    return [str(path) for path in folder.rglob("*") if path.is_file() and secret in path.read_bytes()]


def tables_holding(root: Path, secret: str) -> list[str]:
    tables = [path.name for path in root.iterdir() if (path / "_delta_log").is_dir()]
    return [name for name in tables if secret in json.dumps(read_table(root, name), default=str)]


@pytest.mark.slow
def test_planted_key_appears_nowhere(
    lake: Path, tmp_path: Path, spark, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = f"sk-planted-{uuid.uuid4().hex}"
    monkeypatch.setenv(KEY_ENV, secret)
    answers = recorded_prompts(
        load_config(write_config(tmp_path, lake)), spark, "synthesizer", RESPONSES, ["select"]
    )
    echoed = set(sorted(answers)[:2])
    endpoint = FakeEndpoint(
        answers, plan=lambda digest, attempt: "echo-auth" if digest in echoed else None
    ).start()
    role = {
        "backend": "openai",
        "model": "fake/filter",
        "base_url": endpoint.base_url,
        "api_key_env": KEY_ENV,
    }
    config_path = write_config(tmp_path, lake, models={"filter": role}, logging={"level": "DEBUG"})
    try:
        run = run_driver(config_path, "run", "synthesizer", env={KEY_ENV: secret})
    finally:
        endpoint.stop()
    assert run.returncode == 0, run.stderr[-3000:]
    assert set(endpoint.authorizations) == {f"Bearer {secret}"}  # the key was really in use
    assert {row["reason"] for row in read_table(lake, "select") if row["status"] == "error"} == {"http_4xx"}

    config = load_config(config_path)
    outputs = tmp_path / "outputs"
    for fmt in FORMATS:
        run_export(config, fmt, str(outputs / fmt), spark=spark)
    build_report(config, outputs / "report", spark=spark)
    assert any(outputs.rglob("*.jsonl")) or any(outputs.rglob("*.parquet"))

    assert secret not in run.stdout and secret not in run.stderr
    assert files_holding(lake, secret.encode()) == []
    assert tables_holding(lake, secret) == []
    assert files_holding(outputs, secret.encode()) == []
    assert files_holding(tmp_path, secret.encode()) == []  # configs, logs, anything else written here
