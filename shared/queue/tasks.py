"""Platform tasks: event delivery, audit sealing."""

from __future__ import annotations

from shared.audit import service as audit_service
from shared.db import session_scope
from shared.queue.celery_app import celery_app
from shared.queue.outbox import deliver
from shared.queue.scheduler import periodic


@celery_app.task(name="shared.deliver_event", acks_late=True)
def deliver_event(event_id: str) -> str:
    """Run all consumers of one outbox event (retries are kept in the outbox, not in the broker)."""
    return deliver(event_id)


@periodic("shared.seal_audit_log", every_seconds=10)
def seal_audit_log() -> int:
    """Extend the audit log's hash chain over newly written records."""
    with session_scope() as session:
        return audit_service.seal(session)


@periodic("shared.outbox_metrics", every_seconds=15)
def outbox_metrics() -> dict[str, float]:
    """Refresh the outbox gauges (queue depth, lag)."""
    from shared.observability import refresh_outbox_metrics

    return refresh_outbox_metrics()
