"""Citizen notifications: SMS through the sms_ydelse gateway when it takes the message, Digital Post otherwise.

The gateway here is a real HTTP server on loopback that answers like sms_ydelse would (201, 404 for a citizen
without a NemSMS number, 503 when it is down); the koerekort side is the production HttpSender.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from services.koerekort.models import Notification
from services.koerekort.notifications import SMS_TEXT
from shared.notifications.models import SimulatedLetter, SimulatedSms
from shared.queue.models import DeadLetter, OutboxEvent
from shared.settings import get_settings


class Gateway:
    def __init__(self) -> None:
        self.status = 202
        self.delivery = {"status": "sent", "failure_reason": None}
        self.requests: list[dict] = []
        self.checks = 0
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                gateway.requests.append({"path": self.path, "body": body, "key": self.headers["Idempotency-Key"]})
                payload = json.dumps({"id": f"gw-{len(gateway.requests)}"}).encode()
                self.send_response(gateway.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:
                gateway.checks += 1
                payload = json.dumps(gateway.delivery).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def gateway(monkeypatch) -> Iterator[Gateway]:
    from services.koerekort import notifications

    monkeypatch.setattr(notifications, "DELIVERY_CHECK_DELAY_SECONDS", 0)
    server = Gateway()
    monkeypatch.setenv("SMS_SENDER", "sms_ydelse")
    monkeypatch.setenv("SMS_YDELSE_URL", server.url)
    get_settings.cache_clear()
    yield server
    server.server.shutdown()
    monkeypatch.undo()
    get_settings.cache_clear()


def _notifications(session) -> list[Notification]:
    session.expire_all()
    return list(session.scalars(select(Notification).order_by(Notification.sent_at)))


def _status_event(session, status: str) -> OutboxEvent:
    session.expire_all()
    events = session.scalars(
        select(OutboxEvent).where(OutboxEvent.event_type == "koerekort.application.status_changed")
    )
    (event,) = [e for e in events if e.payload["status"] == status]
    return event


def test_every_text_fits_one_nemsms_and_names_no_health_data() -> None:
    for text in SMS_TEXT.values():
        assert len(text) <= 160, text
        assert not any(word in text.lower() for word in ("diabetes", "epilepsi", "syn ", "hjerte", "psykisk"))


def test_sms_goes_through_the_gateway(flow, gateway, run_tasks, db_session) -> None:
    gateway.delivery = {"status": "delivered", "failure_reason": None}
    flow().ready_for_doctor()
    run_tasks()
    assert [r["path"] for r in gateway.requests] == ["/api/v1/messages"]
    request = gateway.requests[0]
    assert request["body"]["recipient_cpr"] == "1502851236" and request["body"]["sender_service"] == "koerekort"
    assert request["key"].startswith("koerekort:status:") and request["key"].endswith(":sms")
    assert [(n.channel, n.provider_message_id, n.delivery_status) for n in _notifications(db_session)] == [
        ("sms", "gw-1", "delivered")
    ]
    assert db_session.scalars(select(SimulatedLetter)).all() == []


def test_an_sms_the_gateway_later_reports_failed_is_followed_by_a_letter(flow, gateway, run_tasks, db_session) -> None:
    gateway.delivery = {"status": "failed", "failure_reason": "no_nemsms_registration"}
    flow().ready_for_doctor()
    run_tasks()
    notifications = _notifications(db_session)
    assert [(n.channel, n.delivery_status) for n in notifications] == [("sms", "failed"), ("digital_post", None)]
    assert notifications[1].fallback_reason == "sms failed (no_nemsms_registration)"
    assert db_session.scalars(select(SimulatedLetter)).one().title == "Din lægeerklæring til kørekort er hos lægen"


def test_an_sms_never_confirmed_is_followed_by_a_letter_after_the_last_check(
    flow, gateway, run_tasks, db_session
) -> None:
    gateway.delivery = {"status": "sent", "failure_reason": None}  # accepted, no delivery receipt ever
    flow().ready_for_doctor()
    run_tasks()
    from services.koerekort.notifications import CONFIRM_ATTEMPTS

    assert gateway.checks == CONFIRM_ATTEMPTS
    assert [(n.channel, n.delivery_status) for n in _notifications(db_session)] == [
        ("sms", "unconfirmed"),
        ("digital_post", None),
    ]


def test_a_citizen_the_gateway_cannot_text_gets_a_digital_post_letter(flow, gateway, run_tasks, db_session) -> None:
    gateway.status = 404  # no number registered for NemSMS
    flow().ready_for_doctor()
    run_tasks()
    notifications = _notifications(db_session)
    assert [(n.channel, n.fallback_reason) for n in notifications] == [("digital_post", "sms refused (404)")]
    letter = db_session.scalars(select(SimulatedLetter)).one()
    assert letter.title == "Din lægeerklæring til kørekort er hos lægen"


def test_a_gateway_outage_is_retried_then_falls_back_to_digital_post(flow, gateway, run_tasks, db_session) -> None:
    gateway.status = 503
    flow().ready_for_doctor()
    run_tasks()  # attempts 1 and 2 fail and are retried with backoff; attempt 3 sends the letter
    assert len(gateway.requests) == 3
    assert [n.channel for n in _notifications(db_session)] == ["digital_post"]
    assert db_session.scalars(select(DeadLetter)).all() == []
    event = _status_event(db_session, "with_doctor")
    assert event.status == "done" and event.attempts == 3


def test_redelivery_never_notifies_twice(flow, run_tasks, db_session) -> None:
    from shared.queue.outbox import deliver

    flow().ready_for_doctor()
    run_tasks()
    event = _status_event(db_session, "with_doctor")
    from services.koerekort.notifications import notify_status_change
    from shared.db import session_scope

    change_id = uuid.UUID(event.payload["status_change_id"])
    with session_scope() as session:  # a consumer run twice (e.g. a redelivered task) sends nothing new
        assert notify_status_change(session, status_change_id=change_id, attempt=1) == []
    assert deliver(event.id) == "done"
    assert len(db_session.scalars(select(SimulatedSms)).all()) == 1
