"""Does an exported conversation survive a real model's chat template? (Qwen3 / Hermes `<tool_call>`.)

`render_chat` renders OpenAI-shaped messages and tools the way Hugging Face's `apply_chat_template`
does (sandboxed Jinja2, trim/lstrip blocks, loop controls, a `tojson` that keeps non-ASCII text,
`raise_exception`, `strftime_now`); `chat_template_problems` then reads every `<tool_call>` block back
out of the assistant turns of the rendered text (ChatML turns, `<|im_start|>assistant`, as Qwen and
Hermes templates write them; the system turn's format example is not a call) and compares them with the
calls the conversation makes.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

RENDER_FAILED = "chat_template_render_failed"
CALLS_MISMATCH = "chat_template_calls_mismatch"
CALL_NOT_JSON = "chat_template_call_not_json"

_TOOL_CALL = re.compile(r"<tool_call>\s*(.*?)\s*</tool_call>", re.DOTALL)
_TURN_START = "<|im_start|>"


def _raise_exception(message: str) -> None:
    raise jinja2.exceptions.TemplateError(message)


def _tojson(value: Any, ensure_ascii: bool = False, indent: int | None = None, separators: Any = None,
            sort_keys: bool = False) -> str:  # fmt: skip
    return json.dumps(
        value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys
    )


@lru_cache(maxsize=8)
def compile_chat_template(source: str) -> jinja2.Template:
    environment = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols]
    )
    environment.filters["tojson"] = _tojson
    environment.globals["raise_exception"] = _raise_exception
    environment.globals["strftime_now"] = lambda fmt: datetime.now().strftime(fmt)
    return environment.from_string(source)


def load_chat_template(path: str | Path) -> str:
    return Path(path).read_text(encoding="utf-8")


def render_chat(source: str, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None) -> str:
    return compile_chat_template(source).render(
        messages=messages, tools=tools or None, add_generation_prompt=False
    )


def expected_calls(messages: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    """(name, parsed arguments) of every call in the conversation, in order."""
    calls = []
    for message in messages:
        for call in message.get("tool_calls") or []:
            function = call.get("function", call)
            arguments = function["arguments"]
            calls.append(
                (function["name"], json.loads(arguments) if isinstance(arguments, str) else arguments)
            )
    return calls


def rendered_calls(text: str) -> list[tuple[str, Any]] | None:
    """The calls written in the rendered text; None when a `<tool_call>` body is not a JSON call."""
    assistant_turns = [turn for turn in text.split(_TURN_START) if turn.startswith("assistant")]
    calls = []
    for body in _TOOL_CALL.findall("\n".join(assistant_turns)):
        try:
            call = json.loads(body)
        except json.JSONDecodeError:
            return None
        if not isinstance(call, dict) or "name" not in call:
            return None
        calls.append((call["name"], call.get("arguments")))
    return calls


def chat_template_problems(source: str, record: dict[str, Any]) -> list[str]:
    """Reason codes (empty: fine) for an OpenAI-shaped record `{"messages", "tools"}`."""
    try:
        text = render_chat(source, record["messages"], record.get("tools"))
    except (jinja2.TemplateError, TypeError, AttributeError):
        # The template raised (raise_exception) or met a value it cannot render (e.g. null content).
        return [RENDER_FAILED]
    found = rendered_calls(text)
    if found is None:
        return [CALL_NOT_JSON]
    return [] if found == expected_calls(record["messages"]) else [CALLS_MISMATCH]
