"""Figures reported in the GEM paper (GEM.md), shown beside a run's own numbers."""

from __future__ import annotations

# About 14% of sampled Ultra-FineWeb segments contain multi-step workflows.
SELECT_PASS_RATE = 0.14

# Domain counts of 2,565,787 labelled segments (the paper's top domains), as shares.
LABELLED_SEGMENTS = 2_565_787
DOMAIN_SHARES = {
    name: count / LABELLED_SEGMENTS
    for name, count in {
        "computers_and_electronics": 578_494,
        "science": 355_244,
        "shopping": 348_893,
        "business_and_industrial": 283_763,
        "health": 198_491,
        "internet_and_telecom": 191_699,
        "jobs_and_education": 170_724,
    }.items()
}
TASK_SHARES = {
    "customer_support": 0.224,
    "research_and_data": 0.155,
    "education_elearning": 0.121,
    "developer_tools": 0.076,
    "ecommerce_and_retail": 0.063,
}

# Mean per trajectory before (stage 3) and after (stage 4) refinement; medians after refinement.
COMPLEXITY_METRICS = ("messages", "distinct_tools_called", "tool_calls")
COMPLEXITY_BEFORE = {"messages": 30.05, "distinct_tools_called": 5.01, "tool_calls": 7.83}
COMPLEXITY_AFTER = {"messages": 46.1, "distinct_tools_called": 8.6, "tool_calls": 16.3}
COMPLEXITY_AFTER_MEDIAN = {"messages": 41, "distinct_tools_called": 8, "tool_calls": 13}
