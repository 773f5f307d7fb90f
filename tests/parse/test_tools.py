"""Tool-definition normalisation to the OpenAI function format."""

from __future__ import annotations

from gem_spark.parse import ParseFailure, normalize_tools


def test_all_schema_keys_and_wrappers_normalise_to_openai_format() -> None:
    schema = {"type": "object", "properties": {"q": {"type": "string"}}}
    raw = [
        {"type": "function", "function": {"name": "a", "description": "A.", "parameters": schema}},
        {"name": "b", "description": "B.", "inputSchema": schema},
        {"name": "c", "description": "C.", "input_schema": schema},
        {"name": "d", "description": "D."},
    ]
    result = normalize_tools(raw)
    assert not isinstance(result, ParseFailure)
    tools, repairs = result
    assert [tool.model_dump() for tool in tools[:3]] == [
        {"type": "function", "function": {"name": n, "description": f"{n.upper()}.", "parameters": schema}}
        for n in "abc"
    ]
    assert tools[3].function.parameters == {"type": "object", "properties": {}}
    assert repairs == ["parameters_defaulted"]


def test_python_type_names_optional_markers_and_bare_parameter_maps() -> None:
    raw = [{"name": "search", "description": "Search.", "parameters": {
        "q": {"type": "str", "description": "query"},
        "num": {"type": "int, optional", "default": "10"},
        "tags": {"type": "List[str]"},
        "lang": {"type": "str", "default": "en"},
    }}]  # fmt: skip
    result = normalize_tools(raw)
    assert not isinstance(result, ParseFailure)
    (tool,), repairs = result
    assert tool.function.parameters == {
        "type": "object",
        "properties": {
            "q": {"type": "string", "description": "query"},
            "num": {"type": "integer", "default": "10"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "lang": {"type": "string", "default": "en"},
        },
        "required": ["q", "tags"],
    }
    assert repairs == ["parameters_wrapped", "schema_type_alias"]


def test_unknown_types_are_left_for_the_validator() -> None:
    result = normalize_tools(
        [
            {
                "name": "x",
                "description": "X.",
                "parameters": {"type": "object", "properties": {"d": {"type": "date"}}},
            }
        ]
    )
    assert not isinstance(result, ParseFailure)
    assert result[0][0].function.parameters["properties"]["d"] == {"type": "date"}
