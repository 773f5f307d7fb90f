"""Execution graphs as Stage 2 writes them: `(login)->(search_query)->(update_item)`, with parallel
branches `(a)->(b, c)->(d)`. Several chains may be given on separate lines or separated by `;`.
Every node of a group links to every node of the next group. Each group is a step: a tool may appear in
several steps, so `nodes` lists tool names once and `edges` may hold a pair in both directions."""

from __future__ import annotations

import re

from gem_spark.parse.failure import GRAPH_INVALID, ParseFailure

_ARROW = re.compile(r"\s*(?:->|→|=>)\s*")
_CHAINS = re.compile(r"[;\n]+")


def _group_nodes(group: str) -> list[str] | None:
    group = group.strip()
    if group.startswith("(") != group.endswith(")"):
        return None
    inner = group[1:-1] if group.startswith("(") else group
    if "(" in inner or ")" in inner:
        return None
    nodes = [node.strip().strip("`'\"") for node in inner.split(",")]
    return nodes if nodes and all(nodes) else None


def parse_execution_graph(text: str) -> tuple[list[str], list[tuple[str, str]]] | ParseFailure:
    """Graph text → (nodes in first-appearance order, unique edges in order)."""
    nodes: dict[str, None] = {}
    edges: dict[tuple[str, str], None] = {}
    for chain in filter(str.strip, _CHAINS.split(text)):
        previous: list[str] = []
        for group in _ARROW.split(chain.strip()):
            current = _group_nodes(group)
            if current is None:
                return ParseFailure(GRAPH_INVALID, f"bad group {group.strip()[:80]!r}")
            nodes.update(dict.fromkeys(current))
            edges.update(dict.fromkeys((a, b) for a in previous for b in current))
            previous = current
    if not nodes:
        return ParseFailure(GRAPH_INVALID, "empty execution graph")
    return list(nodes), list(edges)
