"""Train, calibrate, evaluate and explain the prioritisation model (scikit-learn, no personal identifiers).

The model is a HistGradientBoostingClassifier restricted to *no feature interactions* (every tree splits on one
feature), so its log-odds are a sum of one function per feature: an additive model. Probabilities are
calibrated with Platt scaling (CalibratedClassifierCV, method="sigmoid", ensemble=False), which is an affine map
of the log-odds, so the calibrated log-odds are still additive. That makes the forklaringsark exact: each
feature's contribution is the change in calibrated log-odds when that feature alone is set to the reference
value (the training median), and the contributions add up to the score (tests/kontrol/test_explain.py).
"""

from __future__ import annotations

import io
import pickle
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score
from threadpoolctl import threadpool_limits

from services.kontrol.ml.additive import AdditiveTables, compile_additive
from services.kontrol.ml.features import FEATURE_NAMES, build_features

SMALL_BATCH = 20_000
ALGORITHM = "HistGradientBoostingClassifier(interaction_cst=no_interactions) + Platt-kalibrering"


@dataclass
class TrainedModel:
    """The fitted estimator plus what explanation and scoring need."""

    estimator: CalibratedClassifierCV
    feature_names: tuple[str, ...]
    reference: np.ndarray  # per-feature reference values (training medians)
    params: dict[str, Any] = field(default_factory=dict)

    def tables(self) -> AdditiveTables | None:
        """The model compiled into per-feature lookup tables (made once; None if it cannot be exact)."""
        if "_tables" not in self.__dict__:  # artefacts pickled before the tables existed compile on first use
            self.__dict__["_tables"] = compile_additive(self.estimator, self.reference)
        tables: AdditiveTables | None = self.__dict__["_tables"]
        return tables

    def predict_proba_features(self, features: np.ndarray) -> np.ndarray:
        """P(samfundsbesparelse) for a feature matrix: table look-ups, or the estimator if there are no tables."""
        tables = self.tables()
        if tables is not None:
            return tables.predict_proba(features)
        return self.predict_proba_estimator(features)

    def predict_proba_estimator(self, features: np.ndarray) -> np.ndarray:
        """P(samfundsbesparelse) from the estimator's own predict_proba (small batches single-threaded)."""
        if len(features) < SMALL_BATCH:
            with threadpool_limits(limits=1, user_api="openmp"):
                return np.asarray(self.estimator.predict_proba(features)[:, 1])
        return np.asarray(self.estimator.predict_proba(features)[:, 1])

    def predict_proba_facts(self, facts: np.ndarray) -> np.ndarray:
        """P(samfundsbesparelse) for a fact matrix (features built here)."""
        return self.predict_proba_features(build_features(facts))

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        pickle.dump(self, buffer, protocol=pickle.HIGHEST_PROTOCOL)
        return buffer.getvalue()

    @staticmethod
    def from_bytes(data: bytes) -> TrainedModel:
        model = pickle.loads(data)  # noqa: S301 - only called after the sha256 check in ml.registry
        if not isinstance(model, TrainedModel):
            raise TypeError("not a kontrol model artefact")
        return model


def default_params(seed: int) -> dict[str, Any]:
    """Hyper-parameters (fixed; chosen on synthetic validation data, documented in the model card)."""
    return {
        "max_iter": 300,
        "learning_rate": 0.06,
        "max_leaf_nodes": 6,
        "min_samples_leaf": 30,
        "l2_regularization": 1.0,
        "interaction_cst": "no_interactions",
        "early_stopping": False,
        "random_state": seed,
    }


def train(facts: np.ndarray, outcome: np.ndarray, *, seed: int = 0) -> TrainedModel:
    """Fit the calibrated additive model on closed cases (facts matrix, outcome 0/1)."""
    features = build_features(facts)
    y = np.asarray(outcome, dtype=int)
    params = default_params(seed)
    base = HistGradientBoostingClassifier(**params)
    estimator = CalibratedClassifierCV(base, method="sigmoid", cv=5, ensemble=False)
    # A few thousand closed cases train fastest on one thread (OpenMP start-up and barriers dominate).
    with threadpool_limits(limits=1 if len(y) < SMALL_BATCH else None, user_api="openmp"):
        estimator.fit(features, y)
    with np.errstate(all="ignore"):
        reference = np.nanmedian(features, axis=0)
    model = TrainedModel(estimator=estimator, feature_names=FEATURE_NAMES, reference=reference, params=params)
    model.tables()  # compiled now, so the stored artefact carries its tables
    return model


def logit(p: np.ndarray) -> np.ndarray:
    clipped = np.clip(np.asarray(p, dtype=float), 1e-12, 1 - 1e-12)
    return np.asarray(np.log(clipped / (1 - clipped)))


def contributions(model: TrainedModel, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature contributions in calibrated log-odds and the baseline log-odds (the reference case).

    For each row: baseline + contributions.sum() == logit(probability), exactly for this additive model.
    """
    features = np.atleast_2d(np.asarray(features, dtype=float))
    n, k = features.shape
    stacked = np.repeat(features, k + 1, axis=0).reshape(n, k + 1, k)
    for j in range(k):
        stacked[:, j + 1, j] = model.reference[j]
    log_odds = logit(model.predict_proba_features(stacked.reshape(n * (k + 1), k))).reshape(n, k + 1)
    full = log_odds[:, :1]
    without = log_odds[:, 1:]
    reference_log_odds = float(logit(model.predict_proba_features(model.reference[None, :]))[0])
    return full - without, np.full(n, reference_log_odds)


def precision_at_cut(score: np.ndarray, outcome: np.ndarray, share: float) -> float:
    """Share of positives among the top `share` of cases ranked by score (ties broken by position)."""
    k = max(1, round(len(score) * share))
    order = np.argsort(-np.asarray(score), kind="stable")[:k]
    return float(np.mean(np.asarray(outcome)[order]))


def metrics(probability: np.ndarray, outcome: np.ndarray, *, cut_share: float) -> dict[str, float]:
    """Held-out metrics used for promotion and the model card."""
    y = np.asarray(outcome, dtype=int)
    predicted = probability >= 0.5
    return {
        "n": float(len(y)),
        "prevalence": float(y.mean()) if len(y) else 0.0,
        "precision_at_cut": precision_at_cut(probability, y, cut_share),
        "cut_share": float(cut_share),
        "auc": float(roc_auc_score(y, probability)) if 0 < y.sum() < len(y) else float("nan"),
        "brier": float(brier_score_loss(y, probability)),
        "log_loss": float(log_loss(y, np.clip(probability, 1e-9, 1 - 1e-9), labels=[0, 1])),
        "accuracy_at_05": float(np.mean(predicted == y)),
        "precision_at_05": float(y[predicted].mean()) if predicted.any() else float("nan"),
        "calibration_error": expected_calibration_error(probability, y),
    }


def expected_calibration_error(probability: np.ndarray, outcome: np.ndarray, bins: int = 10) -> float:
    """Mean |observed - predicted| over equal-width probability bins, weighted by bin size."""
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(probability, edges) - 1, 0, bins - 1)
    total = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            total += mask.mean() * abs(float(outcome[mask].mean()) - float(probability[mask].mean()))
    return total
