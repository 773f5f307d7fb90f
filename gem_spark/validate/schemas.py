"""Tool parameter schemas: are they valid JSON Schema, and compiled argument checkers for them.

Both results are cached by the schema's exact content (its pickle bytes: equal bytes ⇔ equal schema),
so a schema seen before costs one dict lookup. `$ref` policy: only references inside the document
("#…") are allowed; anything else makes the schema invalid and is never fetched (the jsonschema
validators also get a registry that refuses retrieval). A cycle of references that never consumes
part of the instance (`{"$ref": "#"}`) would recurse forever while validating: it is invalid too.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from jsonschema.validators import validator_for
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource, Unresolvable

from gem_spark.validate.compiled import Predicate, compile_schema

_CACHE_LIMIT = 8192
# Keywords whose subschemas apply to the same instance (following them consumes nothing).
_SAME_INSTANCE_LISTS = ("allOf", "anyOf", "oneOf")
_SAME_INSTANCE_SINGLE = ("not", "if", "then", "else")


def _refuse(uri: str) -> Resource[Any]:
    raise NoSuchResource(ref=uri)


SAFE_REGISTRY: Registry[Any] = Registry(retrieve=_refuse)  # type: ignore[call-arg]


def schema_key(schema: Any) -> bytes:
    return pickle.dumps(schema, protocol=5)


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every dict in a schema document (iterative: hostile depth cannot overflow the stack)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            yield current
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)


def _pointer(root: Any, ref: str) -> Any:
    """Resolve a local "#/a/b" reference; raises LookupError when it points nowhere."""
    node = root
    for raw in ref[1:].split("/")[1:]:
        part = unquote(raw).replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise LookupError(ref)
    return node


def _same_instance_children(node: dict[str, Any], root: Any) -> list[Any]:
    children: list[Any] = []
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#"):
        children.append(_pointer(root, ref))
    for key in _SAME_INSTANCE_LISTS:
        if isinstance(node.get(key), list):
            children.extend(node[key])
    children.extend(node[key] for key in _SAME_INSTANCE_SINGLE if key in node)
    return [child for child in children if isinstance(child, dict)]


def _has_ref_cycle(root: dict[str, Any]) -> bool:
    """Depth-first search for a cycle among same-instance edges (iterative)."""
    state: dict[int, int] = {}  # id → 1 on the path, 2 done
    for start in _walk(root):
        if id(start) in state:
            continue
        stack = [(start, iter(_same_instance_children(start, root)))]
        state[id(start)] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[id(node)] = 2
                stack.pop()
            elif state.get(id(child)) == 1:
                return True
            elif id(child) not in state:
                state[id(child)] = 1
                stack.append((child, iter(_same_instance_children(child, root))))
    return False


def _ref_problem(schema: dict[str, Any]) -> str | None:
    if any("$id" in node for node in _walk(schema) if node is not schema):
        return "$id inside a tool schema would move references outside the document"
    refs = [node["$ref"] for node in _walk(schema) if "$ref" in node]
    dynamic = [node for node in _walk(schema) if "$dynamicRef" in node or "$recursiveRef" in node]
    if dynamic:
        return "$dynamicRef/$recursiveRef are not allowed in tool schemas"
    for ref in refs:
        if not isinstance(ref, str) or not ref.startswith("#"):
            return f"$ref {str(ref)[:80]!r} points outside the document (never fetched)"
        if ref != "#" and not ref.startswith("#/"):
            return f"$ref {ref[:80]!r}: only JSON-pointer references are allowed"
        try:
            _pointer(schema, ref)
        except LookupError:
            return f"$ref {ref[:80]!r} does not resolve"
    if refs and _has_ref_cycle(schema):
        return "$ref cycle that never consumes the instance"
    return None


def _metaschema_problem(schema: dict[str, Any]) -> str | None:
    cls = validator_for(schema, default=Draft202012Validator)
    try:
        cls.check_schema(schema)
    except SchemaError as exc:
        return f"not a valid JSON Schema: {exc.message[:160]}"
    return None


_PROBLEMS: dict[bytes, str | None] = {}


def parameters_problem(schema: Any, key: bytes | None = None) -> str | None:
    """Why a tool's `parameters` are not a valid object schema, or None when they are (cached)."""
    key = schema_key(schema) if key is None else key
    if key in _PROBLEMS:
        return _PROBLEMS[key]
    if not isinstance(schema, dict):
        problem: str | None = "parameters are not an object"
    elif not isinstance(schema.get("$schema", ""), str):
        problem = "$schema is not a string"
    elif schema.get("type") != "object":
        problem = 'parameters must be a schema of "type": "object"'
    else:
        problem = _ref_problem(schema) or _metaschema_problem(schema)
    if len(_PROBLEMS) >= _CACHE_LIMIT:
        _PROBLEMS.clear()
    _PROBLEMS[key] = problem
    return problem


@dataclass(frozen=True)
class ArgumentChecker:
    """Compiled checks for one tool's arguments (schema must have passed parameters_problem)."""

    required: frozenset[str]
    # None: the schema lets any extra argument through (additionalProperties true/schema, patternProperties).
    allowed: frozenset[str] | None
    is_valid: Predicate
    schema: dict[str, Any]

    def mismatched(self, arguments: dict[str, Any]) -> bool:
        """True when some argument value breaks the schema (missing/extra names are counted apart)."""
        if self.is_valid(arguments):
            return False
        validator = _jsonschema_validator(self.schema)
        try:
            return any(
                error.path or error.validator not in ("required", "additionalProperties")
                for error in validator.iter_errors(arguments)
            )
        except (Unresolvable, RecursionError):
            return True


def _jsonschema_validator(schema: dict[str, Any]) -> Any:
    cls = validator_for(schema, default=Draft202012Validator)
    return cls(schema, registry=SAFE_REGISTRY)


def _guarded(validator: Any) -> Predicate:
    """jsonschema's verdict; a reference it cannot resolve or runaway recursion counts as invalid."""

    def is_valid(instance: Any) -> bool:
        try:
            return bool(validator.is_valid(instance))
        except (Unresolvable, RecursionError):
            return False

    return is_valid


def _allowed_names(schema: dict[str, Any]) -> frozenset[str] | None:
    """Our unexpected_argument policy: names outside `properties` are unexpected unless the schema
    explicitly admits extras (additionalProperties true or a schema, or patternProperties)."""
    extra = schema.get("additionalProperties", False)
    if extra is not False or "patternProperties" in schema:
        return None
    properties = schema.get("properties")
    return frozenset(properties) if isinstance(properties, dict) else frozenset()


_CHECKERS: dict[bytes, ArgumentChecker] = {}


def argument_checker(schema: dict[str, Any], key: bytes | None = None) -> ArgumentChecker:
    key = schema_key(schema) if key is None else key
    checker = _CHECKERS.get(key)
    if checker is not None:
        return checker
    predicate = compile_schema(schema) or _guarded(_jsonschema_validator(schema))
    required = schema.get("required") or []
    checker = ArgumentChecker(frozenset(required), _allowed_names(schema), predicate, schema)
    if len(_CHECKERS) >= _CACHE_LIMIT:
        _CHECKERS.clear()
    _CHECKERS[key] = checker
    return checker


def clear_caches() -> None:
    """Forget every compiled schema (benchmarks use it to measure the cold path)."""
    _PROBLEMS.clear()
    _CHECKERS.clear()
