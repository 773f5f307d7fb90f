"""A real Spark standalone cluster on 127.0.0.1 (one master, N workers) started from the pyspark install.

The pyspark wheel ships bin/spark-class but not sbin/start-master.sh, so the daemons are started with
spark-class directly (what start-master.sh / start-worker.sh run underneath). Each daemon is a child
process of the test; `stop()` ends exactly those processes.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from pyspark.find_spark_home import _find_spark_home

SPARK_HOME = Path(_find_spark_home())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class StandaloneCluster:
    workdir: Path
    workers: int = 2
    worker_cores: int = 1
    worker_memory: str = "1g"
    # Extra JVM properties of the workers, e.g. {"spark.worker.resource.gpu.amount": "1"}.
    worker_properties: dict[str, str] = field(default_factory=dict)
    # Extra environment of the daemons (and so of the executors they start), e.g. PATH.
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    webui_port: int = field(default_factory=free_port)
    _processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def master_url(self) -> str:
        return f"spark://127.0.0.1:{self.port}"

    def _daemon_env(self) -> dict[str, str]:
        env = {**os.environ, **self.env}
        env.update(
            SPARK_HOME=str(SPARK_HOME),
            SPARK_LOCAL_IP="127.0.0.1",
            SPARK_DAEMON_MEMORY="256m",
            SPARK_LOG_DIR=str(self.workdir / "logs"),
            SPARK_WORKER_OPTS=" ".join(f"-D{key}={value}" for key, value in self.worker_properties.items()),
        )
        return env

    def _spawn(self, name: str, args: list[str]) -> None:
        log = (self.workdir / "logs" / f"{name}.log").open("wb")
        process = subprocess.Popen(
            [str(SPARK_HOME / "bin" / "spark-class"), *args],
            env=self._daemon_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.workdir,
        )
        self._processes.append(process)

    def start(self, timeout_s: float = 300.0) -> StandaloneCluster:
        (self.workdir / "logs").mkdir(parents=True, exist_ok=True)
        master = ["org.apache.spark.deploy.master.Master", "--host", "127.0.0.1"]
        self._spawn("master", [*master, "--port", str(self.port), "--webui-port", str(self.webui_port)])
        for index in range(self.workers):
            work_dir = self.workdir / f"worker-{index}"
            work_dir.mkdir(exist_ok=True)
            self._spawn(
                f"worker-{index}",
                [
                    "org.apache.spark.deploy.worker.Worker",
                    "--host",
                    "127.0.0.1",
                    "--cores",
                    str(self.worker_cores),
                    "--memory",
                    self.worker_memory,
                    "--work-dir",
                    str(work_dir),
                    "--webui-port",
                    str(free_port()),
                    self.master_url,
                ],
            )
        self._wait_for_workers(timeout_s)
        return self

    def state(self) -> dict:
        """The master's JSON status page (workers, applications)."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.webui_port}/json/", timeout=5) as response:
            return json.load(response)

    def alive_workers(self) -> list[dict]:
        return [worker for worker in self.state()["workers"] if worker["state"] == "ALIVE"]

    def _wait_for_workers(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self._check_running()
            try:
                if len(self.alive_workers()) == self.workers:
                    return
            except OSError:
                pass  # the master's web UI is not up yet
            time.sleep(1)
        msg = f"{self.workers} workers did not register within {timeout_s}s; logs in {self.workdir / 'logs'}"
        raise TimeoutError(msg)

    def _check_running(self) -> None:
        for process in self._processes:
            if process.poll() is not None:
                msg = f"a Spark daemon exited with {process.returncode}; logs in {self.workdir / 'logs'}"
                raise RuntimeError(msg)

    def stop(self) -> None:
        for process in reversed(self._processes):
            if process.poll() is None:
                process.terminate()
        for process in self._processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._processes.clear()
