"""Queue: transactional outbox, Celery delivery, idempotent consumers, dead letters."""

from shared.queue.outbox import Event, RetryWithProgress, consumer, is_last_attempt, publish
from shared.queue.scheduler import periodic

__all__ = ["Event", "RetryWithProgress", "consumer", "is_last_attempt", "periodic", "publish"]
