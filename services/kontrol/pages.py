"""The kontrol service's web pages (HTML shells; the data comes from the service's own /api/v1 via kk.js)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.kontrol.catalogue import BENEFIT_TYPES, DEPARTMENTS, DISMISSAL_REASONS
from shared.auth.roles import Role
from shared.web import Page

CASEWORKER = (Role.sagsbehandler,)
REPORT_READERS = (Role.sagsbehandler, Role.admin)
IMPORTERS = (Role.sagsbehandler, Role.admin)
ADMINS = (Role.admin,)
STYLES = ("kontrol.css",)


def _decision_choices() -> Mapping[str, Any]:
    """Benefit types and departments for the decision form (fixed vocabularies, no personal data)."""
    return {
        "benefit_options": [(b.code, f"{b.label} ({b.department})") for b in BENEFIT_TYPES.values()],
        "department_options": [(code, f"{name} ({code})") for code, name in DEPARTMENTS.items()],
    }


def _dismissal_choices() -> Mapping[str, Any]:
    """The fixed reasons for dismissing a candidate (no personal data)."""
    return {"dismissal_options": list(DISMISSAL_REASONS.items())}


PAGES: list[Page] = [
    # Our own start page: the shared one would also link the pages whose path needs a case id.
    Page("/", "start.html", "Forside", login=False, summary="Oversigt over tjenestens sider."),
    Page(
        "/koe",
        "queue.html",
        "Prioriteret kø",
        roles=CASEWORKER,
        nav_label="Kø",
        summary="De frigivne kandidater i prioriteret rækkefølge, uden personoplysninger, og ugens kapacitet.",
        scripts=("kontrol.js", "queue.js"),
        styles=STYLES,
        context=_dismissal_choices,
    ),
    Page(
        "/sager",
        "cases.html",
        "Mine sager",
        roles=CASEWORKER,
        summary="De kontrolsager, du har åbnet eller fået overdraget.",
        scripts=("kontrol.js", "cases.js"),
        styles=STYLES,
    ),
    Page(
        "/sager/{case_id}",
        "case.html",
        "Kontrolsag",
        roles=CASEWORKER,
        in_nav=False,
        scripts=("kontrol.js", "case.js"),
        styles=STYLES,
        context=_decision_choices,
    ),
    Page(
        "/sager/{case_id}/forklaringsark",
        "forklaringsark.html",
        "Forklaringsark",
        roles=CASEWORKER,
        in_nav=False,
        scripts=("kontrol.js", "charts.js", "forklaringsark.js"),
        styles=STYLES,
    ),
    Page(
        "/rapporter",
        "reports.html",
        "Rapporter",
        roles=REPORT_READERS,
        summary="Træfsikkerhed over tid, besparelser, effekt målt med kontrolgruppe, fairness og kriterier.",
        scripts=("kontrol.js", "charts.js", "reports.js"),
        styles=STYLES,
    ),
    Page(
        "/import",
        "import.html",
        "Indlæs registersamkøring",
        roles=IMPORTERS,
        nav_label="Indlæs liste",
        summary="Indlæs en liste fra Udbetaling Danmarks registersamkøring (CSV-fil) og se fejl linje for linje.",
        scripts=("kontrol.js", "import.js"),
        styles=STYLES,
    ),
    Page(
        "/indstillinger",
        "settings.html",
        "Indstillinger",
        roles=ADMINS,
        summary="Kapacitet, andel til kontrolgruppen og dataindsamling med historik; modelversioner og gentræning.",
        scripts=("kontrol.js", "settings.js"),
        styles=STYLES,
    ),
]
