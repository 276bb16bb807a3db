"""The synthetic world is anchored to the real figures (modest scale: 4 years of history, 2 held-out years)."""

from __future__ import annotations

import pytest

from services.kontrol.ml import evaluation


@pytest.fixture(scope="module")
def report() -> evaluation.AnchorReport:
    return evaluation.run(seed=7, history_years=4, heldout_years=2)


def test_old_process_and_list_hit_rates_match_the_brief(report: evaluation.AnchorReport) -> None:
    assert 0.44 <= report.old_process_hit_rate <= 0.55
    assert 0.13 <= report.register_match_hit_rate <= 0.20


def test_oracle_is_a_real_signal_not_a_giveaway(report: evaluation.AnchorReport) -> None:
    assert 0.85 <= report.oracle_precision_at_cut <= 0.92
    assert 0.85 <= report.oracle_expected_precision_at_cut <= 0.92


def test_model_reaches_the_proof_of_concept_and_95_percent_of_the_oracle(report: evaluation.AnchorReport) -> None:
    assert report.training_cases >= 2000
    assert report.model_precision_at_cut >= 0.83
    assert report.model_to_oracle >= 0.95
    assert report.model_metrics["calibration_error"] < 0.05


def test_reproducible() -> None:
    from services.kontrol.synth.world import generate_people

    a, b = generate_people(2000, seed=3), generate_people(2000, seed=3)
    assert (a.p_true == b.p_true).all() and (
        a.matrix()[~(a.matrix() != a.matrix())] == b.matrix()[~(b.matrix() != b.matrix())]
    ).all()
