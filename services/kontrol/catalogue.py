"""Fixed vocabularies of the kontrol domain: intake channels, register-match criteria, benefit types, departments."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Channel(StrEnum):
    """Where a candidate came from."""

    registersamkoering = "registersamkoering"  # register-match list from Udbetaling Danmark (Den Fælles Dataenhed)
    forvaltning = "forvaltning"  # referral from another department of the municipality
    udbetaling_danmark = "udbetaling_danmark"  # single referral from Udbetaling Danmark's own control unit
    politi = "politi"
    skat = "skat"
    manuel = "manuel"  # manual trigger by a caseworker in Kontrolenheden


CHANNEL_LABELS: dict[str, str] = {
    Channel.registersamkoering: "Registersamkøring (Udbetaling Danmark)",
    Channel.forvaltning: "Underretning fra anden forvaltning",
    Channel.udbetaling_danmark: "Underretning fra Udbetaling Danmark",
    Channel.politi: "Underretning fra politiet",
    Channel.skat: "Underretning fra Skattestyrelsen",
    Channel.manuel: "Manuel igangsætning i Kontrolenheden",
}

REFERRAL_CHANNELS = tuple(c for c in Channel if c is not Channel.registersamkoering)


@dataclass(frozen=True)
class Criterion:
    code: str
    label: str
    description: str


# The criteria Udbetaling Danmark's Den Fælles Dataenhed can run (seed BC30 names the first two).
CRITERIA: dict[str, Criterion] = {
    c.code: c
    for c in (
        Criterion(
            "aegtefaelle_hos_familie",
            "Ægtefælle registreret hos ydelsesmodtagers familie",
            "Ydelsesmodtagerens ægtefælle er registreret på adressen hos ydelsesmodtagerens familie.",
        ),
        Criterion(
            "faelles_barn_uden_faelles_bopael",
            "Fælles barn uden fælles bopæl",
            "Personer, der har fået barn sammen, er registreret på hver sin adresse.",
        ),
        Criterion(
            "mange_paa_adressen",
            "Mange personer registreret på adressen",
            "Ydelsesmodtageren bor på en adresse med mange registrerede personer i forhold til boligens størrelse.",
        ),
        Criterion(
            "fraflytning_efter_ansoegning",
            "Fraflytning kort efter ansøgning",
            "Den anden forælder er flyttet fra adressen inden for 12 måneder omkring ansøgning om ydelse.",
        ),
        Criterion(
            "ydelse_uden_fremmoede",
            "Ydelse uden fremmøde",
            "Kontanthjælpsmodtager med lavt fremmøde i jobcentret og ingen lønindkomst.",
        ),
    )
}


@dataclass(frozen=True)
class BenefitType:
    code: str
    label: str
    department: str
    appropriation: str  # bevilling
    # Share of the monthly amount a corrected address registration typically stops (KL's model, synthetic anchor).
    affected_share: float


# Ydelsestyper and forvaltninger as in seed BC11, Tabel 3.
BENEFIT_TYPES: dict[str, BenefitType] = {
    b.code: b
    for b in (
        BenefitType("oekonomisk_friplads", "Økonomisk friplads", "BUF", "Service", 1.0),
        BenefitType("kontanthjaelp", "Kontanthjælp", "BIF", "Overførsler mv.", 0.4),
        BenefitType("boligsikring", "Boligsikring", "KFF", "Overførsler mv.", 1.0),
        BenefitType("foertidspension_gl", "Førtidspension (gl. ordning)", "BIF", "Overførsler mv.", 0.2),
        BenefitType("foertidspension_ny", "Førtidspension (ny ordning)", "BIF", "Overførsler mv.", 0.2),
        BenefitType("andre_las", "Andre ydelser under LAS", "BIF", "Overførsler mv.", 0.3),
        BenefitType("boligydelse", "Boligydelse (pensionister)", "KFF", "Overførsler mv.", 1.0),
        BenefitType("oevrigt", "Øvrigt", "Flere", "Øvrigt", 1.0),
    )
}

DEPARTMENTS: dict[str, str] = {
    "BUF": "Børne- og Ungdomsforvaltningen",
    "BIF": "Beskæftigelses- og Integrationsforvaltningen",
    "KFF": "Kultur- og Fritidsforvaltningen",
    "SOF": "Socialforvaltningen",
    "UDK": "Udbetaling Danmark",
    "Flere": "Flere forvaltninger",
}

# Benefits that the synthetic registers pay and the facts that carry their monthly amount.
BENEFIT_FACTS: dict[str, str] = {
    "kontanthjaelp": "kontanthjaelp_monthly_ore",
    "boligsikring": "boligsikring_monthly_ore",
    "oekonomisk_friplads": "friplads_monthly_ore",
    "foertidspension_gl": "foertidspension_monthly_ore",
    "andre_las": "andre_las_monthly_ore",
    "boligydelse": "boligydelse_monthly_ore",
}

# Months of wrongful payment assumed when estimating a repayment claim before a case is examined.
ASSUMED_REPAYMENT_MONTHS = 6


# Why a candidate is dismissed (henlagt) without a kontrolsag. "andet" needs a written reason.
DISMISSAL_REASONS: dict[str, str] = {
    "ikke_relevant": "Ikke relevant for bopælskontrol",
    "allerede_kontrolleret": "Allerede kontrolleret",
    "fejl_i_data": "Fejl i de modtagne data",
    "andet": "Andet (begrundelse skrives)",
}
DISMISSAL_REASON_NEEDS_NOTE = "andet"
