"""Benchmark decontamination: accepted trajectories sharing an n-gram with a benchmark item are marked.

Benchmarks are read in their native formats: BFCL v3 multi-turn questions (JSON Lines of {"id",
"question": [[{"role", "content"}, …], …], "path"/"function" …}), tau2-bench tasks (a JSON list of
tasks with "id", "user_scenario" {"persona", "instructions"}, "evaluation_criteria" {"actions"}), and
plain text (one item per non-empty line, id = line number). Each item's user-facing text and tool names
become word n-grams (`decontam.ngram`; a text shorter than that but at least `decontam.min_ngram` words
is one n-gram of its own length). On the trajectory side the user turns, system prompts and tool names
are cut the same way. Any shared n-gram marks the trajectory: a newer `accepted` row with status and
reason `contaminated` and `<benchmark>:<item id>` (the item with the most shared n-grams) in `detail`.

The benchmark index is built on the driver (benchmarks are small) and shipped with the task, so the
check is one map over the ok rows with no shuffle.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

from gem_spark.schema import Trajectory, trajectory_from_json
from gem_spark.stages.accepted import NAME as ACCEPTED
from gem_spark.stages.codes import CONTAMINATED
from gem_spark.stages.common import StageContext
from gem_spark.stages.current import current_ok
from gem_spark.stages.llm_stage import StageCounts
from gem_spark.stages.near_duplicates import commit_marks, mark_rows, stable_hash, words

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from gem_spark.config import BenchmarkFile, DecontamConfig

KEY = "trajectory_id"
STAGE = "decontam"


class BenchmarkFormatError(ValueError):
    """A benchmark file is missing or not in the format the config names (the message says where)."""


@dataclass(frozen=True)
class BenchmarkItem:
    benchmark: str
    item_id: str
    texts: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.benchmark}:{self.item_id}"


def tool_name_text(names: Iterable[str]) -> str:
    """Tool names as one text, so a benchmark's tool sequence is matched like its prose."""
    return " ".join(names)


def _strings(value: Any) -> Iterator[str]:
    """Every string inside nested JSON values (tau2 instructions are a string or a dict of fields)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        msg = f"benchmark file {path} is not valid JSON: {error}"
        raise BenchmarkFormatError(msg) from error


def read_bfcl(name: str, path: Path) -> list[BenchmarkItem]:
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            msg = f"benchmark file {path} line {number} is not valid JSON: {error}"
            raise BenchmarkFormatError(msg) from error
        if not isinstance(record, dict) or "id" not in record or not isinstance(record.get("question"), list):
            msg = f"benchmark file {path} line {number} is not a BFCL question (needs 'id' and a 'question' list)"
            raise BenchmarkFormatError(msg)
        turns = [turn if isinstance(turn, list) else [turn] for turn in record["question"]]
        texts = [
            m["content"]
            for turn in turns
            for m in turn
            if isinstance(m, dict) and isinstance(m.get("content"), str)
        ]
        functions = [f["name"] for f in record.get("function") or [] if isinstance(f, dict) and "name" in f]
        tools = [*functions, *(str(step).split(".")[-1] for step in record.get("path") or [])]
        items.append(BenchmarkItem(name, str(record["id"]), (*texts, tool_name_text(tools))))
    return items


def read_tau2(name: str, path: Path) -> list[BenchmarkItem]:
    data = _read_json(path)
    tasks = data.get("tasks") if isinstance(data, dict) else data
    if not isinstance(tasks, list):
        msg = f"benchmark file {path} is not a tau2 task list (a JSON list of tasks)"
        raise BenchmarkFormatError(msg)
    items = []
    for index, task in enumerate(tasks):
        if not isinstance(task, dict) or "id" not in task:
            msg = f"benchmark file {path}: task {index} has no 'id'"
            raise BenchmarkFormatError(msg)
        actions = (task.get("evaluation_criteria") or {}).get("actions") or []
        tools = [action["name"] for action in actions if isinstance(action, dict) and "name" in action]
        texts = list(_strings(task.get("user_scenario")))
        items.append(BenchmarkItem(name, str(task["id"]), (*texts, tool_name_text(tools))))
    return items


def read_text(name: str, path: Path) -> list[BenchmarkItem]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [BenchmarkItem(name, str(number), (line,)) for number, line in enumerate(lines, 1) if line.strip()]


READERS = {"bfcl": read_bfcl, "tau2": read_tau2, "text": read_text}


def read_benchmark(benchmark: BenchmarkFile) -> list[BenchmarkItem]:
    path = Path(benchmark.path)
    if not path.is_file():
        msg = f"benchmark {benchmark.name!r}: file not found: {path}"
        raise BenchmarkFormatError(msg)
    return READERS[benchmark.format](benchmark.name, path)


def ngrams(text: str, n: int, lengths: Iterable[int] = ()) -> set[int]:
    """Hashes of the word n-grams of `text`, plus its k-grams for each k in `lengths`."""
    tokens = words(text)
    grams: set[int] = set()
    for size in {n, *lengths}:
        grams.update(stable_hash(" ".join(tokens[i : i + size])) for i in range(len(tokens) - size + 1))
    return grams


@dataclass
class BenchmarkIndex:
    """n-gram hash → benchmark item label (the smallest label when several items share it)."""

    n: int
    grams: dict[int, str] = field(default_factory=dict)
    # Lengths of the whole-text grams of short benchmark texts.
    short_lengths: set[int] = field(default_factory=set)

    def add(self, item: BenchmarkItem, min_tokens: int) -> None:
        for text in item.texts:
            tokens = words(text)
            if len(tokens) >= self.n:
                hashes = ngrams(text, self.n)
            elif len(tokens) >= min_tokens:
                hashes = {stable_hash(" ".join(tokens))}
                self.short_lengths.add(len(tokens))
            else:
                continue
            for gram in hashes:
                known = self.grams.get(gram)
                self.grams[gram] = item.label if known is None else min(known, item.label)

    def match(self, texts: Iterable[str]) -> str | None:
        """The label sharing the most n-grams with `texts` (ties: smallest label), or None."""
        hits: Counter[str] = Counter()
        for text in texts:
            for gram in ngrams(text, self.n, self.short_lengths):
                label = self.grams.get(gram)
                if label is not None:
                    hits[label] += 1
        if not hits:
            return None
        return min(hits.items(), key=lambda item: (-item[1], item[0]))[0]


def build_index(settings: DecontamConfig) -> BenchmarkIndex:
    index = BenchmarkIndex(settings.ngram)
    for benchmark in settings.benchmarks:
        for item in read_benchmark(benchmark):
            index.add(item, settings.min_ngram)
    return index


def checked_texts(trajectory: Trajectory) -> list[str]:
    """What is compared with benchmarks: user turns, system prompts and the tool names."""
    texts = [m.content for m in trajectory.messages if m.role in ("user", "system")]
    return [*texts, tool_name_text(tool.name for tool in trajectory.tools)]


HIT_SCHEMA = StructType(
    [StructField(KEY, StringType(), False), StructField("fingerprint", StringType(), False),
     StructField("detail", StringType(), False)]
)  # fmt: skip


def contamination_hits(rows: DataFrame, index: BenchmarkIndex) -> DataFrame:
    """(trajectory_id, fingerprint, benchmark:item) for every row that shares an n-gram with a benchmark."""

    def check(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            out = []
            for key, fingerprint, text in zip(batch[KEY], batch["fingerprint"], batch["trajectory"]):
                label = index.match(checked_texts(trajectory_from_json(text)))
                if label is not None:
                    out.append((key, fingerprint, label))
            yield pd.DataFrame(out, columns=HIT_SCHEMA.fieldNames())

    return rows.select(KEY, "fingerprint", "trajectory").mapInPandas(check, HIT_SCHEMA)


def mark_contaminated(ctx: StageContext) -> StageCounts:
    """Mark ok accepted trajectories that overlap a configured benchmark (no-op without benchmarks)."""
    started = time.monotonic()
    settings = ctx.config.decontam
    if not settings.benchmarks or not ctx.store.exists(ACCEPTED):
        return StageCounts(STAGE, 0, 0, 0, 0, round(time.monotonic() - started, 3))
    index = build_index(settings)
    ok_rows = current_ok(ctx, ACCEPTED).localCheckpoint()
    hits = contamination_hits(ok_rows, index)
    marks = mark_rows(
        ok_rows.drop("detail").join(hits, [KEY, "fingerprint"]), ctx.run_id, CONTAMINATED, F.col("detail")
    )
    return commit_marks(ctx, STAGE, marks, ok_rows.count(), started)
