"""Periodic jobs: Celery beat in production, the relay loop on the embedded default."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from shared.queue.celery_app import celery_app

log = logging.getLogger(__name__)


@dataclass
class PeriodicJob:
    name: str
    every_seconds: float
    func: Callable[[], object]
    last_run: float = 0.0


_JOBS: dict[str, PeriodicJob] = {}


def periodic(name: str, *, every_seconds: float) -> Callable[[Callable[[], object]], Callable[[], object]]:
    """Register a job to run every N seconds, as a Celery task scheduled by beat."""

    def register(func: Callable[[], object]) -> Callable[[], object]:
        _JOBS[name] = PeriodicJob(name, every_seconds, func)
        celery_app.task(name=name)(func)
        celery_app.conf.beat_schedule[name] = {"task": name, "schedule": every_seconds}
        return func

    return register


def run_due_periodic() -> None:
    """Run the jobs whose interval has passed (in-process mode)."""
    now = time.monotonic()
    for job in list(_JOBS.values()):
        if now - job.last_run >= job.every_seconds:
            job.last_run = now
            try:
                job.func()
            except Exception as exc:
                log.warning("periodic job failed", extra={"job": job.name, "error_type": type(exc).__name__})
