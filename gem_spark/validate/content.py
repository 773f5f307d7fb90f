"""Checks on what tools return and on values that are placeholders rather than data.

- tool_response_malformed: a tool message must be JSON, or a bare error: one line of at most
  `max_error_chars` characters (GEM.md: structured JSON on success, a bare error message on failure).
- inconsistent_response_structure: all successful JSON responses of one tool must have the same shape;
  shape = the top-level JSON type, and for objects also their top-level key set. Errors (non-JSON lines,
  objects with an "error"/"errors" key or a failed "status") are not successes and are not compared.
- placeholder_value: a call argument or tool response holding a stand-in instead of data — a whole
  string value that is a placeholder id ("12345", "xxx", "<order_id>", "example", "placeholder",
  "your_api_key", "..."), an example path ("/example", "/path/to/…") or an elided list ("5+ more
  results", "and 3 more items"). Whole values are matched as quoted JSON strings, so "12345" as part of
  a longer id or the number 12345 is not a placeholder.
"""

from __future__ import annotations

import json
import re
from typing import Any

_QUOTED_PLACEHOLDER = (
    r'"\s*(?:123456?7?8?9?0?|x{3,}|X{3,}|<[A-Za-z_][\w \-]{0,40}>|example|placeholder|'
    r"your[_ ][a-z_ ]{2,30}|\.{3}|…|\[\.{3}\])\s*\""
)
_FREE_PLACEHOLDER = (
    r"(?:^|[\s\"'(=:])/(?:example|path/to)(?:/|\b)|"
    r"\b\d+\s*\+\s*more\s+(?:results|items|entries|records|rows)\b|"
    r"\band\s+\d+\s+more\s+(?:results|items|entries|records|rows)\b"
)
_PLACEHOLDER = re.compile(f"{_QUOTED_PLACEHOLDER}|{_FREE_PLACEHOLDER}", re.IGNORECASE)
_ERROR_STATUSES = frozenset({"error", "failed", "failure"})


def has_placeholder(text: str) -> bool:
    return _PLACEHOLDER.search(text) is not None


def arguments_have_placeholder(arguments: dict[str, Any]) -> bool:
    return bool(arguments) and has_placeholder(json.dumps(arguments, ensure_ascii=False))


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
    if not isinstance(value, dict):
        return False
    status = value.get("status")
    return "error" in value or "errors" in value or (isinstance(status, str) and status.lower() in _ERROR_STATUSES)


def shape(value: Any) -> tuple[str, frozenset[str]]:
    if isinstance(value, dict):
        return "object", frozenset(value)
    return type(value).__name__, frozenset()
