"""Importers on hand-written records of each dataset format (the real files: tests/validate/test_real_data.py)."""

from __future__ import annotations

import json

from gem_spark.parse import ParseFailure
from gem_spark.parse.importers import (
    detect_format,
    import_openai_chat,
    import_reason_tool_use,
    import_sharegpt,
    import_toolace,
    parse_python_calls,
)
from gem_spark.schema import Trajectory

_WEATHER = {"name": "get_weather", "description": "Weather for a city.",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}  # fmt: skip


def _ok(result: object) -> Trajectory:
    assert isinstance(result, Trajectory), result
    return result


def test_openai_parallel_calls_link_by_id_and_keep_order() -> None:
    record = {
        "tools": [{"type": "function", "function": _WEATHER}],
        "messages": [
            {"role": "user", "content": "Weather in Oslo and Rome?"},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'}},
                {"id": "c2", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Rome"}'}}]},
            {"role": "tool", "tool_call_id": "c2", "content": '{"temp_c": 19}'},
            {"role": "tool", "tool_call_id": "c1", "content": '{"temp_c": 4}'},
            {"role": "assistant", "content": "Oslo 4°C, Rome 19°C."},
        ],
    }  # fmt: skip
    trajectory = _ok(import_openai_chat(record))
    assert [call.arguments for call in trajectory.messages[1].tool_calls] == [
        {"city": "Oslo"},
        {"city": "Rome"},
    ]
    assert [(m.tool_call_id, m.name) for m in trajectory.messages[2:4]] == [
        ("c2", "get_weather"),
        ("c1", "get_weather"),
    ]
    assert "arguments_json_string" in trajectory.repairs


def test_functionary_code_interpreter_becomes_python_tool() -> None:
    record = {
        "tools": [{"type": "code_interpreter"}],
        "messages": [
            {"role": "user", "content": "2**10?"},
            {"role": "assistant", "content": "", "tool_calls": [{"function": {"name": "python", "arguments": "2**10"}}]},
            {"role": "tool", "name": "python", "content": "1024"},
            {"role": "assistant", "content": "1024"},
        ],
    }  # fmt: skip
    trajectory = _ok(import_openai_chat(record))
    assert [tool.name for tool in trajectory.tools] == ["python"]
    assert trajectory.messages[1].tool_calls[0].arguments == {"code": "2**10"}
    assert trajectory.messages[2].tool_call_id == "call_0"
    assert "code_interpreter_tool" in trajectory.repairs


def test_sharegpt_function_call_and_observation() -> None:
    record = {
        "tools": json.dumps([_WEATHER]),
        "conversations": [
            {"from": "human", "value": "Weather in Oslo?"},
            {"from": "function_call", "value": '{"name": "get_weather", "arguments": {"city": "Oslo"}}'},
            {"from": "observation", "value": '{"temp_c": 4}'},
            {"from": "gpt", "value": "4°C in Oslo."},
        ],
    }
    trajectory = _ok(import_sharegpt(record))
    assert [m.role for m in trajectory.messages] == ["user", "assistant", "tool", "assistant"]
    assert trajectory.messages[2].name == "get_weather"
    assert detect_format(record) == "sharegpt"


def test_toolace_python_call_syntax_and_names_with_spaces() -> None:
    system = ("You are an expert in composing functions.\nHere is a list of functions in JSON format that you can "
              'invoke:\n[{"name": "Market Trends API", "description": "Trends.", "parameters": {"type": "dict", '
              '"properties": {"trend_type": {"type": "string"}, "country": {"type": "string"}}, "required": '
              '["trend_type"]}, "required": null}].\nPut it in the format of [func1(params_name=params_value)]')  # fmt: skip
    record = {
        "system": system,
        "tools": "[]",
        "conversations": [
            {"from": "human", "value": "US gainers?"},
            {"from": "function_call", "value": '[Market Trends API(trend_type="GAINERS", country="us")]'},
            {"from": "observation", "value": '[{"name": "Market Trends API", "results": {"trends": []}}]'},
            {"from": "gpt", "value": "No gainers listed right now."},
        ],
    }
    trajectory = _ok(import_toolace(record))
    call = trajectory.messages[2].tool_calls[0]
    assert (call.name, call.arguments) == ("Market Trends API", {"trend_type": "GAINERS", "country": "us"})
    assert trajectory.tools[0].function.parameters["type"] == "object"
    assert "python_call_syntax" in trajectory.repairs
    assert detect_format(record) == "toolace"


def test_toolace_cut_names_are_restored_only_when_unambiguous() -> None:
    tools = [{"name": n, "description": "d", "parameters": {"type": "object", "properties": {"text": {"type": "string"}}}}
             for n in ("Text Analysis", "Text Sentiment Analysis", "SEC Filings")]  # fmt: skip
    system = (
        "Here is a list of functions in JSON format that you can invoke:\n"
        + json.dumps(tools)
        + " [func1(a=b)]"
    )
    record = {"system": system, "conversations": [
        {"from": "human", "value": "x"},
        {"from": "function_call", "value": '[{"name": "Filings", "arguments": {}}, {"name": "Analysis", "arguments": {"text": "t"}}]'},
    ]}  # fmt: skip
    trajectory = _ok(import_toolace(record))
    assert [call.name for call in trajectory.messages[2].tool_calls] == ["SEC Filings", "Analysis"]
    assert "toolace_name_restored" in trajectory.repairs


def test_python_calls_are_literals_only() -> None:
    calls = parse_python_calls('[a(x=1, y=[1, (2, 3)], z={"k": None}), b c(q="a, b) c")]')
    assert not isinstance(calls, ParseFailure)
    assert calls == [
        ("a", {"x": 1, "y": [1, [2, 3]], "z": {"k": None}}, None),
        ("b c", {"q": "a, b) c"}, None),
    ]
    assert isinstance(parse_python_calls("[a(1, 2)]"), ParseFailure)
    assert isinstance(parse_python_calls("[a(x=open('/etc/passwd'))]"), ParseFailure)


def test_reason_tool_use_bundled_answers_are_split_and_python_reprs_become_json() -> None:
    tools = json.dumps([{"type": "function", "function": {"name": "circle_area", "description": "Area.", "parameters":
        {"type": "dict", "properties": {"radius": {"type": "float"}}}, "required": ["radius"]}}])  # fmt: skip
    bundled = json.dumps([
        {"tool_call_id": "x1", "name": "circle_area", "content": "{'area': 7.07, 'ok': True}"},
        {"tool_call_id": "x2", "name": "circle_area", "content": "{'area': 28.27, 'ok': True}"},
    ])  # fmt: skip
    record = {"tools": tools, "messages": [
        {"role": "system", "content": [{"type": "text", "value": "Use tools."}]},
        {"role": "user", "content": [{"type": "text", "value": "Areas for r=1.5 and r=3?"}]},
        {"role": "assistant", "content": [{"type": "reasoning", "value": "two calls"},
            {"type": "tool_call", "value": '{"name": "circle_area", "arguments": {"radius": 1.5}}'},
            {"type": "tool_call", "value": '{"name": "circle_area", "arguments": {"radius": 3}}'}]},
        {"role": "tool", "content": [{"type": "text", "value": bundled}]},
        {"role": "assistant", "content": [{"type": "text", "value": "7.07 and 28.27."}]},
    ]}  # fmt: skip
    trajectory = _ok(import_reason_tool_use(record))
    assert [m.role for m in trajectory.messages] == [
        "system",
        "user",
        "assistant",
        "tool",
        "tool",
        "assistant",
    ]
    assert [json.loads(m.content)["area"] for m in trajectory.messages[3:5]] == [7.07, 28.27]
    assert [m.tool_call_id for m in trajectory.messages[3:5]] == ["call_0", "call_1"]
    assert trajectory.messages[2].content == ""  # reasoning dropped
    schema = trajectory.tools[0].function.parameters
    assert schema == {"type": "object", "properties": {"radius": {"type": "number"}}, "required": ["radius"]}
    assert {"tool_responses_split", "tool_content_python_literal", "required_moved"} <= set(
        trajectory.repairs
    )
