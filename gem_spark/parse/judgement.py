"""Judge output: `{"R1":0|1,"R2":0|1,"R3":0|1}`. Think blocks and fences are tolerated; so is prose around
a single JSON object (weak judges add a sentence); keys are case-insensitive; extra keys are ignored."""

from __future__ import annotations

import re

from gem_spark.parse.failure import JSON_WRONG_TYPE, SCORE_INVALID, ParseFailure
from gem_spark.parse.jsonload import load_json
from gem_spark.parse.text import prepare
from gem_spark.schema import Judgement

_OBJECT = re.compile(r"\{.*\}", re.DOTALL)
_SCORES = {0: 0, 1: 1, "0": 0, "1": 1}


def parse_judgement(text: object) -> Judgement | ParseFailure:
    body = prepare(text)
    if isinstance(body, ParseFailure):
        return body
    match = _OBJECT.search(body)
    if match is None:
        return ParseFailure(SCORE_INVALID, "no JSON object")
    loaded = load_json(match.group())
    if isinstance(loaded, ParseFailure):
        return loaded
    value = loaded[0]
    if not isinstance(value, dict):
        return ParseFailure(JSON_WRONG_TYPE, "judge output is not an object")
    scores = {str(key).strip().upper(): score for key, score in value.items()}
    parsed = {}
    for rubric in ("R1", "R2", "R3"):
        score = scores.get(rubric)
        # bool is an int subclass: True must not count as a score of 1.
        if isinstance(score, bool) or not isinstance(score, (int, str)) or score not in _SCORES:
            return ParseFailure(SCORE_INVALID, f"{rubric} is {score!r}, expected 0 or 1")
        parsed[rubric.lower()] = _SCORES[score]
    return Judgement(**parsed)
