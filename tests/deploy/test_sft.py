"""deploy/sft: the LLaMA-Factory recipes hold GEM.md's hyperparameters and point at files that exist."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from gem_spark.export.run import DATASET_INFOS

REPO = Path(__file__).resolve().parents[2]
SFT = REPO / "deploy" / "sft"
# recipe → (export format it trains on, dataset name in that export's dataset_info.json)
RECIPES = {
    "synthesizer_qwen3_8b_full.yaml": ("synthesizer", "gem_synthesizer"),
    "agent_qwen3_8b_full.yaml": ("sharegpt", "gem_sharegpt"),
}
GPUS = 8  # one 8-GPU node, as the recipes' header says


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
    # Without it the qwen3 template trains an empty <think> block before every assistant turn.
    assert config["enable_thinking"] is False
    assert config["per_device_train_batch_size"] * config["gradient_accumulation_steps"] * GPUS == 64
    fmt, dataset = RECIPES[recipe]
    assert (config["dataset_dir"], config["dataset"]) == (f"exports/{fmt}", dataset)
    deepspeed = json.loads((REPO / config["deepspeed"]).read_text(encoding="utf-8"))
    assert deepspeed["zero_optimization"]["stage"] == 3
    assert deepspeed["bf16"]["enabled"] == "auto"  # follows bf16: true above


@pytest.mark.parametrize("recipe", sorted(RECIPES))
def test_recipe_dataset_is_the_one_its_export_declares(recipe: str) -> None:
    """`gem-spark export --format F` writes the dataset_info.json the recipe's dataset_dir points at."""
    fmt, dataset = RECIPES[recipe]
    entry = DATASET_INFOS[fmt]("data")[dataset]
    assert entry["formatting"] == "sharegpt"
    assert entry["tags"]["role_tag"] == "from"
