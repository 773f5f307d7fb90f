"""Endpoint faults: the select stage on the openai backend against a fake endpoint that misbehaves.

Each of the 12 select prompts gets one behaviour (by its rank): healthy, transient faults that a retry
gets past (429 burst, one 500, one reset), and persistent ones (timeout storm, 429 forever, 500 forever,
reset forever, garbage body, body over max_response_bytes). The run must finish with ok/rejected rows
for the first kind and error rows for the second, within max_retries + 1 attempts per prompt; a second
run against a healed endpoint must ask again for exactly the error rows' prompts, once each.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gem_spark.config import load_config
from gem_spark.pipeline import run_pipeline
from tests.support.fake_endpoint import FakeEndpoint, recorded_prompts
from tests.support.reliability_lake import RESPONSES, read_table, write_config

MAX_RETRIES = 2
# behaviour → (fault on attempt n, the error type the row must end with; None: settled ok/rejected)
BEHAVIOURS: list[tuple[str, object, str | None]] = [
    ("healthy", lambda attempt: None, None),
    ("429 burst", lambda attempt: "429" if attempt <= 2 else None, None),
    ("one 500", lambda attempt: "500" if attempt == 1 else None, None),
    ("one reset", lambda attempt: "reset" if attempt == 1 else None, None),
    ("timeout storm", lambda attempt: "timeout", "retries_exhausted"),
    ("429 forever", lambda attempt: "429", "retries_exhausted"),
    ("500 forever", lambda attempt: "500", "retries_exhausted"),
    ("reset forever", lambda attempt: "reset", "retries_exhausted"),
    ("garbage body", lambda attempt: "garbage", "malformed_response"),
    ("oversize body", lambda attempt: "oversize", "response_too_large"),
]


def openai_models(base_url: str) -> dict:
    role = {
        "backend": "openai",
        "model": "fake/qwen3-8b-filter",
        "base_url": base_url,
        "timeout_s": 5.0,
        "max_retries": MAX_RETRIES,
        "backoff_base_s": 0.05,
        "backoff_max_s": 0.2,
        "max_total_wait_s": 60.0,
        "max_response_bytes": 64 << 10,
        "concurrency": 4,
    }
    return {"filter": role}


@pytest.mark.slow
def test_endpoint_faults_end_in_error_rows_and_only_those_are_retried(
    lake: Path, tmp_path: Path, spark
) -> None:
    config = load_config(write_config(tmp_path, lake))
    answers = recorded_prompts(config, spark, "teacher", RESPONSES, stages=["select"])
    digests = sorted(answers)
    assert len(digests) >= len(BEHAVIOURS)
    behaviour_of = {digest: BEHAVIOURS[rank % len(BEHAVIOURS)] for rank, digest in enumerate(digests)}
    endpoint = FakeEndpoint(
        answers, plan=lambda digest, attempt: behaviour_of[digest][1](attempt), hang_s=8.0
    )
    endpoint.start()
    try:
        config = load_config(write_config(tmp_path, lake, models=openai_models(endpoint.base_url)))
        first = run_pipeline(config, "teacher", stages=["select"], spark=spark)
        rows = {row["segment_id"]: row for row in read_table(lake, "select")}
        for digest in digests:
            name, _, error = behaviour_of[digest]
            row = rows[answers[digest].key]
            assert endpoint.requests[digest] <= MAX_RETRIES + 1, name
            if error is None:
                assert row["status"] in ("ok", "rejected"), (name, row["llm"])
            else:
                assert (row["status"], row["reason"]) == ("error", error), (name, row["llm"])
        errors = {digest for digest in digests if behaviour_of[digest][2] is not None}
        assert first.counts("select").n_error == len(errors)

        endpoint.plan = None  # the endpoint heals
        before = endpoint.requests.copy()
        second = run_pipeline(config, "teacher", stages=["select"], spark=spark)
    finally:
        endpoint.stop()
    asked_again = {digest for digest in digests if endpoint.requests[digest] > before[digest]}
    assert asked_again == errors
    assert second.counts("select").n_requests == len(errors)
    assert second.counts("select").n_error == 0
