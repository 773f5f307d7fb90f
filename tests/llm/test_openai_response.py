from __future__ import annotations

import json

from gem_spark.llm.errors import ErrorType
from gem_spark.llm.openai_response import parse_completion


def body(message: dict, finish_reason: str | None = "stop", usage: dict | None = None) -> bytes:
    data = {"choices": [{"message": message, "finish_reason": finish_reason}], "usage": usage}
    return json.dumps(data).encode()


def test_content_usage_and_finish_reason() -> None:
    result = parse_completion(
        "k", body({"content": "hi"}, "length", {"prompt_tokens": 4, "completion_tokens": 2})
    )
    assert (result.key, result.text, result.finish_reason) == ("k", "hi", "length")
    assert (result.prompt_tokens, result.completion_tokens) == (4, 2)


def test_tool_calls_follow_content_and_keep_unparseable_arguments() -> None:
    calls = [
        {"function": {"name": "a", "arguments": '{"x": 1}'}},
        {"function": {"name": "b", "arguments": "{not json"}},
    ]
    result = parse_completion("k", body({"content": "thinking", "tool_calls": calls}, "tool_calls"))
    assert result.text == (
        'thinking\n<tool_call>{"name": "a", "arguments": {"x": 1}}</tool_call>\n'
        '<tool_call>{"name": "b", "arguments": "{not json"}</tool_call>'
    )


def test_malformed_bodies_are_error_results() -> None:
    for raw in [
        b"\xff\xfe",
        b"[]",
        b'{"choices": []}',
        json.dumps({"choices": [{"message": {"content": 3}}]}).encode(),
    ]:
        result = parse_completion("k", raw)
        assert result.error_type == ErrorType.MALFORMED_RESPONSE.value, raw
        assert result.text is None
