"""Checks on a Stage-2 workflow before a trajectory is generated from it.

GEM.md: the execution graph orders the workflow's own tools, with parallel branches. The notation is a
sequence of steps — `(select_item)->(list_entries)->(add_entry)->(list_entries)` — where each group is
one step and the same tool may be called in several steps (check a list before and after changing it).
A step sequence always moves forward, so the notation cannot express a loop and there is no cycle check:
a tool named twice is two steps, not a cycle. What remains to check is that every step names a tool the
workflow defines (the parser already rejected malformed notation as `graph_invalid`).
"""

from __future__ import annotations

from gem_spark.schema import Workflow

NO_TOOLS = "workflow_without_tools"
GRAPH_UNKNOWN_TOOL = "graph_unknown_tool"


def validate_workflow(workflow: Workflow) -> list[str]:
    """Every reason code the workflow violates (empty when it can be used)."""
    if not workflow.tools:
        return [NO_TOOLS]
    defined = {tool.name for tool in workflow.tools}
    if any(node not in defined for node in workflow.nodes):
        return [GRAPH_UNKNOWN_TOOL]
    return []
