"""Text preparation shared by the tag parsers: size guard, think blocks, code fences, tag lookup."""

from __future__ import annotations

import re

from gem_spark.parse.failure import EMPTY_OUTPUT, INPUT_NOT_TEXT, INPUT_TOO_LARGE, ParseFailure

# Refined trajectories are ~60 KB; anything far beyond is runaway generation or hostile input.
MAX_INPUT_CHARS = 1_000_000

_THINK_BLOCK = re.compile(r"<\s*think\s*>.*?<\s*/\s*think\s*>", re.IGNORECASE | re.DOTALL)
_THINK_CLOSE = re.compile(r"<\s*/\s*think\s*>", re.IGNORECASE)
_THINK_OPEN = re.compile(r"<\s*think\s*>", re.IGNORECASE)
_FENCE_LINE = re.compile(r"^[ \t]*```[\w+-]*[ \t]*$", re.MULTILINE)


def prepare(text: object, max_chars: int = MAX_INPUT_CHARS) -> str | ParseFailure:
    """Guard the input, then drop reasoning and fences so only the answer's tags remain."""
    if not isinstance(text, str):
        return ParseFailure(INPUT_NOT_TEXT, f"expected str, got {type(text).__name__}")
    if len(text) > max_chars:
        return ParseFailure(INPUT_TOO_LARGE, f"{len(text)} chars > cap {max_chars}")
    cleaned = strip_fences(strip_think(text)).strip()
    if not cleaned:
        return ParseFailure(EMPTY_OUTPUT, "no text outside think blocks")
    return cleaned


def strip_think(text: str) -> str:
    text = _THINK_BLOCK.sub("", text)
    # A chat template may open <think> in the prompt, so the output holds only the closing tag.
    closes = list(_THINK_CLOSE.finditer(text))
    if closes:
        text = text[closes[-1].end() :]
    # Reasoning that never closed ran to the end: nothing after it is an answer.
    opened = _THINK_OPEN.search(text)
    return text[: opened.start()] if opened else text


def strip_fences(text: str) -> str:
    return _FENCE_LINE.sub("", text)


def tag_pattern(name: str) -> re.Pattern[str]:
    """`<name> … </name>`, case-insensitive, spaces allowed inside the brackets, shortest match."""
    return re.compile(rf"<\s*{name}\s*>(.*?)<\s*/\s*{name}\s*>", re.IGNORECASE | re.DOTALL)


def open_tag(name: str) -> re.Pattern[str]:
    return re.compile(rf"<\s*{name}\s*>", re.IGNORECASE)


def find_tag(text: str, name: str) -> str | None:
    """The first `<name>` block's inner text, stripped; None when there is none."""
    match = tag_pattern(name).search(text)
    return match.group(1).strip() if match else None
