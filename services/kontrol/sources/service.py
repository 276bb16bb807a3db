"""Data gathering (the 'robot runs'): dispatch at an adjustable rate, then one queued task per candidate."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from services.kontrol.facts import FACT_NAMES
from services.kontrol.models import Candidate, CandidateSource, candidate_facts
from services.kontrol.priority.config import load_settings
from services.kontrol.sources.registry import adapters
from shared.audit import service as audit
from shared.db import utcnow
from shared.queue import publish

GATHERING_REQUESTED = "kontrol.candidate.gathering_requested"
GATHERED = "kontrol.candidate.gathered"


def dispatch_gathering(session: Session, *, limit: int | None = None) -> int:
    """Queue gathering for waiting candidates, oldest first, within the hourly rate; returns how many."""
    settings = load_settings(session)
    if settings.gathering_paused:
        return 0
    now = utcnow()
    used = session.scalar(select(func.count()).where(Candidate.gathering_requested_at >= now - timedelta(hours=1)))
    budget = max(settings.gathering_rate_per_hour - int(used or 0), 0)
    if limit is not None:
        budget = min(budget, limit)
    if budget == 0:
        return 0
    waiting = list(
        session.scalars(
            select(Candidate)
            .where(Candidate.status == "received", Candidate.gathering_requested_at.is_(None))
            .order_by(Candidate.received_at, Candidate.id)
            .limit(budget)
        )
    )
    for candidate in waiting:
        request_gathering(session, candidate=candidate)
    return len(waiting)


def request_gathering(session: Session, *, candidate: Candidate) -> None:
    """Queue one gathering task for a candidate (a new run each time it is asked for)."""
    candidate.gathering_requested_at = utcnow()
    candidate.gather_count += 1
    publish(
        session,
        GATHERING_REQUESTED,
        {"candidate_id": str(candidate.id)},
        dedupe_key=f"kontrol-gather:{candidate.id}:{candidate.gather_count}",
    )


def gather(session: Session, *, candidate_id: uuid.UUID) -> bool:
    """Ask every source about the candidate, store the dated records and the facts; idempotent."""
    candidate = session.get(Candidate, candidate_id)
    if candidate is None or candidate.status not in ("received", "gathered"):
        return False  # opened, decided, dismissed or expired: the data is frozen or no longer needed
    results = {name: adapter.fetch(session, cpr=candidate.cpr) for name, adapter in adapters().items()}
    now = utcnow()
    facts: dict[str, Any] = dict.fromkeys(FACT_NAMES)
    session.execute(delete(CandidateSource).where(CandidateSource.candidate_id == candidate.id))
    for name, result in results.items():
        records = [r.as_json(name) for r in result.records]
        session.add(
            CandidateSource(
                candidate_id=candidate.id,
                source=name,
                status="ok" if result.available else "unavailable",
                records={"records": records, **result.extra},
                fetched_at=now,
            )
        )
        facts.update(result.facts())
    session.execute(delete(candidate_facts).where(candidate_facts.c.candidate_id == candidate.id))
    session.execute(insert(candidate_facts).values(candidate_id=candidate.id, as_of=now, **facts))
    session.execute(update(Candidate).where(Candidate.id == candidate.id).values(status="gathered", gathered_at=now))
    audit.record(
        session,
        service="kontrol",
        actor=None,
        actor_sub="kontrol-dataindsamling",
        actor_role="system",
        action="kontrol.candidate.gathered",
        purpose="Indhentning af kontroloplysninger til prioritering (pseudonymiseret)",
        citizen_cpr=candidate.cpr,
        object_type="candidate",
        object_id=str(candidate.id),
        details={"sources": sorted(n for n, r in results.items() if r.available)},
    )
    publish(
        session,
        GATHERED,
        {"candidate_id": str(candidate.id)},
        dedupe_key=f"kontrol-gathered:{candidate.id}:{candidate.gather_count}",
    )
    return True
