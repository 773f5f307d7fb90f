"""The bundled example corpus (examples/corpus/docs.jsonl) keeps the shape the demo and its recorded
responses rely on: 30 documents, stable ids, and exactly one segment per document."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest

from gem_spark.config import IngestConfig
from gem_spark.text.normalize import normalize_text
from gem_spark.text.segment import segment_text

CORPUS = Path(__file__).resolve().parent.parent / "examples" / "corpus" / "docs.jsonl"


@pytest.fixture(scope="module")
def documents() -> list[dict[str, str]]:
    with CORPUS.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def test_ids_are_the_twelve_procedural_and_eighteen_web_pages(documents: list[dict[str, str]]) -> None:
    assert [document["id"] for document in documents] == [f"ex-proc-{i:02d}" for i in range(1, 13)] + [
        f"ex-web-{i:02d}" for i in range(1, 19)
    ]
    assert all(set(document) == {"id", "url", "text"} for document in documents)


def test_urls_are_unique_and_on_example_domains(documents: list[dict[str, str]]) -> None:
    urls = [document["url"] for document in documents]
    assert len(set(urls)) == len(urls)
    hosts = [urlparse(url).hostname or "" for url in urls]
    assert all(re.search(r"(^|\.)example\.(com|org)$", host) for host in hosts), hosts


def test_lengths_match_the_corpus_design(documents: list[dict[str, str]]) -> None:
    for document in documents:
        low, high = (1500, 4500) if document["id"].startswith("ex-proc-") else (400, 3000)
        assert low <= len(document["text"]) <= high, document["id"]


def test_every_document_is_exactly_one_segment_with_the_default_settings(
    documents: list[dict[str, str]],
) -> None:
    settings = IngestConfig()
    for document in documents:
        text = normalize_text(document["text"])
        segments = segment_text(text, settings.min_segment_chars, settings.max_segment_chars)
        assert [segment.text for segment in segments] == [text.strip()], document["id"]
