"""No nationality, citizenship, ethnicity, country of birth, sex or name-derived feature, ever."""

from __future__ import annotations

import numpy as np

from services.kontrol.facts import FACT_NAMES, FACTS
from services.kontrol.ml.features import FEATURE_NAMES, FEATURES, build_features

FORBIDDEN = (
    "national", "citizen", "statsborger", "ethnic", "etnic", "herkomst", "origin", "birth_country", "country",
    "foedeland", "fødeland", "sex", "gender", "koen", "køn", "name", "navn", "group", "religion", "language", "sprog",
)  # fmt: skip


def test_no_protected_or_proxy_feature() -> None:
    for text in [*FEATURE_NAMES, *FACT_NAMES, *(f.label.lower() for f in FEATURES), *(f.label.lower() for f in FACTS)]:
        assert not any(word in text.lower() for word in FORBIDDEN), text


def test_model_input_is_exactly_the_feature_list() -> None:
    facts = np.random.default_rng(1).random((5, len(FACT_NAMES)))
    assert build_features(facts).shape == (5, len(FEATURES))


def test_trained_model_uses_only_the_feature_list(world, session) -> None:
    from services.kontrol.ml.registry import load_model, promoted

    version = promoted(session)
    model = load_model(version)
    assert tuple(version.feature_names["features"]) == FEATURE_NAMES == model.feature_names
    assert model.estimator.n_features_in_ == len(FEATURE_NAMES)


def test_protected_attribute_never_reaches_the_fact_rows() -> None:
    from services.kontrol.synth.world import generate_people

    people = generate_people(500, seed=2)
    assert set(people.facts) == set(FACT_NAMES)
