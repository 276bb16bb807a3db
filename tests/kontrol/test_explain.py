"""The forklaringsark's contributions are faithful: they add up to the model's score exactly."""

from __future__ import annotations

import numpy as np
import pytest

from services.kontrol.ml.explain import explain_rows
from services.kontrol.ml.features import build_features
from services.kontrol.ml.training import contributions, logit, train
from services.kontrol.synth.history import StreamConfig, concat, simulate_years


@pytest.fixture(scope="module")
def fitted():
    years = simulate_years(range(2015, 2017), seed=3, config=StreamConfig(city_size=325_000))
    people, _, _, outcome, old = concat(years)
    facts = people.matrix()
    return train(facts[old], outcome[old], seed=3), facts


def test_contributions_reconcile_with_the_score(fitted) -> None:
    model, facts = fitted
    features = build_features(facts[:200])
    contrib, baseline = contributions(model, features)
    score = logit(model.predict_proba_features(features))
    assert np.allclose(baseline + contrib.sum(axis=1), score, atol=1e-8)


def test_explanation_probability_matches_the_model(fitted) -> None:
    model, facts = fitted
    explained = explain_rows(model, facts[:20])
    probability = model.predict_proba_facts(facts[:20])
    assert np.allclose([e["probability"] for e in explained], probability, atol=1e-9)
    for e in explained:
        assert e["reasons"] == sorted(e["reasons"], key=lambda r: -r["contribution"])
        assert all(r["contribution"] > 0 and r["text"] for r in e["reasons"])


def test_model_is_additive(fitted) -> None:
    """Changing two features at once moves the log-odds by the sum of the single changes (no interactions)."""
    model, facts = fitted
    x = build_features(facts[:50])
    a, b = x.copy(), x.copy()
    a[:, 10] = model.reference[10]
    b[:, 13] = model.reference[13]
    both = a.copy()
    both[:, 13] = model.reference[13]
    f = lambda m: logit(model.predict_proba_estimator(m))  # noqa: E731 - the estimator itself, not its tables
    assert np.allclose(f(x) - f(both), (f(x) - f(a)) + (f(x) - f(b)), atol=1e-8)


def test_lookup_tables_give_the_estimators_probabilities(fitted) -> None:
    """Scoring uses the compiled per-feature tables; they must agree with the estimator on real rows."""
    model, facts = fitted
    assert model.tables() is not None
    features = build_features(facts[:5000])
    features[::7, 3] = np.nan  # missing values take their own step
    assert np.allclose(model.predict_proba_features(features), model.predict_proba_estimator(features), atol=1e-9)


def test_an_artefact_stored_without_tables_compiles_them_when_loaded(fitted) -> None:
    from services.kontrol.ml.training import TrainedModel

    model, facts = fitted
    stored = TrainedModel.from_bytes(model.to_bytes())
    del stored.__dict__["_tables"]  # as pickled before the tables existed
    features = build_features(facts[:500])
    assert np.allclose(stored.predict_proba_features(features), model.predict_proba_features(features), atol=1e-12)
    assert stored.tables() is not None
