"""Information products: the plug-in shape, the driving-licence status over koerekort's HTTP contract, templates."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from services.sms_ydelse import products, service, templates
from services.sms_ydelse.gsm7 import MAX_SEPTETS, TextTooLong, single_sms, to_gsm7
from services.sms_ydelse.models import IvrCall
from services.sms_ydelse.products.base import danish_money
from services.sms_ydelse.simulators import koerekort_stub
from services.sms_ydelse.simulators.server import ThreadedServer
from shared.queue.models import OutboxEvent
from tests.sms_ydelse.conftest import FATIMA, JONAS, METTE


@pytest.fixture
def koerekort(settings_env):
    """A local stub implementing koerekort's status-lookups contract (the real endpoint is built elsewhere)."""
    app = koerekort_stub.create_app({JONAS: ("awaiting_certificate", "Vi venter på lægeerklæringen fra din læge")})
    with ThreadedServer(app) as server:
        settings_env(koerekort_url=server.url)
        yield app


def test_driving_licence_status_by_sms(koerekort, call, run_tasks, sms_outbox) -> None:
    assert call("CA-kk1", JONAS, menu="koerekort").json()["status"] == "accepted"
    run_tasks()
    (sms,) = sms_outbox()
    assert sms.to_msisdn == "+4520445566"
    assert sms.text.startswith(
        "Københavns Kommune: Status på din kørekortsansøgning: Vi venter på lægeerklæringen fra din læge."
    )


def test_no_application_is_answered_too(koerekort, call, run_tasks, sms_outbox) -> None:
    call("CA-kk2", METTE, menu="Status på kørekort")
    run_tasks()
    assert "Vi kan ikke finde en kørekortsansøgning" in sms_outbox()[0].text


def test_koerekort_down_is_retried_then_dead_lettered_and_replayable(
    koerekort, call, run_tasks, sms_outbox, session, api, auth
) -> None:
    koerekort.state.fail = True
    call("CA-kk3", JONAS, menu="koerekort")
    run_tasks()  # the test settings retry at once, so every try is used up here
    assert sms_outbox() == []
    assert koerekort.state.calls == 8
    event = session.scalar(select(OutboxEvent).where(OutboxEvent.event_type == "sms_ydelse.call.accepted"))
    assert event.status == "dead" and "503" in event.last_error
    assert session.scalar(select(IvrCall.status)) == "accepted"  # still waiting; nothing lost

    koerekort.state.fail = False
    admin = auth("admin", "sms_ydelse")
    (letter,) = api.get("/api/v1/dead-letters", headers=admin).json()
    assert api.post(f"/api/v1/dead-letters/{letter['id']}/replays", headers=admin).status_code == 202
    run_tasks()
    assert len(sms_outbox()) == 1


def test_every_product_has_templates_that_fit_one_sms() -> None:
    samples = {"amount": danish_money(99_999_999), "payment_date": "30.12.2026", "status_text": "x" * 60 + "."}
    for product in products.all_products().values():
        for variant in ("answer", "none"):
            text = templates.render(product.key, product.template_version, variant, samples)
            assert single_sms(text).septets <= MAX_SEPTETS, (product.key, variant)
        assert products.for_menu_item(product.menu_items[0]) is product


def test_survey_question_is_only_added_when_it_fits() -> None:
    short, included = service.compose_sms(
        "kontanthjaelp", 1, "answer", {"amount": "5,00 kr.", "payment_date": "30.11.2026"}, survey=True
    )
    assert included and short.endswith(templates.survey_question())
    long_status = {"status_text": "y" * 95 + "."}
    text, included = service.compose_sms("koerekort_status", 1, "answer", long_status, survey=True)
    assert not included and len(text) <= MAX_SEPTETS


def test_gsm7_keeps_danish_letters_and_counts_extension_characters() -> None:
    converted = to_gsm7("Æble, øl og å — 5 € {ok}")
    assert converted.text == "Æble, øl og å - 5 € {ok}"
    assert converted.replaced == ("—",)
    assert converted.septets == len(converted.text) + 3  # €, { and } take two septets each
    with pytest.raises(TextTooLong):
        single_sms("a" * 161)
    assert single_sms("a" * 160).septets == 160


def test_money() -> None:  # paydays: test_sms_banking_days.py
    assert danish_money(543210) == "5.432,10 kr."
    assert danish_money(5) == "0,05 kr."


def test_unknown_sender_is_not_a_fatima_leak(call) -> None:
    # Fatima receives kontanthjælp but has no NemSMS: the caller hears exactly what Mette's caller hears.
    assert call("CA-f", FATIMA).json()["say"] == call("CA-m", METTE, caller="+4531000009").json()["say"]
