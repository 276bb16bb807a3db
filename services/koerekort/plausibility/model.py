"""The plausibility model: flags implausible combinations on a submitted certificate for a human look.

A random forest trained on synthetic certificates (plausible ones plus labelled kinds of
implausible ones). It never blocks and never decides: the result is shown to Borgerservice as a flag
with the reason (the kind of implausibility and the values behind it). Training is deterministic and
takes well under a second on one core, so each process trains on first use instead of loading a pickled artefact.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

import numpy as np
from sklearn.ensemble import RandomForestClassifier

from services.koerekort.plausibility.features import FEATURES, features, vector
from services.koerekort.plausibility.synthetic import ANOMALY_KINDS, batch

MODEL_VERSION = "plausibility-2025.1-synthetic-1"
TRAINING_SIZE = 6000
TRAINING_SEED = 20250701
FLAG_THRESHOLD = 0.5  # flag when the probability of "plausible" falls below this
_lock = threading.Lock()

REASONS: dict[str, str] = {
    "binocular_below_better_eye": "Synsstyrken med begge øjne er lavere end på det bedste øje; normalt er den mindst lige så god.",
    "unexplained_acuity_asymmetry": "Meget stor forskel på synet mellem øjnene, uden at der er angivet øjensygdom eller synsfeltsdefekt.",
    "restrictive_conclusion_without_findings": "Konklusionen er tidsbegrænset eller 'ikke egnet', selv om der ikke er svaret Ja til noget helbredsforhold.",
    "citizen_yes_doctor_no": "Ansøgeren har svaret Ja til flere helbredsforhold i del A, som lægen har svaret Nej til i del B.",
    "serious_findings_plain_fit": "Flere alvorlige helbredsforhold, men konklusionen er 'opfylder kravene' uden vilkår eller tidsbegrænsning.",
    "reduced_field_with_full_degrees": "Synsfeltet er angivet som indskrænket, men det målte vandrette synsfelt er normalt.",
    "young_with_many_conditions": "Usædvanligt mange helbredsforhold for ansøgerens alder.",
}
_FACTS: dict[str, tuple[str, ...]] = {
    "binocular_below_better_eye": ("acuity_binocular", "acuity_better"),
    "unexplained_acuity_asymmetry": ("acuity_right", "acuity_left", "eye_disease", "field_reduced"),
    "restrictive_conclusion_without_findings": ("n_findings", "conclusion_time_limited", "conclusion_not_fit"),
    "citizen_yes_doctor_no": ("n_citizen_yes", "citizen_yes_doctor_no", "n_findings"),
    "serious_findings_plain_fit": ("n_serious", "conclusion_fit", "conditions_given"),
    "reduced_field_with_full_degrees": ("field_reduced", "field_degrees"),
    "young_with_many_conditions": ("age", "n_findings"),
}
FACT_LABELS: dict[str, str] = {
    "acuity_binocular": "synsstyrke begge øjne",
    "acuity_better": "synsstyrke bedste øje",
    "acuity_right": "synsstyrke højre øje",
    "acuity_left": "synsstyrke venstre øje",
    "eye_disease": "øjensygdom angivet",
    "field_reduced": "synsfelt indskrænket",
    "field_degrees": "vandret synsfelt (grader)",
    "n_findings": "antal Ja i del B",
    "n_serious": "antal alvorlige forhold",
    "n_citizen_yes": "antal Ja i del A",
    "citizen_yes_doctor_no": "Ja i del A uden Ja i del B",
    "conclusion_time_limited": "konklusion tidsbegrænset",
    "conclusion_not_fit": "konklusion ikke egnet",
    "conclusion_fit": "konklusion egnet uden vilkår",
    "conditions_given": "vilkår angivet",
    "age": "alder",
}


@dataclass(frozen=True)
class Assessment:
    flagged: bool
    score: float  # 1 - P(plausible)
    kind: str | None
    reasons: list[dict[str, Any]]
    model_version: str = MODEL_VERSION

    def as_dict(self) -> dict[str, Any]:
        return {
            "flagged": self.flagged,
            "score": round(self.score, 3),
            "kind": self.kind,
            "reasons": self.reasons,
            "model_version": self.model_version,
            "note": "Vejledende: modellen blokerer ikke og afgør intet; en medarbejder vurderer.",
        }


def _fact_value(name: str, value: float) -> str:
    if name.startswith(("acuity_",)):
        return f"{value:.1f}".replace(".", ",")
    if name in ("eye_disease", "field_reduced", "conditions_given") or name.startswith("conclusion_"):
        return "ja" if value else "nej"
    return str(int(value))


class PlausibilityModel:
    """A trained classifier plus the mapping from its classes to Danish reasons."""

    def __init__(self, classifier: RandomForestClassifier) -> None:
        self.classifier = classifier
        self.classes: list[str] = [str(c) for c in classifier.classes_]

    def assess_features(self, values: dict[str, float]) -> Assessment:
        probabilities = self.classifier.predict_proba(np.array([vector(values)]))[0]
        by_class = dict(zip(self.classes, probabilities, strict=True))
        plausible = float(by_class.get("plausible", 0.0))
        score = 1.0 - plausible
        if plausible >= FLAG_THRESHOLD:
            return Assessment(False, score, None, [])
        kind = max((c for c in self.classes if c != "plausible"), key=lambda c: by_class[c])
        facts = ", ".join(f"{FACT_LABELS[name]}: {_fact_value(name, values[name])}" for name in _FACTS[kind])
        reason = {
            "code": kind,
            "message": REASONS[kind],
            "facts": facts,
            "probability": round(float(by_class[kind]), 3),
        }
        return Assessment(True, score, kind, [reason])

    def assess(self, document: dict[str, Any], *, age: int, group: str, today: date) -> Assessment:
        """Assess one certificate document."""
        return self.assess_features(features(document, age=age, group=group, today=today))


def train(*, size: int = TRAINING_SIZE, seed: int = TRAINING_SEED, today: date | None = None) -> PlausibilityModel:
    """Train on a synthetic batch (deterministic for a given seed and day)."""
    today = today or date.today()
    certificates = batch(size, seed=seed, today=today)
    x = np.array([vector(features(c.document, age=c.age, group=c.context["group"], today=today)) for c in certificates])
    y = np.array([c.kind for c in certificates])
    classifier = RandomForestClassifier(n_estimators=60, min_samples_leaf=2, random_state=0, n_jobs=1)
    classifier.fit(x, y)
    return PlausibilityModel(classifier)


@lru_cache(maxsize=1)
def _cached_model() -> PlausibilityModel:
    return train()


def get_model() -> PlausibilityModel:
    """The process-wide model (trained on first use)."""
    with _lock:
        return _cached_model()


def evaluate(model: PlausibilityModel, *, size: int = 3000, seed: int = 7, today: date | None = None) -> dict[str, Any]:
    """Precision and recall of the flag on a fresh synthetic batch the model has not seen."""
    today = today or date.today()
    certificates = batch(size, seed=seed, today=today)
    x = np.array([vector(features(c.document, age=c.age, group=c.context["group"], today=today)) for c in certificates])
    probabilities = model.classifier.predict_proba(x)  # one call for the batch (the service assesses one at a time)
    plausible_index = model.classes.index("plausible")
    true_positive = false_positive = false_negative = true_negative = 0
    right_kind = 0
    per_kind: dict[str, list[int]] = {kind: [0, 0] for kind in ANOMALY_KINDS}
    for certificate, row in zip(certificates, probabilities, strict=True):
        flagged = row[plausible_index] < FLAG_THRESHOLD
        kind = max((c for c in model.classes if c != "plausible"), key=lambda c: row[model.classes.index(c)])
        if certificate.kind != "plausible":
            per_kind[certificate.kind][1] += 1
            if flagged:
                true_positive += 1
                per_kind[certificate.kind][0] += 1
                right_kind += kind == certificate.kind
            else:
                false_negative += 1
        elif flagged:
            false_positive += 1
        else:
            true_negative += 1
    flagged_total = true_positive + false_positive
    anomalies = true_positive + false_negative
    negatives = false_positive + true_negative
    return {
        "size": size,
        "anomalies": anomalies,
        "precision": true_positive / flagged_total if flagged_total else 0.0,
        "recall": true_positive / anomalies if anomalies else 0.0,
        "false_positive_rate": false_positive / negatives if negatives else 0.0,
        "reason_accuracy": right_kind / true_positive if true_positive else 0.0,
        "recall_per_kind": {kind: (hit / total if total else 0.0) for kind, (hit, total) in per_kind.items()},
        "features": list(FEATURES),
        "model_version": MODEL_VERSION,
    }
