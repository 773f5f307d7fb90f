"""Checks on what tools return and on values that are placeholders rather than data.

- tool_response_malformed: a tool message must be JSON, or a bare error: one line of at most
  `max_error_chars` characters (GEM.md: structured JSON on success, a bare error message on failure).
- which responses are successes (compared in structure.py): errors — non-JSON lines, objects with an
  `error…` key, `success`/`ok` false or a failed "status" — are not.
- placeholder_value: a call argument or tool response holding a stand-in instead of data — a whole
  string value that is a placeholder id ("12345", "xxx", "<order_id>", "example", "placeholder",
  "your_api_key", "..."), an example path ("/example", "/path/to/…") or an elided list ("5+ more
  results", "and 3 more items"). Whole values are matched against parsed JSON strings, so "12345" as
  part of a longer id, or the number 12345, is not a placeholder.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

# A whole string value that is a stand-in (matched against parsed JSON strings, not raw text).
_PLACEHOLDER_VALUE = re.compile(
    r"\s*(?:123456?7?8?9?0?|x{3,}|<[a-z_][\w \-]{0,40}>|example|placeholder|your[_ ][a-z_ ]{2,30}|"
    r"\.{3}|…|\[\.{3}\])\s*",
    re.IGNORECASE,
)
_PLACEHOLDER_VALUE_MAX = 48
# Stand-ins inside longer text; only searched when a cheap substring test says one may be there.
_PLACEHOLDER_TEXT = re.compile(
    r"(?:^|[\s\"'(=:])/(?:example|path/to)(?:/|\b)|"
    r"\b\d+\s*\+\s*more\s+(?:results|items|entries|records|rows)\b|"
    r"\band\s+\d+\s+more\s+(?:results|items|entries|records|rows)\b",
    re.IGNORECASE,
)
_TEXT_HINTS = ("/example", "/path/to", "more")
# Every placeholder above contains one of these (lowercased; JSON escapes of "…" and "<" included), so
# raw text without any of them needs no closer look — the common case, and a cheap one.
_ANY_HINTS = (
    "123",
    "xxx",
    "<",
    "example",
    "placeholder",
    "your",
    "...",
    "…",
    "/path/to",
    "more",
    "\\u2026",
    "\\u003c",
)
_ERROR_STATUSES = frozenset(
    {"error", "failed", "failure", "not_found", "denied", "rejected", "invalid", "unauthorized", "forbidden"}
)


def _strings(value: Any) -> Iterator[str]:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def text_has_placeholder(text: str) -> bool:
    lowered = text.lower()
    return any(hint in lowered for hint in _TEXT_HINTS) and _PLACEHOLDER_TEXT.search(text) is not None


def may_hold_placeholder(raw: str) -> bool:
    lowered = raw.lower()
    for hint in _ANY_HINTS:  # a loop, not any(<genexpr>): this runs for every argument and response
        if hint in lowered:
            return True
    return False


def value_has_placeholder(value: Any) -> bool:
    """Any string in a JSON value that is a placeholder, or holds an example path / elided list."""
    strings = list(_strings(value))
    # One hint scan over all the strings first: most values hold no hint and need no regex at all.
    if not may_hold_placeholder("\n".join(strings)):
        return False
    for text in strings:
        if len(text) <= _PLACEHOLDER_VALUE_MAX and _PLACEHOLDER_VALUE.fullmatch(text):
            return True
        if text_has_placeholder(text):
            return True
    return False


def load_response(content: str) -> tuple[bool, Any]:
    """(is JSON, value) for a tool message; only JSON objects/arrays/scalars written as JSON count."""
    text = content.strip()
    if not text or text[0] not in '{["-0123456789tfn':
        return False, None
    try:
        return True, json.loads(text)
    except ValueError:
        return False, None


def is_short_error(content: str, max_chars: int) -> bool:
    text = content.strip()
    return bool(text) and "\n" not in text and len(text) <= max_chars


def is_error_value(value: Any) -> bool:
    """An error answer: an `error…` key (error, errors, error_code, errorMessage), `success`/`ok` false,
    or a failed `status`. Real tools mark failures all these ways."""
    if not isinstance(value, dict):
        return False
    status = value.get("status")
    return (
        value.get("success") is False
        or value.get("ok") is False
        or (isinstance(status, str) and status.lower() in _ERROR_STATUSES)
        or any(key[:5].lower() == "error" for key in value)
    )

