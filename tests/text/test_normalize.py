"""normalize_text: canonical form, idempotence, paragraph and line structure; looks_like_html_only."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gem_spark.text.normalize import looks_like_html_only, normalize_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Hello   world \t again  ", "Hello world again"),
        ("line one\r\nline two\rline three", "line one\nline two\nline three"),
        ("para one\n\n\n\n  para two", "para one\n\npara two"),
        ("para one\n   \n\t\npara two", "para one\n\npara two"),
        ("1. Open the app  \n2. Tap Settings", "1. Open the app\n2. Tap Settings"),
        ("bell\x07 and\x00 nul\x1b[0m", "bell and nul[0m"),
        ("\ufeffBOM at start", "BOM at start"),
        ("no\u00a0break\u3000space", "no break space"),
        ("e\u0301 composed", "\u00e9 composed"),
        ("e\x00\u0301 across a removed control", "\u00e9 across a removed control"),
        ("one\u2028two\u2029three", "one\ntwo\n\nthree"),
        ("lone \ud800 surrogate", "lone surrogate"),
        ("", ""),
        (" \n\t\n ", ""),
    ],
)
def test_normalize_examples(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


@given(st.text())
def test_normalize_is_idempotent_and_canonical(raw: str) -> None:
    once = normalize_text(raw)
    assert normalize_text(once) == once
    assert unicodedata.is_normalized("NFC", once)
    assert once == once.strip()
    assert "\n\n\n" not in once
    assert "\t" not in once and "\r" not in once
    assert not any(unicodedata.category(char) in ("Cc", "Cs") and char != "\n" for char in once)
    once.encode("utf-8")


@given(st.lists(st.text(alphabet="abc xyz.", min_size=1), min_size=1, max_size=6))
def test_paragraph_breaks_survive(paragraphs: list[str]) -> None:
    joined = normalize_text("\n\n\n".join(paragraphs))
    kept = [normalize_text(p) for p in paragraphs if normalize_text(p)]
    assert joined == "\n\n".join(kept)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<html><head><style>p {color: red}</style></head><body><div></div></body></html>", True),
        ("<div><script>var tracking = loadEverything();</script><span>&nbsp;</span></div>", True),
        ("<!-- generated page --><br/><br/><img src='a.png'>", True),
        ("<p>How to reset your router: unplug it, wait ten seconds and plug it back in.</p>", False),
        ("If a < b and b > c then nothing here is markup at all.", False),
        ("Plain prose without any tags.", False),
    ],
)
def test_looks_like_html_only(text: str, expected: bool) -> None:
    assert looks_like_html_only(text) is expected


def test_html_only_on_real_corpus_is_rare(shared_data) -> None:
    import pyarrow.parquet as pq

    texts = pq.read_table(shared_data / "corpus" / "web_sample.parquet", columns=["text"]).column("text")
    flagged = [text for text in texts.to_pylist() if looks_like_html_only(text)]
    # The sample is extracted web text: none of its documents is markup only.
    assert flagged == []
