"""Stable reason codes of the rule validator (they end up in table rows; never rename one)."""

from __future__ import annotations

TOOL_SCHEMA_INVALID = "tool_schema_invalid"
# A tool whose schema is valid but whose description is empty (433 of 6,044 real MCP tools).
TOOL_DESCRIPTION_MISSING = "tool_description_missing"
# Calls made while the trajectory defines no tool at all (datasets that ship only call names).
NO_TOOL_DEFINITIONS = "no_tool_definitions"
DUPLICATE_TOOL_NAME = "duplicate_tool_name"
TOOL_NAME_INVALID = "tool_name_invalid"
UNKNOWN_TOOL_CALLED = "unknown_tool_called"
MISSING_REQUIRED_ARGUMENT = "missing_required_argument"
ARGUMENT_TYPE_MISMATCH = "argument_type_mismatch"
UNEXPECTED_ARGUMENT = "unexpected_argument"
CALL_WITHOUT_RESPONSE = "call_without_response"
RESPONSE_WITHOUT_CALL = "response_without_call"
TOOL_FOLLOWED_BY_USER = "tool_followed_by_user"
BAD_TURN_ORDER = "bad_turn_order"
# An empty user or assistant turn (an assistant turn with calls is not empty).
EMPTY_MESSAGE = "empty_message"
# A tool that returned nothing: valid for tools without output (tau-bench's `think`), so a warning.
EMPTY_TOOL_RESULT = "empty_tool_result"
MISSING_SYSTEM = "missing_system"
MULTIPLE_CALLS_PER_TURN = "multiple_calls_per_turn"
UNCLOSED_TAG = "unclosed_tag"
NOT_ENDING_WITH_ASSISTANT = "not_ending_with_assistant"
TOO_FEW_TOOL_CALLS = "too_few_tool_calls"
TOOL_RESPONSE_MALFORMED = "tool_response_malformed"
INCONSISTENT_RESPONSE_STRUCTURE = "inconsistent_response_structure"
PLACEHOLDER_VALUE = "placeholder_value"

RULE_CODES: frozenset[str] = frozenset(
    {
        TOOL_SCHEMA_INVALID,
        TOOL_DESCRIPTION_MISSING,
        NO_TOOL_DEFINITIONS,
        DUPLICATE_TOOL_NAME,
        TOOL_NAME_INVALID,
        UNKNOWN_TOOL_CALLED,
        MISSING_REQUIRED_ARGUMENT,
        ARGUMENT_TYPE_MISMATCH,
        UNEXPECTED_ARGUMENT,
        CALL_WITHOUT_RESPONSE,
        RESPONSE_WITHOUT_CALL,
        TOOL_FOLLOWED_BY_USER,
        BAD_TURN_ORDER,
        EMPTY_MESSAGE,
        EMPTY_TOOL_RESULT,
        MISSING_SYSTEM,
        MULTIPLE_CALLS_PER_TURN,
        UNCLOSED_TAG,
        NOT_ENDING_WITH_ASSISTANT,
        TOO_FEW_TOOL_CALLS,
        TOOL_RESPONSE_MALFORMED,
        INCONSISTENT_RESPONSE_STRUCTURE,
        PLACEHOLDER_VALUE,
    }
)

REJECT, WARN, OFF = "reject", "warn", "off"
SEVERITIES = (REJECT, WARN, OFF)
# Codes that are only warnings unless a profile says otherwise: the data is usable as it is.
DEFAULT_WARN: frozenset[str] = frozenset({TOOL_DESCRIPTION_MISSING, EMPTY_TOOL_RESULT})
