"""The citizen's optional payment and withdrawal, and Borgerservice's inbox filters and paging."""

from __future__ import annotations

from sqlalchemy import select

from services.koerekort.models import Payment
from shared.notifications.models import SimulatedSms
from tests.koerekort.conftest import FATIMA_CPR, JONAS_CPR, METTE_CPR, doctor_parts


def _pay(f, token: str, key: str):
    return f.client.post(
        f"/api/v1/applications/{f.application_id}/payments",
        json={"payment_token": token},
        headers={**f.citizen, "Idempotency-Key": key},
    )


def test_paying_the_doctors_fee_is_idempotent_and_declines_are_recorded(flow, db_session) -> None:
    f = flow(METTE_CPR)
    f.start()
    f.choose_doctor("0A1B2")
    missing_key = f.client.post(
        f"/api/v1/applications/{f.application_id}/payments", json={"payment_token": "tok"}, headers=f.citizen
    )
    assert missing_key.status_code == 422
    declined = _pay(f, "sim-declined", "pay-000001")
    assert declined.status_code == 201 and declined.json()["status"] == "declined"
    paid = _pay(f, "tok_visa", "pay-000002")
    assert paid.status_code == 201 and paid.json() | {"id": None, "created_at": None} == {
        "id": None,
        "amount_ore": 75000,
        "status": "paid",
        "provider_reference": paid.json()["provider_reference"],
        "created_at": None,
    }
    replay = _pay(f, "tok_visa", "pay-000002")
    assert replay.status_code == 200 and replay.json()["id"] == paid.json()["id"]
    assert _pay(f, "tok_visa", "pay-000003").json()["type"].endswith("already_paid")
    assert f.status()["payment"]["status"] == "paid"
    assert [p.status for p in db_session.scalars(select(Payment).order_by(Payment.created_at))] == ["declined", "paid"]


def test_a_doctor_who_takes_payment_in_the_clinic(flow) -> None:
    f = flow(FATIMA_CPR)
    f.start()
    f.choose_doctor("7C8D9")
    assert _pay(f, "tok", "pay-berg-0001").json()["type"].endswith("payment_not_offered")


def test_the_citizen_can_withdraw_an_open_application(flow, hansen, run_tasks, db_session) -> None:
    f = flow(METTE_CPR).ready_for_doctor()
    response = f.client.post(f"/api/v1/applications/{f.application_id}/withdrawals", headers=f.citizen)
    assert response.status_code == 201 and response.json()["status"] == "withdrawn"
    assert f.client.get("/api/v1/certificates", headers=hansen).json()["items"] == []
    assert f.draft(hansen, doctor_parts()).status_code == 409
    again = f.client.post(f"/api/v1/applications/{f.application_id}/withdrawals", headers=f.citizen)
    assert again.status_code == 409
    run_tasks()
    texts = [m.text for m in db_session.scalars(select(SimulatedSms).order_by(SimulatedSms.sent_at))]
    assert texts[-1].startswith("Din ansøgning om lægeerklæring til kørekort er trukket tilbage")
    # A new application can be started once the old one is closed.
    assert (
        f.client.post(
            "/api/v1/applications", json={"acquisition_type": "first_licence", "categories": ["B"]}, headers=f.citizen
        ).status_code
        == 201
    )


def test_inbox_filters_and_cursor_paging(flow, hansen, berg, karin) -> None:
    trucks = flow(METTE_CPR).ready_for_doctor(categories=["C"])
    trucks.submitted(hansen, doctor_parts(["C"]))
    cars = flow(JONAS_CPR).ready_for_doctor()
    cars.submitted(hansen)
    other = flow(FATIMA_CPR).ready_for_doctor(doctor="7C8D9")
    other.submitted(berg)
    kk = trucks.client

    def ids(query: str) -> list[str]:
        response = kk.get(f"/api/v1/certificates{query}", headers=karin)
        assert response.status_code == 200, response.text
        return [i["certificate_id"] for i in response.json()["items"]]

    assert ids("") == [trucks.certificate_id, cars.certificate_id, other.certificate_id]  # oldest first
    assert ids("?licence_group=2") == [trucks.certificate_id]
    assert ids("?doctor_authorisation_id=7C8D9") == [other.certificate_id]
    kk.post(f"/api/v1/certificates/{cars.certificate_id}/assignments", headers=karin)
    assert ids("?assigned_to_me=true") == [cars.certificate_id]
    assert ids("?status=in_review") == [cars.certificate_id]
    assert ids("?status=submitted&status=in_review") == ids("")
    first = kk.get("/api/v1/certificates?limit=2", headers=karin).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = kk.get(f"/api/v1/certificates?limit=2&cursor={first['next_cursor']}", headers=karin).json()
    assert [i["certificate_id"] for i in first["items"] + rest["items"]] == ids("")
    assert kk.get("/api/v1/certificates?cursor=not-a-cursor", headers=karin).status_code == 422
    assert kk.get("/api/v1/certificates?licence_group=3", headers=karin).status_code == 422
    # The doctor's list holds only their own.
    mine = kk.get("/api/v1/certificates?status=submitted&status=in_review", headers=hansen).json()["items"]
    assert {i["certificate_id"] for i in mine} == {trucks.certificate_id, cars.certificate_id}
