"""deploy/docker: the executor image has what Spark on Kubernetes with GPUs needs, at the paths submit.sh
uses. (Docker cannot build on the test machines; the Dockerfile is checked by reading it.)"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

from tests.support.pins import pins

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = (REPO / "deploy" / "docker" / "Dockerfile").read_text(encoding="utf-8")
POD_TEMPLATE = yaml.safe_load(
    (REPO / "deploy" / "docker" / "pod-template-gpu.yaml").read_text(encoding="utf-8")
)


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE)
    lines = [
        line.strip() for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def _args(instruction: str) -> list[str]:
    return [args for name, args in _instructions() if name == instruction]


def test_the_image_is_cuda_based_with_java_17_and_spark_from_the_pinned_release() -> None:
    arg_defaults = dict(arg.split("=", 1) for arg in _args("ARG") if "=" in arg)
    assert arg_defaults["CUDA_IMAGE"].startswith("nvidia/cuda:")
    pyspark = pins()["pyspark"]
    assert arg_defaults["SPARK_IMAGE"].startswith(f"apache/spark:{pyspark}-scala2.13-java17")
    assert _args("FROM")[-1] == "${CUDA_IMAGE}"
    assert any("openjdk-17-jre-headless" in run for run in _args("RUN"))
    assert "/opt/entrypoint.sh" in _args("ENTRYPOINT")[0]


def test_the_package_is_installed_with_pinned_spark_and_its_vllm_extra_and_delta_jars_are_baked_in() -> None:
    runs = " ".join(_args("RUN"))
    # The wheel leaves PySpark to the runtime: the image adds it at the version of its /opt/spark.
    assert 'pip install --no-cache-dir -c constraints.txt ".[local,vllm]"' in runs
    assert "deploy/spark-submit/submit.sh --print-delta-package" in runs
    assert "cp /tmp/ivy/jars/io.delta_*.jar /opt/spark/jars/" in runs


def test_every_copied_path_exists_and_lands_where_submit_sh_looks() -> None:
    copies = [args.split() for args in _args("COPY") if not args.startswith("--from")]
    for *sources, _destination in copies:
        for source in sources:
            assert (REPO / source).exists(), source
    workdirs = _args("WORKDIR")
    assert workdirs[0] == "/opt/gem-spark"
    assert ["jobs", "./jobs"] in copies and ["deploy/spark-submit", "./deploy/spark-submit"] in copies
    dry_run = subprocess.run(
        [
            "bash",
            str(REPO / "deploy" / "spark-submit" / "submit.sh"),
            "--target",
            "k8s",
            "--master",
            "k8s://https://a:6443",
            "--image",
            "i",
            "--config",
            "/opt/gem-spark/conf/cluster.yaml",
            "--dry-run",
            "--",
            "run_pipeline",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "local:///opt/gem-spark/jobs/run_pipeline.py" in dry_run
    assert "/opt/gem-spark/deploy/spark-submit/get_gpus_resources.sh" in dry_run


def test_pod_template_requests_a_gpu_tolerates_gpu_nodes_and_mounts_shared_memory() -> None:
    spec = POD_TEMPLATE["spec"]
    container = spec["containers"][0]
    assert container["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in spec["tolerations"]
    mount = next(m for m in container["volumeMounts"] if m["mountPath"] == "/dev/shm")
    volume = next(v for v in spec["volumes"] if v["name"] == mount["name"])
    assert volume["emptyDir"]["medium"] == "Memory"
