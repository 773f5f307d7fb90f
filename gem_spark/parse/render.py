"""Models back to GEM's tagged text: the judge reads conversations this way, and the synthesizer's
SFT targets must be exactly what the synthesize stage parses (parse ∘ render keeps the trajectory)."""

from __future__ import annotations

import json

from gem_spark.schema import Message, Trajectory, Workflow, tools_to_json


def render_message(message: Message) -> str:
    if message.role != "assistant":
        return f"<{message.role}>{message.content}</{message.role}>"
    calls = "".join(
        "<func>" + json.dumps({"name": call.name, "arguments": call.arguments}, ensure_ascii=False) + "</func>"
        for call in message.tool_calls
    )
    separator = " " if message.content and calls else ""
    return f"<assistant>{message.content}{separator}{calls}</assistant>"


def render_trajectory(trajectory: Trajectory) -> str:
    """The conversation in stage-3 tags (no tool list)."""
    return "\n".join(render_message(message) for message in trajectory.messages)


def render_toolset_trajectory(trajectory: Trajectory) -> str:
    """`<toolsets>[…]</toolsets>` then the conversation: the refine / synthesize output format."""
    return f"<toolsets>{tools_to_json(trajectory.tools)}</toolsets>\n{render_trajectory(trajectory)}"


def describe_workflow(workflow: Workflow) -> str:
    """The parts of a workflow the generate prompt shows beside its tools."""
    steps = "\n".join(workflow.steps)
    return f"Description: {workflow.description}\nSteps:\n{steps}\nExecution graph: {workflow.execution_graph}"
