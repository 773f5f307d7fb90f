"""Real tool-use data (../shared/data/tooluse): every file imports, every tool definition is a valid
schema after normalisation, and the conversations pass the rules that apply to each dataset.

All are checked with the default `import` profile (conf: validate.profiles.import), and why it says so:
- min_tool_calls=0 — they mix chit-chat samples without calls on purpose; the threshold is GEM's filter
  for generated data, not a property of a conversation.
- require_system=False — glaive, functionary and APIGen-MT samples have no system prompt (tools are
  passed separately); GEM's system prompt carries rules that these datasets do not have.
- allow_trailing_call — reason_tool_use and ToolACE single-step samples stop at the assistant's call.
- tool_name_invalid is a warning — ToolACE's tools are API titles ("Market Trends API"), valid in its own
  format although not OpenAI function names.
- no_tool_definitions and not_ending_with_assistant are warnings — the APIGen-MT sample ships only call
  names, and its trajectories end with the simulated user's closing turn by construction.

A rejection that remains is a real defect of the data; each is listed in EXPLAINED with its cause, and a
test checks that cause directly on the data, independently of the validator. Anything else is a false
rejection: the count is printed and must be 0.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gem_spark.config import load_config
from gem_spark.parse import ParseFailure
from gem_spark.parse.importers import import_file, import_tau_bench_tools
from gem_spark.schema import Trajectory
from gem_spark.validate import parameters_problem, validate_trajectory
from gem_spark.validate.rules import profile_rules

IMPORT = profile_rules(load_config(None), "import")
NAMES = (
    "glaive_toolcall_en_demo.json",
    "functionary_test_case.json",
    "functionary_test_case_v2.json",
    "reason_tool_use_demo_50.jsonl",
    "toolace_sharegpt_func_fixed_100.json",
    "apigen_mt_style_sample.jsonl",
)
TOOL_FILES = ("airline_tools.json", "retail_tools.json")

_TOOLACE = "toolace_sharegpt_func_fixed_100.json"
_TYPES = ("a call argument has a JSON type its schema does not allow (e.g. 10001 for a string postcode, "
          "'True' for a boolean)")  # fmt: skip
_CUT = "the export cut the call name to a last word that two of the sample's tools share"
_EMPTY = "the source has an empty assistant ('gpt') turn"
# (file, record) → {code: cause}
EXPLAINED: dict[tuple[str, int], dict[str, str]] = {
    **{("glaive_toolcall_en_demo.json", i): {"placeholder_value": "sequential-digit placeholder id"}
       for i in (7, 70, 124, 235)},
    ("glaive_toolcall_en_demo.json", 259): {"argument_type_mismatch": _TYPES},
    ("reason_tool_use_demo_50.jsonl", 17): {"unexpected_argument": "argument 'year' is not a parameter"},
    ("reason_tool_use_demo_50.jsonl", 37): {"placeholder_value": "sequential-digit placeholder id"},
    **{(_TOOLACE, i): {"argument_type_mismatch": _TYPES} for i in (1, 34, 46, 57, 60, 65, 70, 75, 81)},
    (_TOOLACE, 27): {"argument_type_mismatch": _TYPES, "empty_message": _EMPTY},
    (_TOOLACE, 30): {"empty_message": _EMPTY},
    (_TOOLACE, 59): {"unknown_tool_called": _CUT, "call_without_response": _CUT, "response_without_call": _CUT},
    **{(_TOOLACE, i): {"unknown_tool_called": _CUT} for i in (74, 86, 93)},
    (_TOOLACE, 85): {"argument_type_mismatch": _TYPES, "empty_message": _EMPTY,
                     "bad_turn_order": "an observation follows an empty assistant turn that made no call",
                     "response_without_call": "an observation follows an empty assistant turn that made no call"},
}  # fmt: skip


def _imported(shared_data: Path, name: str) -> list[Trajectory]:
    results = import_file(shared_data / "tooluse" / name)
    failures = [r for r in results if isinstance(r, ParseFailure)]
    assert failures == [], f"{name}: {failures[:3]}"
    return [r for r in results if isinstance(r, Trajectory)]


def test_every_file_is_covered(shared_data: Path) -> None:
    assert {p.name for p in (shared_data / "tooluse").iterdir()} == set(NAMES) | set(TOOL_FILES)


@pytest.mark.parametrize("name", TOOL_FILES)
def test_tau_bench_tools_import_and_are_valid(shared_data: Path, name: str) -> None:
    tools = import_tau_bench_tools(json.loads((shared_data / "tooluse" / name).read_text()))
    assert not isinstance(tools, ParseFailure)
    assert len(tools) in (14, 16)
    assert [
        (t.name, parameters_problem(t.function.parameters))
        for t in tools
        if parameters_problem(t.function.parameters)
    ] == []


@pytest.mark.parametrize("name", NAMES)
def test_every_tool_definition_is_a_valid_schema_after_normalisation(shared_data: Path, name: str) -> None:
    problems = {
        tool.name: parameters_problem(tool.function.parameters) or "empty description"
        for trajectory in _imported(shared_data, name)
        for tool in trajectory.tools
        if parameters_problem(tool.function.parameters) or not tool.function.description.strip()
    }
    assert problems == {}


def test_real_conversations_pass_their_rules(shared_data: Path) -> None:
    false_rejections, explained, total = [], 0, 0
    for name in NAMES:
        for index, trajectory in enumerate(_imported(shared_data, name)):
            total += 1
            codes = validate_trajectory(trajectory, IMPORT)
            expected = EXPLAINED.get((name, index), {})
            false_rejections += [(name, index, code) for code in codes if code not in expected]
            explained += bool(codes)
            assert set(expected) <= set(codes), (name, index, codes)
    print(f"\nreal conversations: {total}, rejected with an explained data defect: {explained}, "
          f"false rejections: {len(false_rejections)} {false_rejections}")  # fmt: skip
    assert false_rejections == []


def _calls(trajectory: Trajectory) -> list:
    return [call for message in trajectory.messages for call in message.tool_calls]


_JSON_TYPE = {str: "string", bool: "boolean", int: "integer", float: "number", list: "array", dict: "object"}


def _type_mismatch(trajectory: Trajectory) -> bool:
    schemas = {tool.name: tool.function.parameters.get("properties", {}) for tool in trajectory.tools}
    for call in _calls(trajectory):
        for key, value in call.arguments.items():
            declared = schemas.get(call.name, {}).get(key, {}).get("type")
            actual = _JSON_TYPE.get(type(value))
            if (
                declared
                and actual
                and actual != declared
                and not (actual == "integer" and declared == "number")
            ):
                return True
    return False


def _placeholder_id(trajectory: Trajectory) -> bool:
    texts = [json.dumps(c.arguments) for c in _calls(trajectory)] + [
        m.content for m in trajectory.messages if m.role == "tool"
    ]
    return any(
        f'"{digits}"' in text for text in texts for digits in ("12345", "123456", "123456789", "1234567890")
    )


def _cut_name(trajectory: Trajectory) -> bool:
    names = [tool.name for tool in trajectory.tools]
    return any(
        call.name not in names and sum(name.split()[-1] == call.name for name in names) >= 2
        for call in _calls(trajectory)
    )


def _empty_assistant(trajectory: Trajectory) -> bool:
    return any(
        m.role == "assistant" and not m.content.strip() and not m.tool_calls for m in trajectory.messages
    )


def _unknown_argument(trajectory: Trajectory) -> bool:
    schemas = {tool.name: tool.function.parameters.get("properties", {}) for tool in trajectory.tools}
    return any(set(call.arguments) - set(schemas.get(call.name, {})) for call in _calls(trajectory))


CAUSE_CHECKS = {
    _TYPES: _type_mismatch,
    "sequential-digit placeholder id": _placeholder_id,
    _CUT: _cut_name,
    _EMPTY: _empty_assistant,
    "an observation follows an empty assistant turn that made no call": _empty_assistant,
    "argument 'year' is not a parameter": _unknown_argument,
}


@pytest.mark.parametrize(("key", "causes"), sorted(EXPLAINED.items()), ids=lambda v: str(v))
def test_each_remaining_rejection_has_its_cause_in_the_data(
    shared_data: Path, key: tuple[str, int], causes: dict
) -> None:
    trajectory = _imported(shared_data, key[0])[key[1]]
    for cause in set(causes.values()):
        assert CAUSE_CHECKS[cause](trajectory), cause
