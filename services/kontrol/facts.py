"""The facts gathered about a candidate: one typed value per fact, each owned by one data source.

Facts are what the adapters return (`services.kontrol.sources`), what `kontrol.candidate_facts` stores
column by column, and what the model's features are built from (`services.kontrol.ml.features`).
Money is integer øre. A missing value (source had nothing) is NULL / NaN.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Fact:
    name: str
    source: str
    label: str  # Danish, for the forklaringsark
    unit: str  # "", "år", "m²", "km", "øre", "andel", "dage", "måneder", "antal", "ja/nej"


SOURCES: dict[str, str] = {
    "cpr": "CPR (Det Centrale Personregister)",
    "bbr": "BBR (Bygnings- og Boligregistret)",
    "fasit": "Fasit (fremmøde i jobcentret)",
    "eindkomst": "eIndkomst (løn og ydelser)",
    "buf": "BUF-data (institutioner, fravær, økonomisk friplads)",
    "eflyt": "E-flyt (flytninger)",
    "notater": "Kommunalnotater",
}

FACTS: tuple[Fact, ...] = (
    Fact("age", "cpr", "Alder", "år"),
    Fact("registered_single", "cpr", "Registreret som enlig", "ja/nej"),
    Fact("n_children_registered", "cpr", "Børn registreret på adressen", "antal"),
    Fact("persons_at_address", "cpr", "Personer registreret på adressen", "antal"),
    Fact("unrelated_adults_at_address", "cpr", "Andre voksne (ikke familie) på adressen", "antal"),
    Fact("months_at_address", "cpr", "Tid på adressen", "måneder"),
    Fact("co_parent_elsewhere", "cpr", "Barnets anden forælder registreret på anden adresse", "ja/nej"),
    Fact("co_parent_distance_km", "cpr", "Afstand til den anden forælders adresse", "km"),
    Fact("spouse_at_family_address", "cpr", "Ægtefælle registreret hos egen familie", "ja/nej"),
    Fact("dwelling_area_m2", "bbr", "Boligens areal", "m²"),
    Fact("rooms", "bbr", "Antal værelser", "antal"),
    Fact("non_residential_address", "bbr", "Adressen er ikke registreret som bolig", "ja/nej"),
    Fact("fasit_meetings_12m", "fasit", "Indkaldelser i jobcentret (12 mdr.)", "antal"),
    Fact("fasit_attendance_rate", "fasit", "Fremmøde i jobcentret (12 mdr.)", "andel"),
    Fact("kontanthjaelp_monthly_ore", "eindkomst", "Kontanthjælp pr. måned", "øre"),
    Fact("boligsikring_monthly_ore", "eindkomst", "Boligsikring pr. måned", "øre"),
    Fact("foertidspension_monthly_ore", "eindkomst", "Førtidspension pr. måned", "øre"),
    Fact("andre_las_monthly_ore", "eindkomst", "Andre ydelser under LAS pr. måned", "øre"),
    Fact("boligydelse_monthly_ore", "eindkomst", "Boligydelse pr. måned", "øre"),
    Fact("employment_income_monthly_ore", "eindkomst", "Lønindkomst pr. måned (gennemsnit)", "øre"),
    Fact("income_months_12m", "eindkomst", "Måneder med lønindkomst (12 mdr.)", "måneder"),
    Fact("friplads_monthly_ore", "buf", "Økonomisk friplads pr. måned", "øre"),
    Fact("children_in_institution", "buf", "Børn i dagtilbud/skole", "antal"),
    Fact("child_absence_rate", "buf", "Børnenes fravær (12 mdr.)", "andel"),
    Fact("institution_distance_km", "buf", "Afstand fra adressen til barnets institution", "km"),
    Fact("moves_24m", "eflyt", "Flytninger (24 mdr.)", "antal"),
    Fact("days_since_last_move", "eflyt", "Dage siden seneste flytning", "dage"),
    Fact("co_parent_moved_out_12m", "eflyt", "Den anden forælder fraflyttet adressen (12 mdr.)", "ja/nej"),
    Fact("move_reported_late", "eflyt", "Flytning anmeldt for sent", "ja/nej"),
    Fact("notes_12m", "notater", "Kommunalnotater om bopæl (12 mdr.)", "antal"),
)

FACT_NAMES: tuple[str, ...] = tuple(f.name for f in FACTS)
BY_NAME: dict[str, Fact] = {f.name: f for f in FACTS}
MONEY_FACTS: tuple[str, ...] = tuple(f.name for f in FACTS if f.unit == "øre")


def facts_of_source(source: str) -> tuple[str, ...]:
    """The facts one source delivers."""
    return tuple(f.name for f in FACTS if f.source == source)


def format_value(name: str, value: float | None) -> str:
    """A fact's value as Danish display text."""
    if value is None or value != value:  # NaN
        return "ingen oplysning"
    unit = BY_NAME[name].unit
    if unit == "ja/nej":
        return "ja" if value >= 0.5 else "nej"
    if unit == "øre":
        return format_kr(int(value))
    if unit == "andel":
        return f"{value * 100:.0f} %".replace(".", ",")
    if unit in ("km", "m²"):
        return f"{value:.1f} {unit}".replace(".", ",")
    if unit in ("antal", "år", "dage", "måneder"):
        return f"{value:.0f}" + ("" if unit == "antal" else f" {unit}")
    return f"{value}"


def format_kr(amount_ore: int) -> str:
    """Danish money format: 5.432,10 kr."""
    negative = amount_ore < 0
    kroner, ore = divmod(abs(int(amount_ore)), 100)
    text = f"{kroner:,}".replace(",", ".") + f",{ore:02d} kr."
    return "-" + text if negative else text
