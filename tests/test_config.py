from __future__ import annotations

import re
from pathlib import Path

import pytest

from gem_spark.config import (
    ConfigError,
    GemConfig,
    OpenAIModelConfig,
    ReplayModelConfig,
    VllmModelConfig,
    load_config,
)

CONF = Path(__file__).resolve().parent.parent / "conf"


@pytest.mark.parametrize("path", sorted(CONF.glob("*.yaml")), ids=lambda path: path.name)
def test_every_shipped_config_loads(path: Path) -> None:
    config = load_config(path)
    for stage in config.stages:
        config.model_for(stage)  # every stage's model role is configured


def test_local_config_is_the_offline_embedded_default() -> None:
    config = load_config(CONF / "local.yaml")
    assert config.spark.master == "local[*]"
    assert config.tables.engine == "auto"
    assert all(isinstance(model, ReplayModelConfig) for model in config.models.values())
    # The replay file is resolved against the config's folder, so the config works from any cwd.
    responses = Path(config.models["filter"].responses)
    assert responses.is_absolute()
    assert responses == (CONF.parent / "examples" / "responses.jsonl").resolve()


def test_cluster_config_runs_vllm_on_executors_and_a_remote_judge() -> None:
    config = load_config(CONF / "cluster.yaml")
    assert config.tables.engine == "spark-delta"
    assert isinstance(config.models["filter"], VllmModelConfig)
    judge = config.models["judge"]
    assert isinstance(judge, OpenAIModelConfig)
    assert judge.api_key_env == "GEM_JUDGE_API_KEY"
    assert config.runner.gpus_per_task == 1


def test_overrides_parse_paths_numbers_and_bools() -> None:
    config = load_config(
        CONF / "local.yaml",
        [
            "tables.root=/x",
            "runner.batch_size=128",
            "prefilter.threshold=0.75",
            "dedup.enabled=false",
            "models.filter.sampling.seed=7",
        ],
    )
    assert config.tables.root == "/x"
    assert config.runner.batch_size == 128
    assert config.prefilter.threshold == 0.75
    assert config.dedup.enabled is False
    assert config.models["filter"].sampling.seed == 7


def test_overrides_create_missing_sections_and_apply_to_defaults() -> None:
    config = load_config(None, ["tables.catalog=main", "tables.schema=gem", "runner.partitions=16"])
    assert (config.tables.catalog, config.tables.database, config.runner.partitions) == ("main", "gem", 16)


def test_an_unknown_key_names_the_key_and_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"(?s)local\.yaml.*tables\.rooot"):
        load_config(CONF / "local.yaml", ["tables.rooot=/x"])
    config_file = tmp_path / "typo.yaml"
    config_file.write_text("runner:\n  batchsize: 4\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"(?s)typo\.yaml.*runner\.batchsize"):
        load_config(config_file)


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("runner.batch_size=0", "runner.batch_size"),
        ("runner.batch_size=many", "runner.batch_size"),
        ("tables.engine=spark", "tables.engine"),
        ("prefilter.threshold=1.5", "prefilter.threshold"),
        ("stages.rewrite.model=teacher", "stages"),
    ],
)
def test_a_bad_value_names_the_key_and_the_file(override: str, key: str) -> None:
    with pytest.raises(ConfigError, match=r"(?s)cluster\.yaml.*" + re.escape(key)):
        load_config(CONF / "cluster.yaml", [override])


def test_a_model_with_an_unknown_backend_is_refused() -> None:
    with pytest.raises(ConfigError, match="models.filter"):
        load_config(None, ["models.filter.backend=magic", "models.filter.model=m"])


def test_a_stage_without_its_model_role_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="'select' uses model role 'filter'"):
        load_config(None).model_for("select")


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found.*absent.yaml"):
        load_config(tmp_path / "absent.yaml")


def test_invalid_yaml_is_named(tmp_path: Path) -> None:
    config_file = tmp_path / "broken.yaml"
    config_file.write_text("tables:\n  root: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="broken.yaml is not valid YAML"):
        load_config(config_file)


def test_a_file_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    config_file = tmp_path / "list.yaml"
    config_file.write_text("- tables\n- runner\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="mapping"):
        load_config(config_file)


@pytest.mark.parametrize("override", ["tables.root", "=value", " . =value"])
def test_malformed_overrides_are_refused(override: str) -> None:
    with pytest.raises(ConfigError, match="--set"):
        load_config(None, [override])


def test_the_fingerprint_follows_content_not_the_file() -> None:
    base = load_config(CONF / "local.yaml")
    assert base.fingerprint() == load_config(CONF / "local.yaml").fingerprint()
    assert base.fingerprint() != load_config(CONF / "local.yaml", ["runner.batch_size=1"]).fingerprint()
    assert GemConfig().fingerprint() == load_config(None).fingerprint()
