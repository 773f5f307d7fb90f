"""The compiled argument checkers agree with jsonschema's Draft 2020-12 validator (property test)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from gem_spark.validate.compiled import compile_schema, json_equal

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(-5, 5, allow_nan=False)
    | st.sampled_from(["", "a", "ab", "abc", "1"])
)
json_values = st.recursive(
    _scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.sampled_from(["a", "b", "c"]), children, max_size=3),
    max_leaves=8,
)  # fmt: skip
_types = st.sampled_from(["string", "integer", "number", "boolean", "object", "array", "null"])


def _schemas(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    keyword = st.one_of(
        st.builds(lambda t: {"type": t}, _types | st.lists(_types, min_size=1, max_size=3, unique=True)),
        st.builds(lambda v: {"enum": v}, st.lists(_scalars, min_size=1, max_size=3)),
        st.builds(lambda v: {"const": v}, _scalars),
        st.builds(lambda k, n: {k: n}, st.sampled_from(["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"]),
                  st.integers(-3, 3)),
        st.builds(lambda k, n: {k: n}, st.sampled_from(["minLength", "maxLength", "minItems", "maxItems",
                                                         "minProperties", "maxProperties"]), st.integers(0, 3)),
        st.builds(lambda p: {"pattern": p}, st.sampled_from(["^a", "b$", "[0-9]", "^$"])),
        st.builds(lambda r: {"required": r}, st.lists(st.sampled_from(["a", "b", "c"]), unique=True, max_size=3)),
        st.builds(lambda p: {"properties": p}, st.dictionaries(st.sampled_from(["a", "b", "c"]), children, max_size=2)),
        st.builds(lambda a: {"additionalProperties": a}, children),
        st.builds(lambda i: {"items": i}, children),
        st.builds(lambda k, s: {k: s}, st.sampled_from(["allOf", "anyOf", "oneOf"]), st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda s: {"not": s}, children),
    )  # fmt: skip
    return st.lists(keyword, max_size=3).map(lambda parts: {k: v for part in parts for k, v in part.items()})


schemas = st.recursive(st.booleans() | st.just({}), _schemas, max_leaves=6)


@settings(max_examples=400, deadline=None)
@given(schemas, json_values)
def test_compiled_checker_matches_jsonschema(schema: Any, instance: Any) -> None:
    predicate = compile_schema(schema)
    assert predicate is not None
    assert predicate(instance) == Draft202012Validator(schema).is_valid(instance)


def test_keywords_outside_the_subset_fall_back_to_jsonschema() -> None:
    assert compile_schema({"type": "object", "properties": {"a": {"$ref": "#/$defs/x"}}}) is None
    assert compile_schema({"uniqueItems": True}) is None
    assert compile_schema({"$schema": "http://json-schema.org/draft-04/schema#", "type": "object"}) is None


def test_json_equality_follows_json_schema() -> None:
    assert json_equal(1, 1.0)
    assert not json_equal(True, 1)
    assert not json_equal([True], [1])
    assert json_equal({"a": [1, {"b": None}]}, {"a": [1.0, {"b": None}]})
