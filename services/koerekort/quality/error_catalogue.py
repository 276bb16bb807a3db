"""The catalogue of typical mistakes on paper lægeerklæringer, and a synthetic batch measuring how many the form stops.

Each entry says how the digital form deals with the mistake:
- `rule`: a validation rule refuses submission (the entry's `codes` name which);
- `construction`: the digital flow makes the mistake impossible (tested through the API);
- `flagged`: allowed through, but shown as a warning and/or by the plausibility model (a human looks);
- `undetectable`: no form can see it (e.g. a condition nobody mentions).
`weight` is the assumed relative frequency on paper. The seeds give only the total (20 % of 8,000
certificates have errors); the split per type is our estimate and is marked as such in the docs.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from services.koerekort.forms.definition import FormDefinition
from services.koerekort.forms.rules import validate
from services.koerekort.plausibility.synthetic import SyntheticCertificate, finish, plausible

Mutation = Callable[[dict[str, Any], dict[str, Any], random.Random, date], None]


@dataclass(frozen=True)
class CatalogueEntry:
    id: str
    title: str
    handling: str  # rule | construction | flagged | undetectable
    weight: float
    codes: tuple[str, ...] = ()
    mutate: Mutation | None = None


def _add_finding(document: dict[str, Any], context: dict[str, Any], rng: random.Random, today: date) -> None:
    """Give the certificate a 'Ja' in del B with a consistent del A answer, fully described."""
    del_b = document["del_b"]
    section, item, citizen = rng.choice(
        [("hearing", "reduced", "hearing"), ("sleep", "disorder", "sleep"), ("mental", "illness", "mental")]
    )
    del_b[section][item] = True
    document["del_a"]["health"][citizen] = True
    finish(document, context, rng, today, conclusion="fit_with_conditions")


def _del(path: tuple[str, ...]) -> Mutation:
    def mutate(document: dict[str, Any], context: dict[str, Any], rng: random.Random, today: date) -> None:
        node = document
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node.pop(path[-1], None)

    return mutate


def _exam_date_old(document: dict[str, Any], context: dict[str, Any], rng: random.Random, today: date) -> None:
    document["del_b"]["examination"]["date"] = (today - timedelta(days=rng.randint(200, 500))).isoformat()


def _exam_date_future(document: dict[str, Any], context: dict[str, Any], rng: random.Random, today: date) -> None:
    document["del_b"]["examination"]["date"] = (today + timedelta(days=rng.randint(1, 30))).isoformat()


def _conclusion_categories_short(
    document: dict[str, Any], context: dict[str, Any], rng: random.Random, today: date
) -> None:
    categories = ["B", "C"] if "C" not in context["categories"] else ["C", "CE"]
    context.update(categories=categories, group="2")
    document["del_a"]["categories"] = categories
    document["conclusion"]["categories"] = categories[:1]


def _yes_without_description(
    document: dict[str, Any], context: dict[str, Any], rng: random.Random, today: date
) -> None:
    _add_finding(document, context, rng, today)
    document["supplementary"] = {}


def _yes_without_assessment(document: dict[str, Any], context: dict[str, Any], rng: random.Random, today: date) -> None:
    _add_finding(document, context, rng, today)
    document["conclusion"].pop("assessment", None)


def _citizen_yes_uncommented(
    document: dict[str, Any], context: dict[str, Any], rng: random.Random, today: date
) -> None:
    health = document["del_a"]["health"]
    health[rng.choice(sorted(health))] = True
    document["del_a"]["remarks"] = "Nævnt af ansøgeren."
    document["supplementary"] = {}


def _time_limited_without_period(
    document: dict[str, Any], context: dict[str, Any], rng: random.Random, today: date
) -> None:
    document["conclusion"].update(result="time_limited", assessment="Kontrol.")
    document["conclusion"].pop("valid_until", None)


def _conditions_without_text(
    document: dict[str, Any], context: dict[str, Any], rng: random.Random, today: date
) -> None:
    document["conclusion"].update(result="fit_with_conditions", assessment="Vilkår nødvendige.")
    document["conclusion"].pop("conditions", None)
    document["conclusion"].pop("valid_until", None)


def _acuity_fraction(document: dict[str, Any], context: dict[str, Any], rng: random.Random, today: date) -> None:
    document["del_b"]["vision"][rng.choice(["acuity_right", "acuity_left"])] = rng.choice(["6/6", "1/1", "6/9"])


def _acuity_out_of_range(document: dict[str, Any], context: dict[str, Any], rng: random.Random, today: date) -> None:
    document["del_b"]["vision"]["acuity_binocular"] = rng.choice([10, 12, 6, -1])


def _group2_vision_fit(document: dict[str, Any], context: dict[str, Any], rng: random.Random, today: date) -> None:
    context.update(categories=["C"], group="2")
    document["del_a"]["categories"] = ["C"]
    vision = document["del_b"]["vision"]
    vision.update(acuity_right=0.6, acuity_left=0.5, acuity_binocular=0.7)
    document["conclusion"] = {"result": "fit", "categories": ["C"]}
    context["attachments"] = [a for a in context.get("attachments", []) if a != "specialist_statement"]
    finish(document, context, rng, today, conclusion="fit")


def _diabetes_without_certificate(
    document: dict[str, Any], context: dict[str, Any], rng: random.Random, today: date
) -> None:
    context.update(categories=["C"], group="2")
    document["del_a"]["categories"] = ["C"]
    document["del_a"]["health"]["diabetes"] = True
    document["del_b"]["diabetes"] = {
        "present": True,
        "hypoglycaemia_risk_medication": True,
        "severe_hypoglycaemia_12m": False,
        "unstable_or_complications": False,
    }
    finish(document, context, rng, today, conclusion="time_limited")
    context["attachments"] = [a for a in context["attachments"] if a != "diabetes_certificate"]


def _not_own_gp_no_reason(document: dict[str, Any], context: dict[str, Any], rng: random.Random, today: date) -> None:
    context["is_own_gp"] = False
    document["del_b"]["examination"].pop("not_own_gp_reason", None)


def _health_item_blank(document: dict[str, Any], context: dict[str, Any], rng: random.Random, today: date) -> None:
    section, item = rng.choice(
        [
            ("heart", "disease"),
            ("hearing", "reduced"),
            ("neuro", "epilepsy"),
            ("kidney", "disease"),
            ("sleep", "disorder"),
        ]
    )
    if document["del_b"][section].get(item) is True:
        finish(document, context, rng, today)
    document["del_b"][section].pop(item, None)


def _period_without_time_limit(
    document: dict[str, Any], context: dict[str, Any], rng: random.Random, today: date
) -> None:
    document["conclusion"]["result"] = "fit"
    document["conclusion"]["valid_until"] = (today + timedelta(days=730)).isoformat()


def _serious_plain_fit(document: dict[str, Any], context: dict[str, Any], rng: random.Random, today: date) -> None:
    del_b = document["del_b"]
    del_b["heart"].update(disease=True, pacemaker_or_icd=False)
    del_b["substances"]["alcohol"] = True
    del_b["mental"]["illness"] = True
    for key in ("heart", "substances", "mental"):
        document["del_a"]["health"][key] = True
    del_b["vision"]["correction"] = False
    finish(document, context, rng, today, conclusion="fit")


def _undisclosed(document: dict[str, Any], context: dict[str, Any], rng: random.Random, today: date) -> None:
    """The applicant has a condition but neither applicant nor doctor writes it down: the paper looks fine."""


def _recent_seizure_fit(document: dict[str, Any], context: dict[str, Any], rng: random.Random, today: date) -> None:
    context.update(categories=["B"], group="1")
    document["del_a"]["categories"] = ["B"]
    document["del_a"]["health"]["epilepsy"] = True
    document["del_b"]["neuro"].update(
        epilepsy=True, last_seizure_date=(today - timedelta(days=rng.randint(30, 300))).isoformat()
    )
    finish(document, context, rng, today, conclusion="fit_with_conditions")


CATALOGUE: tuple[CatalogueEntry, ...] = (
    CatalogueEntry("E01", "Lægens underskrift eller stempel mangler", "construction", 6),
    CatalogueEntry("E02", "Ansøgerens underskrift på del A mangler", "construction", 5),
    CatalogueEntry(
        "E03", "Dato for undersøgelsen mangler", "rule", 6, ("required",), _del(("del_b", "examination", "date"))
    ),
    CatalogueEntry(
        "E04", "Undersøgelsen er for gammel ved indsendelse", "rule", 3, ("examination_too_old",), _exam_date_old
    ),
    CatalogueEntry(
        "E05", "Undersøgelsesdato i fremtiden (fejlskrevet dato)", "rule", 1, ("date_in_future",), _exam_date_future
    ),
    CatalogueEntry(
        "E06", "Ansøgte kategorier er ikke afkrydset i del A", "rule", 4, ("required",), _del(("del_a", "categories"))
    ),
    CatalogueEntry(
        "E07",
        "Konklusionen dækker ikke alle ansøgte kategorier",
        "rule",
        7,
        ("conclusion_missing_categories",),
        _conclusion_categories_short,
    ),
    CatalogueEntry(
        "E08",
        "Ja-svar uden beskrivelse under supplerende oplysninger",
        "rule",
        12,
        ("yes_needs_supplementary",),
        _yes_without_description,
    ),
    CatalogueEntry(
        "E09",
        "Ja-svar, men konklusionens punkt 2a er ikke udfyldt",
        "rule",
        10,
        ("yes_needs_complete_conclusion",),
        _yes_without_assessment,
    ),
    CatalogueEntry(
        "E10",
        "Ansøgerens Ja-svar i del A er ikke kommenteret af lægen",
        "rule",
        6,
        ("citizen_yes_needs_doctor_comment",),
        _citizen_yes_uncommented,
    ),
    CatalogueEntry(
        "E11",
        "Tidsbegrænset konklusion uden periode",
        "rule",
        6,
        ("time_limit_period_required",),
        _time_limited_without_period,
    ),
    CatalogueEntry(
        "E12",
        "Konklusion 'på vilkår' uden angivne vilkår",
        "rule",
        4,
        ("conditions_required",),
        _conditions_without_text,
    ),
    CatalogueEntry("E13", "Konklusionen er ikke udfyldt", "rule", 5, ("required",), _del(("conclusion", "result"))),
    CatalogueEntry(
        "E14", "Synsstyrke ikke angivet", "rule", 4, ("required",), _del(("del_b", "vision", "acuity_binocular"))
    ),
    CatalogueEntry("E15", "Synsstyrke skrevet som brøk (fx 6/6)", "rule", 3, ("invalid_type",), _acuity_fraction),
    CatalogueEntry(
        "E16",
        "Synsstyrke uden for skalaen (fx 10 i stedet for 1,0)",
        "rule",
        2,
        ("out_of_range",),
        _acuity_out_of_range,
    ),
    CatalogueEntry(
        "E17",
        "Gruppe 2: syn under mindstekravet, men konkluderet 'egnet' uden speciallægeerklæring",
        "rule",
        2,
        ("vision_below_minimum_concluded_fit",),
        _group2_vision_fit,
    ),
    CatalogueEntry(
        "E18",
        "Diabetes med hypoglykæmi-risiko uden diabeteserklæring",
        "rule",
        4,
        ("diabetes_certificate_missing",),
        _diabetes_without_certificate,
    ),
    CatalogueEntry(
        "E19",
        "Læge er ikke egen læge, og begrundelsen mangler",
        "rule",
        3,
        ("not_own_gp_reason_required",),
        _not_own_gp_no_reason,
    ),
    CatalogueEntry(
        "E20", "Et helbredsspørgsmål i del B er ikke besvaret", "rule", 6, ("required",), _health_item_blank
    ),
    CatalogueEntry(
        "E21",
        "Legitimationskontrol ikke anført",
        "rule",
        3,
        ("required",),
        _del(("del_b", "examination", "identity_document")),
    ),
    CatalogueEntry("E22", "Gammel eller ukendt blanketversion brugt", "construction", 2),
    CatalogueEntry(
        "E23",
        "Periode angivet, men konklusionen er ikke tidsbegrænset",
        "rule",
        2,
        ("period_without_time_limit",),
        _period_without_time_limit,
    ),
    CatalogueEntry(
        "E24",
        "Alvorlige fund, men konklusion 'egnet' uden vilkår (lægefaglig vurdering)",
        "flagged",
        2,
        ("plausibility:serious_findings_plain_fit",),
        _serious_plain_fit,
    ),
    CatalogueEntry(
        "E25",
        "Nyligt anfald ved epilepsi; konklusionen ikke begrundet",
        "flagged",
        1,
        ("epilepsy_seizure_free_period",),
        _recent_seizure_fit,
    ),
    CatalogueEntry(
        "E26", "Helbredsforhold, som hverken ansøger eller læge har anført", "undetectable", 3, (), _undisclosed
    ),
)


def entry(entry_id: str) -> CatalogueEntry:
    return next(e for e in CATALOGUE if e.id == entry_id)


def erroneous(
    base: SyntheticCertificate, item: CatalogueEntry, rng: random.Random, today: date
) -> SyntheticCertificate:
    """A copy of a valid certificate with one catalogue mistake applied."""
    assert item.mutate is not None
    document, context = copy.deepcopy(base.document), copy.deepcopy(base.context)
    item.mutate(document, context, rng, today)
    return SyntheticCertificate(document, context, base.age, item.id)


def measure(definition: FormDefinition, *, size: int, seed: int, today: date) -> dict[str, Any]:
    """Apply catalogue mistakes (drawn by weight) to synthetic certificates; count how many the form stops."""
    rng = random.Random(seed)
    document_level = [e for e in CATALOGUE if e.mutate is not None]
    weights = [e.weight for e in document_level]
    per_entry: dict[str, list[int]] = {e.id: [0, 0] for e in document_level}
    stopped = 0
    for _ in range(size):
        item = rng.choices(document_level, weights=weights)[0]
        certificate = erroneous(plausible(rng, today), item, rng, today)
        result = validate(definition, certificate.document, certificate.context, scope="all")
        per_entry[item.id][1] += 1
        if result.errors:
            stopped += 1
            per_entry[item.id][0] += 1
    construction = [e for e in CATALOGUE if e.handling == "construction"]
    all_weight = sum(e.weight for e in CATALOGUE)
    construction_weight = sum(e.weight for e in construction)
    batch_share = stopped / size if size else 0.0
    document_weight = all_weight - construction_weight
    return {
        "size": size,
        "stopped": stopped,
        "share_stopped_in_batch": batch_share,
        # Mistakes the digital flow makes impossible never reach a document; add them back by weight.
        "share_stopped_including_construction": (batch_share * document_weight + construction_weight) / all_weight,
        "share_of_types_stopped": sum(1 for e in CATALOGUE if e.handling in ("rule", "construction")) / len(CATALOGUE),
        "per_entry": {
            key: {"stopped": hit, "total": total, "share": hit / total if total else None}
            for key, (hit, total) in per_entry.items()
        },
        "construction_entries": [e.id for e in construction],
    }
