"""Data gathering (the 'robot runs'): dispatch at an adjustable rate, then one queued task per candidate.

A run asks every source once. When some cannot answer (SourceUnavailable, a timeout included), what the others
answered is kept, the candidate waits for the missing ones (status `received`, not scored) and the task is
retried with backoff, asking only the missing sources. When the retries are used up the candidate is marked
`incomplete` (never scored on partial data) and the task becomes a dead letter; an admin's replay, once the
source is back, completes the same run. See docs/kontrol/data-sources.md.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from services.kontrol.facts import FACT_NAMES, SOURCES
from services.kontrol.models import Candidate, CandidateSource, candidate_facts
from services.kontrol.priority.config import load_settings
from services.kontrol.sources.base import SourceResult, SourceUnavailable
from services.kontrol.sources.registry import adapters
from shared.audit import service as audit
from shared.db import is_postgres, utcnow
from shared.queue import publish
from shared.queue.models import DeadLetter, OutboxEvent

GATHERING_REQUESTED = "kontrol.candidate.gathering_requested"
GATHERED = "kontrol.candidate.gathered"

GATHERABLE = ("received", "gathered", "incomplete")  # not opened, decided, dismissed or expired
ANSWERED = ("ok", "unavailable")  # the source answered: it knows the person (ok) or not (unavailable)
UNREACHABLE = "unreachable"  # the source could not answer in this run (outage, timeout)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class SourcesUnavailable(Exception):
    """Some sources could not answer; what the others answered is in the session (commit it, then retry)."""

    def __init__(self, reference: str, missing: dict[str, str], *, gave_up: bool) -> None:
        self.missing = missing
        self.gave_up = gave_up
        names = ", ".join(sorted(missing))
        state = "ufuldstændig (alle forsøg brugt)" if gave_up else "venter"
        super().__init__(f"Kandidat {reference} {state}: mangler {names}. " + " ".join(missing.values()))


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
    if candidate.status == "incomplete":
        # A new run is no longer given up on: it is in progress until it completes or gives up again.
        candidate.status = "received"
    publish(
        session,
        GATHERING_REQUESTED,
        {"candidate_id": str(candidate.id)},
        dedupe_key=f"kontrol-gather:{candidate.id}:{candidate.gather_count}",
    )


def gather(session: Session, *, candidate_id: uuid.UUID, give_up: bool = False) -> bool:
    """Ask the sources that have not yet answered in this run; True when the candidate is fully gathered.

    Raises SourcesUnavailable (after recording the answers it got) when a source could not answer; with
    `give_up` (the task's last try) the candidate is then marked incomplete instead of waiting.
    """
    statement = select(Candidate).where(Candidate.id == candidate_id)
    if is_postgres(session):
        statement = statement.with_for_update()  # one run at a time per candidate (redelivered tasks)
    candidate = session.scalar(statement)
    if candidate is None or candidate.status not in GATHERABLE:
        return False  # opened, decided, dismissed or expired: the data is frozen or no longer needed
    now = utcnow()
    run_started = candidate.gathering_requested_at or now  # a run nobody requested asks every source
    stored = {
        row.source: row
        for row in session.scalars(select(CandidateSource).where(CandidateSource.candidate_id == candidate.id))
    }
    fetched: list[str] = []
    missing: dict[str, str] = {}
    for name, adapter in adapters().items():
        row = stored.get(name)
        if row is not None and row.status in ANSWERED and row.fetched_at >= run_started:
            continue  # answered earlier in this run: not asked twice
        try:
            result = adapter.fetch(session, cpr=candidate.cpr)
        except SourceUnavailable as exc:
            missing[name] = str(exc) or f"{SOURCES[name]} svarede ikke."
            stored[name] = _store(
                session, row, candidate.id, name, UNREACHABLE, {"records": [], "error": missing[name]}, now
            )
            continue
        stored[name] = _store(session, row, candidate.id, name, *_answer(name, result), now)
        fetched.append(name)
    if missing:
        candidate.status = "incomplete" if give_up else "received"
        _audit(
            session,
            candidate,
            "kontrol.candidate.gathering_incomplete" if give_up else "kontrol.candidate.gathering_waiting",
            fetched=fetched,
            missing=sorted(missing),
        )
        raise SourcesUnavailable(candidate.reference, missing, gave_up=give_up)

    facts: dict[str, Any] = dict.fromkeys(FACT_NAMES)
    for row in stored.values():
        facts.update({r["fact"]: r["value"] for r in row.records["records"]})
    session.execute(delete(candidate_facts).where(candidate_facts.c.candidate_id == candidate.id))
    session.execute(insert(candidate_facts).values(candidate_id=candidate.id, as_of=now, **facts))
    candidate.status = "gathered"
    candidate.gathered_at = now
    _audit(
        session,
        candidate,
        "kontrol.candidate.gathered",
        fetched=fetched,
        sources=sorted(n for n, row in stored.items() if row.status == "ok"),
    )
    publish(
        session,
        GATHERED,
        {"candidate_id": str(candidate.id)},
        dedupe_key=f"kontrol-gathered:{candidate.id}:{candidate.gather_count}",
    )
    return True


def _answer(name: str, result: SourceResult) -> tuple[str, dict[str, Any]]:
    records = [r.as_json(name) for r in result.records]
    return ("ok" if result.available else "unavailable"), {"records": records, **result.extra}


def _store(
    session: Session,
    row: CandidateSource | None,
    candidate_id: uuid.UUID,
    source: str,
    status: str,
    records: dict[str, Any],
    now: datetime,
) -> CandidateSource:
    if row is None:
        row = CandidateSource(candidate_id=candidate_id, source=source)
        session.add(row)
    row.status, row.records, row.fetched_at = status, records, now
    return row


def _audit(session: Session, candidate: Candidate, action: str, **details: Any) -> None:
    """Every run that read a source is a system access to the citizen's data, complete or not."""
    audit.record(
        session,
        service="kontrol",
        actor=None,
        actor_sub="kontrol-dataindsamling",
        actor_role="system",
        action=action,
        purpose="Indhentning af kontroloplysninger til prioritering (pseudonymiseret)",
        citizen_cpr=candidate.cpr,
        object_type="candidate",
        object_id=str(candidate.id),
        details=details,
    )


def gathering_state(session: Session, candidate: Candidate) -> dict[str, Any]:
    """Where the candidate's data gathering stands, with a Danish explanation for caseworkers and admins."""
    run_started = candidate.gathering_requested_at or _EPOCH
    down = {
        row.source: (row.records or {}).get("error", "")
        for row in session.scalars(
            select(CandidateSource).where(
                CandidateSource.candidate_id == candidate.id,
                CandidateSource.status == UNREACHABLE,
                CandidateSource.fetched_at >= run_started,
            )
        )
    }
    labels = ", ".join(SOURCES[name] for name in SOURCES if name in down)
    if candidate.status == "incomplete":
        state, message = (
            "incomplete",
            f"Oplysningerne er ufuldstændige: {labels} svarede ikke, heller ikke efter alle genforsøg. "
            "Kandidaten prioriteres ikke på ufuldstændige oplysninger. Når kilden svarer igen, kan en "
            "administrator sende den fejlede indhentning igen (Indstillinger, »Ufuldstændige kandidater«), "
            "eller der kan bestilles en ny indhentning.",
        )
    elif candidate.status == "received" and down:
        state, message = (
            "waiting_for_source",
            f"Venter på {labels}: kilden svarede ikke. Indhentningen prøves igen automatisk; "
            "de andre kilders oplysninger er gemt.",
        )
    elif candidate.status == "received" and candidate.gathering_requested_at is not None:
        state, message = "in_progress", "Oplysningerne er bestilt og indhentes."
    elif candidate.status == "received":
        state, message = "not_requested", "Venter på at oplysningerne bliver bestilt."
    elif candidate.gathered_at is not None:
        state, message = "complete", "Oplysningerne er indhentet."
    else:
        state, message = "not_gathered", "Der er ikke indhentet oplysninger."
    return {
        "state": state,
        "message": message,
        "missing_sources": [
            {"source": name, "label": SOURCES[name], "reason": down[name]} for name in SOURCES if name in down
        ],
    }


def waiting_for_source_count(session: Session) -> int:
    """How many candidates wait for a source in their current run (`gathering_state` says "waiting_for_source")."""
    statement = (
        select(func.count(func.distinct(Candidate.id)))
        .join(CandidateSource, CandidateSource.candidate_id == Candidate.id)
        .where(
            Candidate.status == "received",
            CandidateSource.status == UNREACHABLE,
            CandidateSource.fetched_at >= func.coalesce(Candidate.gathering_requested_at, _EPOCH),
        )
    )
    return int(session.scalar(statement) or 0)


def incomplete_candidates(session: Session, *, limit: int) -> list[dict[str, Any]]:
    """Incomplete candidates (oldest first) with their gathering state and the dead letter that replays the run.

    The dead letter is found through its outbox event's payload (the candidate id), never by parsing the error
    text; the latest one counts (a replay that failed again leaves a newer one).
    """
    candidates = list(
        session.scalars(
            select(Candidate)
            .where(Candidate.status == "incomplete")
            .order_by(Candidate.received_at, Candidate.id)
            .limit(limit)
        )
    )
    candidate_key = OutboxEvent.payload["candidate_id"].as_string()
    letters: dict[str, DeadLetter] = {}
    if candidates:
        rows = session.execute(
            select(DeadLetter, candidate_key)
            .join(OutboxEvent, OutboxEvent.id == DeadLetter.event_id)
            .where(
                OutboxEvent.event_type == GATHERING_REQUESTED,
                candidate_key.in_([str(c.id) for c in candidates]),
            )
            .order_by(DeadLetter.failed_at)
        )
        letters = {key: letter for letter, key in rows}  # ordered by time: the latest wins
    return [
        {"candidate": c, "gathering": gathering_state(session, c), "dead_letter": letters.get(str(c.id))}
        for c in candidates
    ]
