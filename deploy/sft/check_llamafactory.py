"""Load gem-spark's SFT exports with LLaMA-Factory itself and check what it would train on.

Runs in LLaMA-Factory's own virtualenv (`make llamafactory-check`: it pins older transformers and
datasets than gem-spark's test stack), so it imports nothing from gem_spark. For each export folder it
builds the SFT dataset the way `llamafactory-cli train` does (dataset_info.json, the qwen3 template,
enable_thinking as in deploy/sft) with a given tokenizer, then checks every conversation:

- every exported row became an example (none skipped as abnormal);
- the tool definitions are in the prompt (masked), the tool results are masked;
- every assistant turn is trained: its text, including text written beside tool calls, and one
  `<tool_call>` per call, with the call's name;
- no empty `<think></think>` block is trained.

Prints one line `llamafactory-check: {json}` of counts per export; exits 1 if any export fails a check.
Usage: check_llamafactory.py --tokenizer DIR EXPORT_DIR:DATASET [EXPORT_DIR:DATASET ...]
"""

from __future__ import annotations

import argparse
import importlib.machinery
import json
import os
import re
import sys
import tempfile
import types
from pathlib import Path
from typing import Any


def _audio_stand_in() -> None:
    """A FAKE `torchaudio` module when the real one cannot load: LLaMA-Factory imports it at the top of its
    multimodal plugin but calls it only for audio inputs, which these exports never have. PyPI carries no
    torchaudio build for the CPU torch this venv uses (its CUDA builds fail to load); nothing else is faked."""
    try:
        import torchaudio  # noqa: F401
    except (ImportError, OSError):
        fake = types.ModuleType("torchaudio")
        fake.__spec__ = importlib.machinery.ModuleSpec("torchaudio", None)  # find_spec() callers expect one
        sys.modules["torchaudio"] = fake


_audio_stand_in()

from llamafactory.data import get_dataset, get_template_and_fix_tokenizer  # noqa: E402
from llamafactory.hparams import get_train_args  # noqa: E402
from llamafactory.model import load_tokenizer  # noqa: E402

IGNORE_INDEX = -100
TOOL_CALL = re.compile(r"<tool_call>(.*?)</tool_call>", re.DOTALL)
# How gem-spark joins the results of one observation turn (see gem_spark/export/sharegpt.py).
OBSERVATION_SEPARATOR = "\n</tool_response>\n<tool_response>\n"


def _rows(folder: Path) -> list[dict[str, Any]]:
    """The rows in the order LLaMA-Factory reads them: the data folder's files as os.listdir lists them."""
    data = folder / "data"
    return [json.loads(line) for name in os.listdir(data)
            for line in (data / name).read_text(encoding="utf-8").splitlines()]  # fmt: skip


def _calls(value: str) -> tuple[str, list[dict[str, Any]]]:
    """A function_call value as (text beside the calls, calls), read as LLaMA-Factory >= 0.9.4 reads it."""
    match = TOOL_CALL.search(value)
    text, payload = ("", value) if match is None else (value.replace(match.group(0), ""), match.group(1))
    loaded = json.loads(payload)
    return text.strip(), loaded if isinstance(loaded, list) else [loaded]


def _trained_and_prompt(example: dict[str, Any], tokenizer: Any) -> tuple[str, str]:
    """(text of the tokens in the loss, text of the masked tokens), each span decoded as a whole."""
    trained, prompt, span, in_loss = [], [], [], None
    for token, label in zip(example["input_ids"], example["labels"]):
        flag = label != IGNORE_INDEX
        if in_loss is not None and flag != in_loss:
            (trained if in_loss else prompt).append(tokenizer.decode(span))
            span = []
        span.append(token)
        in_loss = flag
    if span:
        (trained if in_loss else prompt).append(tokenizer.decode(span))
    return "\x00".join(trained), "\x00".join(prompt)


def _check_row(row: dict[str, Any], trained: str, prompt: str, counts: dict[str, int]) -> list[str]:
    problems = []
    for tool in json.loads(row.get("tools") or "[]"):
        name = tool.get("function", tool).get("name")
        if f'"{name}"' not in prompt:
            problems.append(f"tool {name} not in the prompt")
    for turn in row["conversations"]:
        kind, value = turn["from"], turn["value"]
        if kind == "gpt":
            counts["assistant_turns"] += 1
            if value.strip() and value.strip() not in trained:
                problems.append(f"assistant text not trained: {value[:60]!r}")
        elif kind == "function_call":
            text, calls = _calls(value)
            counts["function_call_turns"] += 1
            counts["calls"] += len(calls)
            if text:
                counts["text_beside_calls"] += 1
                counts["text_beside_calls_chars"] += len(text)
                if text not in trained:
                    problems.append(f"text beside a call not trained: {text[:60]!r}")
            for call in calls:
                if f'"name": "{call["name"]}"' not in trained:
                    problems.append(f"call {call['name']} not trained")
        elif kind == "observation":
            counts["observations"] += 1
            for result in (part.strip() for part in value.split(OBSERVATION_SEPARATOR)):
                if result and result not in prompt:
                    problems.append(f"tool result not in the masked prompt: {result[:60]!r}")
    if "<think>\n\n</think>" in trained:
        problems.append("an empty <think> block is trained")
    counts["trained_tool_call_tags"] += trained.count("<tool_call>")
    return problems


def check_export(folder: Path, dataset: str, tokenizer_dir: str, enable_thinking: bool) -> dict[str, Any]:
    rows = _rows(folder)
    with tempfile.TemporaryDirectory() as out:
        # What llamafactory-cli train does before training: arguments, tokenizer, template, dataset.
        model_args, data_args, training_args, _, _ = get_train_args({
            "model_name_or_path": tokenizer_dir, "stage": "sft", "do_train": True, "finetuning_type": "full",
            "dataset": dataset, "dataset_dir": str(folder), "template": "qwen3", "enable_thinking": enable_thinking,
            "cutoff_len": 1_000_000, "overwrite_cache": True, "output_dir": out, "report_to": "none",
        })  # fmt: skip
        tokenizer_module = load_tokenizer(model_args)
        template = get_template_and_fix_tokenizer(tokenizer_module["tokenizer"], data_args)
        module = get_dataset(template, model_args, data_args, training_args, "sft", **tokenizer_module)
    tokenizer = tokenizer_module["tokenizer"]
    examples = list(module["train_dataset"])
    counts = {"rows": len(rows), "examples": len(examples), "assistant_turns": 0, "function_call_turns": 0,
              "calls": 0, "text_beside_calls": 0, "text_beside_calls_chars": 0, "observations": 0,
              "trained_tool_call_tags": 0}  # fmt: skip
    problems = [] if len(examples) == len(rows) else [f"{len(rows)} rows but {len(examples)} examples"]
    for row, example in zip(rows, examples):
        trained, prompt = _trained_and_prompt(example, tokenizer)
        problems += _check_row(row, trained, prompt, counts)
    return {"export": str(folder), "dataset": dataset, **counts, "problems": problems[:20], "n_problems": len(problems)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokenizer", required=True, help="a tokenizer folder (any; the checks are textual)")
    parser.add_argument("--enable-thinking", action="store_true", help="as the recipe would with true")
    parser.add_argument("exports", nargs="+", metavar="EXPORT_DIR:DATASET")
    args = parser.parse_args(argv)
    failed = False
    for item in args.exports:
        folder, dataset = item.rsplit(":", 1)
        result = check_export(Path(folder), dataset, args.tokenizer, args.enable_thinking)
        # LLaMA-Factory prints a sample example to stdout; the results are the lines with this prefix.
        print(f"llamafactory-check: {json.dumps(result, ensure_ascii=False)}", flush=True)
        failed |= result["n_problems"] > 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
