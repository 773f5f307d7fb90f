"""Config layers: --set merges field by field over file and defaults, cross-field checks name both keys,
every setting is described, `gem-spark config` shows each value's source, and relative paths in a file
are relative to that file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import BaseModel

from gem_spark.cli import EXIT_CONFIG, EXIT_OK, main
from gem_spark.config import MODEL_CLASSES, NOT_FINGERPRINTED, ConfigError, GemConfig, load_config
from gem_spark.config_explain import effective_settings
from gem_spark.stages.near_duplicates import band_layout

CONF = Path(__file__).resolve().parent.parent / "conf"
LOCAL = CONF / "local.yaml"


def test_a_stage_override_changes_one_field_and_keeps_the_stage_defaults() -> None:
    default = load_config(LOCAL).stages["select"]
    assert (default.model, default.max_input_chars) == ("filter", 8000)
    moved = load_config(LOCAL, ["stages.select.model=teacher"]).stages["select"]
    assert (moved.model, moved.max_input_chars, moved.structured_output) == ("teacher", 8000, False)
    structured = load_config(LOCAL, ["stages.select.structured_output=true"]).stages["select"]
    assert (structured.model, structured.max_input_chars, structured.structured_output) == ("filter", 8000, True)


def test_a_stage_section_in_a_file_keeps_the_fields_it_does_not_name(tmp_path: Path) -> None:
    config_file = tmp_path / "c.yaml"
    config_file.write_text("stages:\n  refine:\n    structured_output: true\n", encoding="utf-8")
    refine = load_config(config_file).stages["refine"]
    assert (refine.model, refine.max_input_chars, refine.structured_output) == ("teacher", 60_000, True)
    assert load_config(config_file).stages["judge"] == GemConfig().stages["judge"]


def test_a_model_override_changes_one_field_of_the_files_model() -> None:
    base = load_config(CONF / "cluster.yaml")
    changed = load_config(CONF / "cluster.yaml", ["models.filter.sampling.temperature=0.6", "models.filter.dtype=float16"])
    filter_model, before = changed.models["filter"], base.models["filter"]
    assert (filter_model.sampling.temperature, filter_model.dtype) == (0.6, "float16")
    assert filter_model.model_dump(exclude={"sampling", "dtype"}) == before.model_dump(exclude={"sampling", "dtype"})
    assert filter_model.sampling.max_tokens == before.sampling.max_tokens


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            ["ingest.min_segment_chars=9000"],
            "ingest.min_segment_chars (9000) must be below ingest.max_segment_chars (6000)",
        ),
        (["decontam.min_ngram=20"], "decontam.min_ngram (20) must not exceed decontam.ngram (13)"),
        (
            ["dedup.num_hashes=2", "dedup.threshold=0.5"],
            "dedup.num_hashes (2) cannot reach dedup.recall (0.95) at dedup.threshold (0.5)",
        ),
        (
            ["models.filter.max_prompt_tokens=16384"],
            "models.filter.max_prompt_tokens (16384) must be below models.filter.max_model_len (16384)",
        ),
        (
            ["models.filter.sampling.max_tokens=20000"],
            "models.filter.sampling.max_tokens (20000) must be below models.filter.max_model_len (16384)",
        ),
        (
            ["models.judge.backoff_max_s=900"],
            "models.judge.backoff_max_s (900.0) <= models.judge.max_total_wait_s (600.0) does not hold",
        ),
    ],
)
def test_contradicting_settings_are_refused_naming_both_keys(overrides: list[str], message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_config(CONF / "cluster.yaml", overrides)
    assert message in str(refused.value)
    assert str(refused.value).startswith(f"invalid config {CONF / 'cluster.yaml'}:")


def _sections(model: type[BaseModel]) -> list[type[BaseModel]]:
    found = [model]
    for info in model.model_fields.values():
        for candidate in (info.annotation, *getattr(info.annotation, "__args__", ())):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel) and candidate not in found:
                found += _sections(candidate)
    return found


def test_every_setting_has_a_description() -> None:
    sections = {*_sections(GemConfig), *(cls for model in MODEL_CLASSES for cls in _sections(model))}
    undescribed = [
        f"{section.__name__}.{name}"
        for section in sections
        for name, info in section.model_fields.items()
        if not (info.description or "").strip()
    ]
    assert len(sections) > 15 and undescribed == []


def test_the_fingerprint_exclusions_are_real_model_settings() -> None:
    # A misspelt exclusion would silently put a run-only setting into every fingerprint.
    known = {name for model in MODEL_CLASSES for name in model.model_fields}
    assert NOT_FINGERPRINTED <= known


def test_config_sources_are_default_file_and_set() -> None:
    settings = {s.key: s for s in effective_settings(LOCAL, ["tables.root=/tmp/lake", "models.judge.sampling.seed=3"])}
    assert (settings["tables.root"].value, settings["tables.root"].source) == ("/tmp/lake", "--set")
    assert (settings["models.judge.sampling.seed"].value, settings["models.judge.sampling.seed"].source) == (3, "--set")
    assert settings["models.judge.model"].source == "file"
    assert settings["models.judge.sampling.temperature"].source == "default"
    assert (settings["stages.select.max_input_chars"].value, settings["stages.select.max_input_chars"].source) == (8000, "default")
    assert settings["ingest.max_segment_chars"].source == "file"
    assert settings["tables.schema"].source == "default"  # the file key of tables.database
    assert settings["prefilter.threshold"].description.startswith("Heuristic procedural score")


def test_the_config_command_prints_values_sources_and_with_explain_descriptions(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["config", "--config", str(LOCAL), "--set", "stages.select.model=teacher", "--json-summary"]
    assert main(args) == EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    by_key = {line.split()[0]: line for line in lines[:-1]}
    assert by_key["stages.select.model"].endswith('= "teacher"  (--set)')
    assert by_key["stages.select.max_input_chars"].endswith("= 8000  (default)")
    assert by_key["ingest.min_segment_chars"].endswith("= 200  (file)")
    summary = json.loads(lines[-1].removeprefix("gem-spark config: "))
    assert summary["stages.select.model"] == "--set" and "stages.select.max_input_chars" not in summary

    assert main(["config", "--config", str(LOCAL), "--explain"]) == EXIT_OK
    out = capsys.readouterr().out.splitlines()
    position = next(i for i, line in enumerate(out) if line.startswith("prefilter.threshold "))
    assert out[position + 1].strip().startswith("# Heuristic procedural score")


def test_the_config_command_refuses_a_contradiction_with_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "--config", str(LOCAL), "--set", "ingest.min_segment_chars=9000"]) == EXIT_CONFIG
    assert "ingest.min_segment_chars (9000) must be below ingest.max_segment_chars" in capsys.readouterr().err


def test_relative_paths_in_a_file_are_relative_to_its_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "project" / "conf"
    folder.mkdir(parents=True)
    (folder / "c.yaml").write_text(
        "tables: {root: ../lake}\nexport: {out: out/x, chat_template: ../t.jinja}\nreport: {out: s3://bucket/report}\n"
        "decontam:\n  benchmarks: [{name: b, path: bench/b.jsonl}]\n"
        "models:\n  filter: {backend: replay, model: m, responses: r.jsonl}\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)  # anywhere else than the config's folder
    config = load_config("project/conf/c.yaml", ["export.chat_template=mine.jinja"])
    assert config.tables.root == str(tmp_path / "project" / "lake")
    assert config.export.out == str(folder / "out" / "x")
    assert config.decontam.benchmarks[0].path == str(folder / "bench" / "b.jsonl")
    assert config.models["filter"].responses == str(folder / "r.jsonl")
    assert config.report.out == "s3://bucket/report"  # a URI stays as written
    assert config.export.chat_template == "mine.jinja"  # a --set path is relative to the cwd, like any CLI path


def test_the_shipped_local_config_writes_into_the_checkout_wherever_it_runs_from(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config(LOCAL)
    checkout = CONF.parent
    assert (config.tables.root, config.report.out, config.export.out) == tuple(
        str(checkout / name) for name in ("lakehouse", "report", "exports")
    )


@pytest.mark.parametrize("threshold", [0.5, 0.8, 0.9])
@pytest.mark.parametrize("num_hashes", [1, 2, 3, 5, 8, 13])
def test_the_dedup_check_refuses_exactly_the_layouts_minhash_cannot_build(threshold: float, num_hashes: int) -> None:
    overrides = [f"dedup.threshold={threshold}", f"dedup.num_hashes={num_hashes}"]
    try:
        band_layout(num_hashes, threshold, 0.95)
    except ValueError:
        with pytest.raises(ConfigError, match="cannot reach dedup.recall"):
            load_config(LOCAL, overrides)
    else:
        load_config(LOCAL, overrides)
