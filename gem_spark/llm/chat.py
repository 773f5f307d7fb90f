"""Render a request through a model's own chat template (tools and template kwargs included).

Used by the local backends (vLLM, transformers), which both hold a Hugging Face tokenizer: the same
template a served model applies, so local and served prompts match token for token.
"""

from __future__ import annotations

from typing import Any

import jinja2

from gem_spark.llm.protocol import LLMRequest

# What a template raises for a conversation it cannot render: its own raise_exception (a TemplateError),
# or a missing / mistyped field in a message.
RENDER_ERRORS: tuple[type[Exception], ...] = (jinja2.TemplateError, TypeError, ValueError, KeyError)


def render_prompt(tokenizer: Any, request: LLMRequest, chat_template_kwargs: dict[str, Any]) -> str:
    """The prompt text for `request`, ending with the assistant generation prompt."""
    if not request.messages:
        msg = "request has no messages"
        raise ValueError(msg)  # some tokenizer wrappers would render an empty conversation silently
    return tokenizer.apply_chat_template(
        request.messages,
        tools=request.tools,
        add_generation_prompt=True,
        tokenize=False,
        **chat_template_kwargs,
    )


def prompt_token_ids(tokenizer: Any, request: LLMRequest, chat_template_kwargs: dict[str, Any]) -> list[int]:
    """Token ids of the rendered prompt; the template already wrote any special tokens it wants."""
    text = render_prompt(tokenizer, request, chat_template_kwargs)
    return list(tokenizer.encode(text, add_special_tokens=False))
