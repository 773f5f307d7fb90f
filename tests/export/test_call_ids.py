"""The openai export renumbers reused call ids (as tau-bench logs reuse them) instead of dropping the
conversation; one that truly cannot be converted is still skipped with its reason."""

from __future__ import annotations

import json

from gem_spark.export.call_ids import CALL_IDS_RENUMBERED, renumber_call_ids
from gem_spark.export.convert import OPENAI, ConvertSettings, convert
from gem_spark.export.openai_format import UNANSWERED_CALL, openai_problems, to_openai
from gem_spark.schema import Message, Tool, ToolCall, Trajectory, to_json

SETTINGS = ConvertSettings(fmt=OPENAI, max_input_chars=1000)
_THINK = Tool.of("think", "Think out loud.", {"type": "object", "properties": {"thought": {"type": "string"}}})
_SEARCH = Tool.of("search_flights", "Search flights.", {"type": "object", "properties": {"to": {"type": "string"}}})


def _turn(call_ids: list[str], name: str = "think") -> list[Message]:
    calls = [ToolCall(id=i, name=name, arguments={"thought": f"step {n}"}) for n, i in enumerate(call_ids)]
    answers = [Message(role="tool", content="" if name == "think" else '{"flights": []}', tool_call_id=i, name=name)
               for i in call_ids]  # fmt: skip
    return [Message(role="assistant", content="", tool_calls=calls), *answers]


def _conversation(*turns: list[Message]) -> Trajectory:
    messages = [Message(role="system", content="Airline agent."), Message(role="user", content="Change my flight.")]
    for turn in turns:
        messages += turn
    return Trajectory(tools=[_THINK, _SEARCH], messages=[*messages, Message(role="assistant", content="Done.")])


def test_reused_ids_across_turns_and_within_a_turn_are_renumbered() -> None:
    trajectory = _conversation(_turn(["call_1"]), _turn(["call_1"], "search_flights"), _turn(["call_1", "call_1"]))
    renumbered, changed = renumber_call_ids(trajectory)
    assert changed
    record = to_openai(renumbered)
    assert openai_problems(record) == []
    ids = [(m["role"], m.get("tool_call_id") or [c["id"] for c in m.get("tool_calls", [])]) for m in record["messages"][2:-1]]
    assert ids == [
        ("assistant", ["call_1"]), ("tool", "call_1"),
        ("assistant", ["call_1_2"]), ("tool", "call_1_2"),
        ("assistant", ["call_1_3", "call_1_4"]), ("tool", "call_1_3"), ("tool", "call_1_4"),
    ]  # fmt: skip
    assert renumber_call_ids(trajectory)[0] == renumbered  # deterministic


def test_export_keeps_the_conversation_and_notes_the_renumbering() -> None:
    reused = convert(SETTINGS, to_json(_conversation(_turn(["tc_0"]), _turn(["tc_0"]))))
    assert reused.record is not None and reused.notes == (CALL_IDS_RENUMBERED,)
    unique = convert(SETTINGS, to_json(_conversation(_turn(["tc_0"]), _turn(["tc_1"]))))
    assert unique.record is not None and unique.notes == ()
    assert json.dumps(unique.record).count('"tc_1"') == 2


def test_an_unanswered_call_is_still_skipped_with_its_reason() -> None:
    broken = _conversation(_turn(["a"])[:1], _turn(["a"]))
    assert convert(SETTINGS, to_json(broken)).skip_reason == UNANSWERED_CALL
