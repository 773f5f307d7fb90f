"""A stage's fingerprint covers the whole model config except run-only settings, and the source of the
code that turns model output into rows (no manual parser versions)."""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

import pytest

from gem_spark.config import GemConfig, load_config
from gem_spark.pipeline import build_stage
from gem_spark.stages.common import StageContext

CLUSTER = Path(__file__).resolve().parents[2] / "conf" / "cluster.yaml"


def _fingerprint(config: GemConfig, stage: str = "select") -> str:
    # Fingerprints are computed on the driver from the config alone: no session or store is touched.
    ctx = StageContext(config=config, spark=None, store=None, run_id="r")  # type: ignore[arg-type]
    return build_stage(stage, ctx, "synthesizer").fingerprint()


@pytest.mark.parametrize(
    "override",
    [
        "models.filter.dtype=float16",
        "models.filter.engine_kwargs.quantization=fp8",
        "models.filter.max_model_len=8192",
        "models.filter.sampling.top_p=0.9",
        "models.filter.structured_outputs_backend=guidance",
        "models.filter.model=/models/other",
    ],
)
def test_a_model_setting_that_changes_outputs_changes_the_fingerprint(override: str) -> None:
    assert _fingerprint(load_config(CLUSTER, [override])) != _fingerprint(load_config(CLUSTER))


@pytest.mark.parametrize(
    ("stage", "override"),
    [
        ("select", "models.filter.gpu_memory_utilization=0.5"),
        ("select", "models.filter.tensor_parallel_size=2"),
        ("select", "models.filter.enforce_eager=true"),
        ("select", "models.filter.prices.prompt_per_m=3"),
        ("judge", "models.judge.concurrency=64"),
        ("judge", "models.judge.max_retries=1"),
        ("judge", "models.judge.timeout_s=5"),
        ("judge", "models.judge.api_key_env=OTHER_KEY"),
        ("select", "runner.batch_size=7"),
    ],
)
def test_a_run_only_setting_keeps_the_fingerprint(stage: str, override: str) -> None:
    assert _fingerprint(load_config(CLUSTER, [override]), stage) == _fingerprint(load_config(CLUSTER), stage)


def test_the_parser_version_is_the_source_of_the_stage_and_its_output_code(monkeypatch: pytest.MonkeyPatch) -> None:
    from gem_spark.code_version import package_modules
    from gem_spark.stages import llm_stage

    ctx = StageContext(config=load_config(CLUSTER), spark=None, store=None, run_id="r")  # type: ignore[arg-type]
    select, judge = build_stage("select", ctx, "synthesizer"), build_stage("judge", ctx, "synthesizer")
    assert select.parser_version() != judge.parser_version()  # each stage's own module is in its version
    hashed = {module.__name__ for module in package_modules("gem_spark.parse", "gem_spark.validate")}
    assert {"gem_spark.parse.selection", "gem_spark.validate.trajectory"} <= hashed
    # Editing a parser (here: its source as inspect reads it) gives a new version, hence a rerun.
    before = select.parser_version()
    parser = sys.modules["gem_spark.parse.selection"]
    real_getsource = inspect.getsource
    edited = lambda module: real_getsource(module) + ("\n# edited" if module is parser else "")  # noqa: E731
    monkeypatch.setattr(inspect, "getsource", edited)
    llm_stage._code_version_of.cache_clear()
    try:
        assert select.parser_version() != before
    finally:
        monkeypatch.undo()
        llm_stage._code_version_of.cache_clear()
    assert select.parser_version() == before
