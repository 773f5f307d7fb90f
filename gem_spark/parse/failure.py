"""The typed failure every parser returns instead of raising, and its stable reason codes."""

from __future__ import annotations

from dataclasses import dataclass

# Stable reason codes (they end up in table rows; never rename one).
INPUT_NOT_TEXT = "input_not_text"  # the model output is not a string (None, bytes, ...)
INPUT_TOO_LARGE = "input_too_large"  # longer than the parser's size cap
EMPTY_OUTPUT = "empty_output"  # nothing left after removing think blocks and whitespace
MISSING_TAG = "missing_tag"  # a required tag is absent
INVALID_BOOLEAN = "invalid_boolean"  # <multi_step> is neither True nor False
MISSING_LABEL = "missing_label"  # multi_step True but summary/domain/platform/task missing or empty
JSON_INVALID = "json_invalid"  # not JSON, even after the recorded repairs
JSON_TOO_DEEP = "json_too_deep"  # nesting beyond the depth cap (checked before parsing)
JSON_WRONG_TYPE = "json_wrong_type"  # valid JSON of the wrong shape (e.g. an object where a list is due)
TOOL_INVALID = "tool_invalid"  # a tool definition without a usable name or schema object
CALL_INVALID = "call_invalid"  # a call/action that is not {"name": str, "arguments": object}
GRAPH_INVALID = "graph_invalid"  # an execution graph that is not `(a)->(b, c)->(d)` chains
NO_MESSAGES = "no_messages"  # no role tags / no messages at all
SCORE_INVALID = "score_invalid"  # judge output without R1, R2, R3 each 0 or 1
RECORD_INVALID = "record_invalid"  # an imported dataset record not in its format

PARSE_REASONS: frozenset[str] = frozenset(
    {
        INPUT_NOT_TEXT,
        INPUT_TOO_LARGE,
        EMPTY_OUTPUT,
        MISSING_TAG,
        INVALID_BOOLEAN,
        MISSING_LABEL,
        JSON_INVALID,
        JSON_TOO_DEEP,
        JSON_WRONG_TYPE,
        TOOL_INVALID,
        CALL_INVALID,
        GRAPH_INVALID,
        NO_MESSAGES,
        SCORE_INVALID,
        RECORD_INVALID,
    }
)


@dataclass(frozen=True)
class ParseFailure:
    reason: str  # one of PARSE_REASONS
    detail: str  # human-readable, short; names the offending tag / field / position

    def with_context(self, context: str) -> ParseFailure:
        return ParseFailure(self.reason, f"{context}: {self.detail}")
