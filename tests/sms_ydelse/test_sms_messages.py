"""The SMS gateway API every service uses (`POST /api/v1/messages`), and the shared SmsYdelseHttpSender contract."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from services.sms_ydelse.models import Message
from shared.audit.models import AuditEvent
from shared.notifications.sms import SmsYdelseHttpSender
from tests.sms_ydelse.conftest import FATIMA, METTE


@pytest.fixture
def post(api, auth):
    def _post(body, *, key="k-1", user="svc-vicevaert"):
        headers = auth(user, "sms_ydelse")
        if key is not None:
            headers["Idempotency-Key"] = key
        return api.post("/api/v1/messages", json=body, headers=headers)

    return _post


def _body(**extra):
    return {
        "text": "Din opgave er løst. Hilsen viceværten",
        "to_msisdn": "+4522334455",
        "sender_service": "viceværtsopgaver",
        **extra,
    }


def test_message_to_a_number_is_sent_and_tracked(post, api, auth, run_tasks, sms_outbox) -> None:
    response = post(_body())
    assert response.status_code == 202
    accepted = response.json()
    assert accepted["status"] == "queued" and accepted["septets"] == len(_body()["text"])
    run_tasks()
    (sms,) = sms_outbox()
    assert sms.to_msisdn == "+4522334455" and sms.text == _body()["text"]
    status = api.get(f"/api/v1/messages/{accepted['id']}", headers=auth("svc-vicevaert", "sms_ydelse")).json()
    assert status["status"] == "delivered"
    assert status["to_msisdn_masked"] is None or "**" in status["to_msisdn_masked"]
    assert [e["kind"] for e in status["events"]][:2] == ["queued", "handed_over"]


def test_idempotency_key_replay_and_reuse(post, run_tasks, sms_outbox) -> None:
    first = post(_body())
    again = post(_body())
    assert again.status_code == 202 and again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    reused = post(_body(text="Noget andet"))
    assert reused.status_code == 409 and reused.json()["type"].endswith("idempotency_key_reused")
    run_tasks()
    assert len(sms_outbox()) == 1


def test_missing_idempotency_key_is_428(post) -> None:
    response = post(_body(), key=None)
    assert response.status_code == 428
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        (_body(text="x" * 161), "/text", "sms_too_long"),
        (_body(text="€" * 81), "/text", "sms_too_long"),  # € takes two septets
        (_body(to_msisdn="12"), "/to_msisdn", "invalid_phone_number"),
        (_body(recipient_cpr=METTE), "/", "recipient_required"),
        ({"text": "hej", "sender_service": "viceværtsopgaver"}, "/", "recipient_required"),
        (_body(recipient_cpr="3102901234", to_msisdn=None), "/recipient_cpr", "invalid_cpr"),
        (_body(sender_service="ukendt"), "/sender_service", "unknown_sender_service"),
    ],
)
def test_invalid_messages_get_field_errors(post, body, field, code) -> None:
    response = post(body)
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert any(e["field"] == field and e["code"] == code for e in errors), errors


def test_characters_outside_gsm7_are_replaced_not_dropped(post, run_tasks, sms_outbox) -> None:
    response = post(_body(text="Mødet – kl. 10 “i dag” ✓"))
    assert response.json()["replaced_characters"] == 4
    run_tasks()
    assert sms_outbox()[0].text == 'Mødet - kl. 10 "i dag" ?'


def test_a_service_cannot_send_on_behalf_of_another(post) -> None:
    assert post(_body(sender_service="koerekort")).status_code == 403


@pytest.mark.parametrize("user", ["ivr-telefoni", "borger-mette"])
def test_system_role_is_required(post, user) -> None:
    assert post(_body(), user=user).status_code == 403


def test_recipient_cpr_goes_to_the_nemsms_number_and_is_audited(post, run_tasks, sms_outbox, session) -> None:
    body = _body(to_msisdn=None, recipient_cpr=METTE, sender_service="koerekort", text="Din lægeerklæring er modtaget.")
    response = post(body, user="svc-koerekort")
    assert response.status_code == 202
    run_tasks()
    (sms,) = sms_outbox()
    assert sms.to_msisdn == "+4520112233"
    message = session.get(Message, response.json()["id"])
    assert message.recipient_cpr is None  # erased once resolved
    actions = set(session.scalars(select(AuditEvent.action)))
    assert {"sms_ydelse.message.accepted", "sms_ydelse.nemsms_lookup"} <= actions


def test_recipient_without_nemsms_fails_visibly(post, api, auth, run_tasks, sms_outbox) -> None:
    body = _body(to_msisdn=None, recipient_cpr=FATIMA, sender_service="koerekort")
    message_id = post(body, user="svc-koerekort").json()["id"]
    run_tasks()
    assert sms_outbox() == []
    status = api.get(f"/api/v1/messages/{message_id}", headers=auth("svc-koerekort", "sms_ydelse")).json()
    assert status["status"] == "failed" and status["failure_reason"] == "no_nemsms_registration"


def test_other_services_cannot_read_a_message(post, api, auth) -> None:
    message_id = post(_body()).json()["id"]
    assert api.get(f"/api/v1/messages/{message_id}", headers=auth("svc-koerekort", "sms_ydelse")).status_code == 404
    assert api.get(f"/api/v1/messages/{message_id}", headers=auth("admin", "sms_ydelse")).status_code == 200


def test_shared_http_sender_contract(live_api, run_tasks, sms_outbox, session) -> None:
    sender = SmsYdelseHttpSender(live_api)
    first = sender.send(
        session,
        text="Ny opgave: utæt vandhane",
        sender_service="viceværtsopgaver",
        idempotency_key="task-1:assigned",
        to_msisdn="+4522334455",
    )
    again = sender.send(
        session,
        text="Ny opgave: utæt vandhane",
        sender_service="viceværtsopgaver",
        idempotency_key="task-1:assigned",
        to_msisdn="+4522334455",
    )
    assert first == again
    run_tasks()
    assert [s.to_msisdn for s in sms_outbox()] == ["+4522334455"]


def test_production_tokens_name_their_service(api) -> None:
    from shared.auth import AUDIENCES, mint_token

    def headers(attributes):
        token = mint_token(sub="client-123", roles=["system"], audience=AUDIENCES["sms_ydelse"], attributes=attributes)
        return {"Authorization": f"Bearer {token}", "Idempotency-Key": "p-1"}

    body = _body(sender_service="koerekort")
    assert api.post("/api/v1/messages", json=body, headers=headers({"service": "koerekort"})).status_code == 202
    assert api.post("/api/v1/messages", json=body, headers=headers({})).status_code == 403  # who is sending?


def test_reply_sender_without_plus_is_understood(session) -> None:
    from services.sms_ydelse.service import normalise_msisdn

    assert normalise_msisdn("4520112233") == normalise_msisdn("+45 20 11 22 33") == "+4520112233"
