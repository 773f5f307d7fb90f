"""The report's sections: each turns ReportData into tables and one chart, beside the paper's figures."""

from __future__ import annotations

from pathlib import Path

from gem_spark.report import paper, plots
from gem_spark.report.document import Cell, Link, Percent, Section, Table
from gem_spark.report.metrics import TABLE_KEYS, ReportData
from gem_spark.report.viewer_page import viewer_link

STATUSES = ("ok", "rejected", "error")


def _share(count: int, total: int) -> Percent | None:
    return Percent(count / total) if total else None


FUNNEL_HEADER = ["stage", "rows", "ok", "rejected", "error", "marked (dup/contam)", "top reasons"]


def funnel_rows(data: ReportData) -> list[list[Cell]]:
    """One row per written table: rows, then rows by status (ok, rejected, error, other), top reasons."""
    rows: list[list[Cell]] = []
    for table in (table for table in TABLE_KEYS if table in data.funnel):
        counts = data.funnel[table]
        by_status = [data.status_total(table, s) for s in STATUSES]
        other = data.status_total(table) - sum(by_status)
        reasons = sorted(((n, f"{s}:{r}") for (s, r), n in counts.items() if r), reverse=True)[:4]
        rows.append([table, data.status_total(table), *by_status, other,
                     ", ".join(f"{name} {n}" for n, name in reasons)])  # fmt: skip
    return rows


def funnel(data: ReportData, folder: Path) -> Section:
    rows = funnel_rows(data)
    series = {name: [row[2 + i] for row in rows] for i, name in enumerate((*STATUSES, "other"))}
    plots.stacked_bars(folder / "funnel.png", "Rows per stage by status", [row[0] for row in rows], series)
    text = "Current rows of every stage table (latest per key and fingerprint, current fingerprint chain only); tables not written yet are left out."
    return Section("Funnel", text, [Table(FUNNEL_HEADER, rows)], ["funnel.png"])


PASS_RATE_HEADER = ["step", "passed", "seen", "pass rate", "paper"]


def pass_rate_rows(data: ReportData) -> tuple[list[str], list[list[Cell]]]:
    """(chart labels, table rows): prefilter, select and overall pass rates; the paper's 14% is of all segments."""
    segments = data.status_total("segments")
    selected = data.status_total("select", "ok")
    measured = [
        (
            "prefilter",
            "prefilter",
            data.status_total("prefilter", "ok"),
            data.status_total("prefilter"),
            None,
        ),
        ("select", "select (of prefiltered)", selected, data.status_total("select"), None),
        ("overall", "overall (select of all segments)", selected, segments, Percent(paper.SELECT_PASS_RATE)),
    ]
    rows = [[label, passed, seen, _share(passed, seen), ref] for _, label, passed, seen, ref in measured]
    return [short for short, *_ in measured], rows


def pass_rates(data: ReportData, folder: Path) -> Section:
    names, rows = pass_rate_rows(data)
    shown = [(short, float(row[3])) for short, row in zip(names, rows) if row[3] is not None]
    plots.bars(folder / "pass_rates.png", "Pass rates", [name for name, _ in shown], [rate for _, rate in shown],
               "share passed", paper.SELECT_PASS_RATE, "paper: ~14% of segments hold workflows")  # fmt: skip
    text = "The paper finds multi-step workflows in about 14% of sampled Ultra-FineWeb segments (compare 'overall')."
    return Section("Prefilter and selection pass rates", text, [Table(PASS_RATE_HEADER, rows)], ["pass_rates.png"])


def labels(data: ReportData, folder: Path) -> Section:
    tables, images = [], []
    for label, reference in (("domain", paper.DOMAIN_SHARES), ("task", paper.TASK_SHARES), ("platform", {})):
        counts = data.labels.get(label, {})
        total = sum(counts.values())
        names = sorted(
            set(counts) | set(reference), key=lambda n: (-counts.get(n, 0), -reference.get(n, 0), n)
        )
        rows = [[name, counts.get(name, 0), _share(counts.get(name, 0), total),
                 Percent(reference[name]) if name in reference else None] for name in names]  # fmt: skip
        tables.append(
            Table([label, "segments", "share", "paper share"], rows, f"{label} of selected segments")
        )
        shown = names[:12]
        plots.compared_bars(folder / f"{label}s.png", f"{label} distribution", shown,
                            [float(_share(counts.get(n, 0), total) or 0.0) for n in shown],
                            [reference.get(n) for n in shown], "share of selected segments")  # fmt: skip
        images.append(f"{label}s.png")
    text = "Labels of the segments Stage 1 kept, beside the paper's reported top domains and task shares."
    return Section("Domains, platforms and tasks", text, tables, images)


def complexity_table(data: ReportData) -> Table:
    """Mean and median messages, distinct tools and calls per ok trajectory, beside the paper's rows."""
    metrics = paper.COMPLEXITY_METRICS
    header = ["trajectories", "rows", *(f"mean {m}" for m in metrics), *(f"median {m}" for m in metrics)]
    rows: list[list[Cell]] = [[name, c.rows, *(c.mean[m] for m in metrics), *(c.median[m] for m in metrics)]
                              for name, c in data.complexity.items()]  # fmt: skip
    rows.append(
        ["paper: before refinement", None, *(paper.COMPLEXITY_BEFORE[m] for m in metrics), None, None, None]
    )
    rows.append(["paper: after refinement", None, *(paper.COMPLEXITY_AFTER[m] for m in metrics),
                 *(paper.COMPLEXITY_AFTER_MEDIAN[m] for m in metrics)])  # fmt: skip
    return Table(header, rows)


def complexity(data: ReportData, folder: Path) -> Section:
    metrics = paper.COMPLEXITY_METRICS
    after = data.complexity.get("refine") or data.complexity.get("synthesize")
    plots.compared_bars(folder / "complexity.png", "Mean per trajectory after refinement / synthesis",
                        list(metrics) if after else [], [after.mean[m] for m in metrics] if after else [],
                        [paper.COMPLEXITY_AFTER[m] for m in metrics], "mean per trajectory")  # fmt: skip
    text = ("Messages, distinct tools called and tool calls per trajectory (ok rows), beside the paper's "
            "30.05 → 46.1 messages, 5.01 → 8.6 tools and 7.83 → 16.3 calls (medians after: 41 / 8 / 13).")  # fmt: skip
    return Section("Trajectory complexity", text, [complexity_table(data)], ["complexity.png"])


def judge(data: ReportData, folder: Path) -> Section:
    # Each rubric and rule links to the viewer's samples rejected for it.
    rubric_rows = [[Link(name.upper(), viewer_link(outcome=f"judge_{name}_failed")), failed, judged,
                    _share(failed, judged)] for name, (failed, judged) in data.rubric_failures.items()]  # fmt: skip
    rule_rows = [[Link(reason, viewer_link(outcome=reason)), n]
                 for reason, n in sorted(data.rule_failures.items(), key=lambda item: (-item[1], item[0]))]  # fmt: skip
    shown = [row[0] for row in rubric_rows]
    plots.bars(folder / "judge.png", "Judge rubric failure rates", shown, [float(row[3] or 0.0) for row in rubric_rows],
               "share of judged trajectories failing")  # fmt: skip
    tables = [
        Table(["rubric", "failed", "judged", "failure rate"], rubric_rows, "LLM judge (R1 tool-call, R2 capability, R3 context hallucination)"),
        Table(["rule", "trajectories"], rule_rows, "Rule checks that rejected trajectories before the judge"),
    ]  # fmt: skip
    return Section("Validation", "", tables, ["judge.png"])


def cost(data: ReportData, folder: Path) -> Section:
    total = sum(item.usd for item in data.costs)
    rows = [[c.stage, c.model, c.requests, c.prompt_tokens, c.completion_tokens, c.usd] for c in data.costs]
    tokens = sum(c.prompt_tokens + c.completion_tokens for c in data.costs)
    per_accepted = [["accepted trajectories", data.accepted_ok],
                    ["tokens per accepted trajectory", tokens / data.accepted_ok if data.accepted_ok else None],
                    ["estimated USD per accepted trajectory", total / data.accepted_ok if data.accepted_ok else None],
                    ["estimated USD in total", total]]  # fmt: skip
    plots.bars(folder / "cost.png", "Tokens per stage", [c.stage for c in data.costs],
               [c.prompt_tokens + c.completion_tokens for c in data.costs], "tokens")  # fmt: skip
    text = "Every request counts, retries included; prices per million tokens come from models.<role>.prices."
    tables = [Table(["stage", "model", "requests", "prompt tokens", "completion tokens", "USD"], rows),
              Table(["", "value"], per_accepted)]  # fmt: skip
    return Section("Tokens and cost", text, tables, ["cost.png"])


def runs(data: ReportData, folder: Path) -> Section:
    header = ["run", "command", "snapshot", "status", "started (UTC)", "seconds", "stages", "accepted"]
    rows = [[r["run_id"], r["command"], r["snapshot"], r["status"], r["started_at"], r["duration_s"], r["stages"],
             r["accepted"]] for r in data.runs]  # fmt: skip
    plots.bars(folder / "runs.png", "Trajectories accepted per run", [r["run_id"][:16] for r in data.runs],
               [r["accepted"] for r in data.runs], "accepted")  # fmt: skip
    return Section(
        "Run history", "One row per run, oldest first, across snapshots.", [Table(header, rows)], ["runs.png"]
    )


def throughput(data: ReportData, folder: Path) -> Section:
    header = ["run", "stage", "requests", "errors", "requests/s", "tokens/s", "running per engine step",
              "mean in flight", "first result (s)", "pieces", "commits", "seconds"]  # fmt: skip
    rows = [[r["run_id"], r["stage"], r["requests"], r["errors"], r["requests_per_s"], r["tokens_per_s"],
             r["mean_running_per_step"], r["mean_in_flight"], r["first_result_s"], r["pieces"], r["commits"],
             r["wall_s"]] for r in data.throughput]  # fmt: skip
    task_header = ["stage", "task", "attempt", "rows", "requests/s", "tokens/s", "running per engine step",
                   "mean in flight", "first result (s)", "seconds"]  # fmt: skip
    task_rows = [[t["stage"], t["partition"], t["attempt"], t["rows"], t["requests_per_s"], t["tokens_per_s"],
                  t["mean_running_per_step"], t["mean_in_flight"], t["first_result_s"], t["elapsed_s"]]
                 for t in data.task_throughput]  # fmt: skip
    recent = data.throughput[-12:]
    plots.bars(folder / "throughput.png", "Tokens per second per stage (latest runs)",
               [f"{r['stage']} {r['run_id'][9:15]}" for r in recent], [r["tokens_per_s"] for r in recent],
               "tokens/s")  # fmt: skip
    text = ("Each LLM stage's inference job: rates over the job's wall time; running requests per engine "
            "step (vllm) and mean in-flight requests (openai) show how full the engines were kept. Blank: "
            "not measured by that backend.")  # fmt: skip
    tables = [Table(header, rows, "Per stage and run"),
              Table(task_header, task_rows, "Per task, latest run with inference")]  # fmt: skip
    return Section("Inference throughput", text, tables, ["throughput.png"])


SECTIONS = (funnel, pass_rates, labels, complexity, judge, cost, throughput, runs)
