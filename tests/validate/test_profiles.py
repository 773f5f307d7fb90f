"""Rule profiles in YAML (`validate.profiles.<name>`): one per validating stage and `import`; a profile
given in the config is laid over its default; stages take their rules (and fingerprint) from it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from gem_spark.config import ConfigError, load_config
from gem_spark.parse.render import render_toolset_trajectory
from gem_spark.schema import trajectory_from_json
from gem_spark.stages.generate import GenerateStage
from gem_spark.stages.judge import JudgeStage
from gem_spark.stages.refine import RefineStage
from gem_spark.stages.synthesize import SynthesizeStage
from gem_spark.validate import check_trajectory
from gem_spark.validate.rules import profile_rules
from tests.support.trajectories import refined_trajectory
from tests.validate.test_rules import CASES

_MODELS = [f"models.{role}={{backend: replay, model: m, responses: r.jsonl}}" for role in
           ("teacher", "judge", "synthesizer")]  # fmt: skip


@pytest.mark.parametrize(
    ("profile", "code", "expected"),
    [
        ("generate", "multiple_calls_per_turn", "pass"),
        ("refine", "multiple_calls_per_turn", "reject"),
        ("synthesize", "multiple_calls_per_turn", "reject"),
        ("judge", "multiple_calls_per_turn", "reject"),
        ("import", "missing_system", "pass"),
        ("import", "call_without_response", "pass"),
        ("import", "not_ending_with_assistant", "warn"),
        ("import", "tool_name_invalid", "warn"),
        ("import", "no_tool_definitions", "warn"),
        ("import", "placeholder_value", "reject"),
    ],
)
def test_default_profiles(profile: str, code: str, expected: str) -> None:
    verdict = check_trajectory(CASES[code], profile_rules(load_config(None), profile))
    found = "reject" if code in verdict.rejects else "warn" if code in verdict.warnings else "pass"
    assert found == expected


def test_yaml_profile_sets_severities_and_thresholds_over_its_default() -> None:
    config = load_config(None, [
        "validate.profiles.refine.rules.placeholder_value=warn",
        "validate.profiles.refine.rules.empty_tool_result=reject",
        "validate.profiles.refine.rules.missing_system=off",
        "validate.profiles.refine.min_tool_calls=40",
        "validate.profiles.strict.rules={tool_description_missing: reject}",
    ])  # fmt: skip
    rules = profile_rules(config, "refine")
    assert rules.single_call_per_turn  # kept from the default refine profile
    verdict = check_trajectory(CASES["placeholder_value"], rules)
    assert (verdict.rejects, verdict.warnings) == (["too_few_tool_calls"], ["placeholder_value"])
    assert check_trajectory(CASES["missing_system"], rules).rejects == ["too_few_tool_calls"]
    assert "empty_tool_result" in check_trajectory(CASES["empty_tool_result"], rules).rejects
    assert check_trajectory(CASES["tool_description_missing"], profile_rules(config, "strict")).rejects == [
        "tool_description_missing"
    ]


def test_bad_profiles_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="unknown rule code"):
        load_config(None, ["validate.profiles.refine.rules.graph_cycle=warn"])
    with pytest.raises(ConfigError, match="rules.placeholder_value"):
        load_config(None, ["validate.profiles.refine.rules.placeholder_value=maybe"])
    with pytest.raises(ConfigError, match="no validation profile 'nightly'"):
        profile_rules(load_config(None), "nightly")


@pytest.mark.parametrize(("stage", "make"), [
    ("generate", GenerateStage), ("refine", RefineStage), ("synthesize", SynthesizeStage),
    ("judge", lambda ctx: JudgeStage(ctx, "refine")),
])  # fmt: skip
def test_a_profile_change_changes_only_that_stages_fingerprint(stage: str, make: object) -> None:
    def fingerprints(*overrides: str) -> dict[str, str]:
        ctx = SimpleNamespace(config=load_config(None, [*_MODELS, *overrides]))
        stages = {"generate": GenerateStage(ctx), "refine": RefineStage(ctx), "synthesize": SynthesizeStage(ctx),
                  "judge": JudgeStage(ctx, "refine")}  # fmt: skip
        return {name: s.fingerprint() for name, s in stages.items()}

    base = fingerprints()
    assert base == fingerprints()  # stable (no set ordering in it)
    changed = fingerprints(f"validate.profiles.{stage}.rules.placeholder_value=warn")
    assert {name for name in base if base[name] != changed[name]} == {stage}
    assert make(SimpleNamespace(config=load_config(None, _MODELS))).rules == profile_rules(load_config(None), stage)


def test_synthesize_stores_its_own_stage_label() -> None:
    stage = SynthesizeStage(SimpleNamespace(config=load_config(None, _MODELS)))
    row = {"text": "How to return an order: sign in, open Orders, ..."}
    outcome = stage.outcome(row, render_toolset_trajectory(refined_trajectory(4)))
    assert outcome.status == "ok"
    assert trajectory_from_json(outcome.payload["trajectory"]).stage == "synthesize"


def test_stage_outcome_stores_warnings_and_rejects_on_its_profile() -> None:
    stage = SynthesizeStage(SimpleNamespace(config=load_config(None, _MODELS)))
    passing = stage.trajectory_outcome(CASES["empty_tool_result"], truncated=False)
    assert passing.status == "ok"
    assert [f["code"] for f in passing.payload["rule_findings"]] == ["empty_tool_result"]
    failing = stage.trajectory_outcome(CASES["multiple_calls_per_turn"], truncated=False)
    assert (failing.status, failing.reason) == ("rejected", "multiple_calls_per_turn")
    assert stage.trajectory_outcome(refined_trajectory(3), truncated=False).payload["rule_findings"] == []
