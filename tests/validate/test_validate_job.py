"""`gem-spark validate` as a Spark job: the shared tool-use files with the import profile, a user's own
tau-bench log (empty `think` results, reused call ids, tools from the environment's file), JSON Lines
with a byte-order mark, compression and a broken line; failures written as JSONL and as Delta; exit
codes only for bad arguments and unreadable input."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from gem_spark.cli import main
from gem_spark.config import load_config
from gem_spark.validate.run import run_validate

pytestmark = pytest.mark.spark

# What the import profile finds in ../shared/data/tooluse (README: "Validate your own datasets").
SHARED_COUNTS = {
    "warn:tool_name_invalid": 100, "reject:argument_type_mismatch": 12, "warn:no_tool_definitions": 10,
    "warn:not_ending_with_assistant": 10, "reject:placeholder_value": 5, "reject:unknown_tool_called": 4,
    "reject:empty_message": 3, "reject:response_without_call": 2, "reject:bad_turn_order": 1,
    "reject:call_without_response": 1, "reject:unexpected_argument": 1,
}  # fmt: skip


def _call(call_id: str, name: str, arguments: dict) -> dict:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}


def _tau_log(task: int) -> dict:
    """A tau-bench airline log record as gpt-4o writes them: `think` returns "", ids restart per turn."""
    reservation = f"{task:02d}ZK7Q"
    traj = [
        {"role": "system", "content": "# Airline Agent Policy\nYou can help users change flights."},
        {"role": "user", "content": f"Hi, I need to check reservation {reservation}."},
        {"role": "assistant", "content": None, "tool_calls": [_call("call_0", "think", {"thought": "Look it up first."})]},
        {"role": "tool", "tool_call_id": "call_0", "name": "think", "content": ""},
        {"role": "assistant", "content": None,
         "tool_calls": [_call("call_0", "get_reservation_details", {"reservation_id": reservation})]},
        {"role": "tool", "tool_call_id": "call_0", "name": "get_reservation_details",
         "content": json.dumps({"reservation_id": reservation, "cabin": "economy", "flights": [{"flight_number": "HAT170"}]})},
        {"role": "assistant", "content": f"Reservation {reservation} is an economy booking on HAT170."},
    ]  # fmt: skip
    return {"task_id": task, "reward": 1.0, "info": {}, "traj": traj, "trial": 0}


def test_shared_tool_use_files(spark, shared_data: Path, tmp_path: Path) -> None:
    summary = run_validate(load_config(None), [str(shared_data / "tooluse")], out=str(tmp_path / "failures"))
    print("\n" + "\n".join(summary.lines()))
    assert summary.n_records == 492
    assert summary.by_status == {"ok": 375, "warned": 94, "rejected": 23}
    assert summary.by_code == SHARED_COUNTS
    written = [json.loads(line) for part in (tmp_path / "failures").glob("part-*.json") for line in part.open()]
    assert len(written) == 94 + 23
    toolace = next(row for row in written if row["reasons"] == ["unknown_tool_called"])
    assert toolace["findings"][0]["detail"].startswith("message ")


def test_a_users_own_logs_and_broken_files(spark, shared_data: Path, tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "airline_gpt-4o.json").write_text(json.dumps([_tau_log(n) for n in range(3)]))
    lines = [json.dumps({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}),
             "{not json", ""]  # fmt: skip
    (tmp_path / "logs" / "chat.jsonl.gz").write_bytes(gzip.compress(("\ufeff" + "\n".join(lines)).encode()))
    # A hub-style Parquet export of the same logs: nested lists of structs (call arguments as strings).
    logs = [_tau_log(n) for n in (7, 8)]
    for log in logs:
        for message in log["traj"]:
            message.setdefault("tool_calls", None)
            message.setdefault("tool_call_id", None)
            message.setdefault("name", None)
        log["info"] = None
    pq.write_table(pa.Table.from_pylist(logs), tmp_path / "logs" / "airline.parquet")
    out = tmp_path / "failures_delta"
    summary = run_validate(load_config(None), [str(tmp_path / "logs")], "auto", "import", str(out), "delta",
                           str(shared_data / "tooluse" / "airline_tools.json"))  # fmt: skip
    assert summary.by_status == {"warned": 5, "ok": 1, "import_failed": 1}
    assert summary.by_code == {"warn:empty_tool_result": 5, "reject:json_invalid": 1}
    from deltalake import DeltaTable

    rows = DeltaTable(str(out)).to_pyarrow_table().to_pylist()
    assert sorted(row["status"] for row in rows) == ["import_failed", *["warned"] * 5]
    failed = next(row for row in rows if row["status"] == "import_failed")
    assert (failed["record"], failed["preview"]) == (1, "{not json")


def test_exit_codes(spark, shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    conf = str(Path(__file__).resolve().parents[2] / "conf" / "local.yaml")
    tools = str(shared_data / "tooluse" / "retail_tools.json")
    assert main(["validate", "--config", conf, "--input", tools]) == 0
    assert "validate (import): 16 records in 1 files  ok 16" in capsys.readouterr().out
    assert main(["validate", "--config", conf, "--input", str(tmp_path / "nothing.jsonl")]) == 1
    assert main(["validate", "--config", conf, "--input", tools, "--profile", "nightly"]) == 2
    with pytest.raises(SystemExit) as bad_format:
        main(["validate", "--config", conf, "--input", tools, "--format", "xml"])
    assert bad_format.value.code == 2
