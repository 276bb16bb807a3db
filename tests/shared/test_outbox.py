"""The transactional outbox: an event survives a Redis outage and takes effect exactly once."""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from bench.common import free_port
from shared.db import session_scope
from shared.notifications.models import SimulatedSms
from shared.notifications.sms import SimulatedSmsSender
from shared.queue import Event, consumer, publish
from shared.queue.models import DeadLetter, OutboxEvent, ProcessedEvent
from shared.queue.outbox import deliver, replay_dead_letter
from shared.settings import get_settings

PROBE = "shared.probe.happened"
FAILING = "shared.probe.always_fails"
calls: list[uuid.UUID] = []


@consumer(PROBE, name="tests.probe_sms")
def _send_probe_sms(session, event: Event) -> None:
    """A consumer with a database effect: one simulated SMS per event."""
    calls.append(event.id)
    SimulatedSmsSender().send(
        session, text="Prøve", sender_service="tests", idempotency_key=f"probe:{event.id}", to_msisdn="+4512345678"
    )


@consumer(FAILING, name="tests.always_fails")
def _always_fails(session, event: Event) -> None:
    raise RuntimeError("the downstream system is down")


TWO_STEPS = "shared.probe.two_steps"
second_step_down: list[bool] = []


@consumer(TWO_STEPS, name="tests.two_steps.first")
def _first_step(session, event: Event) -> None:
    SimulatedSmsSender().send(
        session, text="Først", sender_service="tests", idempotency_key=f"first:{event.id}", to_msisdn="+4512345678"
    )


@consumer(TWO_STEPS, name="tests.two_steps.second")
def _second_step(session, event: Event) -> None:
    if second_step_down:
        raise RuntimeError("the second system is down")
    SimulatedSmsSender().send(
        session, text="Dernæst", sender_service="tests", idempotency_key=f"second:{event.id}", to_msisdn="+4512345678"
    )


def _sms_count(event_id: uuid.UUID) -> int:
    with session_scope() as session:
        return session.scalar(
            select(func.count()).select_from(SimulatedSms).where(SimulatedSms.idempotency_key == f"probe:{event_id}")
        )


def _status(event_id: uuid.UUID) -> str:
    with session_scope() as session:
        return session.get(OutboxEvent, event_id).status


def _publish(event_type: str) -> uuid.UUID:
    with session_scope() as session:
        event = publish(session, event_type, {"n": 1})
        assert event is not None
        return event.id


@pytest.fixture
def private_redis_port() -> Iterator[int]:
    """A port for a Redis of our own that the test can take down and bring back."""
    port = free_port()
    yield port
    subprocess.run(["redis-cli", "-p", str(port), "shutdown", "nosave"], capture_output=True, check=False)


@pytest.fixture
def celery_on(monkeypatch):
    """Point settings and the Celery app at a given Redis URL."""
    from shared.queue.celery_app import celery_app

    original = celery_app.conf.broker_url

    def _point(url: str) -> None:
        monkeypatch.setenv("REDIS_URL", url)
        get_settings.cache_clear()
        celery_app.conf.broker_url = url
        celery_app.close()

    yield _point
    get_settings.cache_clear()
    celery_app.conf.broker_url = original
    celery_app.close()


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server binary not installed")
def test_event_survives_redis_outage_and_is_applied_once(db, private_redis_port, celery_on) -> None:
    from celery.contrib.testing.worker import start_worker

    from shared.queue.celery_app import celery_app
    from shared.queue.relay import relay_once

    celery_on(f"redis://127.0.0.1:{private_redis_port}/0")
    event_id = _publish(PROBE)

    # Redis is down: the relay cannot hand the event over, so it stays in the outbox.
    assert relay_once() == 0
    assert _status(event_id) == "pending"
    assert _sms_count(event_id) == 0

    # Redis comes back: the next relay round hands it to a real Celery worker.
    subprocess.run(
        [
            "redis-server",
            "--port",
            str(private_redis_port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "yes",
        ],
        check=True,
    )
    for _ in range(50):
        if subprocess.run(["redis-cli", "-p", str(private_redis_port), "ping"], capture_output=True).returncode == 0:
            break
        time.sleep(0.1)
    assert relay_once() == 1
    with start_worker(celery_app, pool="solo", perform_ping_check=False, queues=["shared"], shutdown_timeout=10):
        for _ in range(100):
            if _status(event_id) == "done":
                break
            time.sleep(0.1)
    assert _status(event_id) == "done"
    assert _sms_count(event_id) == 1

    # Redelivery (a lost ack, a re-dispatch) applies nothing twice.
    with session_scope() as session:
        session.get(OutboxEvent, event_id).status = "pending"
    assert deliver(event_id) == "done"
    assert _sms_count(event_id) == 1


def test_concurrent_duplicate_delivery_is_absorbed(db) -> None:
    event_id = _publish(PROBE)
    calls.clear()
    assert deliver(event_id) == "done"
    with session_scope() as session:
        # Simulate a second worker that started before the first finished.
        session.get(OutboxEvent, event_id).status = "dispatched"
    assert deliver(event_id) == "done"
    assert _sms_count(event_id) == 1
    with session_scope() as session:
        marks = session.scalar(
            select(func.count()).select_from(ProcessedEvent).where(ProcessedEvent.event_id == event_id)
        )
    assert marks == 1


def test_an_event_is_done_only_with_its_last_consumer_and_each_applies_once(db) -> None:
    # The last consumer's transaction also marks the event done: a failing second consumer leaves it pending
    # with the first one's mark kept, and the retry runs only the second.
    event_id = _publish(TWO_STEPS)
    second_step_down.append(True)
    try:
        assert deliver(event_id) == "pending"
    finally:
        second_step_down.clear()
    with session_scope() as session:
        marks = set(session.scalars(select(ProcessedEvent.consumer).where(ProcessedEvent.event_id == event_id)))
        texts = sorted(session.scalars(select(SimulatedSms.text).where(SimulatedSms.sender_service == "tests")))
    assert marks == {"tests.two_steps.first"} and texts == ["Først"]
    assert _status(event_id) == "pending"

    assert deliver(event_id) == "done"
    assert deliver(event_id) == "done"  # delivered again after it closed: nothing happens
    with session_scope() as session:
        marks = set(session.scalars(select(ProcessedEvent.consumer).where(ProcessedEvent.event_id == event_id)))
        texts = sorted(session.scalars(select(SimulatedSms.text).where(SimulatedSms.sender_service == "tests")))
    assert marks == {"tests.two_steps.first", "tests.two_steps.second"}
    assert texts == ["Dernæst", "Først"]
    assert _status(event_id) == "done"


def test_failing_consumer_is_retried_then_dead_lettered_and_replayable(db, monkeypatch, run_tasks) -> None:
    monkeypatch.setenv("TASK_MAX_RETRIES", "3")
    get_settings.cache_clear()
    try:
        event_id = _publish(FAILING)
        for _ in range(3):
            run_tasks()
        assert _status(event_id) == "dead"
        with session_scope() as session:
            letter = session.scalars(select(DeadLetter).where(DeadLetter.event_id == event_id)).one()
            assert letter.consumer == "tests.always_fails"
            assert letter.attempts == 3
            assert "downstream system is down" in letter.error
            replay_dead_letter(session, dead_letter_id=letter.id, actor_sub="admin")
        assert _status(event_id) == "pending"
    finally:
        get_settings.cache_clear()


def test_dedupe_key_makes_publishing_idempotent(db) -> None:
    with session_scope() as session:
        first = publish(session, PROBE, {"n": 1}, dedupe_key="call-123")
        assert first is not None
    with session_scope() as session:
        assert publish(session, PROBE, {"n": 1}, dedupe_key="call-123") is None
        assert session.scalar(select(func.count()).select_from(OutboxEvent)) == 1


def test_admin_sees_and_replays_dead_letters_over_http(client_for, auth, monkeypatch, run_tasks) -> None:
    monkeypatch.setenv("TASK_MAX_RETRIES", "1")
    get_settings.cache_clear()
    try:
        event_id = _publish(FAILING)
        run_tasks()
    finally:
        get_settings.cache_clear()
    client = client_for("sms_ydelse")
    letters = client.get("/api/v1/dead-letters", headers=auth("admin", "sms_ydelse"))
    assert letters.status_code == 200
    [letter] = [item for item in letters.json() if item["event_id"] == str(event_id)]
    assert client.get("/api/v1/dead-letters", headers=auth("ivr-telefoni", "sms_ydelse")).status_code == 403
    replay = client.post(f"/api/v1/dead-letters/{letter['id']}/replays", headers=auth("admin", "sms_ydelse"))
    assert replay.status_code == 202
    assert replay.json()["replayed_by"] == "admin"
    assert _status(event_id) == "pending"
    missing = client.post(f"/api/v1/dead-letters/{uuid.uuid4()}/replays", headers=auth("admin", "sms_ydelse"))
    assert missing.status_code == 404


def test_delivery_loads_every_services_consumers_first() -> None:
    """A relay in a process that never imported the services' task modules must not swallow their events."""
    import subprocess
    import sys

    code = (
        "import sys; from shared.queue.outbox import consumers_for; "
        "assert 'services.sms_ydelse.tasks' not in sys.modules; "
        "print(len(consumers_for('sms_ydelse.call.accepted')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert int(result.stdout.strip().splitlines()[-1]) >= 1
