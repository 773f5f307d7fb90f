"""Turn an OpenAI-compatible chat-completions response body into an LLMResult (or a malformed error).

Native tool calls in the response are written into the text as `<tool_call>{"name", "arguments"}
</tool_call>` lines, the form the chat templates of the models we serve use, so every backend hands the
stage parsers the same kind of text.
"""

from __future__ import annotations

import json
from typing import Any

from gem_spark.llm.errors import ErrorType
from gem_spark.llm.protocol import LLMResult


def parse_completion(key: str, body: bytes) -> LLMResult:
    try:
        data = json.loads(body)
        choice = data["choices"][0]
        message = choice["message"]
        text = _message_text(message.get("content"), message.get("tool_calls") or [])
        usage = data.get("usage") or {}
        prompt_tokens = int(usage.get("prompt_tokens") or 0)
        completion_tokens = int(usage.get("completion_tokens") or 0)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return LLMResult.failure(key, ErrorType.MALFORMED_RESPONSE.value, f"response is not JSON: {exc}")
    except (KeyError, IndexError, TypeError, AttributeError, ValueError) as exc:
        message = f"response lacks a chat completion ({type(exc).__name__}: {exc})"
        return LLMResult.failure(key, ErrorType.MALFORMED_RESPONSE.value, message)
    finish_reason = choice.get("finish_reason")
    return LLMResult(
        key=key,
        text=text,
        finish_reason=None if finish_reason is None else str(finish_reason),
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
    )


def _message_text(content: str | None, tool_calls: list[dict[str, Any]]) -> str:
    if content is not None and not isinstance(content, str):
        msg = f"message content is {type(content).__name__}, not a string"
        raise TypeError(msg)
    parts = [content] if content else []
    parts.extend(_tool_call_text(call) for call in tool_calls)
    return "\n".join(parts)


def _tool_call_text(call: dict[str, Any]) -> str:
    function = call["function"]
    arguments = function.get("arguments")
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except json.JSONDecodeError:
            pass  # kept verbatim: the stage's validator reports unparseable arguments
    return f"<tool_call>{json.dumps({'name': function['name'], 'arguments': arguments})}</tool_call>"
