"""Fixtures for the koerekort tests: the doctor directory, tokens for any citizen, and a flow driver over the API."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

import services.koerekort.tasks  # noqa: F401 - registers the consumers run_tasks delivers to
from services.koerekort.plausibility import synthetic
from shared.auth import AUDIENCES, mint_demo_token, mint_token

MIA_CPR = "0101990127"  # a citizen without a demo user and without a listed GP
HANSEN, BERG = "0A1B2", "7C8D9"
METTE_CPR, JONAS_CPR, FATIMA_CPR = "1502851236", "2411044347", "0303781118"
AUD = AUDIENCES["koerekort"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def citizen_headers(cpr: str, name: str = "Test Borger") -> dict[str, str]:
    """A MitID-like citizen token for any CPR number."""
    return bearer(mint_token(sub=f"borger-{cpr}", roles=["borger"], audience=AUD, name=name, attributes={"cpr": cpr}))


def demo_headers(user: str) -> dict[str, str]:
    return bearer(mint_demo_token(user, AUD))


def del_a(categories: list[str] | None = None, **yes: bool) -> dict[str, Any]:
    """A complete del A for "Test Borger" (all answers Nej unless named True)."""
    return synthetic.del_a("Test Borger", categories or ["B"], remarks="Beskrivelse af mine Ja-svar.", **yes)


def doctor_parts(categories: list[str] | None = None, *, days_ago: int = 2) -> dict[str, Any]:
    """A complete, valid doctor's part (all answers Nej, conclusion fit)."""
    from services.koerekort.documents import today_in_copenhagen

    examined_on = today_in_copenhagen() - timedelta(days=days_ago)
    return {"form_version": "2025.1", **synthetic.doctor_parts(categories or ["B"], examined_on=examined_on)}


@dataclass
class Flow:
    """Drives one application through the API as the different users would."""

    client: Any
    citizen: dict[str, str]
    application_id: str = ""
    certificate_id: str = ""

    def start(self, categories: list[str] | None = None, acquisition_type: str = "first_licence") -> dict[str, Any]:
        response = self.client.post(
            "/api/v1/applications",
            json={"acquisition_type": acquisition_type, "categories": categories or ["B"]},
            headers={**self.citizen, "Idempotency-Key": f"start-{uuid.uuid4()}"},
        )
        assert response.status_code == 201, response.text
        body = response.json()
        self.application_id = body["id"]
        self.certificate_id = body["certificate_id"]
        return body

    def fill_del_a(self, document: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.client.put(
            f"/api/v1/applications/{self.application_id}/del-a",
            json={"del_a": document or del_a()},
            headers=self.citizen,
        )
        assert response.status_code == 200, response.text
        return response.json()

    def choose_doctor(self, authorisation_id: str) -> dict[str, Any]:
        response = self.client.put(
            f"/api/v1/applications/{self.application_id}/doctor",
            json={"authorisation_id": authorisation_id},
            headers=self.citizen,
        )
        assert response.status_code == 200, response.text
        return response.json()

    def sign(self) -> dict[str, Any]:
        response = self.client.post(
            f"/api/v1/applications/{self.application_id}/signatures", json={"confirm": True}, headers=self.citizen
        )
        assert response.status_code == 201, response.text
        return response.json()

    def ready_for_doctor(self, doctor: str = HANSEN, categories: list[str] | None = None) -> Flow:
        self.start(categories)
        self.fill_del_a(del_a(categories))
        self.choose_doctor(doctor)
        self.sign()
        return self

    def draft(self, doctor: dict[str, str], parts: dict[str, Any], **headers: str) -> Any:
        return self.client.put(
            f"/api/v1/certificates/{self.certificate_id}/draft", json=parts, headers={**doctor, **headers}
        )

    def submit(self, doctor: dict[str, str], key: str | None = None) -> Any:
        headers = dict(doctor)
        if key:
            headers["Idempotency-Key"] = key
        return self.client.post(f"/api/v1/certificates/{self.certificate_id}/submissions", headers=headers)

    def submitted(self, doctor: dict[str, str], parts: dict[str, Any] | None = None) -> Flow:
        response = self.draft(doctor, parts or doctor_parts())
        assert response.status_code == 200, response.text
        response = self.submit(doctor, key=f"submit-{uuid.uuid4()}")
        assert response.status_code == 201, response.text
        return self

    def status(self) -> dict[str, Any]:
        response = self.client.get(f"/api/v1/applications/{self.application_id}", headers=self.citizen)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def directory(db: None) -> None:
    """Doctors and the simulated GP register (not the demo applications)."""
    from services.koerekort.seed import seed_directory
    from shared.db import session_scope

    with session_scope() as session:
        seed_directory(session)


@pytest.fixture
def kk(client_for: Callable[[str], Any], directory: None) -> Any:
    return client_for("koerekort")


@pytest.fixture
def flow(kk: Any) -> Callable[..., Flow]:
    def _flow(cpr: str = METTE_CPR) -> Flow:
        return Flow(kk, citizen_headers(cpr))

    return _flow


@pytest.fixture
def hansen() -> dict[str, str]:
    return demo_headers("laege-hansen")


@pytest.fixture
def berg() -> dict[str, str]:
    return demo_headers("laege-berg")


@pytest.fixture
def karin() -> dict[str, str]:
    return demo_headers("bs-karin")


@pytest.fixture
def soren() -> dict[str, str]:
    return demo_headers("kl-soren")


@pytest.fixture
def system() -> dict[str, str]:
    return demo_headers("svc-sms-ydelse")


@pytest.fixture
def db_session(db: None) -> Iterator[Any]:
    from shared.db import session_factory

    session = session_factory()()
    try:
        yield session
    finally:
        session.rollback()
        session.close()
