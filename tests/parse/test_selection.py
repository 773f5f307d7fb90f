"""The JSON answer format of Stage 1 (select_json.j2), parsed like the tagged one."""

from gem_spark.parse import ParseFailure, parse_selection_json


def test_json_selection_true_with_labels() -> None:
    text = '{"multi_step": true, "summary": "Book a flight.", "domain": "travel_and_transportation", "platform": "computer", "task": "search"}'
    selection = parse_selection_json(text)
    assert selection.multi_step is True
    assert (selection.domain, selection.platform, selection.task) == ("travel_and_transportation", "computer", "search")
    assert selection.invalid_labels == []


def test_json_selection_false_and_failures() -> None:
    assert parse_selection_json('{"multi_step": false}').multi_step is False
    wrong_type = parse_selection_json("[1, 2]")
    assert isinstance(wrong_type, ParseFailure) and wrong_type.reason == "json_wrong_type"
    missing = parse_selection_json('{"multi_step": true, "summary": "x"}')
    assert isinstance(missing, ParseFailure) and missing.reason == "missing_label"
    invalid = parse_selection_json('{"multi_step": true, "summary": "x", "domain": "news", "platform": "phone", "task": "teleport"}')
    assert invalid.invalid_labels == ["task"]
