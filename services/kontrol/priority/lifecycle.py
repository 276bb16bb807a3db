"""How a candidate leaves the pool without a kontrolsag: dismissed (henlagt) by a person, or expired by age.

Both close the candidate (`closed_at`), so it leaves the queue and a new signal about the person starts a new
candidate. Neither reveals the person: the audit records carry the CPR pseudonym only.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.kontrol.catalogue import DISMISSAL_REASON_NEEDS_NOTE, DISMISSAL_REASONS
from services.kontrol.models import Candidate, CandidateDismissal
from shared.audit import service as audit
from shared.auth.tokens import Principal
from shared.db import is_postgres, utcnow
from shared.errors import Conflict, FieldError, NotFound, Unprocessable

OPEN_STATUSES = ("received", "gathered", "incomplete")  # in the pool: not opened as a case, not closed
EXPIRY_BATCH = 5000


def locked_candidate(session: Session, *, candidate_id: uuid.UUID) -> Candidate:
    """The candidate, row-locked on PostgreSQL for the rest of the transaction (404 if unknown)."""
    statement = select(Candidate).where(Candidate.id == candidate_id)
    if is_postgres(session):
        statement = statement.with_for_update()
    candidate = session.scalar(statement)
    if candidate is None:
        raise NotFound("Kandidaten findes ikke.")
    return candidate


def dismiss_candidate(
    session: Session,
    *,
    candidate_id: uuid.UUID,
    actor: Principal,
    reason: str,
    note: str | None,
    idempotency_key: str | None = None,
) -> tuple[CandidateDismissal, bool]:
    """Dismiss an open candidate that is not a kontrolsag; returns (dismissal, newly_dismissed)."""
    candidate = locked_candidate(session, candidate_id=candidate_id)
    existing = session.scalar(select(CandidateDismissal).where(CandidateDismissal.candidate_id == candidate.id))
    if existing is not None:
        if idempotency_key and existing.idempotency_key == idempotency_key and existing.dismissed_by == actor.sub:
            return existing, False
        raise Conflict("Kandidaten er allerede henlagt.", code="candidate_already_dismissed")
    if candidate.status in ("opened", "closed"):
        raise Conflict(
            "Kandidaten er åbnet som kontrolsag og kan ikke henlægges. Sagen afsluttes med en afgørelse.",
            code="case_already_opened",
        )
    if candidate.status == "expired":
        raise Conflict(
            "Kandidaten er udløbet, fordi den ikke blev åbnet i tide, og er allerede ude af køen.",
            code="candidate_expired",
        )
    note = (note or "").strip() or None
    errors: list[FieldError] = []
    if reason not in DISMISSAL_REASONS:
        errors.append(
            FieldError("/reason", "unknown_reason", "Ukendt årsag. Tilladte: " + ", ".join(DISMISSAL_REASONS))
        )
    elif reason == DISMISSAL_REASON_NEEDS_NOTE and (note is None or len(note) < 3):
        errors.append(FieldError("/note", "required", "Skriv en begrundelse (mindst 3 tegn), når årsagen er »Andet«."))
    if errors:
        raise Unprocessable("Henlæggelsen mangler oplysninger; se de enkelte felter.", errors=errors)
    now = utcnow()
    dismissal = CandidateDismissal(
        candidate_id=candidate.id,
        reason=reason,
        note=note,
        arm=candidate.arm,
        status_before=candidate.status,
        dismissed_by=actor.sub,
        dismissed_by_role=actor.primary_role,
        dismissed_at=now,
        idempotency_key=idempotency_key,
    )
    session.add(dismissal)
    candidate.status = "dismissed"
    candidate.closed_at = now
    audit.record(
        session,
        service="kontrol",
        actor=actor,
        action="kontrol.candidate.dismissed",
        purpose="Henlæggelse af kandidat uden kontrolsag (ingen personoplysninger vist)",
        citizen_pseudonym=candidate.cpr_pseudonym,
        object_type="candidate",
        object_id=str(candidate.id),
        details={"reference": candidate.reference, "reason": reason, "arm": candidate.arm, "has_note": bool(note)},
    )
    session.flush()
    return dismissal, True


def expire_candidates(
    session: Session, *, max_age_days: int, now: datetime | None = None, limit: int = EXPIRY_BATCH
) -> int:
    """Close open candidates received more than `max_age_days` ago (0 turns expiry off); returns how many."""
    if max_age_days <= 0:
        return 0
    now = now or utcnow()
    cutoff = now - timedelta(days=max_age_days)
    statement = (
        select(Candidate.id, Candidate.cpr_pseudonym, Candidate.reference, Candidate.arm, Candidate.status)
        .where(Candidate.status.in_(OPEN_STATUSES), Candidate.closed_at.is_(None), Candidate.received_at < cutoff)
        .order_by(Candidate.received_at, Candidate.id)
        .limit(limit)
    )
    if is_postgres(session):
        statement = statement.with_for_update(skip_locked=True)  # a caseworker opening one right now wins
    rows = session.execute(statement).all()
    if not rows:
        return 0
    session.execute(
        update(Candidate)
        .where(Candidate.id.in_([r.id for r in rows]), Candidate.status.in_(OPEN_STATUSES))
        .values(status="expired", closed_at=now)
    )
    for row in rows:
        audit.record(
            session,
            service="kontrol",
            actor=None,
            actor_sub="kontrol-udloeb",
            actor_role="system",
            action="kontrol.candidate.expired",
            purpose=f"Kandidaten er ikke åbnet inden for {max_age_days} dage og forlader køen",
            citizen_pseudonym=row.cpr_pseudonym,
            object_type="candidate",
            object_id=str(row.id),
            details={"reference": row.reference, "arm": row.arm, "status_before": row.status},
        )
    session.flush()
    return len(rows)


def dismissal_out(dismissal: CandidateDismissal, *, reference: str) -> dict[str, Any]:
    """The API shape of a dismissal (no personal data; the note only for the one who may read it)."""
    return {
        "candidate_id": dismissal.candidate_id,
        "reference": reference,
        "status": "dismissed",
        "reason": dismissal.reason,
        "reason_label": DISMISSAL_REASONS.get(dismissal.reason, dismissal.reason),
        "note": dismissal.note,
        "arm": dismissal.arm,
        "dismissed_by": dismissal.dismissed_by,
        "dismissed_at": dismissal.dismissed_at,
    }
