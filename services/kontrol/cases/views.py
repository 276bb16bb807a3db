"""Case API: open (reveal), read, forklaringsark export, partshøring, decision, reassignment, notes search."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select

from services.kontrol.cases import forklaringsark
from services.kontrol.cases.flows import open_case
from services.kontrol.cases.service import (
    AmountIn,
    get_case_for,
    reassign,
    record_decision,
    record_hearing,
    search_notes,
)
from services.kontrol.catalogue import BENEFIT_TYPES, DEPARTMENTS
from services.kontrol.models import Case, Decision, DecisionAmount, Hearing
from shared.auth import Principal, Role, require_roles
from shared.db import DbSession

router = APIRouter(prefix="/api/v1", tags=["kontrolsager"])
Caseworker = Annotated[Principal, Depends(require_roles(Role.sagsbehandler))]


class OpeningIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    purpose: str = Field(min_length=3, max_length=500, description="Hvorfor sagen åbnes (skrives i revisionsloggen)")


class HearingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sent_on: date
    response_deadline: date
    note: str | None = Field(None, max_length=4000)


class AmountModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    benefit_type: str
    department: str | None = None
    repayment_claim_ore: int = Field(ge=0, le=100_000_000_00, description="Tilbagebetalingskrav i øre")
    forward_saving_12m_ore: int = Field(ge=0, le=100_000_000_00, description="Fremadrettet besparelse, 12 mdr., øre")

    @field_validator("benefit_type")
    @classmethod
    def _known_benefit(cls, value: str) -> str:
        if value not in BENEFIT_TYPES:
            raise ValueError("Ukendt ydelsestype. Tilladte: " + ", ".join(BENEFIT_TYPES) + ".")
        return value

    @field_validator("department")
    @classmethod
    def _known_department(cls, value: str | None) -> str | None:
        if value is not None and value not in DEPARTMENTS:
            raise ValueError("Ukendt forvaltning. Tilladte: " + ", ".join(DEPARTMENTS) + ".")
        return value


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: Literal["samfundsbesparelse", "ingen_samfundsbesparelse"]
    cpr_corrected: bool
    decided_on: date
    summary: str | None = Field(None, max_length=4000)
    amounts: list[AmountModel] = Field(default_factory=list, max_length=20)


class AssignmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    assignee: str = Field(min_length=1, max_length=120)
    assignee_name: str = Field("", max_length=200)


class NoteSearchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: str = Field(min_length=2, max_length=200)
    case_id: uuid.UUID | None = None
    limit: int = Field(20, ge=1, le=100)


def case_body(session: DbSession, case: Case) -> dict[str, Any]:
    decision = session.scalar(select(Decision).where(Decision.case_id == case.id))
    hearings = session.scalars(select(Hearing).where(Hearing.case_id == case.id).order_by(Hearing.sent_on))
    return {
        "case_id": case.id,
        "reference": case.reference,
        "status": case.status,
        "arm": case.arm,
        "assigned_to": case.assigned_to,
        "assigned_name": case.assigned_name,
        "opened_by": case.opened_by,
        "opened_at": case.opened_at,
        "person": case.person,
        "probability": case.probability,
        "expected_saving_ore": case.expected_saving_ore,
        "journal_number": case.journal_number,
        "journaled_at": case.journaled_at,
        "underretning_sent_at": case.underretning_sent_at,
        "hearings": [
            {"id": h.id, "sent_on": h.sent_on, "response_deadline": h.response_deadline, "note": h.note}
            for h in hearings
        ],
        "decision": None
        if decision is None
        else {
            "outcome": decision.outcome,
            "cpr_corrected": decision.cpr_corrected,
            "decided_on": decision.decided_on,
            "decided_by": decision.decided_by,
            "summary": decision.summary,
            "total_ore": decision.total_ore,
            "amounts": [
                {
                    "benefit_type": a.benefit_type,
                    "department": a.department,
                    "repayment_claim_ore": a.repayment_claim_ore,
                    "forward_saving_12m_ore": a.forward_saving_12m_ore,
                }
                for a in session.scalars(select(DecisionAmount).where(DecisionAmount.decision_id == decision.id))
            ],
        },
        "version": case.version,
    }


@router.post("/cases/{case_id}/openings", status_code=201, summary="Åbn kontrolsag (viser personoplysninger)")
def open_(
    case_id: uuid.UUID,
    body: OpeningIn,
    actor: Caseworker,
    session: DbSession,
    response: Response,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=200),
) -> dict[str, Any]:
    case, created = open_case(
        session, candidate_id=case_id, actor=actor, purpose=body.purpose, idempotency_key=idempotency_key
    )
    response.status_code = 201 if created else 200
    response.headers["ETag"] = f'"{case.version}"'
    return case_body(session, case)


@router.get("/cases", summary="Mine kontrolsager (uden personoplysninger)")
def my_cases(
    actor: Caseworker,
    session: DbSession,
    limit: int = Query(50, ge=1, le=200),
    cursor: datetime | None = None,
) -> dict[str, Any]:
    statement = select(Case).where(Case.assigned_to == actor.sub).order_by(Case.opened_at.desc()).limit(limit)
    if cursor is not None:
        statement = statement.where(Case.opened_at < cursor)
    cases = list(session.scalars(statement))
    return {
        "items": [
            {
                "case_id": c.id,
                "reference": c.reference,
                "status": c.status,
                "opened_at": c.opened_at,
                "journal_number": c.journal_number,
            }
            for c in cases
        ],
        "next_cursor": cases[-1].opened_at.isoformat() if len(cases) == limit else None,
    }


@router.get("/cases/{case_id}", summary="Kontrolsag (kun for sagens sagsbehandler; revisionslogges)")
def get_case(case_id: uuid.UUID, actor: Caseworker, session: DbSession, response: Response) -> dict[str, Any]:
    case = get_case_for(session, case_id=case_id, actor=actor, purpose="Sagsbehandling", action="kontrol.case.read")
    response.headers["ETag"] = f'"{case.version}"'
    return case_body(session, case)


@router.get("/cases/{case_id}/forklaringsark", summary="Forklaringsark (JSON, HTML eller PDF) til aktindsigt")
def get_forklaringsark(
    case_id: uuid.UUID,
    actor: Caseworker,
    session: DbSession,
    request: Request,
    format: Literal["json", "html", "pdf"] | None = Query(None),
) -> Response:
    case = get_case_for(
        session,
        case_id=case_id,
        actor=actor,
        purpose="Forklaringsark (aktindsigt)",
        action="kontrol.forklaringsark.read",
    )
    wanted = format or ("html" if "text/html" in request.headers.get("accept", "") else "json")
    sheet = case.forklaringsark
    name = f"forklaringsark-{case.reference}"
    if wanted == "html":
        return HTMLResponse(forklaringsark.render_html(sheet))
    if wanted == "pdf":
        return Response(
            forklaringsark.render_pdf(sheet),
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'},
        )
    return Response(orjson.dumps(sheet), media_type="application/json")


@router.post("/cases/{case_id}/hearings", status_code=201, summary="Registrér sendt partshøring")
def add_hearing(
    case_id: uuid.UUID,
    body: HearingIn,
    actor: Caseworker,
    session: DbSession,
    response: Response,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=200),
) -> dict[str, Any]:
    case = get_case_for(session, case_id=case_id, actor=actor, purpose="Partshøring", action="kontrol.hearing.recorded")
    hearing, created = record_hearing(
        session,
        case=case,
        actor=actor,
        sent_on=body.sent_on,
        response_deadline=body.response_deadline,
        note=body.note,
        idempotency_key=idempotency_key,
    )
    response.status_code = 201 if created else 200
    return {"id": hearing.id, "case_id": case.id, "sent_on": hearing.sent_on, "status": case.status}


@router.post("/cases/{case_id}/decisions", status_code=201, summary="Registrér sagsbehandlerens afgørelse")
def add_decision(
    case_id: uuid.UUID,
    body: DecisionIn,
    actor: Caseworker,
    session: DbSession,
    response: Response,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=200),
) -> dict[str, Any]:
    case = get_case_for(session, case_id=case_id, actor=actor, purpose="Afgørelse", action="kontrol.case.deciding")
    _, created = record_decision(
        session,
        case=case,
        actor=actor,
        outcome=body.outcome,
        cpr_corrected=body.cpr_corrected,
        decided_on=body.decided_on,
        summary=body.summary,
        amounts=[AmountIn(**a.model_dump()) for a in body.amounts],
        idempotency_key=idempotency_key,
    )
    response.status_code = 201 if created else 200
    return case_body(session, case)


@router.post("/cases/{case_id}/assignments", summary="Overdrag sagen til en anden sagsbehandler")
def add_assignment(case_id: uuid.UUID, body: AssignmentIn, actor: Caseworker, session: DbSession) -> dict[str, Any]:
    case = get_case_for(session, case_id=case_id, actor=actor, purpose="Overdragelse", action="kontrol.case.read")
    reassign(session, case=case, actor=actor, assignee=body.assignee, assignee_name=body.assignee_name)
    return {"case_id": case.id, "assigned_to": case.assigned_to}


@router.post("/note-searches", summary="Søg i kommunalnotater i egne åbnede sager")
def search(body: NoteSearchIn, actor: Caseworker, session: DbSession) -> dict[str, Any]:
    hits = search_notes(session, actor=actor, query=body.query, case_id=body.case_id, limit=body.limit)
    return {"items": hits}
