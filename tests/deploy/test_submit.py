"""deploy/spark-submit: submit.sh --dry-run for each cluster manager, and the GPU discovery script."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.pins import pins as constraint_pins

REPO = Path(__file__).resolve().parents[2]
SUBMIT = REPO / "deploy" / "spark-submit" / "submit.sh"
DISCOVERY = REPO / "deploy" / "spark-submit" / "get_gpus_resources.sh"

TARGETS = {
    "standalone": ["--target", "standalone", "--master", "spark://10.0.0.5:7077"],
    "yarn": ["--target", "yarn"],
    "k8s": [
        "--target",
        "k8s",
        "--master",
        "k8s://https://api.example:6443",
        "--image",
        "reg/gem-spark:0.1.0",
    ],
}


def _submit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(SUBMIT), *args], check=False, capture_output=True, text=True, cwd=REPO, timeout=60
    )


def _dry_run(target: str, *extra: str) -> list[str]:
    result = _submit(
        *TARGETS[target],
        "--config",
        "conf/cluster.yaml",
        *extra,
        "--dry-run",
        "--",
        "run_pipeline",
        "--mode",
        "synthesizer",
        "--limit",
        "100",
    )
    assert result.returncode == 0, result.stderr
    return shlex.split(result.stdout)


def _confs(argv: list[str]) -> dict[str, str]:
    return dict(argv[i + 1].split("=", 1) for i, arg in enumerate(argv) if arg == "--conf")


def _option(argv: list[str], name: str) -> str | None:
    return argv[argv.index(name) + 1] if name in argv else None


def test_the_delta_package_is_the_pinned_artifact_delta_itself_would_load() -> None:
    from delta import configure_spark_with_delta_pip
    from pyspark.sql import SparkSession

    # delta-spark's own helper names the artifact for the installed pyspark/delta versions (no session).
    expected = configure_spark_with_delta_pip(SparkSession.builder)._options["spark.jars.packages"]
    pins = constraint_pins()
    spark_minor = ".".join(pins["pyspark"].split(".")[:2])
    assert expected == f"io.delta:delta-spark_{spark_minor}_2.13:{pins['delta-spark']}"
    assert _submit("--print-delta-package").stdout.strip() == expected


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_dry_run_holds_the_gpu_settings(target: str) -> None:
    confs = _confs(_dry_run(target))
    assert confs["spark.executor.resource.gpu.amount"] == "1"
    assert confs["spark.task.resource.gpu.amount"] == "0.125"  # 1 GPU over 8 cores: CPU stages use all cores
    assert confs["spark.executor.resource.gpu.discoveryScript"].endswith("get_gpus_resources.sh")
    assert confs["spark.python.worker.reuse"] == "true"
    assert confs["spark.sql.execution.arrow.maxRecordsPerBatch"] == "256"
    assert confs["spark.sql.extensions"] == "io.delta.sql.DeltaSparkSessionExtension"


@pytest.mark.parametrize("target", ["standalone", "yarn"])
def test_dry_run_ships_the_packed_env_and_the_pinned_delta_package(target: str) -> None:
    argv = _dry_run(target)
    assert _option(argv, "--packages") == _submit("--print-delta-package").stdout.strip()
    assert _option(argv, "--archives") == f"{REPO}/dist/gem-spark-env.tar.gz#environment"
    assert _confs(argv)["spark.pyspark.python"] == "./environment/bin/python"
    assert argv[argv.index(f"{REPO}/jobs/run_pipeline.py") + 1 :][-4:] == [
        "--mode",
        "synthesizer",
        "--limit",
        "100",
    ]


def test_yarn_cluster_mode_ships_config_and_discovery_script_with_the_job() -> None:
    argv = _dry_run("yarn")
    assert _option(argv, "--master") == "yarn" and _option(argv, "--deploy-mode") == "cluster"
    assert _option(argv, "--files").split(",") == [str(DISCOVERY), "conf/cluster.yaml"]
    assert _confs(argv)["spark.executor.resource.gpu.discoveryScript"] == "./get_gpus_resources.sh"
    assert _confs(argv)["spark.pyspark.driver.python"] == "./environment/bin/python"
    assert "--py-files" not in argv  # the packed env holds the package; the job file needs nothing else
    assert _option(argv, "--config") == "cluster.yaml"  # the shipped copy in the container's folder


def test_k8s_uses_the_image_for_python_delta_jobs_and_the_gpu_pod_template() -> None:
    argv = _dry_run("k8s")
    confs = _confs(argv)
    assert confs["spark.kubernetes.container.image"] == "reg/gem-spark:0.1.0"
    assert confs["spark.executor.resource.gpu.vendor"] == "nvidia.com"
    assert confs["spark.kubernetes.executor.podTemplateFile"] == f"{REPO}/deploy/docker/pod-template-gpu.yaml"
    assert "--packages" not in argv and "--archives" not in argv  # both are baked into the image
    assert "local:///opt/gem-spark/jobs/run_pipeline.py" in argv


def test_wheel_mode_ships_the_project_wheel() -> None:
    argv = _dry_run("yarn", "--python-env", "wheel")
    assert _option(argv, "--py-files") == f"{REPO}/dist/gem_spark-0.1.0-py3-none-any.whl"


def test_a_cpu_cluster_gets_no_gpu_settings() -> None:
    confs = _confs(_dry_run("standalone", "--executor-gpus", "0"))
    assert not [key for key in confs if "resource.gpu" in key]


def test_more_gpus_per_executor_keep_tasks_on_every_core() -> None:
    confs = _confs(_dry_run("yarn", "--executor-gpus", "4", "--executor-cores", "16"))
    assert confs["spark.executor.resource.gpu.amount"] == "4"
    assert confs["spark.task.resource.gpu.amount"] == "0.25"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target", "mesos", "--config", "c", "--", "run_pipeline"], "--target must be"),
        (["--target", "yarn", "--config", "c", "--", "no_such_job"], "no job 'no_such_job'"),
        (["--target", "yarn", "--", "run_pipeline"], "--config is required"),
        (["--target", "k8s", "--master", "k8s://https://a:6443", "--config", "c", "--", "report"], "--image"),
        (["--target", "yarn", "--config", "c", "--bogus", "--", "report"], "unknown option '--bogus'"),
    ],
)
def test_bad_arguments_exit_2_with_the_reason(args: list[str], message: str) -> None:
    result = _submit(*args, "--dry-run")
    assert result.returncode == 2
    assert message in result.stderr


def _fake_nvidia_smi(folder: Path, indices: str) -> dict[str, str]:
    """A FAKE nvidia-smi printing the given GPU indices; returns an environment that finds it first."""
    folder.mkdir()
    fake = folder / "nvidia-smi"
    fake.write_text(f"#!/bin/sh\nprintf '{indices}'\n")
    fake.chmod(0o755)
    return {**os.environ, "PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}


def test_discovery_script_prints_spark_resource_json(tmp_path: Path) -> None:
    env = _fake_nvidia_smi(tmp_path / "bin", "0\\n1\\n 2\\n")
    result = subprocess.run(
        ["bash", str(DISCOVERY)], check=False, capture_output=True, text=True, env=env, timeout=30
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"name": "gpu", "addresses": ["0", "1", "2"]}


def test_discovery_script_fails_without_gpus(tmp_path: Path) -> None:
    env = _fake_nvidia_smi(tmp_path / "bin", "")
    result = subprocess.run(
        ["bash", str(DISCOVERY)], check=False, capture_output=True, text=True, env=env, timeout=30
    )
    assert result.returncode == 1
    assert "lists no GPUs" in result.stderr


def test_discovery_script_fails_without_nvidia_smi() -> None:
    result = subprocess.run(
        [shutil.which("bash"), str(DISCOVERY)],
        check=False,
        capture_output=True,
        text=True,
        env={"PATH": "/nonexistent"},
        timeout=30,
    )
    assert result.returncode == 1
    assert "nvidia-smi not found" in result.stderr
