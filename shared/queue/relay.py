"""The outbox relay: hands due events to Celery, or runs them in-process on the embedded default.

Events stay `pending` until the broker has accepted them, so a Redis outage only
delays delivery. An event `dispatched` but not `done` after REDISPATCH_AFTER
(a lost broker message, a killed worker) is handed over again; consumers are
idempotent, so that is safe.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import or_, select, update

from shared.db import session_scope, utcnow
from shared.queue.models import OutboxEvent
from shared.queue.outbox import deliver
from shared.settings import get_settings

log = logging.getLogger(__name__)

REDISPATCH_AFTER = timedelta(seconds=150)  # longer than the task time limit


def _claim_due(limit: int) -> list[OutboxEvent]:
    now = utcnow()
    with session_scope() as session:
        rows = session.execute(
            select(OutboxEvent.id, OutboxEvent.queue)
            .where(
                or_(
                    (OutboxEvent.status == "pending") & (OutboxEvent.available_at <= now),
                    (OutboxEvent.status == "dispatched") & (OutboxEvent.dispatched_at < now - REDISPATCH_AFTER),
                )
            )
            .order_by(OutboxEvent.available_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        ids = [r.id for r in rows]
        if ids:
            session.execute(
                update(OutboxEvent).where(OutboxEvent.id.in_(ids)).values(status="dispatched", dispatched_at=now)
            )
        return rows  # type: ignore[return-value]


def relay_once(*, send: bool = True, executor: ThreadPoolExecutor | None = None) -> int:
    """Dispatch one batch of due events; returns how many were handed over."""
    settings = get_settings()
    rows = _claim_due(settings.outbox_batch_size)
    if not rows:
        return 0
    if settings.tasks_in_process or not send:
        if executor is None:
            for row in rows:
                deliver(row.id)
        else:
            list(executor.map(deliver, [row.id for row in rows]))
        return len(rows)
    from shared.queue.tasks import deliver_event

    sent = 0
    try:
        for row in rows:
            deliver_event.apply_async(args=[str(row.id)], queue=row.queue, retry=False)
            sent += 1
    except Exception as exc:
        # The broker is down: put back what was not handed over; it goes out when the broker returns.
        unsent = [row.id for row in rows[sent:]]
        with session_scope() as session:
            session.execute(update(OutboxEvent).where(OutboxEvent.id.in_(unsent)).values(status="pending"))
        log.warning(
            "broker unavailable; events stay in the outbox",
            extra={"pending": len(unsent), "error_type": type(exc).__name__, "error": str(exc)[:200]},
        )
    return sent


def drain(max_rounds: int = 100) -> int:
    """Run due events in-process until none are left (tests, seeding, the embedded default)."""
    total = 0
    for _ in range(max_rounds):
        handled = relay_once(send=False)
        total += handled
        if handled == 0:
            break
    return total


def run_forever(stop: threading.Event | None = None) -> None:
    """Relay loop for a dedicated process or thread."""
    settings = get_settings()
    stop = stop or threading.Event()
    executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="inproc-task")
    last_periodic = 0.0
    while not stop.is_set():
        try:
            handled = relay_once(executor=executor)
            if time.monotonic() - last_periodic > 10:
                last_periodic = time.monotonic()
                if settings.tasks_in_process:
                    from shared.queue.scheduler import run_due_periodic

                    run_due_periodic()
        except Exception as exc:
            handled = 0
            log.warning("relay round failed", extra={"error_type": type(exc).__name__})
        if handled == 0:
            stop.wait(settings.outbox_poll_seconds)


if __name__ == "__main__":
    from shared.logging import configure_logging

    configure_logging("outbox-relay", level=get_settings().log_level, json=get_settings().log_json)
    run_forever()
