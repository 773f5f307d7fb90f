"""The `replay` backend: recorded responses looked up by (stage, key); no model, no guessing.

The file is JSON Lines of {"stage", "key", "text"}; a later line for the same (stage, key) replaces an
earlier one, so re-recording appends. The registry caches the backend, so each process reads it once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from gem_spark.config import ReplayModelConfig
from gem_spark.llm.errors import BackendConfigError, ErrorType
from gem_spark.llm.protocol import LLMRequest, LLMResult

if TYPE_CHECKING:
    from gem_spark.llm.feed_stats import FeedStats


def load_responses(path: Path) -> dict[tuple[str, str], str]:
    """Read a responses file; a malformed line is a BackendConfigError naming the file and line."""
    if not path.is_file():
        msg = f"replay responses file not found: {path}"
        raise BackendConfigError(msg)
    responses: dict[tuple[str, str], str] = {}
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                stage, key, text = record["stage"], record["key"], record["text"]
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                msg = f"{path}:{number}: expected a JSON object with stage, key and text ({exc})"
                raise BackendConfigError(msg) from exc
            if not all(isinstance(value, str) for value in (stage, key, text)):
                msg = f"{path}:{number}: stage, key and text must be strings"
                raise BackendConfigError(msg)
            responses[(stage, key)] = text
    return responses


class ReplayBackend:
    def __init__(self, config: ReplayModelConfig) -> None:
        self.model_name = config.model
        self._responses = load_responses(Path(config.responses))

    def generate(self, requests: list[LLMRequest]) -> list[LLMResult]:
        return [self._answer(request) for request in requests]

    def stream(
        self,
        requests: Iterable[LLMRequest | LLMResult],
        in_flight: int | None = None,
        stats: FeedStats | None = None,
    ) -> Iterator[LLMResult]:
        """One lookup per request, as it is pulled: nothing is ever in flight."""
        for item in requests:
            yield item if isinstance(item, LLMResult) else self._answer(item)

    def _answer(self, request: LLMRequest) -> LLMResult:
        text = self._responses.get((request.stage, request.key))
        if text is None:
            message = f"no recorded response for stage {request.stage!r}, key {request.key!r}"
            return LLMResult.failure(request.key, ErrorType.NO_RECORDED_RESPONSE.value, message)
        return LLMResult(key=request.key, text=text, finish_reason="stop")
