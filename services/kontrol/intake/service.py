"""Candidate intake: register-match lists (all-or-nothing, idempotent), single referrals and manual triggers."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.kontrol.catalogue import Channel
from services.kontrol.models import Candidate, CandidateSignal, Counter, ImportBatch
from services.kontrol.priority.service import assign_arm
from shared import cpr as cpr_utils
from shared.audit import service as audit
from shared.auth.tokens import Principal
from shared.db import is_postgres, utcnow
from shared.errors import Conflict


@dataclass
class ListRow:
    cpr: str  # normalised ten digits
    note: str | None


@dataclass
class IntakeResult:
    candidate: Candidate
    signal: CandidateSignal
    created: bool


def next_references(session: Session, count: int, *, year: int | None = None) -> list[str]:
    """Reserve `count` consecutive case references KS-<year>-NNNNNN (row-locked counter)."""
    year = year or utcnow().year
    name = f"candidate-{year}"
    counter = session.get(Counter, name, with_for_update=is_postgres(session))
    if counter is None:
        counter = Counter(name=name, value=0)
        session.add(counter)
        session.flush()
    start = counter.value
    session.execute(update(Counter).where(Counter.name == name).values(value=Counter.value + count))
    session.refresh(counter)
    return [f"KS-{year}-{n:06d}" for n in range(start + 1, start + count + 1)]


def intake(
    session: Session,
    *,
    cpr: str,
    channel: str,
    actor: Principal,
    criterion: str | None = None,
    batch_id: uuid.UUID | None = None,
    referring_unit: str | None = None,
    external_reference: str | None = None,
    idempotency_key: str | None = None,
    note: str | None = None,
    received_on: date | None = None,
    reference: str | None = None,
) -> IntakeResult:
    """Register one signal about a person: a new candidate, or a further signal on their open candidate."""
    cpr = cpr_utils.normalise(cpr)
    pseudonym = cpr_utils.pseudonymise(cpr)
    candidate = session.scalar(
        select(Candidate).where(Candidate.cpr_pseudonym == pseudonym, Candidate.closed_at.is_(None))
    )
    created = candidate is None
    if candidate is None:
        candidate = Candidate(
            id=uuid.uuid4(),
            reference=reference or next_references(session, 1)[0],
            cpr_pseudonym=pseudonym,
            cpr=cpr,
            status="received",
            first_channel=channel,
            first_criterion=criterion,
            received_at=utcnow(),
            gather_count=0,
        )
        assign_arm(session, candidate)
        session.add(candidate)
    signal = CandidateSignal(
        id=uuid.uuid4(),
        candidate_id=candidate.id,
        channel=channel,
        criterion_code=criterion,
        batch_id=batch_id,
        referring_unit=referring_unit,
        external_reference=external_reference,
        idempotency_key=idempotency_key,
        note=note,
        received_on=received_on,
        created_by=actor.sub,
        created_at=utcnow(),
    )
    session.add(signal)
    audit.record(
        session,
        service="kontrol",
        actor=actor,
        action="kontrol.candidate.received" if created else "kontrol.candidate.signal_added",
        purpose="Modtagelse af mulig kontrolsag (bopælskontrol efter CPR-loven)",
        citizen_pseudonym=pseudonym,
        object_type="candidate",
        object_id=str(candidate.id),
        details={"channel": channel, "criterion": criterion},
    )
    return IntakeResult(candidate, signal, created)


def list_content_hash(*, criterion: str, extracted_on: date, rows: list[ListRow]) -> str:
    """A hash of a list's meaning (same list as file or JSON gives the same hash)."""
    body = "\n".join(sorted(r.cpr for r in rows))
    return hashlib.sha256(f"{criterion}|{extracted_on.isoformat()}|{body}".encode()).hexdigest()


def import_list(
    session: Session,
    *,
    list_id: str,
    criterion: str,
    extracted_on: date,
    rows: list[ListRow],
    source_format: str,
    actor: Principal,
) -> tuple[ImportBatch, bool]:
    """Import a validated register-match list in the caller's transaction; returns (batch, newly_imported)."""
    digest = list_content_hash(criterion=criterion, extracted_on=extracted_on, rows=rows)
    existing = session.scalar(select(ImportBatch).where(ImportBatch.list_id == list_id))
    if existing is not None:
        if existing.content_sha256 == digest:
            return existing, False
        raise Conflict(
            f"Listen '{list_id}' er allerede indlæst med et andet indhold. Brug et nyt liste-id for en ny liste.",
            code="list_id_conflict",
        )
    batch = ImportBatch(
        id=uuid.uuid4(),
        list_id=list_id,
        criterion_code=criterion,
        extracted_on=extracted_on,
        content_sha256=digest,
        source_format=source_format,
        row_count=len(rows),
        created_count=0,
        existing_count=0,
        imported_by=actor.sub,
        imported_at=utcnow(),
    )
    session.add(batch)
    session.flush()
    references = iter(next_references(session, len(rows)))
    for row in rows:
        result = intake(
            session,
            cpr=row.cpr,
            channel=Channel.registersamkoering.value,
            actor=actor,
            criterion=criterion,
            batch_id=batch.id,
            external_reference=list_id,
            note=row.note,
            received_on=extracted_on,
            reference=next(references),
        )
        if result.created:
            batch.created_count += 1
        else:
            batch.existing_count += 1
        session.flush()
    return batch, True
