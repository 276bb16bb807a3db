"""The one Celery app: Redis broker in production; delivery of outbox events as tasks."""

from __future__ import annotations

from celery import Celery

from shared.settings import get_settings

# Each service's consumers live in its `tasks` module; the worker imports them all.
TASK_MODULES = (
    "shared.queue.tasks",
    "services.kontrol.tasks",
    "services.koerekort.tasks",
    "services.viceværtsopgaver.tasks",
    "services.sms_ydelse.tasks",
)


def create_celery() -> Celery:
    """Build the Celery app from settings (acks late, so a killed worker's task is redelivered)."""
    settings = get_settings()
    broker = settings.redis_url or "memory://"
    app = Celery("kk", broker=broker, include=list(TASK_MODULES))
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=4,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        task_time_limit=120,
        task_soft_time_limit=90,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": 300, "socket_timeout": 5, "socket_connect_timeout": 3},
        task_default_queue="default",
        timezone="Europe/Copenhagen",
        enable_utc=True,
        beat_schedule={},  # filled by shared.queue.scheduler.periodic
    )
    return app


celery_app = create_celery()
