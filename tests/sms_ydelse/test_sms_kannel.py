"""End to end against a real Kannel: bearerbox + smsbox on loopback, fakesmsc as the SMS centre.

IVR call -> lookup in the worker -> Kannel's sendsms -> fakesmsc receives the SMS for the NemSMS
number only -> Kannel's delivery reports come back over HTTP -> status delivered. And an outage:
Kannel stopped mid-run, messages queue, Kannel back, every SMS delivered exactly once.
"""

from __future__ import annotations

import time

import httpx
import pytest
from sqlalchemy import select

from services.sms_ydelse.banking_days import next_payday
from services.sms_ydelse.gateway.base import inbound_token
from services.sms_ydelse.models import IvrCall, Message, MessageEvent, SatisfactionResponse
from services.sms_ydelse.service import today_in_copenhagen
from tests.sms_ydelse.conftest import FATIMA, JONAS, METTE

pytestmark = pytest.mark.kannel


def _statuses(session) -> dict[str, str]:
    session.expire_all()
    return {str(m.id): m.status for m in session.scalars(select(Message))}


def test_ivr_call_to_fake_smsc_with_delivery_report(kannel, call, run_tasks, session, wait_for) -> None:
    assert call("CA-k1", METTE, caller="+4531000001").json()["status"] == "accepted"
    assert call("CA-k2", FATIMA, caller="+4531000002").json()["status"] == "accepted"  # no NemSMS: no SMS
    run_tasks()

    received = wait_for(lambda: kannel.received(), timeout=10)
    assert len(received) == 1
    sms = received[0]
    assert sms.receiver == "+4520112233"  # the registered NemSMS number, never the caller's
    assert "5.432,10 kr." in sms.text
    assert next_payday(today_in_copenhagen()).strftime("%d.%m.%Y") in sms.text
    assert "kontanthjælp" in sms.text  # æ arrives intact through Kannel's GSM-7 coding
    assert METTE not in sms.text

    message = session.scalar(select(Message))
    assert wait_for(lambda: _statuses(session)[str(message.id)] == "delivered", timeout=10)
    session.expire_all()
    message = session.get(Message, message.id)
    assert message.gateway == "kannel" and message.delivered_at is not None
    reports = session.scalars(
        select(MessageEvent.detail).where(MessageEvent.message_id == message.id, MessageEvent.kind == "delivery_report")
    ).all()
    assert any(r.startswith("kannel 1:") for r in reports) and any(r.startswith("kannel 8:") for r in reports)
    assert session.scalar(select(IvrCall.outcome).where(IvrCall.call_id == "CA-k2")) == "no_nemsms"
    assert len(kannel.received()) == 1


def test_kannel_outage_queues_and_delivers_each_sms_once(kannel, call, run_tasks, session, wait_for) -> None:
    call("CA-o1", METTE, caller="+4531000011")
    run_tasks()
    assert wait_for(lambda: len(kannel.received()) == 1)

    kannel.stop_gateway()  # Kannel goes down mid-run
    call("CA-o2", JONAS, caller="+4531000012")
    call("CA-o3", "2207911009", caller="+4531000013")
    run_tasks()
    session.expire_all()
    waiting = session.scalars(select(Message).where(Message.status == "queued")).all()
    assert len(waiting) == 2
    assert all(m.attempts == 1 and "unreachable" in (m.last_error or "") for m in waiting)

    kannel.start_gateway()  # Kannel is back
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(s != "delivered" for s in _statuses(session).values()):
        run_tasks()  # the retries fall due after the backoff (at least one second)
        time.sleep(0.3)
    assert set(_statuses(session).values()) == {"delivered"}
    receivers = sorted(s.receiver for s in kannel.received())
    assert receivers == ["+4520112233", "+4520223344", "+4520445566"]  # each exactly once


def test_satisfaction_reply_through_kannel_post_url_is_recorded(
    kannel, call, run_tasks, session, live_api, wait_for
) -> None:
    call("CA-sat", METTE)
    run_tasks()
    sms = wait_for(lambda: kannel.received())[0]
    assert "Svar 1-5" in sms.text and len(sms.text) <= 160
    # What smsbox POSTs to the sms-service post-url when the citizen answers "4".
    response = httpx.post(
        f"{live_api}/api/v1/inbound-messages/kannel?token={inbound_token()}",
        content=b"4",
        headers={"X-Kannel-From": "+4520112233", "Content-Type": "text/plain"},
    )
    assert response.status_code == 200
    forged = httpx.post(
        f"{live_api}/api/v1/inbound-messages/kannel?token=wrong", content=b"1", headers={"X-Kannel-From": "+4520112233"}
    )
    assert forged.status_code == 403
    (answer,) = session.scalars(select(SatisfactionResponse)).all()
    assert answer.score == 4 and answer.product == "kontanthjaelp"


def test_forged_delivery_report_is_refused(kannel, call, run_tasks, session, live_api) -> None:
    call("CA-forge", METTE)
    run_tasks()
    message = session.scalar(select(Message))
    response = httpx.get(
        f"{live_api}/api/v1/delivery-reports/kannel", params={"message_id": str(message.id), "sig": "0" * 32, "type": 2}
    )
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
