"""Audit log (hash chain, append-only, admin query) and problem+json errors."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from shared.app import create_service_app
from shared.audit import service as audit
from shared.audit.models import AuditEvent
from shared.auth.tokens import Principal
from shared.cpr import CPR
from shared.db import session_scope
from shared.logging import JsonFormatter

ACTOR = Principal(sub="sb-anne", roles=frozenset({"sagsbehandler"}), name="Anne", attributes={})


def _write(n: int) -> None:
    with session_scope() as session:
        for i in range(n):
            audit.record(
                session,
                service="kontrol",
                actor=ACTOR,
                action="case.read",
                purpose="kontrolsag",
                citizen_cpr="0101901234",
                object_type="case",
                object_id=str(i),
            )


def test_audit_records_hold_no_cpr_and_chain_verifies(db) -> None:
    _write(5)
    with session_scope() as session:
        rows = session.query(AuditEvent).all()
        assert all("0101901234" not in str(vars(r)) for r in rows)
        assert {r.citizen_pseudonym for r in rows} == {audit.cpr_utils.pseudonymise("0101901234")}
    with session_scope() as session:
        assert audit.seal(session, settle=timedelta(0)) == 5
    with session_scope() as session:
        assert audit.verify(session) == {"valid": True, "checked": 5, "broken_id": None, "reason": None}


def test_audit_log_is_append_only_in_postgresql(db) -> None:
    _write(1)
    with pytest.raises(DBAPIError, match="append-only"), session_scope() as session:
        session.execute(text("DELETE FROM shared.audit_events"))
    with pytest.raises(DBAPIError, match="append-only"), session_scope() as session:
        session.execute(text("UPDATE shared.audit_events SET purpose = 'skjult'"))


def test_tampering_is_detected(db) -> None:
    _write(3)
    with session_scope() as session:
        session.execute(text("ALTER TABLE shared.audit_events DISABLE TRIGGER audit_events_append_only"))
        session.execute(text("UPDATE shared.audit_events SET actor_sub = 'someone-else' WHERE id = 2"))
        session.execute(text("ALTER TABLE shared.audit_events ENABLE TRIGGER audit_events_append_only"))
    with session_scope() as session:
        result = audit.verify(session)
    assert result["valid"] is False and result["broken_id"] == 2


def test_admin_searches_audit_log_by_cpr_in_the_body(client_for, auth) -> None:
    _write(2)
    client = client_for("kontrol")
    found = client.post("/api/v1/audit-events/searches", json={"cpr": "010190-1234"}, headers=auth("admin", "kontrol"))
    assert found.status_code == 200
    assert len(found.json()["items"]) == 2
    with session_scope() as session:
        assert audit.query(session, action="audit.search")[0].actor_sub == "admin"
    none = client.post("/api/v1/audit-events/searches", json={"cpr": "0202901234"}, headers=auth("admin", "kontrol"))
    assert none.json()["items"] == []
    bad = client.post("/api/v1/audit-events/searches", json={"cpr": "3102901234"}, headers=auth("admin", "kontrol"))
    assert bad.status_code == 422
    assert bad.json()["errors"] == [
        {"field": "/cpr", "code": "invalid_cpr", "message": "CPR-nummeret indeholder ikke en gyldig fødselsdato"}
    ]


class _Body(BaseModel):
    cpr: CPR
    amount_ore: int = Field(ge=0)
    items: list[str] = Field(max_length=2)


def _probe_app() -> TestClient:
    router = APIRouter()

    @router.post("/api/v1/probes")
    def probe(body: _Body) -> dict[str, str]:
        return {"ok": "yes"}

    @router.get("/api/v1/crash")
    def crash() -> None:
        raise RuntimeError("secret 0101901234 in a stack trace")

    return TestClient(
        create_service_app(service="kontrol", title="t", description="t", routers=[router]),
        raise_server_exceptions=False,
    )


def test_validation_errors_are_field_level_problem_json_in_danish() -> None:
    response = _probe_app().post("/api/v1/probes", json={"cpr": "12", "amount_ore": -1, "items": ["a", "b", "c"]})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith("/validation_error") and body["title"] == "Ugyldige oplysninger"
    by_field = {e["field"]: e for e in body["errors"]}
    assert by_field["/cpr"]["code"] == "invalid_cpr"
    assert by_field["/amount_ore"]["message"] == "Skal være mindst 0."
    assert by_field["/items"]["code"] == "too_long"
    missing = _probe_app().post("/api/v1/probes", json={})
    assert {e["field"] for e in missing.json()["errors"]} == {"/cpr", "/amount_ore", "/items"}
    assert all(e["message"] == "Feltet skal udfyldes." for e in missing.json()["errors"])


def test_crash_gives_500_problem_without_stack_trace_or_personal_data() -> None:
    response = _probe_app().get("/api/v1/crash")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "0101901234" not in response.text and "Traceback" not in response.text
    unknown = _probe_app().get("/api/v1/nothing-here")
    assert unknown.status_code == 404 and unknown.json()["detail"] == "Adressen findes ikke."


def test_logs_never_carry_a_cpr_number() -> None:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "looked up 010190-1234 and %s", ("0101901234",), None)
    record.citizen = {"cpr": "0101901234"}
    line = JsonFormatter("kontrol").format(record)
    assert "0101901234" not in line and "010190-1234" not in line
    assert "[cpr]" in line


def test_admin_reads_what_the_simulators_sent_and_the_read_is_audited(client_for, auth) -> None:
    from shared.notifications import get_digital_post, get_sms_sender

    with session_scope() as session:
        get_digital_post().send_letter(
            session,
            recipient_cpr="0101901234",
            title="Underretning",
            body="Kære borger",
            sender_service="kontrol",
            idempotency_key="letter-1",
        )
        get_sms_sender().send(
            session, text="Hej", sender_service="koerekort", idempotency_key="sms-1", to_msisdn="+4512345678"
        )
    client = client_for("kontrol")
    letters = client.get("/api/v1/simulators/digital-post", headers=auth("admin", "kontrol")).json()
    assert [(x["recipient"], x["title"]) for x in letters] == [("010190-****", "Underretning")]
    assert client.get("/api/v1/simulators/sms", headers=auth("admin", "kontrol")).json()[0]["text"] == "Hej"
    assert client.get("/api/v1/simulators/sms", headers=auth("sb-anne", "kontrol")).status_code == 403
    with session_scope() as session:
        assert audit.query(session, action="simulator.letter.read")[0].actor_sub == "admin"
