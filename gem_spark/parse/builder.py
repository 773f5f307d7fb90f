"""Assemble a Trajectory turn by turn, giving calls ids and linking each tool message to its call.

Shared by the tag parser and the dataset importers so both link responses the same way: a tool message
answers the open call of the latest assistant turn with its id if it names one; otherwise the oldest open
call with its tool name if it gives one; otherwise the oldest open call. With no open call left it stays
unlinked (tool_call_id None) and the validator reports response_without_call.
"""

from __future__ import annotations

from typing import Any

from gem_spark.schema import Message, Role, Tool, ToolCall, Trajectory


class TrajectoryBuilder:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.issues: set[str] = set()
        self.repairs: set[str] = set()
        self._open: list[ToolCall] = []
        self._next_id = 0

    @property
    def open_calls(self) -> int:
        return len(self._open)

    def text(self, role: Role, content: str) -> None:
        self._open = []
        self.messages.append(Message(role=role, content=content))

    def assistant(self, content: str, calls: list[tuple[str, dict[str, Any], str | None]]) -> None:
        """calls: (name, arguments, id from the source or None → call_<n>)."""
        made = []
        for name, arguments, call_id in calls:
            made.append(ToolCall(id=call_id or f"call_{self._next_id}", name=name, arguments=arguments))
            self._next_id += 1
        self._open = list(made)
        self.messages.append(Message(role="assistant", content=content, tool_calls=made))

    def tool(self, content: str, name: str | None = None, call_id: str | None = None) -> None:
        call = self._answered_call(name, call_id)
        if call is None:
            self.messages.append(Message(role="tool", content=content, name=name))
            return
        self._open.remove(call)
        self.messages.append(Message(role="tool", content=content, tool_call_id=call.id, name=call.name))

    def _answered_call(self, name: str | None, call_id: str | None) -> ToolCall | None:
        if call_id is not None:
            return next((call for call in self._open if call.id == call_id), None)
        if name is not None:
            return next((call for call in self._open if call.name == name), None)
        return self._open[0] if self._open else None

    def build(self, tools: list[Tool], stage: str | None, repairs: list[str] | None = None) -> Trajectory:
        return Trajectory(
            tools=tools,
            messages=self.messages,
            stage=stage,
            issues=sorted(self.issues),
            repairs=sorted(self.repairs.union(repairs or [])),
        )
