"""JSON loading for model output: depth-guarded, with a short list of recorded repairs and nothing else.

Repairs, tried in order, each recorded by name in the result:
- ``json_trailing_comma``: `[1, 2,]` / `{"a": 1,}` (outside strings);
- ``python_literal``: a Python literal (single quotes, True/False/None), read with ``ast.literal_eval``
  (never eval) and accepted only if it converts to plain JSON types.
"""

from __future__ import annotations

import ast
import json
import math
import re
from typing import Any

from gem_spark.parse.failure import JSON_INVALID, JSON_TOO_DEEP, ParseFailure
from gem_spark.parse.text import strip_fences

MAX_JSON_DEPTH = 64
TRAILING_COMMA = "json_trailing_comma"
PYTHON_LITERAL = "python_literal"

_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}()]")
_DOUBLE_QUOTED_OR_TRAILING_COMMA = re.compile(r'("(?:[^"\\]|\\.)*")|,(\s*[}\]])', re.DOTALL)
_OPENERS = frozenset("[{(")


def nesting_depth_exceeds(text: str, max_depth: int) -> bool:
    """True as soon as brackets outside strings nest deeper than max_depth (linear, stops early)."""
    depth = 0
    for match in _BRACKETS.finditer(_STRINGS.sub("", text)):
        if match.group() in _OPENERS:
            depth += 1
            if depth > max_depth:
                return True
        else:
            depth -= 1
    return False


def _reject_constant(name: str) -> Any:
    msg = f"non-JSON constant {name}"
    raise ValueError(msg)


def _strict_loads(text: str) -> Any:
    return json.loads(text, parse_constant=_reject_constant)


def _drop_trailing_commas(text: str) -> str:
    return _DOUBLE_QUOTED_OR_TRAILING_COMMA.sub(lambda m: m.group(1) or m.group(2), text)


def _as_json_value(value: Any) -> Any:
    """Python literal → JSON value; raises ValueError for sets, bytes, complex, non-str keys, nan."""
    if isinstance(value, (tuple, list)):
        return [_as_json_value(item) for item in value]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            msg = "non-string key"
            raise ValueError(msg)
        return {key: _as_json_value(item) for key, item in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        msg = "non-finite number"
        raise ValueError(msg)
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    msg = f"{type(value).__name__} is not a JSON type"
    raise ValueError(msg)


def load_json(text: str, max_depth: int = MAX_JSON_DEPTH) -> tuple[Any, list[str]] | ParseFailure:
    """Parse JSON (fences allowed around it); returns (value, repairs applied) or a ParseFailure."""
    body = strip_fences(text).strip()
    if not body:
        return ParseFailure(JSON_INVALID, "empty")
    if nesting_depth_exceeds(body, max_depth):
        return ParseFailure(JSON_TOO_DEEP, f"nesting deeper than {max_depth}")
    try:
        return _strict_loads(body), []
    except ValueError as exc:
        first_error = exc
    repaired = _drop_trailing_commas(body)
    if repaired != body:
        try:
            return _strict_loads(repaired), [TRAILING_COMMA]
        except ValueError:
            pass
    try:
        return _as_json_value(ast.literal_eval(body)), [PYTHON_LITERAL]
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return ParseFailure(JSON_INVALID, str(first_error)[:200])
