"""inconsistent_response_structure: successful responses of one tool that contradict each other.

Real tools return optional keys (a checksum for one file type only, `replaced` only when an entry was
overwritten, a `total` on one page), so differing key sets are normal. A contradiction is:
- a different top-level JSON type (an object once, a list another time; a null result is not compared);
- the same top-level key with different JSON types (null is compatible with any type: an unset value);
- an object that shares no key with the tool's other successful objects (a different payload entirely).
The detail names the tool, the key and the message indices.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

_KINDS = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number", float: "number"}


def json_kind(value: Any) -> str:
    return "null" if value is None else _KINDS.get(type(value), type(value).__name__)


@dataclass
class _ToolShape:
    kind: str
    first: int
    # key → (kind, message index) of its first non-null value
    key_kinds: dict[str, tuple[str, int]] = field(default_factory=dict)
    objects: list[tuple[int, list[str]]] = field(default_factory=list)


class ResponseShapes:
    """Successful responses seen so far, per tool; `add` answers the first contradiction found."""

    def __init__(self) -> None:
        self._tools: dict[str, _ToolShape] = {}

    def add(self, tool: str, index: int, value: Any) -> str | None:
        if value is None:  # a tool that returned null returned nothing: no structure to compare
            return None
        kind = json_kind(value)
        known = self._tools.get(tool)
        if known is None:
            known = self._tools[tool] = _ToolShape(kind, index)
        elif known.kind != kind:
            return f"{tool}: message {known.first} returned {known.kind}, message {index} returned {kind}"
        if kind != "object":
            return None
        known.objects.append((index, list(value)))
        for key, item in value.items():
            if item is None:
                continue
            item_kind = json_kind(item)
            seen = known.key_kinds.setdefault(key, (item_kind, index))
            if seen[0] != item_kind:
                return (
                    f"{tool}: key {key!r} is {seen[0]} in message {seen[1]}, {item_kind} in message {index}"
                )
        return None

    def disjoint(self) -> str | None:
        """A successful object sharing no key with the same tool's other non-empty objects."""
        for tool, known in self._tools.items():
            objects = [(index, keys) for index, keys in known.objects if keys]
            if len(objects) < 2:
                continue
            counts = Counter(key for _, keys in objects for key in keys)
            for index, keys in objects:
                if all(counts[key] == 1 for key in keys):
                    others = sorted(set(counts) - set(keys))[:6]
                    return f"{tool}: message {index} has keys {sorted(keys)[:6]}, the others {others}"
        return None
