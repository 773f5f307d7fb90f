"""Schemas compiled to plain Python predicates for the JSON Schema subset tool definitions use.

jsonschema's interpreter costs ~75 µs per call; a refined trajectory has ~16 calls. `compile_schema`
turns a schema built only from the keywords below into nested closures (a few µs per call) with the
same verdicts as jsonschema's Draft 2020-12 validator (property-tested against it). Any other validation
keyword (`$ref`, `patternProperties`, `uniqueItems`, `multipleOf`, `if`, …) or a `$schema` naming another
draft makes it return None, and the caller uses jsonschema itself. Unknown keywords are annotations in
JSON Schema and are ignored, as jsonschema does; `format` is an annotation too (no format checker).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Predicate = Callable[[Any], bool]

_DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
# Validation keywords of all drafts that this compiler does not implement.
_UNSUPPORTED = frozenset(
    {
        "$ref", "$dynamicRef", "$recursiveRef", "multipleOf", "uniqueItems", "contains", "maxContains",
        "minContains", "dependentRequired", "dependentSchemas", "dependencies", "patternProperties",
        "propertyNames", "prefixItems", "additionalItems", "unevaluatedItems", "unevaluatedProperties",
        "if", "then", "else",
    }
)  # fmt: skip
_TYPES: dict[str, Predicate] = {
    "string": lambda v: isinstance(v, str),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "integer": lambda v: (
        (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer())
    ),
}


class Unsupported(Exception):
    """Raised inside the compiler when a schema needs jsonschema itself."""


def json_equal(one: Any, two: Any) -> bool:
    """JSON equality as JSON Schema defines it: 1 == 1.0, but true != 1."""
    if isinstance(one, bool) or isinstance(two, bool):
        return isinstance(one, bool) and isinstance(two, bool) and one == two
    if isinstance(one, list) and isinstance(two, list):
        return len(one) == len(two) and all(json_equal(a, b) for a, b in zip(one, two))
    if isinstance(one, dict) and isinstance(two, dict):
        return one.keys() == two.keys() and all(json_equal(one[key], two[key]) for key in one)
    if isinstance(one, (list, dict)) or isinstance(two, (list, dict)):
        return False
    return bool(one == two)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _number(schema: dict[str, Any], key: str) -> float | None:
    value = schema.get(key)
    if value is None:
        return None
    if not _is_number(value):
        raise Unsupported(key)
    return value


def _count(schema: dict[str, Any], key: str) -> int | None:
    value = schema.get(key)
    if value is None:
        return None
    if not _is_number(value):
        raise Unsupported(key)
    return value


def _type_check(schema: dict[str, Any]) -> list[Predicate]:
    declared = schema.get("type")
    if declared is None:
        return []
    names = [declared] if isinstance(declared, str) else declared
    if not isinstance(names, list) or not names or any(name not in _TYPES for name in names):
        raise Unsupported("type")
    checks = [_TYPES[name] for name in names]
    return [checks[0]] if len(checks) == 1 else [lambda v: any(check(v) for check in checks)]


def _value_checks(schema: dict[str, Any]) -> list[Predicate]:
    checks: list[Predicate] = []
    if "enum" in schema:
        options = schema["enum"]
        if not isinstance(options, list):
            raise Unsupported("enum")
        checks.append(lambda v: any(json_equal(v, option) for option in options))
    if "const" in schema:
        constant = schema["const"]
        checks.append(lambda v: json_equal(v, constant))
    return checks


def _numeric_checks(schema: dict[str, Any]) -> list[Predicate]:
    bounds = [
        (_number(schema, "minimum"), lambda v, b: v >= b),
        (_number(schema, "maximum"), lambda v, b: v <= b),
        (_number(schema, "exclusiveMinimum"), lambda v, b: v > b),
        (_number(schema, "exclusiveMaximum"), lambda v, b: v < b),
    ]
    return [
        (lambda v, b=bound, test=test: not _is_number(v) or test(v, b))
        for bound, test in bounds
        if bound is not None
    ]


def _string_checks(schema: dict[str, Any]) -> list[Predicate]:
    checks: list[Predicate] = []
    low, high = _count(schema, "minLength"), _count(schema, "maxLength")
    if low is not None:
        checks.append(lambda v: not isinstance(v, str) or len(v) >= low)
    if high is not None:
        checks.append(lambda v: not isinstance(v, str) or len(v) <= high)
    if "pattern" in schema:
        try:
            pattern = re.compile(schema["pattern"])
        except (re.error, TypeError) as exc:
            raise Unsupported("pattern") from exc
        checks.append(lambda v: not isinstance(v, str) or pattern.search(v) is not None)
    return checks


def _array_checks(schema: dict[str, Any]) -> list[Predicate]:
    checks: list[Predicate] = []
    low, high = _count(schema, "minItems"), _count(schema, "maxItems")
    if low is not None:
        checks.append(lambda v: not isinstance(v, list) or len(v) >= low)
    if high is not None:
        checks.append(lambda v: not isinstance(v, list) or len(v) <= high)
    if "items" in schema:
        item = _compile(schema["items"])
        checks.append(lambda v: not isinstance(v, list) or all(item(element) for element in v))
    return checks


def _object_checks(schema: dict[str, Any]) -> list[Predicate]:
    checks: list[Predicate] = []
    required = schema.get("required", [])
    if not isinstance(required, list):
        raise Unsupported("required")
    if required:
        needed = list(required)
        checks.append(lambda v: not isinstance(v, dict) or all(name in v for name in needed))
    low, high = _count(schema, "minProperties"), _count(schema, "maxProperties")
    if low is not None:
        checks.append(lambda v: not isinstance(v, dict) or len(v) >= low)
    if high is not None:
        checks.append(lambda v: not isinstance(v, dict) or len(v) <= high)
    properties = schema.get("properties", {})
    if not isinstance(properties, dict):
        raise Unsupported("properties")
    compiled = {name: _compile(sub) for name, sub in properties.items()}
    extra = _compile(schema["additionalProperties"]) if "additionalProperties" in schema else None
    if compiled or extra is not None:
        checks.append(_members_check(compiled, extra))
    return checks


def _members_check(compiled: dict[str, Predicate], extra: Predicate | None) -> Predicate:
    """properties + additionalProperties in one pass over the instance's own members."""

    def check(value: Any) -> bool:
        if not isinstance(value, dict):
            return True
        for key, item in value.items():
            member = compiled.get(key, extra)
            if member is not None and not member(item):
                return False
        return True

    return check


def _combinator_checks(schema: dict[str, Any]) -> list[Predicate]:
    checks: list[Predicate] = []
    for key in ("allOf", "anyOf", "oneOf"):
        if key not in schema:
            continue
        subs = schema[key]
        if not isinstance(subs, list) or not subs:
            raise Unsupported(key)
        parts = [_compile(sub) for sub in subs]
        if key == "allOf":
            checks.append(_all_of(tuple(parts)))
        elif key == "anyOf":
            checks.append(lambda v, parts=parts: any(part(v) for part in parts))
        else:
            checks.append(lambda v, parts=parts: sum(1 for part in parts if part(v)) == 1)
    if "not" in schema:
        negated = _compile(schema["not"])
        checks.append(lambda v: not negated(v))
    return checks


def _compile(schema: Any) -> Predicate:
    if schema is True:
        return lambda v: True
    if schema is False:
        return lambda v: False
    if not isinstance(schema, dict) or _UNSUPPORTED.intersection(schema):
        raise Unsupported("schema")
    checks = (
        _type_check(schema)
        + _value_checks(schema)
        + _numeric_checks(schema)
        + _string_checks(schema)
        + _array_checks(schema)
        + _object_checks(schema)
        + _combinator_checks(schema)
    )
    if not checks:
        return lambda v: True
    if len(checks) == 1:
        return checks[0]
    return _all_of(tuple(checks))


def _all_of(checks: tuple[Predicate, ...]) -> Predicate:
    def check(value: Any) -> bool:
        for part in checks:
            if not part(value):
                return False
        return True

    return check


def compile_schema(schema: Any) -> Predicate | None:
    """A predicate equivalent to jsonschema's Draft 2020-12 verdict, or None when jsonschema must do it."""
    if isinstance(schema, dict) and schema.get("$schema", _DRAFT_2020_12).rstrip("#") != _DRAFT_2020_12:
        return None
    try:
        return _compile(schema)
    except Unsupported:
        return None
