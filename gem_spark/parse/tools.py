"""Tool definitions as models and datasets write them → the OpenAI function format.

Accepted shapes: the OpenAI wrapper `{"type": "function", "function": {...}}` or a bare `{name,
description, parameters}`, with the schema under `parameters`, `inputSchema` (MCP) or `input_schema`.
Normalisations, each recorded by name: Python-style type names ("dict", "str", "List[str]",
"int, optional") → JSON Schema types (`schema_type_alias`); a function-level `required` list moved into
the schema (`required_moved`); a missing schema → an empty object schema (`parameters_defaulted`); a bare
map of parameter name → schema without the object wrapper (xLAM / APIGen style) → `{"type": "object",
"properties": …}` where a parameter is required unless it says ", optional" or has a default
(`parameters_wrapped`).
A schema with types we do not know is left as written, so the validator reports it.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from gem_spark.parse.failure import TOOL_INVALID, ParseFailure
from gem_spark.schema import Tool

SCHEMA_TYPE_ALIAS = "schema_type_alias"
REQUIRED_MOVED = "required_moved"
PARAMETERS_DEFAULTED = "parameters_defaulted"
PARAMETERS_WRAPPED = "parameters_wrapped"

_SCHEMA_KEYS = ("parameters", "inputSchema", "input_schema")
_TYPE_ALIASES = {
    "dict": "object",
    "str": "string",
    "int": "integer",
    "float": "number",
    "bool": "boolean",
    "list": "array",
    "tuple": "array",
}
_JSON_TYPES = frozenset({"object", "string", "integer", "number", "boolean", "array", "null"})
_GENERIC_LIST = re.compile(r"^(?:list|List|tuple|Tuple)\[\s*(\w+)\s*\]$")
_OPTIONAL_SUFFIX = re.compile(r"^(.*?),\s*optional$", re.IGNORECASE)
_SUBSCHEMA_MAPS = ("properties", "$defs", "definitions", "patternProperties")
_SUBSCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
_SUBSCHEMA_SINGLE = ("items", "additionalProperties", "not")


def _canonical_type(name: str) -> str:
    return _TYPE_ALIASES.get(name, name)


def _normalize_type(schema: dict[str, Any], repairs: set[str]) -> bool:
    """Rewrite schema["type"] in place; returns True when the type said ", optional"."""
    raw = schema.get("type")
    if not isinstance(raw, str) or raw in _JSON_TYPES:
        return False
    optional = _OPTIONAL_SUFFIX.match(raw)
    name = optional.group(1).strip() if optional else raw
    generic = _GENERIC_LIST.match(name)
    if generic:
        schema["type"] = "array"
        schema.setdefault("items", {"type": _canonical_type(generic.group(1))})
    else:
        schema["type"] = _canonical_type(name)
    if schema["type"] != raw:
        repairs.add(SCHEMA_TYPE_ALIAS)
    return optional is not None


def _normalize_schema(schema: Any, repairs: set[str]) -> None:
    if not isinstance(schema, dict):
        return
    _normalize_type(schema, repairs)
    properties = schema.get("properties")
    if isinstance(properties, dict):
        optional = {
            key for key, sub in properties.items() if isinstance(sub, dict) and _normalize_type(sub, repairs)
        }
        required = schema.get("required")
        if optional and isinstance(required, list):
            schema["required"] = [name for name in required if name not in optional]
    for key in _SUBSCHEMA_MAPS:
        children = schema.get(key)
        if isinstance(children, dict):
            for child in children.values():
                _normalize_schema(child, repairs)
    for key in _SUBSCHEMA_LISTS:
        children = schema.get(key)
        if isinstance(children, list):
            for child in children:
                _normalize_schema(child, repairs)
    for key in _SUBSCHEMA_SINGLE:
        _normalize_schema(schema.get(key), repairs)


def _wrap_bare_properties(schema: dict[str, Any], repairs: set[str]) -> dict[str, Any]:
    if not schema or "type" in schema or "properties" in schema:
        return schema
    if not all(isinstance(sub, dict) and "type" in sub for sub in schema.values()):
        return schema
    repairs.add(PARAMETERS_WRAPPED)
    required = [name for name, sub in schema.items() if "default" not in sub]
    return {"type": "object", "properties": schema, "required": required}


def _function_body(raw: Any) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        return None
    inner = raw.get("function")
    return inner if isinstance(inner, dict) else raw


def normalize_tool(raw: Any, repairs: set[str]) -> Tool | ParseFailure:
    """One tool definition → Tool; the normalisations applied are added to `repairs`."""
    body = _function_body(raw)
    if body is None:
        return ParseFailure(TOOL_INVALID, f"tool is a {type(raw).__name__}, not an object")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        return ParseFailure(TOOL_INVALID, "tool without a name")
    description = body.get("description")
    schema = next((body[key] for key in _SCHEMA_KEYS if body.get(key) is not None), None)
    if schema is None:
        repairs.add(PARAMETERS_DEFAULTED)
        schema = {"type": "object", "properties": {}}
    if not isinstance(schema, dict):
        return ParseFailure(
            TOOL_INVALID, f"tool {name!r}: schema is a {type(schema).__name__}, not an object"
        )
    schema = _wrap_bare_properties(copy.deepcopy(schema), repairs)
    outer_required = body.get("required")
    if isinstance(outer_required, list) and "required" not in schema:
        schema["required"] = outer_required
        repairs.add(REQUIRED_MOVED)
    _normalize_schema(schema, repairs)
    return Tool.of(name.strip(), description if isinstance(description, str) else "", schema)


def normalize_tools(raw: Any) -> tuple[list[Tool], list[str]] | ParseFailure:
    """A JSON list of tool definitions → (tools, sorted repairs) or the first tool's failure."""
    if not isinstance(raw, list):
        return ParseFailure(TOOL_INVALID, f"tools must be a list, got {type(raw).__name__}")
    repairs: set[str] = set()
    tools: list[Tool] = []
    for index, item in enumerate(raw):
        tool = normalize_tool(item, repairs)
        if isinstance(tool, ParseFailure):
            return tool.with_context(f"tool {index}")
        tools.append(tool)
    return tools, sorted(repairs)
