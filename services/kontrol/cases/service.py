"""Case work recorded by the caseworker: reads (audited), partshøring, decision, reassignment; and the queued
steps after opening (underretning letter, journaling). No function here decides a case."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from services.kontrol.cases import forklaringsark, letters
from services.kontrol.cases.esdh import Document, get_esdh
from services.kontrol.catalogue import BENEFIT_TYPES
from services.kontrol.facts import FACT_NAMES
from services.kontrol.models import (
    Candidate,
    Case,
    CaseNote,
    Decision,
    DecisionAmount,
    Hearing,
    TrainingCase,
    candidate_facts,
    notes_tsvector,
)
from shared.audit import service as audit
from shared.auth.tokens import Principal
from shared.db import is_postgres, utcnow
from shared.errors import Conflict, FieldError, NotFound, Unprocessable
from shared.notifications import get_digital_post
from shared.queue import publish

CASE_DECIDED = "kontrol.case.decided"


def get_case_for(session: Session, *, case_id: uuid.UUID, actor: Principal, purpose: str, action: str) -> Case:
    """The case if the caller is its caseworker (404 otherwise), with the read audited."""
    case = session.get(Case, case_id)
    if case is None:
        candidate = session.get(Candidate, case_id)
        if candidate is not None:
            raise Conflict("Kandidaten er endnu ikke åbnet som kontrolsag. Åbn sagen først.", code="case_not_opened")
        raise NotFound("Sagen findes ikke.")
    if case.assigned_to != actor.sub:
        raise NotFound("Sagen findes ikke.")
    audit.record(
        session,
        service="kontrol",
        actor=actor,
        action=action,
        purpose=purpose,
        citizen_cpr=case.person["cpr"],
        object_type="case",
        object_id=str(case.id),
        details={"reference": case.reference},
    )
    return case


def record_hearing(
    session: Session,
    *,
    case: Case,
    actor: Principal,
    sent_on: date,
    response_deadline: date,
    note: str | None,
    idempotency_key: str | None = None,
) -> tuple[Hearing, bool]:
    """Record that the caseworker sent a partshøring; a retry with the same key returns the first record."""
    if idempotency_key:
        previous = session.scalar(
            select(Hearing).where(Hearing.idempotency_key == idempotency_key, Hearing.case_id == case.id)
        )
        if previous is not None:
            return previous, False
    if case.status == "afgjort":
        raise Conflict("Sagen er afgjort; der kan ikke registreres partshøring.", code="case_decided")
    if response_deadline < sent_on:
        raise Unprocessable(
            "Svarfristen ligger før afsendelsen.",
            errors=[FieldError("/response_deadline", "before_sent_on", "Svarfristen skal ligge efter afsendelsen.")],
        )
    hearing = Hearing(
        case_id=case.id,
        sent_on=sent_on,
        response_deadline=response_deadline,
        note=note,
        idempotency_key=idempotency_key,
        recorded_by=actor.sub,
    )
    session.add(hearing)
    case.status = "partshoering"
    case.version += 1
    session.flush()
    return hearing, True


@dataclass
class AmountIn:
    benefit_type: str
    department: str | None
    repayment_claim_ore: int
    forward_saving_12m_ore: int


def record_decision(
    session: Session,
    *,
    case: Case,
    actor: Principal,
    outcome: str,
    cpr_corrected: bool,
    decided_on: date,
    summary: str | None,
    amounts: list[AmountIn],
    idempotency_key: str | None = None,
) -> tuple[Decision, bool]:
    """Record the caseworker's decision and outcome amounts; closes the candidate and feeds retraining."""
    existing = session.scalar(select(Decision).where(Decision.case_id == case.id))
    if existing is not None:
        if idempotency_key and existing.idempotency_key == idempotency_key:
            return existing, False
        raise Conflict("Der er allerede registreret en afgørelse i sagen.", code="case_already_decided")
    errors: list[FieldError] = []
    if outcome == "samfundsbesparelse":
        if not amounts:
            errors.append(FieldError("/amounts", "required", "Angiv beløb pr. ydelsestype for samfundsbesparelsen."))
        if not cpr_corrected:
            errors.append(
                FieldError("/cpr_corrected", "required_true", "En samfundsbesparelse forudsætter en rettelse i CPR.")
            )
        if session.scalar(select(func.count()).where(Hearing.case_id == case.id)) == 0:
            raise Conflict(
                "Der skal være sendt partshøring, før der træffes en afgørelse, som går borgeren imod.",
                code="hearing_required",
            )
    elif amounts:
        errors.append(FieldError("/amounts", "not_allowed", "Uden samfundsbesparelse skal der ikke angives beløb."))
    for index, amount in enumerate(amounts):
        if amount.repayment_claim_ore + amount.forward_saving_12m_ore <= 0:
            errors.append(
                FieldError(
                    f"/amounts/{index}", "zero_amount", "Tilbagebetalingskrav eller besparelse skal være over 0."
                )
            )
    if errors:
        raise Unprocessable("Afgørelsen indeholder fejl; se de enkelte felter.", errors=errors)
    total = sum(a.repayment_claim_ore + a.forward_saving_12m_ore for a in amounts)
    decision = Decision(
        case_id=case.id,
        outcome=outcome,
        cpr_corrected=cpr_corrected,
        decided_on=decided_on,
        decided_by=actor.sub,
        summary=summary,
        total_ore=total,
        idempotency_key=idempotency_key,
    )
    session.add(decision)
    session.flush()
    for amount in amounts:
        session.add(
            DecisionAmount(
                decision_id=decision.id,
                benefit_type=amount.benefit_type,
                department=amount.department or BENEFIT_TYPES[amount.benefit_type].department,
                repayment_claim_ore=amount.repayment_claim_ore,
                forward_saving_12m_ore=amount.forward_saving_12m_ore,
            )
        )
    now = utcnow()
    case.status = "afgjort"
    case.decided_at = now
    case.version += 1
    candidate = session.get(Candidate, case.id)
    assert candidate is not None
    candidate.status = "closed"
    candidate.closed_at = now
    _add_training_case(session, case=case, candidate=candidate, decision=decision)
    audit.record(
        session,
        service="kontrol",
        actor=actor,
        action="kontrol.case.decided",
        purpose="Registrering af sagsbehandlerens afgørelse",
        citizen_cpr=case.person["cpr"],
        object_type="case",
        object_id=str(case.id),
        details={"outcome": outcome},
    )
    publish(session, CASE_DECIDED, {"case_id": str(case.id)}, dedupe_key=f"kontrol-case-decided:{case.id}")
    session.flush()
    return decision, True


def _add_training_case(session: Session, *, case: Case, candidate: Candidate, decision: Decision) -> None:
    row = session.execute(
        select(*[candidate_facts.c[n] for n in FACT_NAMES]).where(candidate_facts.c.candidate_id == case.id)
    ).first()
    facts = {} if row is None else {n: (None if v is None else float(v)) for n, v in zip(FACT_NAMES, row, strict=True)}
    session.add(
        TrainingCase(
            origin="kontrol",
            case_reference=case.reference,
            cpr_pseudonym=candidate.cpr_pseudonym,
            closed_on=decision.decided_on,
            channel=candidate.first_channel,
            criterion_code=candidate.first_criterion,
            arm=case.arm,
            facts=facts,
            outcome=decision.outcome == "samfundsbesparelse",
            total_saving_ore=decision.total_ore,
        )
    )


def reassign(session: Session, *, case: Case, actor: Principal, assignee: str, assignee_name: str) -> Case:
    """Hand the case to another caseworker (recorded in the audit log)."""
    case.assigned_to = assignee
    case.assigned_name = assignee_name
    case.version += 1
    audit.record(
        session,
        service="kontrol",
        actor=actor,
        action="kontrol.case.reassigned",
        purpose="Sagen overdraget til anden sagsbehandler",
        citizen_cpr=case.person["cpr"],
        object_type="case",
        object_id=str(case.id),
        details={"assignee": assignee},
    )
    session.flush()
    return case


# ---- queued steps after opening -------------------------------------------------------------------------------


def send_underretning(session: Session, *, case_id: uuid.UUID) -> None:
    """Send the citizen's underretning by Digital Post (idempotent)."""
    case = session.get(Case, case_id)
    if case is None or case.underretning_sent_at is not None:
        return
    sources = [s["source"] for s in case.forklaringsark.get("sources", []) if s["status"] == "ok"]
    title, body = letters.underretning(
        name=case.person.get("name") or "borger",
        case_reference=case.reference,
        caseworker=case.assigned_name or case.assigned_to,
        sources=sources,
    )
    message_id = get_digital_post().send_letter(
        session,
        recipient_cpr=case.person["cpr"],
        title=title,
        body=body,
        sender_service="kontrol",
        idempotency_key=f"kontrol-underretning-{case.id}",
    )
    case.underretning_message_id = message_id
    case.underretning_sent_at = utcnow()
    audit.record(
        session,
        service="kontrol",
        actor=None,
        actor_sub="kontrol-underretning",
        action="kontrol.underretning.sent",
        purpose="Underretning af borgeren om kontrolsagen (Digital Post)",
        citizen_cpr=case.person["cpr"],
        object_type="case",
        object_id=str(case.id),
        details={"message_id": message_id},
    )


def journalise(session: Session, *, case_id: uuid.UUID) -> None:
    """Journal the case with its forklaringsark (HTML and JSON) through the ESDH adapter (idempotent)."""
    case = session.get(Case, case_id)
    if case is None or case.journal_number is not None:
        return
    sheet = case.forklaringsark
    documents = [
        Document("Forklaringsark", "text/html", forklaringsark.render_html(sheet)),
        Document("Forklaringsark (data)", "application/json", orjson.dumps(sheet).decode()),
        Document(
            "Sagsoprettelse", "text/plain", f"Sagen er oprettet {case.opened_at.isoformat()} af {case.opened_by}."
        ),
    ]
    case.journal_number = get_esdh().journalise(
        session,
        case_reference=case.reference,
        case_title="Kontrolsag om bopælsregistrering",
        documents=documents,
        idempotency_key=f"kontrol-journal-{case.id}",
    )
    case.journaled_at = utcnow()
    audit.record(
        session,
        service="kontrol",
        actor=None,
        actor_sub="kontrol-journalisering",
        action="kontrol.case.journaled",
        purpose="Journalisering af kontrolsag og forklaringsark i ESDH",
        citizen_cpr=case.person["cpr"],
        object_type="case",
        object_id=str(case.id),
        details={"journal_number": case.journal_number},
    )


# ---- notes search ---------------------------------------------------------------------------------------------


def note_search_statement(*, actor_sub: str, query: str, case_id: uuid.UUID | None, limit: int, postgres: bool) -> Any:
    """The notes search: Danish full text (GIN index) on PostgreSQL, LIKE per word elsewhere; own cases only."""
    cases = select(Case.id).where(Case.assigned_to == actor_sub)
    if case_id is not None:
        cases = cases.where(Case.id == case_id)
    if postgres:
        tsquery = func.websearch_to_tsquery(text("'danish'"), query)
        vector = notes_tsvector()  # the expression of the GIN index ix_case_notes_body_fts
        return (
            select(
                CaseNote.id,
                CaseNote.case_id,
                CaseNote.written_on,
                CaseNote.author_unit,
                func.ts_headline(text("'danish'"), CaseNote.body, tsquery).label("snippet"),
                func.ts_rank(vector, tsquery).label("rank"),
            )
            .where(CaseNote.case_id.in_(cases), vector.op("@@")(tsquery))
            .order_by(text("rank DESC"), CaseNote.written_on.desc())
            .limit(limit)
        )
    words = [w for w in query.lower().split() if w]
    statement = select(
        CaseNote.id, CaseNote.case_id, CaseNote.written_on, CaseNote.author_unit, CaseNote.body.label("snippet")
    ).where(CaseNote.case_id.in_(cases))
    for word in words:
        statement = statement.where(func.lower(CaseNote.body).contains(word))
    return statement.order_by(CaseNote.written_on.desc()).limit(limit)


def search_notes(
    session: Session, *, actor: Principal, query: str, case_id: uuid.UUID | None, limit: int
) -> list[dict[str, Any]]:
    """Full-text search (Danish) in the municipal notes of the caller's opened cases; each hit is audited."""
    statement = note_search_statement(
        actor_sub=actor.sub, query=query, case_id=case_id, limit=limit, postgres=is_postgres(session)
    )
    rows = session.execute(statement).all()
    hits = []
    audited: set[uuid.UUID] = set()
    for row in rows:
        if row.case_id not in audited:
            case = session.get(Case, row.case_id)
            assert case is not None
            audit.record(
                session,
                service="kontrol",
                actor=actor,
                action="kontrol.notes.searched",
                purpose="Søgning i kommunalnotater i egen kontrolsag",
                citizen_cpr=case.person["cpr"],
                object_type="case",
                object_id=str(case.id),
                details={"hits": sum(1 for r in rows if r.case_id == row.case_id)},
            )
            audited.add(row.case_id)
        hits.append(
            {
                "note_id": row.id,
                "case_id": row.case_id,
                "written_on": row.written_on,
                "author_unit": row.author_unit,
                "snippet": row.snippet,
            }
        )
    return hits
