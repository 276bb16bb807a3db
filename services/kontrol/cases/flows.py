"""Opening a case: the caseworker's explicit action that reveals the person, audits it, creates the kontrolsag
and, in the same transaction, queues the underretning letter and the journaling (outbox event)."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.orm import Session

from services.kontrol.cases import forklaringsark
from services.kontrol.models import CandidateSource, Case, CaseNote, Score
from services.kontrol.priority.config import load_settings
from services.kontrol.priority.lifecycle import locked_candidate
from services.kontrol.priority.service import is_released
from services.kontrol.sources.registry import identity
from shared.audit import service as audit
from shared.auth.tokens import Principal
from shared.db import utcnow
from shared.errors import Conflict
from shared.queue import publish

CASE_OPENED = "kontrol.case.opened"


def open_case(
    session: Session, *, candidate_id: uuid.UUID, actor: Principal, purpose: str, idempotency_key: str | None
) -> tuple[Case, bool]:
    """Open the released candidate as a kontrolsag for the caller; returns (case, newly_opened)."""
    candidate = locked_candidate(session, candidate_id=candidate_id)
    existing = session.get(Case, candidate_id)
    if existing is not None:
        if idempotency_key and existing.idempotency_key == idempotency_key and existing.opened_by == actor.sub:
            return existing, False
        raise Conflict("Sagen er allerede åbnet.", code="case_already_opened")
    if candidate.status in ("dismissed", "expired"):
        raise Conflict("Kandidaten er henlagt eller udløbet og kan ikke åbnes som kontrolsag.", code="candidate_closed")
    if candidate.status == "incomplete":
        raise Conflict(
            "Kandidaten kan ikke åbnes: oplysningerne er ufuldstændige, fordi en datakilde ikke svarede.",
            code="candidate_incomplete",
        )
    if candidate.status != "gathered":
        raise Conflict(
            "Kandidaten kan ikke åbnes endnu: oplysningerne er ikke indhentet og vurderet.", code="candidate_not_ready"
        )
    if not is_released(session, candidate.id):
        raise Conflict(
            "Kandidaten er ikke frigivet i denne periode (kapaciteten er brugt, eller andre står før i køen).",
            code="candidate_not_released",
        )
    person_identity = identity().lookup(session, cpr=candidate.cpr) or {"name": "", "address": ""}
    person = {"cpr": candidate.cpr, "name": person_identity["name"], "address": person_identity["address"]}
    sheet = forklaringsark.build(session, candidate=candidate, person=person, case_reference=candidate.reference)
    settings = load_settings(session)
    score = session.get(Score, (settings.current_run_id, candidate.id)) if settings.current_run_id is not None else None
    now = utcnow()
    case = Case(
        id=candidate.id,
        reference=candidate.reference,
        status="aaben",
        assigned_to=actor.sub,
        assigned_name=actor.name,
        opened_by=actor.sub,
        opened_at=now,
        opening_purpose=purpose,
        idempotency_key=idempotency_key,
        arm=candidate.arm,
        model_version_id=None if sheet["model"] is None else _version_id(session),
        probability=None if score is None else float(score.probability),
        expected_saving_ore=None if score is None else int(score.expected_saving_ore),
        person=person,
        forklaringsark=sheet,
        version=1,
    )
    session.add(case)
    candidate.status = "opened"
    candidate.opened_at = now
    _attach_notes(session, case_id=case.id)
    session.flush()
    audit.record(
        session,
        service="kontrol",
        actor=actor,
        action="kontrol.case.opened",
        purpose=f"Oprettelse af kontrolsag; personoplysninger vist for sagsbehandler. {purpose}"[:200],
        citizen_cpr=candidate.cpr,
        object_type="case",
        object_id=str(case.id),
        details={"reference": case.reference, "arm": case.arm},
    )
    publish(session, CASE_OPENED, {"case_id": str(case.id)}, dedupe_key=f"kontrol-case-opened:{case.id}")
    return case, True


def _version_id(session: Session) -> uuid.UUID | None:
    from services.kontrol.ml.registry import promoted

    version = promoted(session)
    return None if version is None else version.id


def _attach_notes(session: Session, *, case_id: uuid.UUID) -> None:
    source = session.get(CandidateSource, (case_id, "notater"))
    for note in (source.records or {}).get("notes", []) if source is not None else []:
        session.add(
            CaseNote(
                case_id=case_id,
                written_on=date.fromisoformat(note["written_on"]),
                author_unit=note["author_unit"],
                body=note["body"],
            )
        )
