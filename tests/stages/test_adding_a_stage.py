"""Adding a stage is one module, its place in the mode list and its default settings: a stage gem-spark
does not ship (tests/support/language_stage.py) runs between select and synthesize through the CLI,
and every table list, chain, catalogue and summary picks it up with nothing else edited."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from deltalake import DeltaTable

from examples.assemble_responses import CORPUS, corpus_segment_ids

REPO = Path(__file__).resolve().parents[2]
# One fresh interpreter per command, as a user runs them, so every list derived from the mode list is
# derived after the edit; each prints its exit code and what the catalogue check finds in the lake.
SCRIPT = """
import json, sys
from pathlib import Path

from gem_spark import config
from gem_spark.stages import modes
from tests.support.language_stage import LanguageStage

# The two edits besides the module: its place in the mode list and its default settings.
select, synthesize, judge = modes.MODES["synthesizer"]
modes.MODES["synthesizer"] = (select, LanguageStage, synthesize, judge)
config.STAGE_DEFAULTS["language"] = config.StageConfig(model="filter")

from gem_spark.cli import main
from tests.support.catalogue import uncatalogued

args = json.loads(sys.argv[1])
code = main(args["command"])
print(json.dumps({"exit": code, "uncatalogued": uncatalogued(Path(args["lake"]))}))
"""

pytestmark = pytest.mark.slow


def _ok_keys(table: Path) -> set[str]:
    rows = DeltaTable(str(table)).to_pyarrow_table(columns=["segment_id", "status"]).to_pylist()
    return {row["segment_id"] for row in rows if row["status"] == "ok"}


def test_a_new_stage_runs_between_select_and_synthesize(tmp_path: Path) -> None:
    ids = corpus_segment_ids()
    procedural = sorted(ids[doc] for doc in ids if doc.startswith("ex-proc-"))
    german = set(procedural[:2])  # the new stage turns these away; synthesize must never see them
    responses = tmp_path / "responses.jsonl"
    recorded = (REPO / "examples" / "responses.jsonl").read_text(encoding="utf-8")
    answers = [
        {"stage": "language", "key": key, "text": "de" if key in german else "en\n"} for key in ids.values()
    ]
    responses.write_text(recorded + "".join(json.dumps(a) + "\n" for a in answers), encoding="utf-8")
    lake = tmp_path / "lakehouse"
    common = ["--config", str(REPO / "conf" / "local.yaml"), "--set", f"tables.root={lake}",
              "--set", f"models.filter.responses={responses}", "--set", f"report.out={tmp_path / 'report'}"]  # fmt: skip
    commands = [
        ["ingest", *common, "--input", str(CORPUS), "--snapshot", "demo"],
        ["run", *common, "--mode", "synthesizer", "--snapshot", "demo"],
        ["tables", *common],
    ]
    outputs = []
    for command in commands:
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT, json.dumps({"command": command, "lake": str(lake)})],
            cwd=REPO, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        assert json.loads(done.stdout.strip().splitlines()[-1]) == {"exit": 0, "uncatalogued": []}, command[0]
        outputs.append(done.stdout)
    selected, kept = _ok_keys(lake / "select"), _ok_keys(lake / "language")
    assert german <= selected and kept == selected - german
    synthesized = DeltaTable(str(lake / "synthesize")).to_pyarrow_table(columns=["segment_id"]).column(0)
    assert set(synthesized.to_pylist()) == kept
    assert "language" in outputs[-1]  # `gem-spark tables` lists the new table
    assert "language" in (tmp_path / "report" / "report.md").read_text(encoding="utf-8")  # so does the funnel
