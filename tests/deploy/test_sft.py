"""deploy/sft: the LLaMA-Factory recipes hold GEM.md's hyperparameters and point at files that exist."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SFT = REPO / "deploy" / "sft"
RECIPES = {"synthesizer_qwen3_8b_full.yaml": "gem_synthesizer", "agent_qwen3_8b_full.yaml": "gem_sharegpt"}
GPUS = 8  # one 8-GPU node, as the recipes' header says
DATASET_INFO = json.loads((SFT / "dataset_info.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("recipe", sorted(RECIPES))
def test_recipe_holds_gem_hyperparameters(recipe: str) -> None:
    config = yaml.safe_load((SFT / recipe).read_text(encoding="utf-8"))
    assert config["model_name_or_path"] == "Qwen/Qwen3-8B"
    assert (config["stage"], config["finetuning_type"]) == ("sft", "full")
    assert config["learning_rate"] == pytest.approx(5e-6)
    assert config["num_train_epochs"] == 2
    assert config["lr_scheduler_type"] == "cosine"
    assert config["warmup_ratio"] == pytest.approx(0.1)
    assert config["weight_decay"] == pytest.approx(0.05)
    assert config["cutoff_len"] == 32768
    assert config["bf16"] is True
    assert config["template"] == "qwen3"  # Hermes-style <tool_call> rendering
    assert config["per_device_train_batch_size"] * config["gradient_accumulation_steps"] * GPUS == 64
    assert config["dataset"] == RECIPES[recipe]
    deepspeed = json.loads((REPO / config["deepspeed"]).read_text(encoding="utf-8"))
    assert deepspeed["zero_optimization"]["stage"] == 3
    assert deepspeed["bf16"]["enabled"] == "auto"  # follows bf16: true above


def test_dataset_info_reads_the_exports() -> None:
    agent, synthesizer = DATASET_INFO["gem_sharegpt"], DATASET_INFO["gem_synthesizer"]
    assert (agent["file_name"], synthesizer["file_name"]) == ("sharegpt", "synthesizer")  # export --out names
    assert agent["formatting"] == synthesizer["formatting"] == "sharegpt"
    assert agent["columns"]["tools"] == "tools"
    assert (
        agent["tags"]["function_tag"] == "function_call" and agent["tags"]["observation_tag"] == "observation"
    )
