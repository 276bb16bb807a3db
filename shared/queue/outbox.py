"""Publish events with the domain change; deliver them to registered consumers exactly once in effect.

Flow: `publish()` adds an OutboxEvent in the caller's transaction. The relay
(`shared.queue.relay`) hands due events to Celery (or, on the embedded default,
runs them in-process). `deliver()` runs every consumer of the event type, each in
its own transaction together with a ProcessedEvent mark, so a redelivered event
never applies twice. Failures are retried with exponential backoff by putting the
event back with a later `available_at`; after the last try it becomes a DeadLetter.
A consumer that has made progress worth keeping (some sources answered, one did not)
raises RetryWithProgress: its transaction is committed, and the event is retried all
the same (without the ProcessedEvent mark, so the retry runs the consumer again).
"""

from __future__ import annotations

import importlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.db import session_scope, utcnow
from shared.logging import scrub
from shared.queue.models import DeadLetter, OutboxEvent, ProcessedEvent
from shared.settings import get_settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    """What a consumer receives: ids and facts, never personal data."""

    id: uuid.UUID
    type: str
    payload: dict[str, Any]
    created_at: datetime
    attempt: int


Handler = Callable[[Session, Event], None]


class RetryWithProgress(Exception):
    """Raised by a consumer to commit what it has done so far and have the event retried (or dead-lettered)."""


def is_last_attempt(event: Event) -> bool:
    """True when a failure now makes the event a dead letter instead of a retry."""
    return event.attempt >= get_settings().task_max_retries


# Celery queues the worker listens to; events go to the queue named by their first segment.
QUEUES = ("default", "shared", "kontrol", "koerekort", "vicevaert", "sms_ydelse")


@dataclass(frozen=True)
class Consumer:
    name: str
    event_type: str
    handler: Handler


_CONSUMERS: dict[str, list[Consumer]] = {}


def consumer(event_type: str, *, name: str | None = None) -> Callable[[Handler], Handler]:
    """Register a function as a consumer of an event type (idempotent by construction)."""

    def register(handler: Handler) -> Handler:
        consumer_name = name or f"{handler.__module__}.{handler.__qualname__}"
        existing = _CONSUMERS.setdefault(event_type, [])
        if all(c.name != consumer_name for c in existing):
            existing.append(Consumer(consumer_name, event_type, handler))
        return handler

    return register


_consumers_loaded = False


def load_consumers() -> None:
    """Import every service's task module once, so no process can deliver an event without its consumers."""
    global _consumers_loaded
    if _consumers_loaded:
        return
    from shared.queue.celery_app import TASK_MODULES

    for module in TASK_MODULES:
        importlib.import_module(module)
    _consumers_loaded = True


def consumers_for(event_type: str) -> list[Consumer]:
    """The registered consumers of an event type (every service's consumers are loaded first)."""
    load_consumers()
    return list(_CONSUMERS.get(event_type, ()))


def publish(
    session: Session,
    event_type: str,
    payload: dict[str, Any],
    *,
    dedupe_key: str | None = None,
    delay_seconds: float = 0,
) -> OutboxEvent | None:
    """Write an event to the outbox in the caller's transaction; a repeated dedupe_key is a no-op."""
    if dedupe_key is not None:
        existing = session.scalar(select(OutboxEvent).where(OutboxEvent.dedupe_key == dedupe_key))
        if existing is not None:
            return None
    now = utcnow()
    event = OutboxEvent(
        id=uuid.uuid4(),
        event_type=event_type,
        payload=payload,
        dedupe_key=dedupe_key,
        queue=_queue_for(event_type),
        status="pending",
        attempts=0,
        created_at=now,
        available_at=now + timedelta(seconds=delay_seconds),
    )
    session.add(event)
    return event


def _queue_for(event_type: str) -> str:
    prefix = event_type.split(".", 1)[0]
    return prefix if prefix in QUEUES else "default"


def backoff_seconds(attempt: int) -> float:
    """Exponential backoff: base, 2×base, 4×base … capped at ten minutes."""
    return float(min(get_settings().task_retry_base_seconds * (2 ** max(attempt - 1, 0)), 600.0))


def _describe(exc: BaseException) -> str:
    return str(scrub(f"{type(exc).__name__}: {exc}"))[:2000]


def deliver(event_id: uuid.UUID | str) -> str:
    """Run every consumer of one event; returns the event's resulting status."""
    event_id = uuid.UUID(str(event_id))
    with session_scope() as session:
        row = session.get(OutboxEvent, event_id)
        if row is None or row.status in ("done", "dead"):
            return row.status if row else "missing"
        event = Event(row.id, row.event_type, dict(row.payload), row.created_at, row.attempts + 1)

    consumers = consumers_for(event.type)
    closed = False
    for index, item in enumerate(consumers):
        retry: RetryWithProgress | None = None
        try:
            with session_scope() as session:
                if session.get(ProcessedEvent, (event.id, item.name)) is not None:
                    continue
                try:
                    item.handler(session, event)
                except RetryWithProgress as exc:
                    retry = exc  # leaving the block commits the progress; no mark, so the retry runs it again
                else:
                    session.add(ProcessedEvent(event_id=event.id, consumer=item.name))
                    if index == len(consumers) - 1:
                        # The last consumer's transaction also closes the event: one commit fewer per event.
                        _close(session, event)
                        closed = True
        except IntegrityError:
            # A concurrent delivery applied it first; its transaction won, ours rolled back.
            closed = False
            log.info("event already processed", extra={"event_id": str(event.id), "consumer": item.name})
        except Exception as exc:
            return _fail(event, item.name, exc)
        if retry is not None:
            return _fail(event, item.name, retry)

    if not closed:
        with session_scope() as session:
            _close(session, event)
    return "done"


def _close(session: Session, event: Event) -> None:
    session.execute(
        update(OutboxEvent)
        .where(OutboxEvent.id == event.id)
        .values(status="done", completed_at=utcnow(), attempts=event.attempt, last_error=None)
    )


def _fail(event: Event, consumer_name: str, exc: BaseException) -> str:
    settings = get_settings()
    error = _describe(exc)
    log.warning(
        "consumer failed",
        extra={
            "event_id": str(event.id),
            "event_type": event.type,
            "consumer": consumer_name,
            "attempt": event.attempt,
            "error": error,
        },
    )
    with session_scope() as session:
        if event.attempt >= settings.task_max_retries:
            session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id == event.id)
                .values(status="dead", attempts=event.attempt, last_error=error, completed_at=utcnow())
            )
            session.add(
                DeadLetter(
                    event_id=event.id,
                    event_type=event.type,
                    consumer=consumer_name,
                    error=error,
                    attempts=event.attempt,
                )
            )
            return "dead"
        session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id == event.id)
            .values(
                status="pending",
                attempts=event.attempt,
                last_error=error,
                available_at=utcnow() + timedelta(seconds=backoff_seconds(event.attempt)),
            )
        )
    return "pending"


def replay_dead_letter(session: Session, *, dead_letter_id: uuid.UUID, actor_sub: str) -> DeadLetter | None:
    """Put a dead event back in the outbox with fresh retries."""
    letter = session.get(DeadLetter, dead_letter_id)
    if letter is None:
        return None
    session.execute(
        update(OutboxEvent)
        .where(OutboxEvent.id == letter.event_id)
        .values(status="pending", attempts=0, available_at=utcnow(), completed_at=None)
    )
    letter.replayed_at = utcnow()
    letter.replayed_by = actor_sub
    return letter
