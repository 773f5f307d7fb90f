"""The project wheel, as the Databricks bundle and pack_env.sh build it: a job library that leaves Spark to
the runtime (a second PySpark over Databricks Runtime's own breaks the cluster), with Spark and Delta in the
`local` extra over a range that holds the pinned versions of the embedded default."""

from __future__ import annotations

import email
import shutil
import subprocess
import sys
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.support.pins import pins

REPO = Path(__file__).resolve().parents[2]
SPARK_PACKAGES = {"pyspark", "delta-spark"}


@pytest.fixture(scope="module")
def metadata(tmp_path_factory: pytest.TempPathFactory) -> tuple[email.message.Message, list[str], str]:
    """(METADATA, file names, entry_points.txt) of a wheel built offline from a copy of the sources (setuptools writes
    build/ and *.egg-info beside the sources, which must not land in the checkout)."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    shutil.copytree(REPO / "gem_spark", source / "gem_spark", ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(root), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = root.glob("gem_spark-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (meta,) = [name for name in names if name.endswith(".dist-info/METADATA")]
        (entry_points,) = [name for name in names if name.endswith(".dist-info/entry_points.txt")]
        return email.message_from_bytes(archive.read(meta)), names, archive.read(entry_points).decode()


def _requirements(meta: email.message.Message) -> list[Requirement]:
    return [Requirement(line) for line in meta.get_all("Requires-Dist") or []]


def test_installing_the_wheel_brings_no_spark(metadata) -> None:
    meta, _, _ = metadata
    unconditional = {req.name for req in _requirements(meta) if req.marker is None}
    assert not unconditional & SPARK_PACKAGES
    assert {"deltalake", "pydantic", "pyarrow"} <= unconditional


def test_the_local_extra_holds_the_pinned_and_the_installed_spark(metadata) -> None:
    meta, _, _ = metadata
    assert "local" in meta.get_all("Provides-Extra")
    local = {
        req.name: req.specifier
        for req in _requirements(meta)
        if req.marker is not None and req.marker.evaluate({"extra": "local"})
    }
    assert set(local) == SPARK_PACKAGES
    for name, specifier in local.items():
        assert specifier.contains(pins()[name]), (name, specifier)
        assert specifier.contains(version(name)), (name, specifier)
        # A floor and a ceiling: a runtime outside them is not one the code was checked against.
        assert {spec.operator for spec in specifier} == {">=", "<"}, (name, specifier)


def test_the_wheel_carries_its_templates_and_the_cli(metadata) -> None:
    _, names, entry_points = metadata
    assert any(name.startswith("gem_spark/prompt_templates/") and name.endswith(".j2") for name in names)
    assert "gem_spark/py.typed" in names
    assert not any(name.startswith("tests/") for name in names)
    assert "gem-spark = gem_spark.cli:main" in entry_points.splitlines()
