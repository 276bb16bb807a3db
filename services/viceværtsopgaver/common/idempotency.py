"""Idempotency-Key handling for creates a client may retry: a retry returns the first result."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.viceværtsopgaver.task.models import IdempotencyRecord
from shared.errors import Conflict, FieldError, Unprocessable


def request_hash(payload: Any) -> str:
    """A stable hash of a request body."""
    return hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS, default=str)).hexdigest()


def validate_key(key: str | None) -> str | None:
    """Check the header's shape (1-120 visible characters)."""
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > 120 or not key.isprintable():
        raise Unprocessable(
            "Idempotency-Key er ugyldig.",
            errors=[FieldError("/header/idempotency-key", "invalid", "Nøglen skal være 1-120 synlige tegn.")],
        )
    return key


def previous_result(
    session: Session, *, actor_sub: str, scope: str, key: str | None, payload_hash: str
) -> uuid.UUID | None:
    """The resource created by an earlier request with the same key; 422 if that request differed."""
    if key is None:
        return None
    record = session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.actor_sub == actor_sub, IdempotencyRecord.scope == scope, IdempotencyRecord.key == key
        )
    )
    if record is None:
        return None
    if record.request_hash != payload_hash:
        raise Unprocessable(
            "Idempotency-Key er allerede brugt til en anden forespørgsel.",
            code="idempotency_key_reused",
            errors=[
                FieldError(
                    "/header/idempotency-key", "idempotency_key_reused", "Brug en ny nøgle til en ny forespørgsel."
                )
            ],
        )
    return record.resource_id


def remember(
    session: Session, *, actor_sub: str, scope: str, key: str | None, payload_hash: str, resource_id: uuid.UUID
) -> None:
    """Claim the key for the resource about to be created (same transaction); 409 if a twin request holds it."""
    if key is None:
        return
    try:
        with session.begin_nested():
            session.add(
                IdempotencyRecord(
                    actor_sub=actor_sub, scope=scope, key=key, request_hash=payload_hash, resource_id=resource_id
                )
            )
    except IntegrityError as exc:
        raise Conflict(
            "En forespørgsel med samme Idempotency-Key behandles allerede; prøv igen om et øjeblik.",
            code="idempotency_key_in_flight",
        ) from exc
