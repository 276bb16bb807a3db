"""The koerekort service's web pages: HTML shells whose data comes from the service's own API (docs/web.md).

Who uses which page (docs/koerekort/pages.md): the citizen (start, del A, doctor, payment, signature, status),
the doctor (assigned certificates, del B and conclusion with live validation, answers to Borgerservice),
Borgerservice (inbox, certificate view, request information, approve), the driving instructor (status only)
and the reports. The form itself is rendered in the browser from the form definition the API serves, so the
fields, labels and rules have one copy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.koerekort.certificates.attachments import ATTACHMENT_KINDS
from services.koerekort.status import STATUS_LABEL
from shared.auth.roles import Role
from shared.web import Page

_STYLES = ("koerekort.css",)


def _scripts(name: str) -> tuple[str, ...]:
    """Every page loads the service's small helper (kort.js) before its own script."""
    return ("kort.js", name)


def _status_context() -> Mapping[str, Any]:
    """The status filter's choices (codes the API accepts, Danish labels); no personal data."""
    return {"statuses": [(str(code), label) for code, label in STATUS_LABEL.items()]}


def _certificate_context() -> Mapping[str, Any]:
    """The attachment kinds the API accepts, with Danish names; no personal data."""
    return {"attachment_kinds": list(ATTACHMENT_KINDS.items())}


def _review_context() -> Mapping[str, Any]:
    """Status labels and attachment kinds for Borgerservice's certificate view; no personal data."""
    return {**_status_context(), **_certificate_context()}


PAGES = [
    # Our own start page: the shared one would also link the pages whose path needs an id.
    Page("/", "start.html", "Forside", login=False, summary="Oversigt over tjenestens sider.", styles=_STYLES),
    Page(
        "/borger",
        "citizen_home.html",
        "Min lægeerklæring",
        roles=(Role.borger,),
        summary="Start en ansøgning om lægeerklæring til kørekort, udfyld din del, og følg sagen trin for trin.",
        scripts=_scripts("citizen_home.js"),
        styles=_STYLES,
    ),
    Page(
        "/borger/ny-ansoegning",
        "citizen_start.html",
        "Start en ansøgning",
        roles=(Role.borger,),
        in_nav=False,
        scripts=_scripts("citizen_start.js"),
        styles=_STYLES,
    ),
    Page(
        "/borger/ansoegninger/{application_id}",
        "citizen_application.html",
        "Min ansøgning",
        roles=(Role.borger,),
        in_nav=False,
        scripts=_scripts("citizen_application.js"),
        styles=_STYLES,
    ),
    Page(
        "/laege",
        "doctor_list.html",
        "Mine lægeerklæringer",
        roles=(Role.laege,),
        nav_label="Lægeerklæringer",
        summary="Lægens formularklient: tildelte erklæringer, del B og konklusion med fejl vist med det samme.",
        scripts=_scripts("doctor_list.js"),
        styles=_STYLES,
    ),
    Page(
        "/laege/erklaeringer/{certificate_id}",
        "doctor_certificate.html",
        "Udfyld lægeerklæring",
        roles=(Role.laege,),
        in_nav=False,
        scripts=_scripts("doctor_certificate.js"),
        styles=_STYLES,
        context=_certificate_context,
    ),
    Page(
        "/borgerservice",
        "inbox.html",
        "Indbakke",
        roles=(Role.borgerservice,),
        summary="Borgerservices indbakke med filtre, plausibilitetsmarkeringer, anmodning om oplysninger og godkendelse.",
        scripts=_scripts("inbox.js"),
        styles=_STYLES,
        context=_status_context,
    ),
    Page(
        "/borgerservice/erklaeringer/{certificate_id}",
        "review.html",
        "Behandl lægeerklæring",
        roles=(Role.borgerservice,),
        in_nav=False,
        scripts=_scripts("review.js"),
        styles=_STYLES,
        context=_review_context,
    ),
    Page(
        "/koerelaerer",
        "instructor.html",
        "Mine elever",
        roles=(Role.koerelaerer,),
        summary="Start en ansøgning for en elev, og følg status. Du ser aldrig helbredsoplysninger.",
        scripts=_scripts("instructor.js"),
        styles=_STYLES,
    ),
    Page(
        "/rapporter",
        "reports.html",
        "Rapporter",
        roles=(Role.borgerservice, Role.admin),
        summary="Fejl stoppet før indsendelse mod papirets 20 %, returneringer til lægen, gennemløbstid og digital andel.",
        scripts=_scripts("reports.js"),
        styles=_STYLES,
    ),
]
