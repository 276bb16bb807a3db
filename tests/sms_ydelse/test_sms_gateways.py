"""Gateway behaviour: retries with backoff, ambiguous timeouts without doubling, the NemSMS contract simulator."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update

from services.sms_ydelse import flows
from services.sms_ydelse.gateway import use_gateway
from services.sms_ydelse.gateway.base import callback_signature
from services.sms_ydelse.gateway.kannel import KannelGateway
from services.sms_ydelse.models import Message
from services.sms_ydelse.simulators import nemsms_app
from services.sms_ydelse.simulators.server import ThreadedServer
from shared.db import session_scope, utcnow
from tests.sms_ydelse.conftest import METTE


@pytest.fixture
def installed():
    yield use_gateway
    use_gateway(None)


def _message(session) -> Message:
    session.expire_all()
    return session.scalar(select(Message))


def test_kannel_timeout_waits_for_a_report_instead_of_resending(installed, call, run_tasks, session, api) -> None:
    attempts = []

    def slow_kannel(request: httpx.Request) -> httpx.Response:
        attempts.append(request.headers["X-Kannel-To"])
        raise httpx.ReadTimeout("no answer", request=request)

    installed(
        KannelGateway(
            "http://kannel.invalid/cgi-bin/sendsms", client=httpx.Client(transport=httpx.MockTransport(slow_kannel))
        )
    )
    call("CA-t1", METTE)
    run_tasks()
    message = _message(session)
    assert message.status == "sending" and len(attempts) == 1  # ambiguous: not resent at once

    # The delivery report arrives after all: Kannel did take it, so it must never be resent.
    report = api.get(
        "/api/v1/delivery-reports/kannel",
        params={"message_id": str(message.id), "sig": callback_signature(message.id), "type": 8},
    )
    assert report.status_code == 200
    with session_scope() as s:
        assert flows.confirm_or_resend(s, message_id=message.id) is False
    assert _message(session).status == "sent"
    assert len(attempts) == 1


def test_kannel_timeout_without_report_is_resent_after_the_grace_period(installed, call, run_tasks, session) -> None:
    answers = iter(["timeout", "ok"])
    seen = []

    def flaky(request: httpx.Request) -> httpx.Response:
        seen.append(1)
        if next(answers) == "timeout":
            raise httpx.ReadTimeout("no answer", request=request)
        return httpx.Response(202, text="0: Accepted for delivery")

    installed(
        KannelGateway(
            "http://kannel.invalid/cgi-bin/sendsms", client=httpx.Client(transport=httpx.MockTransport(flaky))
        )
    )
    call("CA-t2", METTE)
    run_tasks()
    message = _message(session)
    assert message.status == "sending"
    with session_scope() as s:  # the grace period passed without a report (as the periodic reconcile sees it)
        s.execute(update(Message).values(sending_at=utcnow() - flows.DLR_GRACE - timedelta(seconds=1)))
        assert flows.reconcile(s)["requeued"] == 1
    run_tasks()
    assert _message(session).status == "sent" and len(seen) == 2


def test_kannel_refusal_is_permanent(installed, call, run_tasks, session) -> None:
    installed(
        KannelGateway(
            "http://k/cgi-bin/sendsms",
            client=httpx.Client(
                transport=httpx.MockTransport(lambda r: httpx.Response(403, text="Authorization failed"))
            ),
        )
    )
    call("CA-t3", METTE)
    run_tasks()
    message = _message(session)
    assert message.status == "failed" and message.failure_reason == "gateway_rejected"


def test_backoff_grows_and_is_capped() -> None:
    delays = [flows.retry_delay(n) for n in range(1, 12)]
    assert delays == sorted(delays) and delays[0] >= 1 and delays[-1] == flows.RETRY_CAP_SECONDS


@pytest.fixture
def nemsms(settings_env, live_api):
    with ThreadedServer(nemsms_app.create_app(api_key="k-test")) as server:
        settings_env(
            sms_gateway="nemsms", nemsms_url=server.url, nemsms_api_key="k-test", sms_callback_base_url=live_api
        )
        yield server.url


def test_nemsms_contract_send_and_status_callback(nemsms, call, run_tasks, session, wait_for) -> None:
    call("CA-n1", METTE)
    run_tasks()
    (held,) = httpx.get(f"{nemsms}/_sim/messages").json()
    assert held["msisdn"] == "+4520112233" and "5.432,10 kr." in held["text"]
    assert "Svar 1-5" not in held["text"]  # NemSMS cannot be answered: no survey question
    message = _message(session)
    assert message.status == "sent" and message.gateway_ref == held["nemsms_id"]
    assert httpx.post(f"{nemsms}/_sim/deliveries").json() == {"callbacks": 1}
    assert wait_for(lambda: _message(session).status == "delivered")


def test_nemsms_unavailable_then_back(nemsms, call, run_tasks, session, wait_for) -> None:
    httpx.post(f"{nemsms}/_sim/mode", json={"mode": "unavailable"})
    call("CA-n2", METTE)
    run_tasks()
    assert _message(session).status == "queued"
    httpx.post(f"{nemsms}/_sim/mode", json={"mode": None})
    assert wait_for(lambda: run_tasks() and _message(session).status == "sent", timeout=10, interval=0.3)
    assert len(httpx.get(f"{nemsms}/_sim/messages").json()) == 1


def test_nemsms_slow_answer_is_retried_safely_because_it_deduplicates(
    nemsms, call, run_tasks, session, wait_for
) -> None:
    httpx.post(f"{nemsms}/_sim/mode", json={"mode": "slow", "slow_seconds": 0.5})
    from services.sms_ydelse.gateway.nemsms import NemSmsGateway

    use_gateway(NemSmsGateway(timeout=0.2))
    try:
        call("CA-n3", METTE)
        run_tasks()
        assert _message(session).status == "queued"  # ambiguous, idempotent gateway: simply retried
        httpx.post(f"{nemsms}/_sim/mode", json={"mode": None})
        assert wait_for(lambda: run_tasks() and _message(session).status == "sent", timeout=10, interval=0.3)
    finally:
        use_gateway(None)
    assert len(httpx.get(f"{nemsms}/_sim/messages").json()) == 1  # one SMS despite two hand-overs


def test_a_lookup_whose_hand_over_never_ran_is_picked_up_by_reconcile(session, run_tasks, sms_outbox) -> None:
    from services.sms_ydelse import service
    from services.sms_ydelse.models import IvrCall
    from shared.auth.tokens import Principal
    from shared.queue.models import OutboxEvent
    from tests.sms_ydelse.conftest import METTE

    ivr = Principal(sub="ivr-telefoni", roles=frozenset({"ivr"}), name="IVR", attributes={})
    with session_scope() as s:
        service.receive_call(
            s, call_id="R-1", caller_number="+4531000001", menu_item="ydelse", digits=METTE, principal=ivr
        )
    with session_scope() as s:  # the lookup's transaction commits, then the worker dies before handing over
        flows.run_lookup(s, call_uuid=s.scalar(select(IvrCall.id)))
        s.execute(update(OutboxEvent).values(status="done"))
    run_tasks()
    assert _message(session).status == "queued" and sms_outbox() == []
    with session_scope() as s:
        s.execute(update(Message).values(next_attempt_at=utcnow() - flows.OVERDUE_AFTER - timedelta(seconds=1)))
        assert flows.reconcile(s)["reannounced"] == 1
    run_tasks()
    assert _message(session).status == "delivered" and len(sms_outbox()) == 1
