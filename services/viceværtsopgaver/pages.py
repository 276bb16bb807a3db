"""The viceværtsopgaver service's web pages: HTML shells whose data comes from the service's own API (docs/web.md)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.viceværtsopgaver.common.validators import DEPARTMENTS
from shared.auth.roles import Role
from shared.web import Page

DEPARTMENT_NAMES = {
    "BUF": "Børne- og Ungdomsforvaltningen",
    "SUF": "Sundheds- og Omsorgsforvaltningen",
    "SOF": "Socialforvaltningen",
    "KFF": "Kultur- og Fritidsforvaltningen",
    "TMF": "Teknik- og Miljøforvaltningen",
    "BIF": "Beskæftigelses- og Integrationsforvaltningen",
    "ØKF": "Økonomiforvaltningen",
    "KEID": "Københavns Ejendomme og Indkøb",
}

# Every page loads the service's stylesheet and its small helper (vv.js) before its own script.
_STYLES = ("vv.css",)


def _scripts(*names: str) -> tuple[str, ...]:
    return ("vv.js", *names)


def _report_context() -> Mapping[str, Any]:
    """The department filter's choices (codes the API accepts, Danish names); no personal data."""
    return {"departments": [(code, f"{DEPARTMENT_NAMES.get(code, code)} ({code})") for code in DEPARTMENTS]}


PAGES = [
    # Our own start page: the shared one would also link the task page, whose path needs a task id.
    Page("/", "start.html", "Forside", login=False, summary="Oversigt over tjenestens sider.", styles=_STYLES),
    Page(
        "/bestilling",
        "portal.html",
        "Bestil en opgave",
        roles=(Role.bestiller,),
        nav_label="Bestilling",
        summary="Bestil viceværtsopgaver til institutionens bygninger, følg status og læs beskeder.",
        scripts=_scripts("portal.js"),
        styles=_STYLES,
    ),
    # The address printed in the QR codes (qr.service.ORDER_PAGE_PATH). Public shell: its script keeps the
    # token in sessionStorage across "Log ind" (kk.js would otherwise redirect before the token is read).
    Page(
        "/bestil",
        "qr_order.html",
        "Bestil fra QR-kode",
        login=False,
        in_nav=False,
        summary="Siden, en QR-kode i bygningen åbner: stedet er udfyldt, så en opgave er bestilt på under et minut.",
        scripts=_scripts("qr_order.js"),
        styles=_STYLES,
    ),
    Page(
        "/min-dag",
        "my_day.html",
        "Min dag",
        roles=(Role.vicevaert,),
        summary="Dagens opgaver i den planlagte rækkefølge, status og tidsregistrering fra telefonen.",
        scripts=_scripts("offline.js", "my_day.js"),
        styles=_STYLES,
    ),
    Page(
        "/tavle",
        "board.html",
        "Tavlen",
        roles=(Role.teamleder,),
        summary="Ventende opgaver, viceværternes belastning og position; tildel og flyt opgaver med begrundelse.",
        scripts=_scripts("board.js"),
        styles=_STYLES,
    ),
    # ASCII path like the other pages (no percent-encoded "æ" in links and bookmarks).
    Page(
        "/vicevaerter",
        "caretakers.html",
        "Viceværter",
        roles=(Role.teamleder, Role.admin),
        summary="Teamets viceværter: kompetencer, arbejdstid og fravær (syg i dag, ferie i næste uge); fordelingen bruger dem med det samme.",
        scripts=_scripts("caretakers.js"),
        styles=_STYLES,
    ),
    Page(
        "/tidsregistreringer",
        "time_corrections.html",
        "Ret tidsregistreringer",
        roles=(Role.teamleder, Role.admin),
        nav_label="Ret tid",
        summary="En viceværts tidsregistreringer for en dag eller uge; ret start og slut med begrundelse (gemmes og revisionslogges).",
        scripts=_scripts("time_corrections.js"),
        styles=_STYLES,
    ),
    Page(
        "/qr-koder",
        "qr_print.html",
        "QR-koder til udskrift",
        roles=(Role.teamleder, Role.servicedesk, Role.admin),
        nav_label="QR-koder",
        summary="Vælg en bygning, opret QR-koder til bygningen, rum og installationer, og udskriv et ark med dem.",
        scripts=_scripts("qr_print.js"),
        styles=_STYLES,
    ),
    Page(
        "/rapporter",
        "reports.html",
        "Rapporter",
        roles=(Role.teamleder, Role.servicedesk, Role.admin, Role.bestiller),
        summary="Timer pr. bygning og forvaltning, gennemløbstider, løst ved første besøg, komponenter og planlagt arbejde.",
        scripts=_scripts("reports.js"),
        styles=_STYLES,
        context=_report_context,
    ),
    Page(
        "/opgaver/{task_id}",
        "task.html",
        "Opgave",
        roles=(Role.vicevaert, Role.teamleder, Role.bestiller, Role.servicedesk, Role.admin),
        in_nav=False,
        summary="Én opgave: bygning, dokumenter, status og tid. Åbnes fra Min dag, Tavlen eller Bestilling.",
        scripts=_scripts("offline.js", "task.js"),
        styles=_STYLES,
    ),
]
