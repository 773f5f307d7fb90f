"""A tiny random-weight Qwen2 chat model, built offline and deterministically, for engine tests.

No model hub is reachable here, so tests (and bench/llm_runner.py) build their own model: a byte-level
BPE tokenizer trained on a few KB of text written below, a ChatML chat template that renders `tools`
(and honours Qwen3's `enable_thinking`), and a 2-layer Qwen2 with random weights. Head dim 128 because
the vLLM CPU attention kernels reject small head dims. Rebuilding gives byte-identical files.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

VOCAB_SIZE = 1024
MAX_POSITIONS = 32768  # long enough for whole stage prompts in the pipeline tests
SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]

CHAT_TEMPLATE = """\
{%- if tools %}<|im_start|>system
{% if messages[0].role == 'system' %}{{ messages[0].content }}

{% endif %}# Tools

You may call one or more functions. Function signatures inside <tools></tools>:
<tools>
{% for tool in tools %}{{ tool | tojson }}
{% endfor %}</tools>
Return each call as <tool_call>{"name": <name>, "arguments": <args>}</tool_call><|im_end|>
{% elif messages[0].role == 'system' %}<|im_start|>system
{{ messages[0].content }}<|im_end|>
{% endif %}
{%- for message in messages %}
{%- if message.role == 'tool' %}<|im_start|>user
<tool_response>
{{ message.content }}
</tool_response><|im_end|>
{% elif message.role != 'system' %}<|im_start|>{{ message.role }}
{% if message.content %}{{ message.content }}{% endif %}
{%- for call in message.tool_calls or [] %}
<tool_call>{{ {"name": call.function.name, "arguments": call.function.arguments} | tojson }}</tool_call>
{%- endfor %}<|im_end|>
{% endif %}
{%- endfor %}
{%- if add_generation_prompt %}<|im_start|>assistant
{% if enable_thinking is defined and not enable_thinking %}<think>

</think>

{% endif %}{% endif %}"""

_SUBJECTS = ["the customer", "an agent", "the airline", "a retail store", "the user", "our support team"]
_ACTIONS = [
    "books a flight to Paris",
    "cancels the order",
    "updates the shipping address",
    "checks the refund status",
    "exchanges a pair of shoes",
    "looks up the weather in Tokyo",
]
_TAILS = ["before noon.", "with a receipt.", "using the API.", "in three steps.", "after login."]


def _training_text() -> Iterator[str]:
    """A few KB of deterministic text: sentences, JSON tool calls, and the chat template itself."""
    for subject, action, tail in itertools.product(_SUBJECTS, _ACTIONS, _TAILS):
        yield f"{subject.capitalize()} {action} {tail}"
    for index, action in enumerate(_ACTIONS):
        call = {"name": action.split()[0], "arguments": {"id": index, "note": action}}
        yield f"<tool_call>{json.dumps(call)}</tool_call>"
        yield json.dumps({"answer": action, "score": index, "ok": index % 2 == 0})
    yield CHAT_TEMPLATE
    yield "0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ {}[]:,\"'()<>/\\_-+=*#@!?."


def _build_tokenizer(out: Path) -> None:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(_training_text(), trainer=trainer)
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        chat_template=CHAT_TEMPLATE,
        model_max_length=MAX_POSITIONS,
    )
    wrapped.save_pretrained(out)


def _build_weights(out: Path) -> None:
    import torch
    from transformers import AutoTokenizer, GenerationConfig, Qwen2Config, Qwen2ForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(out)
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=256,
        intermediate_size=512,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=128,
        max_position_embeddings=MAX_POSITIONS,
        tie_word_embeddings=True,
        bos_token_id=tokenizer.convert_tokens_to_ids("<|endoftext|>"),
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(0)
    # bfloat16 on disk: the dtype vLLM's CPU backend runs, so loading casts nothing.
    model = Qwen2ForCausalLM(config).to(torch.bfloat16)
    model.generation_config = GenerationConfig(
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id
    )
    model.save_pretrained(out)


def build_tiny_model(out: Path) -> Path:
    """Write tokenizer, chat template, config and weights to `out` (created); returns `out`."""
    out.mkdir(parents=True, exist_ok=True)
    _build_tokenizer(out)
    _build_weights(out)
    return out


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny-qwen2"))
