"""Stage-1 output: `<multi_step>True|False</multi_step>` and, when True, summary/domain/platform/task."""

from __future__ import annotations

import re

from gem_spark.parse.failure import INVALID_BOOLEAN, MISSING_LABEL, MISSING_TAG, ParseFailure
from gem_spark.parse.text import find_tag, prepare
from gem_spark.schema import LABEL_SETS, Selection

_TRUE = frozenset({"true", "yes"})
_FALSE = frozenset({"false", "no"})
_SPACES = re.compile(r"[\s-]+")


def _label(value: str) -> str:
    """Case and spacing only ("Computers and Electronics" → computers_and_electronics); no mapping."""
    return _SPACES.sub("_", value.strip().strip("`'\"").strip().lower())


def parse_selection(text: object) -> Selection | ParseFailure:
    body = prepare(text)
    if isinstance(body, ParseFailure):
        return body
    flag = find_tag(body, "multi_step")
    if flag is None:
        return ParseFailure(MISSING_TAG, "<multi_step>")
    answer = flag.strip("`'\" .").lower()
    if answer in _FALSE:
        return Selection(multi_step=False)
    if answer not in _TRUE:
        return ParseFailure(INVALID_BOOLEAN, f"<multi_step> holds {flag[:40]!r}")
    summary = find_tag(body, "summary")
    labels = {field: find_tag(body, field) for field in LABEL_SETS}
    missing = [name for name, value in {"summary": summary, **labels}.items() if not value]
    if missing:
        return ParseFailure(MISSING_LABEL, f"multi_step is True but {', '.join(missing)} missing or empty")
    values = {field: _label(value or "") for field, value in labels.items()}
    invalid = sorted(field for field, value in values.items() if value not in LABEL_SETS[field])
    return Selection(multi_step=True, summary=summary, invalid_labels=invalid, **values)
