"""A real standalone Spark cluster on 127.0.0.1 (master + two workers), jobs submitted with spark-submit.

1. The cluster machinery and GPU scheduling: workers discover their GPU with the project's discovery
   script (a fake `nvidia-smi` stands in for the driver, which this machine lacks), and a probe job
   submitted through submit.sh runs on both workers with a GPU address per task.
2. The pipeline: ingest + the production (synthesizer) path submitted through submit.sh to the cluster, and the same with
   `spark-submit --master local[2]`; the stage tables of both runs hold the same rows. Both runs use one
   copy of the checkout taken at the start (see `release`), as a cluster runs one fixed build.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.standalone_cluster import SPARK_HOME, StandaloneCluster

REPO = Path(__file__).resolve().parents[2]
SUBMIT = REPO / "deploy" / "spark-submit" / "submit.sh"
DISCOVERY = REPO / "deploy" / "spark-submit" / "get_gpus_resources.sh"
# What a pipeline run reads: the package (prompts included, through its prompt_templates link), the job
# scripts and submit.sh, the config, the example corpus and the recorded responses.
RELEASE = ("gem_spark", "jobs", "deploy/spark-submit", "conf", "examples", "pyproject.toml", "constraints.txt")

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

# Columns that differ between two runs of the same work by design.
VOLATILE_COLUMNS = {"run_id", "created_at", "llm"}
# The runs table also records when each run ran and the fingerprint of its config, which holds its own
# tables.root; its commands, inputs, statuses and stage counts must still match.
VOLATILE_RUN_FIELDS = {"started_at", "ended_at", "fingerprint", "duration_s", "feed"}


def _fake_nvidia_smi(folder: Path) -> Path:
    """A FAKE nvidia-smi answering only the query the discovery script makes: one GPU, index 0."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "nvidia-smi"
    script.write_text('#!/bin/sh\n[ "$1" = "--query-gpu=index" ] && echo 0\n')
    script.chmod(0o755)
    return folder


def _submit_env(extra_path: Path | None = None, code: Path = REPO) -> dict[str, str]:
    """The environment of spark-submit; the driver imports gem_spark from `code`."""
    env = {**os.environ, "SPARK_HOME": str(SPARK_HOME), "PYSPARK_PYTHON": sys.executable}
    env["PYSPARK_DRIVER_PYTHON"] = sys.executable
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(code), env.get("PYTHONPATH")]))
    if extra_path:
        env["PATH"] = f"{extra_path}{os.pathsep}{env['PATH']}"
    return env


def _run(
    command: list[str], env: dict[str, str], logs: Path, cwd: Path = REPO, timeout: float = 1800
) -> subprocess.CompletedProcess:
    """Run a spark-submit to the end; its output is kept in `logs`.stdout/.stderr."""
    try:
        result = subprocess.run(
            command, env=env, cwd=cwd, check=False, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired as expired:
        _keep(logs, expired.stdout, expired.stderr)
        pytest.fail(
            f"{_name(command)} ran past {timeout:.0f}s (load {os.getloadavg()}); output in {logs}.*",
            pytrace=False,
        )
    _keep(logs, result.stdout, result.stderr)
    if result.returncode != 0:
        pytest.fail(_failure(command, result, logs), pytrace=False)
    return result


def _name(command: list[str]) -> str:
    """The submission in a failure message: `submit.sh ingest` or `run_pipeline.py`."""
    if "--" in command:
        return f"{Path(command[1]).name} {command[command.index('--') + 1]}"
    return next(Path(arg).name for arg in command if arg.endswith(".py"))


def _keep(logs: Path, stdout: str | bytes | None, stderr: str | bytes | None) -> None:
    for suffix, text in ((".stdout", stdout), (".stderr", stderr)):
        data = text.decode(errors="replace") if isinstance(text, bytes) else text or ""
        logs.with_suffix(suffix).write_text(data, encoding="utf-8")


def _failure(command: list[str], result: subprocess.CompletedProcess, logs: Path) -> str:
    """The job's one-line reason first, then the ends of both streams.

    spark-submit merges the Python driver's stderr into its own stdout (Spark's PythonRunner), so the job's
    reason is on stdout, and the JVM's log lines, Spark's shutdown logs last, are on stderr.
    """
    python, jvm = result.stdout.splitlines(), result.stderr.splitlines()
    reasons = [line for line in python + jvm if line.startswith("gem-spark ")]
    return "\n".join(
        [
            f"{_name(command)} exited {result.returncode}; output in {logs}.stdout and .stderr",
            *reasons,
            "--- last lines of the Python driver (stdout):",
            *python[-20:],
            "--- last lines of Spark's log (stderr, INFO left out):",
            *[line for line in jvm if " INFO " not in line][-20:],
        ]
    )


@pytest.fixture(scope="module")
def gpu_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StandaloneCluster]:
    workdir = tmp_path_factory.mktemp("standalone")
    fake_bin = _fake_nvidia_smi(workdir / "fake-bin")
    cluster = StandaloneCluster(
        workdir,
        workers=2,
        worker_properties={
            "spark.worker.resource.gpu.amount": "1",
            "spark.worker.resource.gpu.discoveryScript": str(DISCOVERY),
        },
        env={"PATH": f"{fake_bin}{os.pathsep}{os.environ['PATH']}"},
    )
    try:
        yield cluster.start()
    finally:
        cluster.stop()


# Both runs: quiet driver logs (the failure message shows what is left), two shuffle partitions for a
# 30-document corpus instead of 200 (a spark-submit session gets no local defaults from get_spark), and
# no waiting for a data-local executor (one machine: every executor is as close as another).
COMMON_CONF = {
    "spark.ui.enabled": "false",
    "spark.log.level": "WARN",
    "spark.sql.shuffle.partitions": "2",
    "spark.locality.wait": "0s",
}


def _conf(code: Path) -> list[str]:
    """--conf arguments of both runs; executors import gem_spark from `code`, like the driver."""
    settings = {**COMMON_CONF, "spark.executorEnv.PYTHONPATH": str(code)}
    return [arg for key, value in settings.items() for arg in ("--conf", f"{key}={value}")]


def _submit_prefix(cluster: StandaloneCluster, release: Path) -> list[str]:
    """submit.sh of `release` for this machine (the local interpreter instead of a packed env, no Delta
    download, the smallest executors that run the pipeline), up to the job name."""
    return [
        "bash",
        str(release / SUBMIT.relative_to(REPO)),
        "--target",
        "standalone",
        "--master",
        cluster.master_url,
        "--python-env",
        "local",
        "--delta",
        "none",
        "--config",
        str(release / "conf" / "local.yaml"),
        "--num-executors",
        "2",
        "--executor-cores",
        "1",
        "--executor-memory",
        "512m",
        "--executor-overhead",
        "384m",
        "--driver-memory",
        "1g",
        "--executor-gpus",
        "1",
        *_conf(release),
        "--",
    ]


def test_workers_register_with_their_discovered_gpu(gpu_cluster: StandaloneCluster) -> None:
    workers = gpu_cluster.alive_workers()
    assert len(workers) == 2
    assert all(worker["resources"]["gpu"]["addresses"] == ["0"] for worker in workers)


def test_spark_submit_runs_tasks_on_both_workers_with_a_gpu_each(
    gpu_cluster: StandaloneCluster, tmp_path: Path
) -> None:
    out = tmp_path / "probe.json"
    command = [
        str(SPARK_HOME / "bin" / "spark-submit"),
        "--master",
        gpu_cluster.master_url,
        "--conf",
        "spark.executor.cores=1",
        "--conf",
        "spark.executor.memory=512m",
        "--conf",
        "spark.executor.resource.gpu.amount=1",
        "--conf",
        "spark.task.resource.gpu.amount=1",
        "--conf",
        f"spark.executor.resource.gpu.discoveryScript={DISCOVERY}",
        "--conf",
        "spark.ui.enabled=false",
        str(REPO / "tests" / "support" / "cluster_probe.py"),
        str(out),
    ]
    _run(command, _submit_env(_fake_nvidia_smi(tmp_path / "fake-bin")), tmp_path / "probe")
    probe = json.loads(out.read_text())
    # get_spark() under spark-submit attaches to the submitted master instead of building local[*].
    assert probe["master"] == gpu_cluster.master_url
    assert len(probe["tasks"]) == 4
    workers_used = {Path(task["executor_dir"]).parents[1].name for task in probe["tasks"]}
    assert workers_used == {"worker-0", "worker-1"}
    assert all(task["gpus"] == ["0"] for task in probe["tasks"])


def _table_rows(root: Path) -> dict[str, list[str]]:
    """Every Delta table under root → its rows without volatile columns, as sorted JSON lines."""
    from deltalake import DeltaTable

    tables = {}
    for log in sorted(root.rglob("_delta_log")):
        name = str(log.parent.relative_to(root))
        volatile = VOLATILE_COLUMNS | (VOLATILE_RUN_FIELDS if name == "runs" else set())
        rows = DeltaTable(str(log.parent)).to_pyarrow_table().to_pylist()
        tables[name] = sorted(
            json.dumps(_without(row, volatile), sort_keys=True, default=str) for row in rows
        )
    return tables


def _without(value: object, keys: set[str]) -> object:
    """`value` with the fields named `keys` left out at every depth (runs.stages[].duration_s)."""
    if isinstance(value, dict):
        return {key: _without(item, keys) for key, item in value.items() if key not in keys}
    if isinstance(value, list):
        return [_without(item, keys) for item in value]
    return value


def _pipeline_steps(release: Path, tables_root: Path) -> list[tuple[str, list[str]]]:
    """(job, arguments after --config) of one pipeline run over the example corpus."""
    into = ["--set", f"tables.root={tables_root}"]
    corpus = release / "examples" / "corpus" / "docs.jsonl"
    return [
        ("ingest", ["--input", str(corpus), "--snapshot", "demo", *into]),
        ("run_pipeline", ["--mode", "synthesizer", *into]),
    ]


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of what a pipeline run reads, taken once: both runs, their drivers and every executor use it.

    The working tree can change while this test runs (several people share it). Running from it, a driver
    and a long-lived Python worker imported different versions of a module: the worker could not unpickle
    the driver's function (`AttributeError: Can't get attribute 'score_arrow_batches' on <module
    'gem_spark.stages.prefilter'>`) and the job exited 1. A cluster runs one fixed build; so does this test.
    """
    root = tmp_path_factory.mktemp("release")
    for name in RELEASE:
        source, target = REPO / name, root / name
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, target)
    return root


def test_pipeline_on_the_cluster_writes_the_same_tables_as_a_local_run(
    gpu_cluster: StandaloneCluster, release: Path, tmp_path: Path
) -> None:
    env = _submit_env(code=release)
    cluster_root, local_root = tmp_path / "cluster-lake", tmp_path / "local-lake"
    for job, args in _pipeline_steps(release, cluster_root):
        _run([*_submit_prefix(gpu_cluster, release), job, *args], env, tmp_path / f"cluster-{job}", release)
    local_submit = [str(SPARK_HOME / "bin" / "spark-submit"), "--master", "local[2]", *_conf(release)]
    config = ["--config", str(release / "conf" / "local.yaml")]
    for job, args in _pipeline_steps(release, local_root):
        command = [*local_submit, str(release / "jobs" / f"{job}.py"), *config, *args]
        _run(command, env, tmp_path / f"local-{job}", release)

    cluster_tables, local_tables = _table_rows(cluster_root), _table_rows(local_root)
    assert {"segments", "prefilter", "select", "synthesize", "judge", "accepted"} <= cluster_tables.keys()
    assert cluster_tables["accepted"], "no trajectory was accepted: the comparison would prove little"
    assert cluster_tables.keys() == local_tables.keys()
    for name, rows in local_tables.items():
        assert cluster_tables[name] == rows, f"table {name} differs between the cluster and the local run"


def test_a_failed_submission_shows_the_jobs_reason_first(release: Path, tmp_path: Path) -> None:
    command = [
        str(SPARK_HOME / "bin" / "spark-submit"),
        "--master",
        "local[1]",
        *_conf(release),
        str(release / "jobs" / "run_pipeline.py"),
        "--config",
        str(release / "conf" / "local.yaml"),
        "--set",
        "runner.batch_size=0",
    ]
    with pytest.raises(pytest.fail.Exception) as failed:
        _run(command, _submit_env(code=release), tmp_path / "bad-config", release)
    lines = str(failed.value).splitlines()
    assert lines[0] == f"run_pipeline.py exited 2; output in {tmp_path / 'bad-config'}.stdout and .stderr"
    assert lines[1].startswith("gem-spark run: invalid config ") and "runner.batch_size" in lines[1]
