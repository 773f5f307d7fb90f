"""Property: parsers return a model or a ParseFailure for any text, never raise."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gem_spark.parse import (
    ParseFailure,
    load_json,
    parse_execution_graph,
    parse_judgement,
    parse_selection,
    parse_toolset_trajectory,
    parse_trajectory,
    parse_workflows,
)
from gem_spark.parse.importers import import_record, parse_python_calls
from gem_spark.schema import Judgement, Selection, Trajectory
from tests.support.outputs_trajectories import ROUTER_TOOLS

_TAGS = ["<system>", "</system>", "<user>", "</user>", "<assistant>", "</assistant>", "<tool>", "</tool>",
         "<func>", "</func>", "<toolsets>", "</toolsets>", "<workflow>", "</workflow>", "<tools>", "</tools>",
         "<execution_graph>", "</execution_graph>", "<multi_step>", "</multi_step>", "<think>", "</think>",
         "```", "{", "}", "[", "]", '"', "'", ",", ":", "->", "(", ")", "True", "R1", '"name"', '"arguments"']  # fmt: skip
# Text made of the parsers' own tokens reaches far deeper than uniform random text.
tagged_text = st.lists(st.one_of(st.sampled_from(_TAGS), st.text(max_size=12)), max_size=40).map("".join)
any_text = st.one_of(st.text(), tagged_text)

SETTINGS = settings(max_examples=150, deadline=None)


@SETTINGS
@given(any_text)
def test_selection_never_raises(text: str) -> None:
    assert isinstance(parse_selection(text), (Selection, ParseFailure))


@SETTINGS
@given(any_text)
def test_workflows_never_raise(text: str) -> None:
    assert isinstance(parse_workflows(text), (list, ParseFailure))


@SETTINGS
@given(any_text)
def test_trajectories_never_raise(text: str) -> None:
    assert isinstance(parse_trajectory(text, ROUTER_TOOLS), (Trajectory, ParseFailure))
    assert isinstance(parse_toolset_trajectory(text), (Trajectory, ParseFailure))


@SETTINGS
@given(any_text)
def test_judgement_and_helpers_never_raise(text: str) -> None:
    assert isinstance(parse_judgement(text), (Judgement, ParseFailure))
    assert isinstance(parse_execution_graph(text), (tuple, ParseFailure))
    assert isinstance(load_json(text), (tuple, ParseFailure))
    assert isinstance(parse_python_calls(text), (list, ParseFailure))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@SETTINGS
@given(json_values)
def test_importers_never_raise_on_arbitrary_records(record: object) -> None:
    assert isinstance(import_record(record), (Trajectory, ParseFailure))
