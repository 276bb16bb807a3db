"""HTTP routes for the quality report, paper-certificate registration and the error catalogue."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from services.koerekort.documents import today_in_copenhagen
from services.koerekort.models import PaperCertificate
from services.koerekort.quality.error_catalogue import CATALOGUE
from services.koerekort.quality.reports import quality_report
from shared.audit import service as audit
from shared.auth import Principal, Role, require_roles
from shared.db import DbSession, utcnow
from shared.errors import FieldError, Unprocessable

router = APIRouter(prefix="/api/v1", tags=["rapporter"])

Staff = Annotated[Principal, Depends(require_roles(Role.borgerservice))]
StaffOrAdmin = Annotated[Principal, Depends(require_roles(Role.borgerservice, Role.admin))]


@router.get("/reports/quality", summary="Fejl stoppet ved kilden, returneringer, gennemløbstid og digital andel")
def get_quality_report(
    principal: StaffOrAdmin,
    session: DbSession,
    date_from: date | None = Query(None, alias="from", description="Fra og med (standard: 30 dage siden)"),
    date_to: date | None = Query(None, alias="to", description="Til og med (standard: i dag)"),
) -> dict[str, Any]:
    date_to = date_to or today_in_copenhagen()
    date_from = date_from or date_to - timedelta(days=30)
    if date_from > date_to:
        raise Unprocessable(
            "Perioden er ugyldig.",
            errors=[FieldError("/query/from", "invalid_period", "Fra-datoen skal ligge før til-datoen.")],
        )
    audit.record(
        session,
        service="koerekort",
        actor=principal,
        action="report.quality",
        purpose="Kvalitets- og effektopfølgning (kun aggregerede tal)",
        object_type="report",
        details={"from": date_from.isoformat(), "to": date_to.isoformat()},
    )
    return quality_report(session, date_from=date_from, date_to=date_to)


@router.get(
    "/error-catalogue", summary="Katalog over typiske fejl på papirerklæringer og hvordan formularen håndterer dem"
)
def get_error_catalogue(_: StaffOrAdmin) -> list[dict[str, Any]]:
    return [
        {"id": e.id, "title": e.title, "handling": e.handling, "assumed_weight": e.weight, "codes": list(e.codes)}
        for e in CATALOGUE
    ]


class PaperCertificateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    received_on: date = Field(description="Dato for modtagelse")
    had_errors: bool = Field(description="Havde erklæringen fejl, så borgeren måtte tilbage til lægen?")
    error_types: list[str] = Field(
        default_factory=list, max_length=26, description="Fejltyper fra fejlkataloget (E01…)"
    )


class PaperCertificateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    received_on: date
    had_errors: bool
    error_types: list[str]
    created_at: datetime


@router.post(
    "/paper-certificates",
    response_model=PaperCertificateOut,
    status_code=201,
    summary="Registrér en modtaget papirerklæring (til digital andel og fejlbaseline; ingen personoplysninger)",
)
def register_paper_certificate(body: PaperCertificateIn, principal: Staff, session: DbSession) -> Any:
    known = {e.id for e in CATALOGUE}
    errors = [
        FieldError(f"/error_types/{i}", "invalid_option", "Ukendt fejltype.")
        for i, code in enumerate(body.error_types)
        if code not in known
    ]
    if body.received_on > today_in_copenhagen():
        errors.append(FieldError("/received_on", "date_in_future", "Datoen må ikke ligge i fremtiden."))
    if body.error_types and not body.had_errors:
        errors.append(FieldError("/had_errors", "inconsistent", "Der er angivet fejltyper, men had_errors er false."))
    if errors:
        raise Unprocessable("Registreringen indeholder fejl.", errors=errors)
    row = PaperCertificate(
        received_on=body.received_on,
        had_errors=body.had_errors,
        error_types=sorted(set(body.error_types)),
        registered_by_sub=principal.sub,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row
