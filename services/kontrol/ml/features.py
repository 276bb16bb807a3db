"""Model features built from gathered facts; vectorised, the same code for one candidate and for the whole city.

No nationality, citizenship, ethnicity, country of birth, sex or name-derived feature: the list below is the
whole input of the model and a test (tests/kontrol/test_features.py) refuses any such feature or fact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from services.kontrol.catalogue import ASSUMED_REPAYMENT_MONTHS, BENEFIT_FACTS, BENEFIT_TYPES
from services.kontrol.facts import FACT_NAMES


@dataclass(frozen=True)
class Feature:
    name: str
    label: str  # Danish
    reason: str  # Danish reason shown in the queue when the feature raises the score; {v} is the value text
    unit: str = ""


FEATURES: tuple[Feature, ...] = (
    Feature("age", "Alder", "Alder ({v})", "år"),
    Feature("registered_single", "Registreret som enlig", "Registreret som enlig"),
    Feature("n_children_registered", "Børn registreret på adressen", "Antal børn på adressen ({v})"),
    Feature("persons_at_address", "Personer på adressen", "Mange personer registreret på adressen ({v})"),
    Feature("unrelated_adults_at_address", "Andre voksne på adressen", "Andre voksne end familien på adressen ({v})"),
    Feature("months_at_address", "Måneder på adressen", "Kort tid på adressen ({v} mdr.)"),
    Feature("co_parent_elsewhere", "Anden forælder på anden adresse", "Barnets anden forælder bor på en anden adresse"),
    Feature(
        "co_parent_distance_km",
        "Afstand til anden forælder",
        "Kort afstand til den anden forælders adresse ({v} km)",
        "km",
    ),
    Feature("spouse_at_family_address", "Ægtefælle hos egen familie", "Ægtefællen er registreret hos sin familie"),
    Feature("dwelling_area_m2", "Boligareal", "Boligens areal ({v} m²)", "m²"),
    Feature("area_per_person_m2", "Areal pr. person", "Lille boligareal pr. registreret person ({v} m²)", "m²"),
    Feature("non_residential_address", "Adresse ikke bolig", "Adressen er ikke registreret som bolig i BBR"),
    Feature("fasit_meetings_12m", "Indkaldelser i jobcenter", "Indkaldelser i jobcentret ({v})"),
    Feature("fasit_attendance_rate", "Fremmøde i jobcenter", "Lavt fremmøde i jobcentret ({v})", "andel"),
    Feature("receives_kontanthjaelp", "Modtager kontanthjælp", "Modtager kontanthjælp"),
    Feature("receives_boligsikring", "Modtager boligsikring", "Modtager boligsikring"),
    Feature("receives_friplads", "Modtager økonomisk friplads", "Modtager økonomisk friplads"),
    Feature("receives_foertidspension", "Modtager førtidspension", "Modtager førtidspension"),
    Feature("receives_andre_las", "Modtager anden LAS-ydelse", "Modtager anden ydelse under LAS"),
    Feature("receives_boligydelse", "Modtager boligydelse", "Modtager boligydelse"),
    Feature("benefit_at_stake_kr", "Ydelse berørt af bopæl (kr./md.)", "Bopælsafhængige ydelser ({v} kr./md.)", "kr"),
    Feature("employment_income_kr", "Lønindkomst (kr./md.)", "Lønindkomst ({v} kr./md.)", "kr"),
    Feature("income_months_12m", "Måneder med løn", "Få måneder med lønindkomst ({v})"),
    Feature("children_in_institution", "Børn i institution", "Børn i dagtilbud/skole ({v})"),
    Feature("child_absence_rate", "Børnenes fravær", "Højt fravær i barnets institution ({v})", "andel"),
    Feature(
        "institution_distance_km",
        "Afstand til institution",
        "Langt fra adressen til barnets institution ({v} km)",
        "km",
    ),
    Feature("moves_24m", "Flytninger (24 mdr.)", "Flere flytninger de seneste 24 måneder ({v})"),
    Feature("days_since_last_move", "Dage siden flytning", "Nylig flytning ({v} dage siden)"),
    Feature("co_parent_moved_out_12m", "Anden forælder fraflyttet", "Den anden forælder er flyttet fra adressen"),
    Feature("move_reported_late", "Flytning anmeldt sent", "En flytning er anmeldt for sent"),
    Feature("notes_12m", "Kommunalnotater om bopæl", "Kommunalnotater om bopælsforhold ({v})"),
    Feature(
        "single_with_coparent_elsewhere",
        "Enlig med anden forælder på anden adresse",
        "Registreret som enlig, og barnets anden forælder bor på en anden adresse",
    ),
)

FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)
FEATURE_BY_NAME: dict[str, Feature] = {f.name: f for f in FEATURES}
_IDX = {name: i for i, name in enumerate(FACT_NAMES)}


def _col(facts: np.ndarray, name: str) -> np.ndarray:
    return np.asarray(facts[:, _IDX[name]], dtype=float)


def build_features(facts: np.ndarray) -> np.ndarray:
    """Turn an (n, len(FACT_NAMES)) fact matrix into the (n, len(FEATURES)) model matrix (NaN kept as missing)."""
    facts = np.asarray(facts, dtype=float)
    n = facts.shape[0]
    out = np.empty((n, len(FEATURES)), dtype=np.float64)

    def put(name: str, values: np.ndarray) -> None:
        out[:, FEATURE_NAMES.index(name)] = values

    for name in (
        "age",
        "registered_single",
        "n_children_registered",
        "persons_at_address",
        "unrelated_adults_at_address",
        "months_at_address",
        "co_parent_elsewhere",
        "co_parent_distance_km",
        "spouse_at_family_address",
        "dwelling_area_m2",
        "non_residential_address",
        "fasit_meetings_12m",
        "fasit_attendance_rate",
        "income_months_12m",
        "children_in_institution",
        "child_absence_rate",
        "institution_distance_km",
        "moves_24m",
        "days_since_last_move",
        "co_parent_moved_out_12m",
        "move_reported_late",
        "notes_12m",
    ):
        put(name, _col(facts, name))
    persons = np.maximum(np.nan_to_num(_col(facts, "persons_at_address"), nan=1.0), 1.0)
    put("area_per_person_m2", _col(facts, "dwelling_area_m2") / persons)
    for feature, fact in (
        ("receives_kontanthjaelp", "kontanthjaelp_monthly_ore"),
        ("receives_boligsikring", "boligsikring_monthly_ore"),
        ("receives_friplads", "friplads_monthly_ore"),
        ("receives_foertidspension", "foertidspension_monthly_ore"),
        ("receives_andre_las", "andre_las_monthly_ore"),
        ("receives_boligydelse", "boligydelse_monthly_ore"),
    ):
        put(feature, (np.nan_to_num(_col(facts, fact)) > 0).astype(float))
    put("benefit_at_stake_kr", monthly_at_stake_ore(facts) / 100.0)
    put("employment_income_kr", _col(facts, "employment_income_monthly_ore") / 100.0)
    put(
        "single_with_coparent_elsewhere",
        np.nan_to_num(_col(facts, "registered_single")) * np.nan_to_num(_col(facts, "co_parent_elsewhere")),
    )
    return out


def monthly_at_stake_ore(facts: np.ndarray) -> np.ndarray:
    """Monthly benefit amount a corrected address registration would typically stop (øre)."""
    facts = np.asarray(facts, dtype=float)
    total = np.zeros(facts.shape[0])
    for code, fact in BENEFIT_FACTS.items():
        total += np.nan_to_num(_col(facts, fact)) * BENEFIT_TYPES[code].affected_share
    return total


def estimated_saving_ore(facts: np.ndarray) -> np.ndarray:
    """Saving if the case holds one, by KL's model: 12 months' stopped benefit plus an assumed repayment claim."""
    monthly = monthly_at_stake_ore(facts)
    return np.round(monthly * (12 + ASSUMED_REPAYMENT_MONTHS)).astype(np.int64)
