"""Build examples/responses.jsonl (the replay backend's recorded model outputs) from examples/responses/.

Source layout, one folder per corpus document, one file per recorded model output:

    examples/responses/<doc-id>/select.txt           stage "select",     key <segment_id>
    examples/responses/<doc-id>/extract.txt          stage "extract",    key <segment_id>
    examples/responses/<doc-id>/generate-w<i>.txt    stage "generate",   key <segment_id>-w<i>
    examples/responses/<doc-id>/refine-w<i>.txt      stage "refine",     key <segment_id>-w<i>
    examples/responses/<doc-id>/synthesize-s0.txt    stage "synthesize", key <segment_id>-s0
    examples/responses/<doc-id>/judge-w<i>.txt       stage "judge",      key <segment_id>-w<i>
    examples/responses/<doc-id>/judge-s0.txt         stage "judge",      key <segment_id>-s0

Keys are computed with gem_spark.text exactly as the ingest stage computes them (the corpus documents are
written to form one segment each), so the file names stay readable and the hashes never go stale.
Output rows are sorted by (stage, key): rerunning on unchanged sources rewrites an identical file.

    python examples/assemble_responses.py            # writes examples/responses.jsonl
    python examples/assemble_responses.py --check    # exits 1 when responses.jsonl is out of date
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from gem_spark.text.hashing import segment_id
from gem_spark.text.normalize import normalize_text
from gem_spark.text.segment import segment_text

EXAMPLES = Path(__file__).resolve().parent
CORPUS = EXAMPLES / "corpus" / "docs.jsonl"
SOURCES = EXAMPLES / "responses"
OUTPUT = EXAMPLES / "responses.jsonl"

# The ingest defaults in conf/local.yaml (ingest.min_segment_chars / max_segment_chars).
MIN_SEGMENT_CHARS = 200
MAX_SEGMENT_CHARS = 6000

_FILE_NAME = re.compile(
    r"^(?P<stage>select|extract|generate|refine|synthesize|judge)(?P<suffix>-w\d+|-s0)?\.txt$"
)
_SEGMENT_STAGES = {"select", "extract"}
_WORKFLOW_STAGES = {"generate", "refine"}


class AssemblyError(ValueError):
    """The sources and the corpus disagree (unknown document, bad file name, document not one segment)."""


@dataclass(frozen=True)
class Recorded:
    stage: str
    key: str
    text: str
    source: Path


def corpus_segment_ids(corpus: Path = CORPUS) -> dict[str, str]:
    """doc id → segment_id of its single segment."""
    ids: dict[str, str] = {}
    for line_no, line in enumerate(corpus.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        doc = json.loads(line)
        segments = segment_text(normalize_text(doc["text"]), MIN_SEGMENT_CHARS, MAX_SEGMENT_CHARS)
        if len(segments) != 1:
            msg = (
                f"{corpus}:{line_no}: document {doc['id']} forms {len(segments)} segments, expected exactly 1"
            )
            raise AssemblyError(msg)
        ids[doc["id"]] = segment_id(segments[0].text)
    return ids


def _key_for(stage: str, suffix: str | None, seg_id: str, path: Path) -> str:
    """The replay key of one file: segment_id for segment stages, trajectory_id for the others."""
    if stage in _SEGMENT_STAGES and suffix is None:
        return seg_id
    if stage in _WORKFLOW_STAGES and suffix is not None and suffix.startswith("-w"):
        return seg_id + suffix
    if stage == "synthesize" and suffix == "-s0":
        return seg_id + suffix
    if stage == "judge" and suffix is not None:
        return seg_id + suffix
    msg = f"{path}: stage {stage!r} does not take the suffix {suffix!r}"
    raise AssemblyError(msg)


def collect(sources: Path = SOURCES, corpus: Path = CORPUS) -> list[Recorded]:
    """Every recorded response under `sources`, keyed against `corpus`, sorted by (stage, key)."""
    seg_ids = corpus_segment_ids(corpus)
    rows: list[Recorded] = []
    for doc_dir in sorted(p for p in sources.iterdir() if p.is_dir()):
        if doc_dir.name not in seg_ids:
            msg = f"{doc_dir}: no document {doc_dir.name!r} in {corpus}"
            raise AssemblyError(msg)
        for path in sorted(doc_dir.iterdir()):
            match = _FILE_NAME.match(path.name)
            if match is None:
                msg = f"{path}: file name is not <stage>[-w<i>|-s0].txt"
                raise AssemblyError(msg)
            stage = match["stage"]
            key = _key_for(stage, match["suffix"], seg_ids[doc_dir.name], path)
            rows.append(Recorded(stage, key, path.read_text(encoding="utf-8").strip(), path))
    rows.sort(key=lambda row: (row.stage, row.key))
    return rows


def render(rows: list[Recorded]) -> str:
    lines = [json.dumps({"stage": r.stage, "key": r.key, "text": r.text}, ensure_ascii=False) for r in rows]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if responses.jsonl is out of date")
    args = parser.parse_args(argv)
    text = render(collect())
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT} is out of date: run python examples/assemble_responses.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {text.count(chr(10))} responses to {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
