"""Tool schemas: metaschema validity, $ref policy (never fetched, cycles rejected), cached checkers."""

from __future__ import annotations

import socket

import pytest

from gem_spark.schema import Message, Tool, ToolCall, Trajectory
from gem_spark.validate import RuleConfig, clear_caches, parameters_problem, validate_trajectory
from gem_spark.validate.schemas import argument_checker


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a connection fails the test (a remote $ref must never be fetched)."""

    def refuse(*args: object, **kwargs: object) -> None:
        pytest.fail("a network connection was attempted")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "properties": {"a": {"$ref": "https://example.org/schemas/a.json"}}},
        {"type": "object", "properties": {"a": {"$ref": "file:///etc/passwd"}}},
        {"type": "object", "properties": {"a": {"$ref": "other.json#/x"}}},
        {"type": "object", "properties": {"a": {"$id": "https://evil.test/", "$ref": "#/x"}}},
        {"type": "object", "properties": {"a": {"$ref": "#/$defs/missing"}}},
        {"type": "object", "$ref": "#"},
        {
            "type": "object",
            "$defs": {"x": {"$ref": "#/$defs/y"}, "y": {"anyOf": [{"$ref": "#/$defs/x"}]}},
            "properties": {"a": {"$ref": "#/$defs/x"}},
        },
        {"type": "object", "properties": {"a": {"type": "text"}}},
        {"type": "object", "required": "a"},
        {"type": "array"},
        {"properties": {}},
    ],
)
def test_invalid_schemas_have_a_problem(schema: dict, no_network: None) -> None:
    clear_caches()
    assert parameters_problem(schema) is not None


def test_recursive_schema_that_consumes_the_instance_is_valid_and_terminates(no_network: None) -> None:
    tree = {
        "type": "object",
        "$defs": {"node": {"type": "object", "properties": {"name": {"type": "string"},
                  "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}},
        "properties": {"root": {"$ref": "#/$defs/node"}},
        "required": ["root"],
    }  # fmt: skip
    assert parameters_problem(tree) is None
    tool = Tool.of("save_tree", "Save a category tree.", tree)
    deep: dict = {"name": "leaf"}
    for level in range(30):
        deep = {"name": f"n{level}", "children": [deep]}
    bad = {"name": "x", "children": [{"name": 3}]}
    for arguments, expected in (({"root": deep}, []), ({"root": bad}, ["argument_type_mismatch"])):
        trajectory = Trajectory(tools=[tool], messages=[
            Message(role="system", content="s"), Message(role="user", content="save"),
            Message(role="assistant", tool_calls=[ToolCall(id="c0", name="save_tree", arguments=arguments)]),
            Message(role="tool", content='{"saved": true}', tool_call_id="c0", name="save_tree"),
            Message(role="assistant", content="Saved."),
        ])  # fmt: skip
        assert validate_trajectory(trajectory, RuleConfig()) == expected


def test_checkers_are_compiled_once_per_schema() -> None:
    clear_caches()
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    first = argument_checker(schema)
    assert argument_checker({"type": "object", "properties": {"a": {"type": "string"}}}) is first
    assert argument_checker({"type": "object", "properties": {"a": {"type": "integer"}}}) is not first
