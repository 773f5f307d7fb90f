"""A real standalone Spark cluster on 127.0.0.1 (master + two workers), jobs submitted with spark-submit.

1. The cluster machinery and GPU scheduling: workers discover their GPU with the project's discovery
   script (a fake `nvidia-smi` stands in for the driver, which this machine lacks), and a probe job
   submitted through submit.sh runs on both workers with a GPU address per task.
2. The pipeline: ingest + the production (synthesizer) path submitted through submit.sh to the cluster, and the same with
   `spark-submit --master local[2]`; the stage tables of both runs hold the same rows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deploy.standalone import SPARK_HOME, StandaloneCluster

REPO = Path(__file__).resolve().parents[2]
SUBMIT = REPO / "deploy" / "spark-submit" / "submit.sh"
DISCOVERY = REPO / "deploy" / "spark-submit" / "get_gpus_resources.sh"
CORPUS = REPO / "examples" / "corpus" / "docs.jsonl"

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

# Columns that differ between two runs of the same work by design.
VOLATILE_COLUMNS = {"run_id", "created_at", "llm"}


def _fake_nvidia_smi(folder: Path) -> Path:
    """A FAKE nvidia-smi answering only the query the discovery script makes: one GPU, index 0."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "nvidia-smi"
    script.write_text('#!/bin/sh\n[ "$1" = "--query-gpu=index" ] && echo 0\n')
    script.chmod(0o755)
    return folder


def _submit_env(extra_path: Path | None = None) -> dict[str, str]:
    env = {**os.environ, "SPARK_HOME": str(SPARK_HOME), "PYSPARK_PYTHON": sys.executable}
    env["PYSPARK_DRIVER_PYTHON"] = sys.executable
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    if extra_path:
        env["PATH"] = f"{extra_path}{os.pathsep}{env['PATH']}"
    return env


def _run(command: list[str], env: dict[str, str], timeout: float = 900) -> subprocess.CompletedProcess:
    result = subprocess.run(
        command, env=env, cwd=REPO, check=False, capture_output=True, text=True, timeout=timeout
    )
    # The job's own one-line reason first: Spark's INFO logs after it would push it out of a plain tail.
    reasons = [line for line in result.stderr.splitlines() if line.startswith("gem-spark ")]
    assert result.returncode == 0, (
        f"{command[:3]}... exited {result.returncode}: {reasons}\n{result.stderr[-3000:]}"
    )
    return result


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


def _submit_prefix(cluster: StandaloneCluster, config: Path) -> list[str]:
    """submit.sh for this machine (the local interpreter instead of a packed env, no Delta download), up to
    the job name."""
    return [
        "bash",
        str(SUBMIT),
        "--target",
        "standalone",
        "--master",
        cluster.master_url,
        "--python-env",
        "local",
        "--delta",
        "none",
        "--config",
        str(config),
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
        "--conf",
        "spark.ui.enabled=false",
        "--conf",
        "spark.sql.shuffle.partitions=4",
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
        str(REPO / "tests" / "deploy" / "cluster_probe.py"),
        str(out),
    ]
    _run(command, _submit_env(_fake_nvidia_smi(tmp_path / "fake-bin")))
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
        frame = DeltaTable(str(log.parent)).to_pyarrow_table().to_pylist()
        rows = [
            json.dumps(
                {k: v for k, v in row.items() if k not in VOLATILE_COLUMNS}, sort_keys=True, default=str
            )
            for row in frame
        ]
        tables[str(log.parent.relative_to(root))] = sorted(rows)
    return tables


def _pipeline_steps(tables_root: Path) -> list[tuple[str, list[str]]]:
    """(job, arguments after --config) of one pipeline run over the example corpus."""
    into = ["--set", f"tables.root={tables_root}"]
    return [
        ("ingest", ["--input", str(CORPUS), "--snapshot", "demo", *into]),
        ("run_pipeline", ["--mode", "synthesizer", *into]),
    ]


def test_pipeline_on_the_cluster_writes_the_same_tables_as_a_local_run(
    gpu_cluster: StandaloneCluster, tmp_path: Path
) -> None:
    config = REPO / "conf" / "local.yaml"
    env = _submit_env()
    cluster_root, local_root = tmp_path / "cluster-lake", tmp_path / "local-lake"
    for job, args in _pipeline_steps(cluster_root):
        _run([*_submit_prefix(gpu_cluster, config), job, *args], env)
    local_submit = [
        str(SPARK_HOME / "bin" / "spark-submit"),
        "--master",
        "local[2]",
        "--conf",
        "spark.ui.enabled=false",
        "--py-files",
        str(REPO / "jobs" / "_common.py"),
    ]
    for job, args in _pipeline_steps(local_root):
        _run([*local_submit, str(REPO / "jobs" / f"{job}.py"), "--config", str(config), *args], env)

    cluster_tables, local_tables = _table_rows(cluster_root), _table_rows(local_root)
    assert "segments" in cluster_tables
    assert cluster_tables.keys() == local_tables.keys()
    for name, rows in local_tables.items():
        assert cluster_tables[name] == rows, f"table {name} differs between the cluster and the local run"
