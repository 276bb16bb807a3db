"""Write, seal, verify and query the audit log."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared import cpr as cpr_utils
from shared.audit.models import AuditEvent
from shared.auth.tokens import Principal
from shared.db import utcnow

GENESIS = "0" * 64
SEAL_DELAY = timedelta(seconds=2)  # let concurrent transactions with lower ids commit first


def _record_hash(event: AuditEvent) -> str:
    canonical = orjson.dumps(
        {
            "occurred_at": event.occurred_at.isoformat(),
            "service": event.service,
            "actor_sub": event.actor_sub,
            "actor_role": event.actor_role,
            "action": event.action,
            "purpose": event.purpose,
            "citizen_pseudonym": event.citizen_pseudonym,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "details": event.details,
        },
        option=orjson.OPT_SORT_KEYS,
    )
    return hashlib.sha256(canonical).hexdigest()


def record(
    session: Session,
    *,
    service: str,
    actor: Principal | None,
    action: str,
    purpose: str,
    citizen_cpr: str | None = None,
    citizen_pseudonym: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    details: dict[str, Any] | None = None,
    actor_sub: str | None = None,
    actor_role: str | None = None,
) -> AuditEvent:
    """Append one audit record in the caller's transaction (no CPR number is stored, only its pseudonym)."""
    if citizen_cpr is not None:
        citizen_pseudonym = cpr_utils.pseudonymise(citizen_cpr)
    event = AuditEvent(
        occurred_at=utcnow(),
        service=service,
        actor_sub=actor.sub if actor else (actor_sub or "system"),
        actor_role=actor.primary_role if actor else (actor_role or "system"),
        action=action,
        purpose=purpose,
        citizen_pseudonym=citizen_pseudonym,
        object_type=object_type,
        object_id=object_id,
        details=details or {},
    )
    event.record_hash = _record_hash(event)
    session.add(event)
    return event


def seal(session: Session, *, limit: int = 5000, settle: timedelta = SEAL_DELAY) -> int:
    """Chain unsealed records in id order; returns how many were sealed."""
    last = session.scalars(
        select(AuditEvent.chain_hash).where(AuditEvent.chain_hash.is_not(None)).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    previous = last or GENESIS
    rows = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.chain_hash.is_(None), AuditEvent.occurred_at < utcnow() - settle)
        .order_by(AuditEvent.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for row in rows:
        previous = hashlib.sha256((previous + row.record_hash).encode()).hexdigest()
        row.chain_hash = previous
    return len(rows)


def verify(session: Session) -> dict[str, Any]:
    """Recompute every record hash and the chain; report the first broken record, if any."""
    previous = GENESIS
    checked = 0
    for row in session.scalars(select(AuditEvent).order_by(AuditEvent.id)).yield_per(2000):
        if _record_hash(row) != row.record_hash:
            return {"valid": False, "checked": checked, "broken_id": row.id, "reason": "record altered"}
        if row.chain_hash is None:
            continue
        expected = hashlib.sha256((previous + row.record_hash).encode()).hexdigest()
        if expected != row.chain_hash:
            return {"valid": False, "checked": checked, "broken_id": row.id, "reason": "chain broken"}
        previous = row.chain_hash
        checked += 1
    return {"valid": True, "checked": checked, "broken_id": None, "reason": None}


def query(
    session: Session,
    *,
    citizen_pseudonym: str | None = None,
    actor_sub: str | None = None,
    action: str | None = None,
    service: str | None = None,
    after_id: int | None = None,
    limit: int = 50,
) -> list[AuditEvent]:
    """Audit records matching the filters, newest first, with keyset pagination."""
    statement = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if citizen_pseudonym:
        statement = statement.where(AuditEvent.citizen_pseudonym == citizen_pseudonym)
    if actor_sub:
        statement = statement.where(AuditEvent.actor_sub == actor_sub)
    if action:
        statement = statement.where(AuditEvent.action == action)
    if service:
        statement = statement.where(AuditEvent.service == service)
    if after_id is not None:
        statement = statement.where(AuditEvent.id < after_id)
    return list(session.scalars(statement))
