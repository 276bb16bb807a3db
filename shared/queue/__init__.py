"""Queue: transactional outbox, Celery delivery, idempotent consumers, dead letters."""

from shared.queue.outbox import Event, consumer, publish
from shared.queue.scheduler import periodic

__all__ = ["Event", "consumer", "periodic", "publish"]
