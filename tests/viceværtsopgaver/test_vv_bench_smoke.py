"""The dispatch benchmark runs end to end at tiny scale (the real run is bench/vicevaert_dispatch.py, outside the suite)."""

from __future__ import annotations

from bench.vicevaert_dispatch import SCALES, measure


def test_dispatch_benchmark_runs_at_tiny_scale(db: None) -> None:
    figures = measure(scale=SCALES["tiny"], http=False)
    assert figures["scale"]["caretakers"] == 12 and figures["scale"]["buildings"] == 40
    assert figures["decision_ms"]["count"] == SCALES["tiny"]["decisions"]
    assert sum(figures["decision_outcomes"].values()) == SCALES["tiny"]["decisions"]
    p99 = figures["assignment_decision_p99"]
    assert (
        p99["value"] > 0
        and p99["target"] == 20
        # The ratio is taken before the figures are rounded for display, so compare with a rounding margin.
        and abs(p99["ratio_to_baseline"] - p99["value"] / p99["baseline"]) < 0.01
    )
    assert figures["day_plans_detail"]["caretakers_planned"] == 12
    travel = figures["travel_km"]
    assert 0 < travel["value"] <= travel["baseline"]
    reduction = figures["travel_reduction_vs_naive"]
    assert abs(reduction["value"] - 100 * (1 - travel["value"] / travel["baseline"])) < 0.01
