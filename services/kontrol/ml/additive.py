"""The trained model compiled into one lookup table per feature: the same probabilities, found by table look-ups.

The model has no feature interactions (every tree of the HistGradientBoostingClassifier splits on one feature),
so its raw log-odds are `raw(reference) + sum_j [g_j(x_j) - g_j(reference_j)]`, where each g_j is a step
function whose steps sit at the split thresholds the trees use on feature j. We read those thresholds, evaluate
g_j once per step through the real estimator, and then score a row with one binary search per feature instead of
walking 300 trees; Platt calibration (an affine map of the raw log-odds, then the logistic function) is applied
by the fitted calibrator itself. A compiled table is only used after it reproduced the estimator's
probabilities on a check sample covering every step and missing values (`compile_additive` returns None
otherwise, and scoring keeps using the estimator).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV

# Largest difference to the estimator's probability we accept (only the order of a float sum differs).
TOLERANCE = 1e-9


@dataclass(frozen=True)
class AdditiveTables:
    """Per feature: sorted thresholds and the raw log-odds shift of every step (last entry: missing value)."""

    thresholds: tuple[np.ndarray, ...]
    shifts: tuple[np.ndarray, ...]
    raw_reference: float
    calibrator: Any  # sklearn's fitted sigmoid calibrator: raw log-odds -> probability

    def raw(self, features: np.ndarray) -> np.ndarray:
        """Raw (uncalibrated) log-odds for a feature matrix."""
        features = np.asarray(features, dtype=float)
        total = np.full(len(features), self.raw_reference)
        for j, (cuts, shift) in enumerate(zip(self.thresholds, self.shifts, strict=True)):
            column = features[:, j]
            # The trees send x <= threshold left, so x belongs to the step of the first threshold >= x.
            step = np.searchsorted(cuts, column, side="left")
            step[np.isnan(column)] = len(shift) - 1
            total += shift[step]
        return total

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """P(samfundsbesparelse) per row, as the calibrated estimator would give it."""
        return np.asarray(self.calibrator.predict(self.raw(features)), dtype=float)


def _split_thresholds(booster: Any, n_features: int) -> list[np.ndarray] | None:
    """Every numeric split threshold per feature, read from the fitted trees (None if a split is categorical)."""
    found: list[set[float]] = [set() for _ in range(n_features)]
    for iteration in booster._predictors:  # no public accessor; the compiled result is checked below
        for predictor in iteration:
            splits = predictor.nodes[~predictor.nodes["is_leaf"].astype(bool)]
            if splits["is_categorical"].any():
                return None
            for feature, threshold in zip(splits["feature_idx"], splits["num_threshold"], strict=True):
                found[int(feature)].add(float(threshold))
    return [np.array(sorted(values), dtype=float) for values in found]


def _step_points(cuts: np.ndarray) -> np.ndarray:
    """One value inside every step: each threshold, one value above the last, and a missing value."""
    above = np.nextafter(cuts[-1], np.inf) if len(cuts) else 0.0
    return np.concatenate([cuts, [above, np.nan]])


def compile_additive(
    estimator: CalibratedClassifierCV, reference: np.ndarray, *, seed: int = 0
) -> AdditiveTables | None:
    """Compile the calibrated additive model into lookup tables, or None when it cannot be reproduced exactly."""
    if len(getattr(estimator, "calibrated_classifiers_", ())) != 1:
        return None
    calibrated = estimator.calibrated_classifiers_[0]
    booster, calibrators = calibrated.estimator, calibrated.calibrators
    if len(calibrators) != 1 or not hasattr(booster, "_predictors"):
        return None
    reference = np.asarray(reference, dtype=float)
    cuts_per_feature = _split_thresholds(booster, len(reference))
    if cuts_per_feature is None:
        return None
    raw_reference = float(booster.decision_function(reference[None, :])[0])
    shifts = []
    for j, cuts in enumerate(cuts_per_feature):
        rows = np.repeat(reference[None, :], len(cuts) + 2, axis=0)
        rows[:, j] = _step_points(cuts)
        shifts.append(np.asarray(booster.decision_function(rows), dtype=float) - raw_reference)
    tables = AdditiveTables(tuple(cuts_per_feature), tuple(shifts), raw_reference, calibrators[0])
    # Check on rows that mix every step of every feature (and missing values) against the estimator itself.
    rng = np.random.default_rng(seed)
    check = np.column_stack([rng.choice(_step_points(cuts), size=2000) for cuts in cuts_per_feature])
    expected = estimator.predict_proba(check)[:, 1]
    if not np.allclose(tables.predict_proba(check), expected, rtol=0, atol=TOLERANCE):
        return None
    return tables
