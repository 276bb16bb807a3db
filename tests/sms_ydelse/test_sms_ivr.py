"""The IVR API: immediate answer, lookup in the worker, SMS only to the NemSMS number, privacy and limits."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from services.sms_ydelse.banking_days import next_payday
from services.sms_ydelse.models import CallOutcome, IvrCall, Message
from services.sms_ydelse.service import today_in_copenhagen
from shared.audit.models import AuditEvent
from shared.queue.models import OutboxEvent
from tests.sms_ydelse.conftest import AARHUS, DECEASED, FATIMA, JONAS, METTE, UNKNOWN


def _dk_date(day: Any) -> str:
    return day.strftime("%d.%m.%Y")


def test_call_sends_payment_sms_to_the_registered_number_only(call, run_tasks, sms_outbox, session) -> None:
    response = call("CA-1", METTE, caller="+4531000001")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "accepted"
    assert body["next_action"] == "hangup"
    assert "Hvis du er tilmeldt NemSMS, sender vi en sms til dit registrerede nummer" in body["say"]

    assert sms_outbox() == []  # the answer came before any lookup
    run_tasks()

    sent = sms_outbox()
    assert [s.to_msisdn for s in sent] == ["+4520112233"]  # Mette's NemSMS number, not the caller's
    text = sent[0].text
    assert "5.432,10 kr." in text
    assert _dk_date(next_payday(today_in_copenhagen())) in text
    assert METTE not in text and METTE[:6] not in text
    assert len(text) <= 160

    call_row = session.scalar(select(IvrCall).where(IvrCall.call_id == "CA-1"))
    assert call_row.outcome == CallOutcome.sms_queued
    assert call_row.cpr_encrypted is None  # the CPR number is erased after the lookup
    message = session.get(Message, call_row.message_id)
    assert message.status == "delivered"
    assert message.sent_at is not None and message.delivered_at is not None

    audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "sms_ydelse.lookup")).all()
    assert len(audit) == 1
    assert audit[0].actor_sub == "ivr-telefoni"
    assert audit[0].details["outcome"] == "sms_queued"
    assert audit[0].citizen_pseudonym == call_row.cpr_pseudonym


@pytest.mark.parametrize("accept", ["application/json", "application/xml"])
def test_spoken_answer_is_identical_whatever_the_registers_hold(call, run_tasks, sms_outbox, session, accept) -> None:
    answers = []
    for n, cpr in enumerate([METTE, JONAS, FATIMA, DECEASED, AARHUS, UNKNOWN]):
        response = call(f"CA-priv-{n}", cpr, caller=f"+453100010{n}", accept=accept)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(accept)
        if accept == "application/json":
            body = response.json()
            answers.append({k: v for k, v in body.items() if k not in ("id", "call_id")})
        else:
            answers.append(response.text)
    assert all(a == answers[0] for a in answers), answers

    run_tasks()
    outcomes = dict(session.execute(select(IvrCall.call_id, IvrCall.outcome)).all())
    assert outcomes == {
        "CA-priv-0": "sms_queued",
        "CA-priv-1": "sms_queued",  # NemSMS but no kontanthjælp: the SMS says there is no payment
        "CA-priv-2": "no_nemsms",
        "CA-priv-3": "deceased",
        "CA-priv-4": "not_resident",
        "CA-priv-5": "not_found",
    }
    assert sorted(s.to_msisdn for s in sms_outbox()) == ["+4520112233", "+4520445566"]


def test_nothing_to_report_is_said_by_sms_to_the_registered_number(call, run_tasks, sms_outbox) -> None:
    call("CA-jonas", JONAS)
    run_tasks()
    (sms,) = sms_outbox()
    assert sms.to_msisdn == "+4520445566"
    assert "kan ikke se en kommende udbetaling af kontanthjælp" in sms.text


def test_replayed_call_id_never_sends_two_sms(call, run_tasks, sms_outbox, session) -> None:
    first = call("CA-replay", METTE)
    run_tasks()
    second = call("CA-replay", METTE)
    third = call("CA-replay", JONAS)  # a different CPR under the same call id changes nothing
    run_tasks()
    assert first.json()["id"] == second.json()["id"] == third.json()["id"]
    assert second.json()["replayed"] is True and second.headers["Idempotent-Replayed"] == "true"
    assert first.json()["say"] == second.json()["say"]
    assert len(sms_outbox()) == 1
    assert (
        session.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.event_type == "sms_ydelse.call.accepted")
        )
        == 1
    )


def test_invalid_cpr_asks_again_then_transfers(call, run_tasks, sms_outbox) -> None:
    first = call("CA-bad", "12345")
    assert first.status_code == 200
    assert first.json()["status"] == "retry_cpr"
    assert first.json()["next_action"] == "collect_digits"
    assert first.json()["attempts_left"] == 2
    second = call("CA-bad", "3102901234")  # 31 February does not exist
    assert second.json()["status"] == "retry_cpr" and second.json()["attempts_left"] == 1
    third = call("CA-bad", "abc")
    assert third.json()["status"] == "cpr_attempts_exhausted"
    assert third.json()["next_action"] == "transfer"
    fourth = call("CA-bad", METTE)  # too late: the call has been transferred
    assert fourth.json()["status"] == "cpr_attempts_exhausted" and fourth.json()["replayed"] is True
    run_tasks()
    assert sms_outbox() == []


def test_a_valid_cpr_after_a_typo_is_accepted(call, run_tasks, sms_outbox) -> None:
    assert call("CA-typo", "150285123").json()["status"] == "retry_cpr"
    assert call("CA-typo", METTE).json()["status"] == "accepted"
    run_tasks()
    assert len(sms_outbox()) == 1


def test_twiml_answers(call) -> None:
    accepted = call("CA-xml-1", METTE, accept="application/xml")
    assert accepted.headers["content-type"].startswith("application/xml")
    assert '<Say language="da-DK">Tak. Hvis du er tilmeldt NemSMS' in accepted.text
    assert accepted.text.endswith("<Hangup/></Response>")
    retry = call("CA-xml-2", "99", accept="text/xml")
    assert '<Gather input="dtmf" numDigits="10"' in retry.text


def test_per_cpr_daily_limit_holds_silently(call, run_tasks, sms_outbox, session) -> None:
    answers = [call(f"CA-lim-{n}", METTE, caller=f"+45310002{n:02d}").json() for n in range(5)]
    run_tasks()
    assert {a["say"] for a in answers} == {answers[0]["say"]}  # the caller cannot tell the limit was hit
    assert len(sms_outbox()) == 3
    outcomes = session.scalars(select(IvrCall.outcome).order_by(IvrCall.received_at)).all()
    assert outcomes.count("sms_queued") == 3 and outcomes.count("cpr_daily_limit") == 2


def test_per_caller_limit_answers_and_queues_nothing(call, run_tasks, session) -> None:
    cprs = [METTE, JONAS, FATIMA, DECEASED, AARHUS, UNKNOWN]
    answers = [call(f"CA-caller-{n}", cpr, caller="+4540000001").json() for n, cpr in enumerate(cprs)]
    assert [a["status"] for a in answers] == ["accepted"] * 5 + ["rate_limited"]
    assert answers[-1]["next_action"] == "transfer"
    limited = session.scalar(select(IvrCall).where(IvrCall.call_id == "CA-caller-5"))
    assert limited.cpr_pseudonym is None and limited.cpr_encrypted is None  # nothing kept for a refused request
    events = session.scalar(
        select(func.count()).select_from(OutboxEvent).where(OutboxEvent.event_type == "sms_ydelse.call.accepted")
    )
    assert events == 5
    # another caller is not affected
    assert call("CA-caller-other", METTE, caller="+4540000002").json()["status"] == "accepted"


@pytest.mark.parametrize(
    ("limits", "accepted"),
    [({"sms_ydelse_caller_limit_per_hour": 2}, 2), ({"sms_ydelse_caller_limit_per_day": 3}, 3)],
)
def test_caller_limits_are_settings(settings_env, call, session, limits, accepted) -> None:
    settings_env(**limits)
    cprs = [METTE, JONAS, FATIMA, DECEASED, AARHUS]
    answers = [call(f"CA-set-{n}", cpr, caller="+4540000003").json() for n, cpr in enumerate(cprs)]
    assert [a["status"] for a in answers] == ["accepted"] * accepted + ["rate_limited"] * (5 - accepted)
    events = session.scalar(
        select(func.count()).select_from(OutboxEvent).where(OutboxEvent.event_type == "sms_ydelse.call.accepted")
    )
    assert events == accepted
    # a withheld number is never limited by number
    withheld = [call(f"CA-set-w{n}", METTE, caller="anonymous").json()["status"] for n in range(accepted + 1)]
    assert withheld == ["accepted"] * (accepted + 1)


def test_per_cpr_daily_limit_is_a_setting(settings_env, call, run_tasks, sms_outbox, session) -> None:
    settings_env(sms_ydelse_cpr_sms_limit_per_day=1)
    for n in range(3):
        call(f"CA-cprset-{n}", METTE, caller=f"+45310003{n:02d}")
    run_tasks()
    assert len(sms_outbox()) == 1
    outcomes = session.scalars(select(IvrCall.outcome)).all()
    assert sorted(outcomes) == ["cpr_daily_limit", "cpr_daily_limit", "sms_queued"]


def test_limits_below_one_are_refused() -> None:
    from pydantic import ValidationError

    from shared.settings import Settings

    for name in ("caller_limit_per_hour", "caller_limit_per_day", "cpr_sms_limit_per_day"):
        with pytest.raises(ValidationError):
            Settings(**{f"sms_ydelse_{name}": 0})


def test_caller_number_is_never_stored(call, session) -> None:
    call("CA-store", METTE, caller="+4531234567")
    row = session.scalar(select(IvrCall).where(IvrCall.call_id == "CA-store"))
    assert "31234567" not in repr(row.__dict__)
    assert len(row.caller_hash) == 64


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        (
            {"call_id": "C1", "caller_number": "+4531000001", "menu_item": "bingo", "digits": METTE},
            "/menu_item",
            "unknown_menu_item",
        ),
        ({"caller_number": "+4531000001", "menu_item": "info_om_ydelse", "digits": METTE}, "/call_id", "missing"),
        ({"call_id": "C1", "caller_number": "+4531000001", "menu_item": "info_om_ydelse"}, "/digits", "missing"),
        (
            {"call_id": "C 1", "caller_number": "+4531000001", "menu_item": "info_om_ydelse", "digits": METTE},
            "/call_id",
            "string_pattern_mismatch",
        ),
        (
            {"call_id": "C1", "caller_number": "hello", "menu_item": "info_om_ydelse", "digits": METTE},
            "/caller_number",
            "invalid_phone_number",
        ),
        (
            {"call_id": "C1", "caller_number": "+4531000001", "menu_item": "ydelse", "digits": METTE, "x": 1},
            "/x",
            "extra_forbidden",
        ),
    ],
)
def test_bad_requests_get_problem_json_with_danish_field_errors(api, ivr_headers, body, field, code) -> None:
    response = api.post("/api/v1/ivr-calls", json=body, headers=ivr_headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert any(e["field"] == field and e["code"] == code for e in errors), errors
    assert all(e["message"] and METTE not in e["message"] for e in errors)


def test_menu_item_may_be_the_danish_label(call) -> None:
    assert call("CA-label", METTE, menu="Info om ydelse").json()["status"] == "accepted"


def test_withheld_number_is_accepted(call) -> None:
    assert call("CA-anon", METTE, caller="anonymous").json()["status"] == "accepted"


@pytest.mark.parametrize("user", ["borger-mette", "admin", "svc-koerekort"])
def test_ivr_role_is_required(api, auth, user) -> None:
    body = {"call_id": "C1", "caller_number": "+4531000001", "menu_item": "ydelse", "digits": METTE}
    response = api.post("/api/v1/ivr-calls", json=body, headers=auth(user, "sms_ydelse"))
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert api.post("/api/v1/ivr-calls", json=body).status_code == 401


def test_products_are_listed_for_the_ivr_vendor(api, ivr_headers) -> None:
    products = {p["key"]: p for p in api.get("/api/v1/products", headers=ivr_headers).json()}
    assert {"kontanthjaelp", "koerekort_status"} <= set(products)
    assert "info_om_ydelse" in products["kontanthjaelp"]["menu_items"]
    assert products["kontanthjaelp"]["template"] == "kontanthjaelp/v1"


@pytest.mark.parametrize("hot_paths", ["true", "false"])
def test_new_calls_take_the_configured_path_with_the_same_answers(
    settings_env, client_for, ivr_headers, session, hot_paths
) -> None:
    # DB_ASYNC_HOT_PATHS=true (the default): a new call with a valid CPR number is one autocommit statement on the
    # app's async engine; false: an ORM transaction in a thread-pool hop. A replay and a bad CPR number take the
    # general path. The answers and what is stored are the same either way.
    settings_env(DB_ASYNC_HOT_PATHS=hot_paths)
    with client_for("sms_ydelse") as api:
        engine = api.app.state.async_engine
        assert (engine is not None) == (hot_paths == "true")

        def call(call_id: str, digits: str) -> Any:
            body = {"call_id": call_id, "caller_number": "+4531000001", "menu_item": "info_om_ydelse", "digits": digits}
            return api.post("/api/v1/ivr-calls", json=body, headers=ivr_headers)

        first = call("CA-loop", METTE)
        assert first.status_code == 200 and first.json()["status"] == "accepted"
        if engine is not None:
            assert engine.pool.checkedin() == 1  # the event-loop path ran (and gave its connection back)
        again = call("CA-loop", METTE)
        assert again.json()["replayed"] is True and again.json()["id"] == first.json()["id"]
        assert call("CA-typo", "123").json()["status"] == "retry_cpr"
    stored = session.scalar(select(IvrCall).where(IvrCall.call_id == "CA-loop"))
    assert stored is not None and str(stored.id) == first.json()["id"] and stored.cpr_pseudonym
    assert stored.cpr_encrypted == METTE  # encrypted at rest, readable by the worker's lookup
    events = session.scalars(select(OutboxEvent).where(OutboxEvent.event_type == "sms_ydelse.call.accepted")).all()
    assert [e.payload for e in events] == [{"call": first.json()["id"]}]
    assert session.scalar(select(func.count()).select_from(OutboxEvent)) == 1  # no event for the replay or typo


def test_by_default_the_hot_paths_run_on_the_event_loop(api) -> None:
    assert api.app.state.async_engine is not None  # PostgreSQL; SQLite has none (docs/configuration.md)
