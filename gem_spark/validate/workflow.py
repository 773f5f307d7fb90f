"""Checks on a Stage-2 workflow before a trajectory is generated from it.

GEM.md: the execution graph orders the workflow's own tools, with parallel branches; a graph that
names a tool the workflow does not define, or that loops, cannot ground a conversation.
"""

from __future__ import annotations

from gem_spark.schema import Workflow

NO_TOOLS = "workflow_without_tools"
GRAPH_UNKNOWN_TOOL = "graph_unknown_tool"
GRAPH_CYCLE = "graph_cycle"


def has_cycle(nodes: list[str], edges: list[tuple[str, str]]) -> bool:
    """Kahn's algorithm: a graph is acyclic iff every node can be removed in topological order."""
    successors: dict[str, list[str]] = {node: [] for node in nodes}
    indegree: dict[str, int] = dict.fromkeys(nodes, 0)
    for source, target in edges:
        successors.setdefault(source, []).append(target)
        successors.setdefault(target, [])
        indegree[target] = indegree.get(target, 0) + 1
        indegree.setdefault(source, 0)
    ready = [node for node, degree in indegree.items() if degree == 0]
    removed = 0
    while ready:
        node = ready.pop()
        removed += 1
        for target in successors[node]:
            indegree[target] -= 1
            if indegree[target] == 0:
                ready.append(target)
    return removed < len(indegree)


def validate_workflow(workflow: Workflow) -> list[str]:
    """Every reason code the workflow violates (empty when it can be used)."""
    if not workflow.tools:
        return [NO_TOOLS]
    reasons = []
    defined = {tool.name for tool in workflow.tools}
    if any(node not in defined for node in workflow.nodes):
        reasons.append(GRAPH_UNKNOWN_TOOL)
    if has_cycle(workflow.nodes, workflow.edges):
        reasons.append(GRAPH_CYCLE)
    return reasons
