"""`{"name": ..., "arguments": {...}}` objects (Stage-3 `<func>` bodies, Stage-2 actions, dataset calls)."""

from __future__ import annotations

import json
from typing import Any

from gem_spark.parse.failure import CALL_INVALID, ParseFailure

ARGUMENTS_AS_STRING = "arguments_json_string"
PARAMETERS_KEY = "call_parameters_key"


def read_call(raw: Any, repairs: set[str]) -> tuple[str, dict[str, Any]] | ParseFailure:
    """A decoded call object → (name, arguments). Arguments may come as a JSON string (OpenAI style)
    or under "parameters" (a common model slip); both are recorded in `repairs`."""
    if not isinstance(raw, dict):
        return ParseFailure(CALL_INVALID, f"call is a {type(raw).__name__}, not an object")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        return ParseFailure(CALL_INVALID, "call without a name")
    if "arguments" in raw:
        arguments = raw["arguments"]
    else:
        arguments = raw.get("parameters", {})
        if "parameters" in raw:
            repairs.add(PARAMETERS_KEY)
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except ValueError:
            return ParseFailure(CALL_INVALID, f"call {name!r}: arguments string is not JSON")
        repairs.add(ARGUMENTS_AS_STRING)
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, dict):
        return ParseFailure(CALL_INVALID, f"call {name!r}: arguments are a {type(arguments).__name__}")
    return name.strip(), arguments
