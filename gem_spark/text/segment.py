"""Split a normalised document into segments of bounded size, losing no text.

Boundaries are tried in order of strength: paragraph breaks, then sentence ends and line breaks, then
any whitespace, and a hard cut only for a run without whitespace longer than `max_chars`. The pieces
are packed greedily into segments of at most `max_chars`; only whitespace lies between consecutive
segments, so the segments plus the gaps their offsets leave reproduce the document exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# Reason code ingest records for a document shorter than `min_chars` (it yields no segments).
TOO_SHORT = "too_short"

_PARAGRAPH_GAP = re.compile(r"\n(?:[^\S\n]*\n)+")
# After sentence punctuation (optionally closed by a quote or bracket), or at a line break.
_SENTENCE_GAP = re.compile(r"(?:(?<=[.!?…。！？])|(?<=[.!?…。！？][\"'”’)\]]))\s+|\n\s*")
_WORD_GAP = re.compile(r"\s+")
_LEVELS = (_PARAGRAPH_GAP, _SENTENCE_GAP, _WORD_GAP)

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Segment:
    text: str
    position: int  # 0-based index of the segment within its document
    start: int  # char offsets of `text` in the normalised document: document[start:end] == text
    end: int


def segment_text(text: str, min_chars: int, max_chars: int) -> list[Segment]:
    """Segments of `text` (a `normalize_text` result), each at most `max_chars` long.

    A document shorter than `min_chars` yields no segments (ingest records it as `TOO_SHORT`). A
    segment is shorter than `min_chars` only where joining it to a neighbour would exceed `max_chars`.
    """
    if not 1 <= min_chars <= max_chars:
        msg = f"need 1 <= min_chars <= max_chars, got min_chars={min_chars}, max_chars={max_chars}"
        raise ValueError(msg)
    if len(text) < min_chars:
        return []
    pieces = list(_pieces(text, 0, len(text), 0, max_chars))
    groups = _pack(pieces, max_chars)
    _rebalance_tail(groups, min_chars, max_chars)
    return [
        Segment(text=text[group[0][0] : group[-1][1]], position=index, start=group[0][0], end=group[-1][1])
        for index, group in enumerate(groups)
    ]


def _pieces(text: str, start: int, end: int, level: int, max_chars: int) -> Iterator[Span]:
    """Spans of at most `max_chars`, split at the weakest boundary level that gets them there."""
    if end - start <= max_chars:
        yield start, end
        return
    if level == len(_LEVELS):
        # A run without whitespace longer than max_chars: nothing better than a hard cut.
        for cut in range(start, end, max_chars):
            yield cut, min(cut + max_chars, end)
        return
    for piece_start, piece_end in _split(text, start, end, _LEVELS[level]):
        yield from _pieces(text, piece_start, piece_end, level + 1, max_chars)


def _split(text: str, start: int, end: int, gap: re.Pattern[str]) -> Iterator[Span]:
    """The non-empty spans between matches of `gap` inside text[start:end]."""
    position = start
    for match in gap.finditer(text, start, end):
        if match.start() > position:
            yield position, match.start()
        position = match.end()
    if end > position:
        yield position, end


def _pack(pieces: list[Span], max_chars: int) -> list[list[Span]]:
    """Greedy: extend the current segment with the next piece while the whole span fits."""
    groups: list[list[Span]] = []
    for piece in pieces:
        if groups and piece[1] - groups[-1][0][0] <= max_chars:
            groups[-1].append(piece)
        else:
            groups.append([piece])
    return groups


def _rebalance_tail(groups: list[list[Span]], min_chars: int, max_chars: int) -> None:
    """Grow a too-short last segment with trailing pieces of the one before it.

    Greedy packing already merged the tail into its predecessor wherever that fitted, so a short tail
    can only borrow: move the predecessor's last pieces over while the tail fits and the predecessor
    keeps at least `min_chars`.
    """
    while len(groups) >= 2 and len(groups[-2]) >= 2:
        tail, previous = groups[-1], groups[-2]
        if tail[-1][1] - tail[0][0] >= min_chars:
            return
        borrowed = previous[-1]
        fits = tail[-1][1] - borrowed[0] <= max_chars
        keeps_minimum = previous[-2][1] - previous[0][0] >= min_chars
        if not (fits and keeps_minimum):
            return
        tail.insert(0, previous.pop())
