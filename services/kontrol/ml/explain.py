"""Explanations faithful to the model: exact per-feature contributions and plain-Danish reasons."""

from __future__ import annotations

from typing import Any

import numpy as np

from services.kontrol.ml.features import FEATURE_BY_NAME, build_features
from services.kontrol.ml.training import TrainedModel, contributions

TOP_REASONS = 3


def _value_text(name: str, value: float) -> str:
    if value != value:
        return "ingen oplysning"
    unit = FEATURE_BY_NAME[name].unit
    if unit == "andel":
        return f"{value * 100:.0f} %"
    if unit == "kr":
        return f"{value:,.0f}".replace(",", ".")
    if unit in ("km", "m²"):
        return f"{value:.1f}".replace(".", ",")
    return f"{value:.0f}"


def explain_rows(model: TrainedModel, facts: np.ndarray) -> list[dict[str, Any]]:
    """For each fact row: baseline log-odds, every feature's value and contribution, and the top reasons."""
    features = build_features(np.atleast_2d(facts))
    contrib, baseline = contributions(model, features)
    result = []
    for i in range(features.shape[0]):
        items = [
            {
                "feature": name,
                "label": FEATURE_BY_NAME[name].label,
                "value": None if features[i, j] != features[i, j] else float(features[i, j]),
                "value_text": _value_text(name, float(features[i, j])),
                "contribution": float(contrib[i, j]),
            }
            for j, name in enumerate(model.feature_names)
        ]
        log_odds = float(baseline[i] + contrib[i].sum())
        result.append(
            {
                "baseline_log_odds": float(baseline[i]),
                "log_odds": log_odds,
                "probability": float(1 / (1 + np.exp(-log_odds))),
                "contributions": items,
                "reasons": reasons(items),
            }
        )
    return result


def reasons(items: list[dict[str, Any]], top: int = TOP_REASONS) -> list[dict[str, Any]]:
    """The features that raise the score most, as plain Danish sentences."""
    positive = sorted((i for i in items if i["contribution"] > 0.05), key=lambda i: -i["contribution"])[:top]
    return [
        {
            "feature": i["feature"],
            "text": FEATURE_BY_NAME[i["feature"]].reason.format(v=i["value_text"]),
            "contribution": round(i["contribution"], 4),
        }
        for i in positive
    ]
