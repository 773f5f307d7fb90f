"""The trajectory viewer in real headless Chromium (Debian's, driven by Playwright) over the demo's tables:
filters show exactly the matching samples, an opened trajectory shows its tool calls, the report's tables
link to the samples, the page works after the report folder is copied elsewhere, and a segment, labels
and model output full of HTML and JavaScript render as inert text (no script runs, no request leaves)."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from gem_spark.config import GemConfig
from gem_spark.report import build_report
from gem_spark.report.viewer_data import collect_viewer
from gem_spark.schema import Message, ToolCall, Trajectory, to_json, trajectory_from_json
from gem_spark.stages.current import reading_context
from gem_spark.tables import CommitId, open_store
from tests.support.chromium import chromium_binary
from tests.support.trajectories import refined_trajectory

playwright = pytest.importorskip("playwright.sync_api", reason="the test extra installs playwright")

pytestmark = pytest.mark.slow

HOSTILE = ('</script><script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
           '<img src="http://127.0.0.1:9/leak.png"><iframe src="https://example.com/"></iframe>&lt;b&gt;')  # fmt: skip
HOSTILE_SEGMENT = "hostile-segment"
HOSTILE_ID = f"{HOSTILE_SEGMENT}-s0"


def _hostile_trajectory() -> Trajectory:
    """A well-formed trajectory whose every free-text field carries markup and script."""
    base = refined_trajectory(1)
    messages: list[Message] = []
    for message in base.messages:
        if message.role in ("user", "tool"):
            message = message.model_copy(update={"content": f"{message.content} {HOSTILE}"})
        if message.tool_calls:
            first = message.tool_calls[0]
            hostile_call = ToolCall(id=first.id, name=first.name, arguments={**first.arguments, "note": HOSTILE})
            message = message.model_copy(update={"content": HOSTILE, "tool_calls": [hostile_call, *message.tool_calls[1:]]})
        messages.append(message)
    tool = base.tools[0]
    tools = [tool.model_copy(update={"function": tool.function.model_copy(update={"description": HOSTILE})}),
             *base.tools[1:]]  # fmt: skip
    return base.model_copy(update={"messages": messages, "tools": tools})


def _append_like(store, table: str, where: str, changes: dict[str, Any], version: int) -> None:  # noqa: ANN001
    """One more row in `table`: a copy of an existing one with `changes`, committed through the real store."""
    df = store.read(table)
    row = df.where(where).first().asDict(recursive=True)
    row.update(changes, created_at=datetime(2027, 1, 1))
    store.append(table, df.sparkSession.createDataFrame([row], df.schema), CommitId(f"viewer-test:{table}", version))


@pytest.fixture(scope="module")
def report(demo_lake: GemConfig, spark, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's tables plus one hostile synthesized trajectory (rejected by the judge for R3); the report
    is written, then its folder moved elsewhere, as someone would copy it off the cluster."""
    root = tmp_path_factory.mktemp("viewer")
    shutil.copytree(demo_lake.tables.root, root / "lake")
    config = demo_lake.model_copy(update={"tables": demo_lake.tables.model_copy(update={"root": str(root / "lake")})})
    store = open_store(config.tables, spark)
    trajectory = _hostile_trajectory()
    hostile = {"segment_id": HOSTILE_SEGMENT, "trajectory_id": HOSTILE_ID, "trajectory": to_json(trajectory),
               "stats": trajectory.stats().model_dump()}  # fmt: skip
    _append_like(store, "segments", "status = 'ok'", {"segment_id": HOSTILE_SEGMENT, "text": f"Steps: {HOSTILE}",
                                                      "url": "javascript:alert(1)"}, 1)  # fmt: skip
    # Every link of the synthesizer chain, so the planted rows are current (readers see only the current chain).
    _append_like(store, "prefilter", "status = 'ok'", {"segment_id": HOSTILE_SEGMENT}, 1)
    _append_like(store, "select", "status = 'ok'", {"segment_id": HOSTILE_SEGMENT, "domain": HOSTILE}, 1)
    _append_like(store, "synthesize", "status = 'ok'", hostile, 1)
    _append_like(store, "judge", "status = 'ok' AND source_stage = 'synthesize'",
                 {**hostile, "status": "rejected", "reason": "judge_r3_failed", "r3": 0}, 1)  # fmt: skip
    index = build_report(config, root / "written", spark=spark)
    moved = shutil.move(str(index.parent), str(root / "copied-elsewhere"))
    return Path(moved)


@pytest.fixture(scope="module")
def browser():  # noqa: ANN201
    with playwright.sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=chromium_binary(), args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):  # noqa: ANN001, ANN201
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.requests = []  # every request the page makes, navigation included
    page.on("request", lambda request: page.requests.append(request.url))
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("dialog", lambda dialog: page.errors.append(f"dialog: {dialog.message}"))
    yield page
    context.close()


def _visible_ids(page) -> list[str]:  # noqa: ANN001
    return page.locator("details.sample:visible").evaluate_all("nodes => nodes.map(n => n.dataset.id)")


def _outcomes(page, ids: list[str]) -> set[str]:  # noqa: ANN001
    return {page.locator(f'details[data-id="{i}"]').get_attribute("data-outcome") for i in ids}


def _open(page, url: str) -> None:  # noqa: ANN001
    page.goto(url)
    page.wait_for_selector("body[data-ready]")


def test_filters_show_exactly_the_matching_samples(report: Path, page) -> None:  # noqa: ANN001
    _open(page, (report / "viewer.html").as_uri())
    everything = _visible_ids(page)
    assert len(everything) == len(set(everything)) > 0
    page.select_option("#filter-outcome", "judge_r3_failed")
    shown = _visible_ids(page)
    assert _outcomes(page, shown) == {"judge_r3_failed"} and HOSTILE_ID in shown
    assert len(shown) == 2, "the demo's own R3 rejection and the hostile one"
    page.select_option("#filter-path", "teacher")
    assert _visible_ids(page) == []
    assert page.locator("#shown").text_content().startswith("0 of ")
    page.select_option("#filter-outcome", "accepted")
    teacher = _visible_ids(page)
    assert len(teacher) == 5 and all("-w" in i for i in teacher), "samples_per_group of the 13 accepted"
    assert "#path=teacher&outcome=accepted" in page.url
    assert page.errors == []


def test_an_opened_trajectory_shows_its_calls_tools_and_source(report: Path, page, demo_lake: GemConfig,
                                                                spark) -> None:  # noqa: ANN001  # fmt: skip
    _open(page, (report / "viewer.html").as_uri() + "#path=synthesizer&outcome=accepted")
    card = page.locator("details.sample:visible").first
    trajectory_id = card.get_attribute("data-id")
    accepted = open_store(demo_lake.tables, spark).read("accepted").where(f"trajectory_id = '{trajectory_id}'")
    trajectory = trajectory_from_json(accepted.first()["trajectory"])
    calls = [call for message in trajectory.messages for call in message.tool_calls]
    assert card.locator(".tool-call").count() == 0, "rendered only when opened"
    card.locator("summary").click()
    tool_calls = card.locator(".tool-call")
    tool_calls.first.wait_for()  # the body is rendered on the (asynchronous) toggle event
    assert tool_calls.count() == len(calls) > 0
    assert tool_calls.first.is_visible()
    assert tool_calls.first.locator(".name").text_content() == calls[0].name
    first_argument = next(iter(calls[0].arguments.values()), None)
    if isinstance(first_argument, str):
        assert first_argument in tool_calls.first.locator(".arguments").text_content()
    assert card.locator(".msg.role-tool").count() == sum(m.role == "tool" for m in trajectory.messages)
    assert card.locator("details.tool").count() == len(trajectory.tools)
    assert card.locator(".segment").text_content().strip(), "the source segment is shown"
    stage_cells = card.locator("table").nth(1).locator("td").all_text_contents()
    assert stage_cells[:3] == ["synthesize", "ok", "–"] and "judge" in stage_cells and "accepted" in stage_cells


def test_hostile_text_renders_inert(report: Path, page) -> None:  # noqa: ANN001
    viewer = (report / "viewer.html").as_uri()
    _open(page, viewer + "#outcome=judge_r3_failed&path=synthesizer")
    card = page.locator(f'details[data-id="{HOSTILE_ID}"]')
    card.locator("summary").click()
    card.locator("details.tool").first.locator("summary").click()  # waits for the rendered body
    assert card.locator(".segment").text_content() == f"Steps: {HOSTILE}"
    assert card.locator(".tool-call .arguments").first.text_content().count("window.__pwned") == 2
    assert HOSTILE in card.locator("summary").first.text_content()  # the domain label, as text
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.evaluate("document.images.length + document.getElementsByTagName('iframe').length") == 0
    assert page.evaluate("document.scripts.length") == 2, "the data block and the page's own script"
    assert page.requests == [viewer], "only the page itself: nothing the data names is fetched"
    assert page.errors == []


def test_report_tables_link_to_their_samples(report: Path, page) -> None:  # noqa: ANN001
    page.goto((report / "index.html").as_uri())
    page.locator("a", has_text="unknown_tool_called").first.click()
    page.wait_for_selector("body[data-ready]")
    assert page.url.endswith("viewer.html#outcome=unknown_tool_called")  # from the rule-check table
    shown = page.locator("details.sample:visible")
    assert shown.count() == 1 and shown.first.get_attribute("data-outcome") == "unknown_tool_called"
    page.go_back()
    page.locator("a", has_text="R2").first.click()
    page.wait_for_selector("body[data-ready]")
    assert _outcomes(page, _visible_ids(page)) == {"judge_r2_failed"}


def test_samples_are_deterministic_for_a_seed(demo_lake: GemConfig, spark) -> None:
    ctx = reading_context(demo_lake, open_store(demo_lake.tables, spark), spark)
    viewer = demo_lake.report.viewer
    first, again = collect_viewer(ctx, viewer), collect_viewer(ctx, viewer)
    assert first.samples == again.samples and first.groups == again.groups
    two = collect_viewer(ctx, viewer.model_copy(update={"samples_per_group": 2, "seed": 7}))
    assert two.groups == first.groups
    assert all(n <= 2 for n in _per_group(two.samples).values())
    assert _per_group(two.samples) == {g: min(2, n) for g, n in first.groups.items()}


def _per_group(samples: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = {}
    for sample in samples:
        counts[(sample["path"], sample["outcome"])] = counts.get((sample["path"], sample["outcome"]), 0) + 1
    return counts
