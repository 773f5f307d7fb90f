"""Stage-1 output: `<multi_step>True|False</multi_step>` and, when True, summary/domain/platform/task."""

from __future__ import annotations

import re

from gem_spark.parse.failure import INVALID_BOOLEAN, JSON_WRONG_TYPE, MISSING_LABEL, MISSING_TAG, ParseFailure
from gem_spark.parse.jsonload import load_json
from gem_spark.parse.text import find_tag, prepare
from gem_spark.schema import LABEL_SETS, Selection

_TRUE = frozenset({"true", "yes"})
_FALSE = frozenset({"false", "no"})
_SPACES = re.compile(r"[\s-]+")


def _label(value: str) -> str:
    """Case and spacing only ("Computers and Electronics" → computers_and_electronics); no mapping."""
    return _SPACES.sub("_", value.strip().strip("`'\"").strip().lower())


def parse_selection(text: object) -> Selection | ParseFailure:
    """The tagged Stage-1 answer (select.j2)."""
    body = prepare(text)
    if isinstance(body, ParseFailure):
        return body
    flag = find_tag(body, "multi_step")
    if flag is None:
        return ParseFailure(MISSING_TAG, "<multi_step>")
    fields = {name: find_tag(body, name) for name in ("summary", *LABEL_SETS)}
    return _selection(flag, fields)


def parse_selection_json(text: object) -> Selection | ParseFailure:
    """The JSON Stage-1 answer (select_json.j2, produced under SELECT_JSON_SCHEMA)."""
    body = prepare(text)
    if isinstance(body, ParseFailure):
        return body
    loaded = load_json(body)
    if isinstance(loaded, ParseFailure):
        return loaded
    value = loaded[0]
    if not isinstance(value, dict) or "multi_step" not in value:
        return ParseFailure(JSON_WRONG_TYPE, "expected an object with multi_step")
    fields = {name: _text_or_none(value.get(name)) for name in ("summary", *LABEL_SETS)}
    return _selection(str(value["multi_step"]), fields)


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _selection(flag: str, fields: dict[str, str | None]) -> Selection | ParseFailure:
    """Shared by both answer formats: the flag, then (when True) summary and the three labels."""
    answer = flag.strip("`'\" .").lower()
    if answer in _FALSE:
        return Selection(multi_step=False)
    if answer not in _TRUE:
        return ParseFailure(INVALID_BOOLEAN, f"multi_step holds {flag[:40]!r}")
    missing = [name for name, value in fields.items() if not value]
    if missing:
        return ParseFailure(MISSING_LABEL, f"multi_step is True but {', '.join(missing)} missing or empty")
    values = {field: _label(fields[field] or "") for field in LABEL_SETS}
    invalid = sorted(field for field, value in values.items() if value not in LABEL_SETS[field])
    return Selection(multi_step=True, summary=fields["summary"], invalid_labels=invalid, **values)
