"""Give every tool call of a conversation its own id, deterministically.

Real conversations reuse call ids across turns (tau-bench gpt-4o logs: 49 of 200), which the OpenAI
format forbids although every response follows its call. A call whose id was already used becomes
`<id>_<n>` with the smallest free n; its tool messages follow it: a tool message takes the id of the
earliest still-unanswered call of the latest assistant turn that had its original id.
"""

from __future__ import annotations

from gem_spark.schema import Message, Trajectory

CALL_IDS_RENUMBERED = "call_ids_renumbered"


def _free_id(call_id: str, used: set[str]) -> str:
    n = 2
    while f"{call_id}_{n}" in used:
        n += 1
    return f"{call_id}_{n}"


def renumber_call_ids(trajectory: Trajectory) -> tuple[Trajectory, bool]:
    """(trajectory with unique call ids, whether any id changed)."""
    used: set[str] = set()
    pending: dict[str, list[str]] = {}  # original id → new ids of the latest turn, not yet answered
    messages: list[Message] = []
    changed = False
    for message in trajectory.messages:
        if message.tool_calls:
            pending = {}
            calls = []
            for call in message.tool_calls:
                new_id = call.id if call.id not in used else _free_id(call.id, used)
                used.add(new_id)
                pending.setdefault(call.id, []).append(new_id)
                calls.append(call if new_id == call.id else call.model_copy(update={"id": new_id}))
            changed |= any(new.id != old.id for new, old in zip(calls, message.tool_calls))
            message = message.model_copy(update={"tool_calls": calls})
        elif message.role == "tool" and pending.get(message.tool_call_id or ""):
            new_id = pending[message.tool_call_id or ""].pop(0)
            if new_id != message.tool_call_id:
                message = message.model_copy(update={"tool_call_id": new_id})
        messages.append(message)
    if not changed:
        return trajectory, False
    return trajectory.model_copy(update={"messages": messages}), True
