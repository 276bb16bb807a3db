"""Turn a certificate into the numeric features the plausibility model reads.

No name, CPR number, gender, nationality or any proxy for ethnicity is a feature. Age is one, because
some combinations are only unusual at a given age (documented in docs/koerekort/plausibility.md).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from services.koerekort.forms.rules import get_pointer

FINDINGS = (
    "/del_b/vision/visual_field_reduced",
    "/del_b/vision/progressive_eye_disease",
    "/del_b/vision/contrast_glare_night",
    "/del_b/hearing/reduced",
    "/del_b/heart/disease",
    "/del_b/diabetes/present",
    "/del_b/neuro/epilepsy",
    "/del_b/neuro/loss_of_consciousness",
    "/del_b/neuro/other_neurological",
    "/del_b/sleep/disorder",
    "/del_b/mobility/reduced",
    "/del_b/mental/illness",
    "/del_b/substances/alcohol",
    "/del_b/substances/drugs",
    "/del_b/medicines/affecting_driving",
    "/del_b/kidney/disease",
    "/del_b/other/conditions",
)
SERIOUS = (
    "/del_b/heart/disease",
    "/del_b/neuro/epilepsy",
    "/del_b/neuro/loss_of_consciousness",
    "/del_b/substances/alcohol",
    "/del_b/substances/drugs",
    "/del_b/mental/illness",
    "/del_b/kidney/disease",
)
# The citizen's del A question and the doctor's del B answers that cover the same subject.
CITIZEN_TO_DOCTOR: dict[str, tuple[str, ...]] = {
    "vision": (
        "/del_b/vision/visual_field_reduced",
        "/del_b/vision/progressive_eye_disease",
        "/del_b/vision/contrast_glare_night",
    ),
    "hearing": ("/del_b/hearing/reduced",),
    "heart": ("/del_b/heart/disease",),
    "diabetes": ("/del_b/diabetes/present",),
    "epilepsy": ("/del_b/neuro/epilepsy",),
    "consciousness": ("/del_b/neuro/loss_of_consciousness",),
    "neuro": ("/del_b/neuro/other_neurological",),
    "sleep": ("/del_b/sleep/disorder",),
    "mobility": ("/del_b/mobility/reduced",),
    "mental": ("/del_b/mental/illness",),
    "substances": ("/del_b/substances/alcohol", "/del_b/substances/drugs"),
    "medicines": ("/del_b/medicines/affecting_driving",),
    "kidney": ("/del_b/kidney/disease",),
    "other": ("/del_b/other/conditions",),
}
CONCLUSIONS = ("fit", "fit_with_conditions", "time_limited", "not_fit")

FEATURES = (
    "age",
    "group2",
    "n_findings",
    "n_serious",
    "n_citizen_yes",
    "citizen_yes_doctor_no",
    "acuity_right",
    "acuity_left",
    "acuity_binocular",
    "acuity_better",
    "acuity_worse",
    "acuity_asymmetry",
    "binocular_minus_better",
    "correction",
    "field_reduced",
    "field_degrees",
    "eye_disease",
    "diabetes",
    "hypo_medication",
    "diabetes_unstable",
    "epilepsy",
    "days_since_seizure",
    "conclusion_fit",
    "conclusion_fit_with_conditions",
    "conclusion_time_limited",
    "conclusion_not_fit",
    "time_limit_days",
    "conditions_given",
)


def _yes(document: dict[str, Any], pointer: str) -> float:
    return 1.0 if get_pointer(document, pointer) is True else 0.0


def _number(document: dict[str, Any], pointer: str, default: float) -> float:
    value = get_pointer(document, pointer)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    return float(value)


def _days_between(value: Any, today: date) -> float | None:
    try:
        return float((date.fromisoformat(value) - today).days) if isinstance(value, str) else None
    except ValueError:
        return None


def features(document: dict[str, Any], *, age: int, group: str, today: date) -> dict[str, float]:
    """The feature vector (as a name -> value mapping) of one certificate."""
    right = _number(document, "/del_b/vision/acuity_right", 1.0)
    left = _number(document, "/del_b/vision/acuity_left", 1.0)
    binocular = _number(document, "/del_b/vision/acuity_binocular", max(right, left))
    citizen = get_pointer(document, "/del_a/health")
    citizen = citizen if isinstance(citizen, dict) else {}
    mismatches = sum(
        1
        for key, pointers in CITIZEN_TO_DOCTOR.items()
        if citizen.get(key) is True and not any(_yes(document, p) for p in pointers)
    )
    since_seizure = _days_between(get_pointer(document, "/del_b/neuro/last_seizure_date"), today)
    until = _days_between(get_pointer(document, "/conclusion/valid_until"), today)
    conclusion = get_pointer(document, "/conclusion/result")
    conditions = get_pointer(document, "/conclusion/conditions")
    values = {
        "age": float(age),
        "group2": 1.0 if group == "2" else 0.0,
        "n_findings": sum(_yes(document, p) for p in FINDINGS),
        "n_serious": sum(_yes(document, p) for p in SERIOUS),
        "n_citizen_yes": float(sum(1 for v in citizen.values() if v is True)),
        "citizen_yes_doctor_no": float(mismatches),
        "acuity_right": right,
        "acuity_left": left,
        "acuity_binocular": binocular,
        "acuity_better": max(right, left),
        "acuity_worse": min(right, left),
        "acuity_asymmetry": abs(right - left),
        "binocular_minus_better": binocular - max(right, left),
        "correction": _yes(document, "/del_b/vision/correction"),
        "field_reduced": _yes(document, "/del_b/vision/visual_field_reduced"),
        "field_degrees": _number(document, "/del_b/vision/horizontal_field_degrees", 180.0),
        "eye_disease": max(
            _yes(document, "/del_b/vision/progressive_eye_disease"),
            _yes(document, "/del_b/vision/contrast_glare_night"),
        ),
        "diabetes": _yes(document, "/del_b/diabetes/present"),
        "hypo_medication": _yes(document, "/del_b/diabetes/hypoglycaemia_risk_medication"),
        "diabetes_unstable": _yes(document, "/del_b/diabetes/unstable_or_complications"),
        "epilepsy": _yes(document, "/del_b/neuro/epilepsy"),
        "days_since_seizure": min(-since_seizure, 3650.0) if since_seizure is not None else 3650.0,
        "time_limit_days": max(until, 0.0) if until is not None else 0.0,
        "conditions_given": 1.0 if isinstance(conditions, str) and conditions.strip() else 0.0,
    }
    for option in CONCLUSIONS:
        values[f"conclusion_{option}"] = 1.0 if conclusion == option else 0.0
    return {name: values[name] for name in FEATURES}


def vector(values: dict[str, float]) -> list[float]:
    return [values[name] for name in FEATURES]
