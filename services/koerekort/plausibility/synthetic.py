"""Synthetic certificates: plausible ones drawn from simple age-dependent prevalences, plus labelled anomalies.

Every certificate produced here passes the form's hard validation: the anomalies are combinations that
are allowed but unusual, which is exactly what the plausibility model is for. Also used by the
benchmark (realistic certificates to submit) and the error-catalogue batch (a valid starting point).
The prevalences are illustrative, not epidemiology; see docs/koerekort/plausibility.md.
`del_a` and `doctor_parts` build the plain documents (all answers Nej) that the demo seed, the tests and the
page benchmark start from.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

ANOMALY_KINDS = (
    "binocular_below_better_eye",
    "unexplained_acuity_asymmetry",
    "restrictive_conclusion_without_findings",
    "citizen_yes_doctor_no",
    "serious_findings_plain_fit",
    "reduced_field_with_full_degrees",
    "young_with_many_conditions",
)
GROUP1_SETS = (["B"], ["B"], ["B"], ["A", "B"], ["A2"], ["AM"], ["B", "BE"], ["A1"], ["T", "B"])
GROUP2_SETS = (["C"], ["C", "CE"], ["D"], ["C1"], ["D1"], ["ERHVERV"], ["C", "D"], ["KOERELAERER"])
CITIZEN_KEYS = (
    "vision",
    "hearing",
    "heart",
    "diabetes",
    "epilepsy",
    "consciousness",
    "neuro",
    "sleep",
    "mobility",
    "mental",
    "substances",
    "medicines",
    "kidney",
    "other",
)


@dataclass
class SyntheticCertificate:
    document: dict[str, Any]
    context: dict[str, Any]
    age: int
    kind: str  # "plausible" or one of ANOMALY_KINDS


def _round(value: float, low: float, high: float) -> float:
    return round(min(max(value, low), high), 1)


def del_a(name: str, categories: list[str], *, remarks: str = "", **yes: bool) -> dict[str, Any]:
    """The citizen's del A: every health question Nej unless named True, the declaration given; `remarks` with a Ja."""
    health = dict.fromkeys(CITIZEN_KEYS, False)
    health.update(yes)
    document: dict[str, Any] = {
        "identity": {"name": name},
        "categories": categories,
        "health": health,
        "declaration": True,
    }
    if remarks and any(yes.values()):
        document["remarks"] = remarks
    return document


def doctor_parts(
    categories: list[str], *, examined_on: date, identity_document: str = "pas", **vision: Any
) -> dict[str, Any]:
    """A complete, valid doctor's part: del B all Nej with full acuity (or `vision` as given), conclusion fit."""
    del_b = _empty_del_b()
    del_b["examination"] = {
        "date": examined_on.isoformat(),
        "identity_document": identity_document,
        "journal_access": True,
    }
    del_b["vision"] = {
        "acuity_right": 1.0,
        "acuity_left": 1.0,
        "acuity_binocular": 1.0,
        "correction": False,
        **del_b["vision"],
        **vision,
    }
    return {"del_b": del_b, "supplementary": {}, "conclusion": {"result": "fit", "categories": categories}}


def _empty_del_b() -> dict[str, Any]:
    return {
        "examination": {},
        "vision": {
            "visual_field_reduced": False,
            "progressive_eye_disease": False,
            "contrast_glare_night": False,
        },
        "hearing": {"reduced": False},
        "heart": {"disease": False},
        "diabetes": {"present": False},
        "neuro": {"epilepsy": False, "loss_of_consciousness": False, "other_neurological": False},
        "sleep": {"disorder": False},
        "mobility": {"reduced": False},
        "mental": {"illness": False},
        "substances": {"alcohol": False, "drugs": False},
        "medicines": {"affecting_driving": False},
        "kidney": {"disease": False},
        "other": {"conditions": False},
    }


_CITIZEN_FOR_DOCTOR = {
    ("vision", "visual_field_reduced"): "vision",
    ("vision", "progressive_eye_disease"): "vision",
    ("vision", "contrast_glare_night"): "vision",
    ("hearing", "reduced"): "hearing",
    ("heart", "disease"): "heart",
    ("diabetes", "present"): "diabetes",
    ("neuro", "epilepsy"): "epilepsy",
    ("neuro", "loss_of_consciousness"): "consciousness",
    ("neuro", "other_neurological"): "neuro",
    ("sleep", "disorder"): "sleep",
    ("mobility", "reduced"): "mobility",
    ("mental", "illness"): "mental",
    ("substances", "alcohol"): "substances",
    ("substances", "drugs"): "substances",
    ("medicines", "affecting_driving"): "medicines",
    ("kidney", "disease"): "kidney",
    ("other", "conditions"): "other",
}
SERIOUS_FINDINGS = (
    ("heart", "disease"),
    ("neuro", "epilepsy"),
    ("neuro", "loss_of_consciousness"),
    ("substances", "alcohol"),
    ("mental", "illness"),
    ("kidney", "disease"),
)


def _doctor_findings(del_b: dict[str, Any]) -> list[tuple[str, str]]:
    return [key for key in _CITIZEN_FOR_DOCTOR if del_b[key[0]].get(key[1]) is True]


def _set_finding(del_b: dict[str, Any], section: str, item: str, rng: random.Random, today: date) -> None:
    del_b[section][item] = True
    if (section, item) == ("heart", "disease"):
        del_b["heart"]["pacemaker_or_icd"] = rng.random() < 0.1
    if (section, item) == ("diabetes", "present"):
        del_b["diabetes"].update(
            hypoglycaemia_risk_medication=rng.random() < 0.4,
            severe_hypoglycaemia_12m=rng.random() < 0.05,
            unstable_or_complications=rng.random() < 0.15,
        )
    if (section, item) == ("neuro", "epilepsy"):
        del_b["neuro"]["last_seizure_date"] = (today - timedelta(days=rng.randint(400, 5000))).isoformat()
    if (section, item) == ("vision", "visual_field_reduced"):
        del_b["vision"]["horizontal_field_degrees"] = rng.randint(165, 175)


def finish(
    document: dict[str, Any], context: dict[str, Any], rng: random.Random, today: date, *, conclusion: str | None = None
) -> None:
    """Fill in the texts, conclusion and attachments a careful doctor would, so the certificate is valid."""
    del_a, del_b = document["del_a"], document["del_b"]
    findings = _doctor_findings(del_b)
    citizen_yes = [k for k, v in del_a["health"].items() if v is True]
    if citizen_yes:
        del_a["remarks"] = "Beskrivelse af mine helbredsforhold: " + ", ".join(citizen_yes) + "."
    else:
        del_a.pop("remarks", None)
    if findings or citizen_yes:
        document["supplementary"] = {"text": "Forhold beskrevet: " + ", ".join(f"{s}.{i}" for s, i in findings) + "."}
    else:
        document["supplementary"] = {}
    serious = [f for f in findings if f in SERIOUS_FINDINGS]
    if conclusion is None:
        if not findings:
            conclusion = "fit_with_conditions" if del_b["vision"].get("correction") and rng.random() < 0.7 else "fit"
        elif len(serious) >= 2 and rng.random() < 0.3:
            conclusion = "not_fit"
        elif any(f in findings for f in (("diabetes", "present"), ("neuro", "epilepsy"), ("heart", "disease"))):
            conclusion = "time_limited" if rng.random() < 0.6 else "fit_with_conditions"
        else:
            conclusion = rng.choice(["fit", "fit_with_conditions", "time_limited"])
    result: dict[str, Any] = {"result": conclusion, "categories": list(context["categories"])}
    if findings or conclusion != "fit":
        result["assessment"] = "Lægens vurdering af de anførte forhold."
    if conclusion == "fit_with_conditions":
        result["conditions"] = (
            "Briller eller kontaktlinser (kode 01)." if del_b["vision"].get("correction") else "Kontrol."
        )
    if conclusion == "time_limited":
        result["valid_until"] = (today + timedelta(days=rng.randint(365, 5 * 365))).isoformat()
    document["conclusion"] = result
    diabetes = del_b["diabetes"]
    attachments = set(context.get("attachments", []))
    hypo = diabetes.get("present") and diabetes.get("hypoglycaemia_risk_medication")
    if hypo and (context["group"] == "2" or diabetes.get("unstable_or_complications")):
        attachments.add("diabetes_certificate")
    context["attachments"] = sorted(attachments)


def plausible(rng: random.Random, today: date, *, group: str | None = None) -> SyntheticCertificate:
    """One ordinary, valid certificate."""
    group = group or ("2" if rng.random() < 0.15 else "1")
    categories = list(rng.choice(GROUP2_SETS if group == "2" else GROUP1_SETS))
    young = rng.random() < 0.6
    age = rng.randint(21, 67) if group == "2" else (rng.randint(17, 30) if young else rng.randint(30, 85))
    f = (age - 17) / 68
    del_b = _empty_del_b()
    prevalence = {
        ("heart", "disease"): 0.02 + 0.15 * f,
        ("diabetes", "present"): 0.02 + 0.08 * f,
        ("neuro", "epilepsy"): 0.01,
        ("neuro", "loss_of_consciousness"): 0.01,
        ("neuro", "other_neurological"): 0.01 + 0.04 * f,
        ("sleep", "disorder"): 0.02 + 0.04 * f,
        ("mobility", "reduced"): 0.01 + 0.05 * f,
        ("mental", "illness"): 0.04,
        ("substances", "alcohol"): 0.01,
        ("substances", "drugs"): 0.005,
        ("medicines", "affecting_driving"): 0.05 + 0.1 * f,
        ("kidney", "disease"): 0.005 + 0.02 * f,
        ("other", "conditions"): 0.03,
        ("hearing", "reduced"): 0.01 + 0.1 * f,
        ("vision", "visual_field_reduced"): 0.01 + 0.04 * f,
        ("vision", "progressive_eye_disease"): 0.01 + 0.06 * f,
        ("vision", "contrast_glare_night"): 0.01 + 0.05 * f,
    }
    for (section, item), p in prevalence.items():
        if rng.random() < p:
            _set_finding(del_b, section, item, rng, today)
    if group == "2" and del_b["neuro"]["epilepsy"]:
        del_b["neuro"]["last_seizure_date"] = (today - timedelta(days=rng.randint(3700, 6000))).isoformat()
    minimum = 0.8 if group == "2" else 0.6
    better = _round(rng.gauss(1.05 - 0.25 * f, 0.15), minimum, 1.6)
    other = _round(better - abs(rng.gauss(0, 0.1)), 0.3 if group == "2" else 0.2, better)
    right, left = (better, other) if rng.random() < 0.5 else (other, better)
    binocular = _round(better + abs(rng.gauss(0.03, 0.03)), better, 2.0)
    del_b["vision"].update(
        acuity_right=right, acuity_left=left, acuity_binocular=binocular, correction=rng.random() < 0.3 + 0.4 * f
    )
    own_gp = rng.random() < 0.85
    del_b["examination"] = {
        "date": (today - timedelta(days=rng.randint(0, 60))).isoformat(),
        "identity_document": rng.choice(["koerekort", "pas", "andet_billed_id"]),
        "journal_access": own_gp or rng.random() < 0.3,
    }
    if not own_gp:
        del_b["examination"]["not_own_gp_reason"] = "Ansøgeren er ikke tilmeldt en praktiserende læge i området."
    health = dict.fromkeys(CITIZEN_KEYS, False)
    for section, item in _doctor_findings(del_b):
        if rng.random() < 0.95:
            health[_CITIZEN_FOR_DOCTOR[(section, item)]] = True
    if rng.random() < 0.03:  # the citizen mentions something the doctor then rules out
        health[rng.choice(CITIZEN_KEYS)] = True
    document: dict[str, Any] = {"del_a": {**del_a("Syntetisk Ansøger", categories), "health": health}, "del_b": del_b}
    context = {
        "group": group,
        "categories": categories,
        "is_own_gp": own_gp,
        "attachments": [],
        "today": today.isoformat(),
    }
    finish(document, context, rng, today)
    return SyntheticCertificate(document, context, age, "plausible")


def with_anomaly(rng: random.Random, today: date, kind: str) -> SyntheticCertificate:
    """A valid but implausible certificate of the given kind."""
    if kind == "young_with_many_conditions":
        cert = plausible(rng, today, group="1")
        cert.age = rng.randint(18, 23)
        del_b = cert.document["del_b"]
        choices = [k for k in _CITIZEN_FOR_DOCTOR if k not in SERIOUS_FINDINGS]
        for section, item in rng.sample(choices, rng.randint(4, 6)):
            _set_finding(del_b, section, item, rng, today)
        for section, item in _doctor_findings(del_b):
            cert.document["del_a"]["health"][_CITIZEN_FOR_DOCTOR[(section, item)]] = True
        finish(cert.document, cert.context, rng, today, conclusion="fit_with_conditions")
        cert.kind = kind
        return cert
    cert = plausible(rng, today)
    document, context = cert.document, cert.context
    del_b, health = document["del_b"], document["del_a"]["health"]
    vision = del_b["vision"]
    conclusion: str | None = None
    if kind == "binocular_below_better_eye":
        better = _round(rng.uniform(1.0, 1.3), 1.0, 1.3)
        vision.update(acuity_right=better, acuity_left=_round(better - rng.uniform(0, 0.1), 0.9, better))
        vision["acuity_binocular"] = _round(better - rng.uniform(0.35, 0.5), 0.5, better)
        if context["group"] == "2":
            vision["acuity_binocular"] = _round(better - rng.uniform(0.35, 0.5), 0.5, better)
    elif kind == "unexplained_acuity_asymmetry":
        good, bad = _round(rng.uniform(1.0, 1.4), 1.0, 1.4), _round(rng.uniform(0.1, 0.2), 0.1, 0.2)
        vision.update(
            acuity_right=good if rng.random() < 0.5 else bad,
            visual_field_reduced=False,
            progressive_eye_disease=False,
            contrast_glare_night=False,
        )
        vision["acuity_left"] = bad if vision["acuity_right"] == good else good
        vision["acuity_binocular"] = good
        vision.pop("horizontal_field_degrees", None)
        health["vision"] = False
        if context["group"] == "2":
            context["group"], context["categories"] = "1", ["B"]
            document["del_a"]["categories"] = ["B"]
    elif kind == "restrictive_conclusion_without_findings":
        fresh = _empty_del_b()
        fresh["vision"].update(
            {k: vision[k] for k in ("acuity_right", "acuity_left", "acuity_binocular", "correction")}
        )
        fresh["examination"] = del_b["examination"]
        document["del_b"] = del_b = fresh
        for key in health:
            health[key] = False
        conclusion = rng.choice(["time_limited", "not_fit"])
    elif kind == "citizen_yes_doctor_no":
        quiet = [
            key
            for key in CITIZEN_KEYS
            if not any(del_b[s].get(i) for (s, i), c in _CITIZEN_FOR_DOCTOR.items() if c == key)
        ]
        for key in rng.sample(quiet, min(len(quiet), rng.randint(3, 5))):
            health[key] = True
    elif kind == "serious_findings_plain_fit":
        for section, item in rng.sample(list(SERIOUS_FINDINGS), rng.randint(3, 4)):
            _set_finding(del_b, section, item, rng, today)
        if del_b["neuro"].get("epilepsy"):
            days = 5000 if context["group"] == "2" else rng.randint(800, 5000)
            del_b["neuro"]["last_seizure_date"] = (today - timedelta(days=days)).isoformat()
        for section, item in _doctor_findings(del_b):
            health[_CITIZEN_FOR_DOCTOR[(section, item)]] = True
        conclusion = "fit"
        vision["correction"] = False
    elif kind == "reduced_field_with_full_degrees":
        vision["visual_field_reduced"] = True
        vision["horizontal_field_degrees"] = rng.randint(185, 200)
        health["vision"] = True
    else:  # pragma: no cover
        raise ValueError(f"unknown anomaly kind {kind}")
    finish(document, context, rng, today, conclusion=conclusion)
    cert.kind = kind
    return cert


def batch(n: int, *, seed: int, today: date, anomaly_share: float = 0.35) -> list[SyntheticCertificate]:
    """n certificates, about anomaly_share of them implausible (equally spread over the kinds)."""
    rng = random.Random(seed)
    return [
        with_anomaly(rng, today, rng.choice(ANOMALY_KINDS)) if rng.random() < anomaly_share else plausible(rng, today)
        for _ in range(n)
    ]
