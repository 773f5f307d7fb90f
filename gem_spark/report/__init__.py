"""The run report: funnel, pass rates, label distributions, complexity, judge failures, cost, run history."""

from gem_spark.report.build import build_report

__all__ = ["build_report"]
