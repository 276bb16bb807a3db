"""Exchange with KASA Helpdesk through the simulator: idempotent both ways, so no task is registered twice."""

from __future__ import annotations

from sqlalchemy import func, select


def _count(model) -> int:
    from shared.db import session_scope

    with session_scope() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_export_is_idempotent_and_shares_case_numbers(api, h, world, order, run_tasks):
    from services.viceværtsopgaver.kasa import service as kasa
    from services.viceværtsopgaver.kasa.models import ExternalLink
    from services.viceværtsopgaver.kasa.simulator import SimulatedKasaHelpdesk
    from shared.db import session_scope

    sim = SimulatedKasaHelpdesk()
    task = order("vandhane")
    flytning = order("flytning")  # not shared with KASA
    run_tasks()
    cases = sim.all_cases()
    assert len(cases) == 1
    case = cases[0]
    assert case.external_reference == task["id"] and case.reference_number == task["case_number"]
    assert case.property_number == "KEID-900001" and case.category == "VVS-ARMATUR" and case.status == "modtaget"
    detail = api.get(f"/api/v1/tasks/{task['id']}", headers=h("best-amagerbro")).json()
    assert detail["keid_case_number"] == case.case_number
    # Exporting again (a retried consumer, a periodic sweep) changes nothing in KASA.
    with session_scope() as s:
        from uuid import UUID

        kasa.export_task(s, task_id=UUID(task["id"]))
        link = s.scalar(select(ExternalLink))
        link.exported_version = 0  # pretend the link's bookkeeping was lost
        kasa.export_task(s, task_id=UUID(task["id"]))
    assert len(sim.all_cases()) == 1 and sim.all_cases()[0].version == case.version
    # A status change travels to KASA.
    api.post(f"/api/v1/tasks/{task['id']}/status-changes", json={"status": "i_gang"}, headers=h("vv-lars"))
    run_tasks()
    assert sim.get_case(case.external_id).status == "i_gang"
    # Importing our own changes back is recognised as an echo.
    result = api.post("/api/v1/kasa/syncs", headers=h("sd-keid"))
    assert result.status_code == 201, result.text
    imported = result.json()["imported"]
    assert imported["created"] == 0 and imported["echo"] >= 1
    assert _count(ExternalLink) == 1 and flytning["keid_case_number"] is None


def test_import_creates_once_updates_and_closes(api, h, world, run_tasks):
    from services.viceværtsopgaver.kasa.simulator import SimulatedKasaHelpdesk
    from services.viceværtsopgaver.task.models import Task

    sim = SimulatedKasaHelpdesk()
    case = sim.register_case(
        title="Utæt radiator i gymnastiksalen",
        description="Meldt direkte til KEIDs servicedesk.",
        category="VVS-ARMATUR",
        property_number="KEID-900002",
        priority="høj",
    )
    unknown = sim.register_case(title="Ukendt", description="", category="VVS-ARMATUR", property_number="KEID-404")
    first = api.post("/api/v1/kasa/syncs", headers=h("sd-keid")).json()
    assert first["imported"]["created"] == 1 and first["imported"]["issues"] == 1
    second = api.post("/api/v1/kasa/syncs", headers=h("sd-keid")).json()
    assert second["imported"]["created"] == 0
    assert _count(Task) == 1
    tasks = api.get("/api/v1/tasks", headers=h("sd-keid")).json()["items"]
    task = tasks[0]
    assert task["source"] == "kasa" and task["keid_case_number"] == case.case_number and task["priority"] == "hoej"
    assert task["building"]["id"] == str(world["gym"]) and task["status"] == "tildelt"  # dispatched like any task
    issues = api.get("/api/v1/kasa/issues", headers=h("sd-keid")).json()
    assert [i["external_id"] for i in issues] == [unknown.external_id] and issues[0][
        "reason_code"
    ] == "unknown_property"
    run_tasks()  # our assignment is exported back to the same case, not as a new one
    assert len(sim.all_cases()) == 2
    assert sim.get_case(case.external_id).reference_number == task["case_number"]
    # KEID changes the priority and later cancels the case in KASA.
    sim.change_case(case.external_id, priority="kritisk", title="Utæt radiator – vand på gulvet")
    api.post("/api/v1/kasa/syncs", headers=h("sd-keid"))
    updated = api.get(f"/api/v1/tasks/{task['id']}", headers=h("sd-keid")).json()
    assert updated["priority"] == "akut" and updated["title"] == "Utæt radiator – vand på gulvet"
    sim.change_case(case.external_id, status="annulleret")
    closed = api.post("/api/v1/kasa/syncs", headers=h("sd-keid")).json()
    assert closed["imported"]["closed"] == 1
    final = api.get(f"/api/v1/tasks/{task['id']}", headers=h("sd-keid")).json()
    assert final["status"] == "annulleret" and "KASA" in final["status_changes"][-1]["note"]
    state = api.get("/api/v1/kasa/sync-state", headers=h("sd-keid")).json()
    assert state["cursor"] is not None and state["last_run_at"] is not None


def test_http_adapter_against_the_simulator_app(world):
    """The HTTP implementation of the contract, exercised against the simulator's HTTP face."""
    from fastapi.testclient import TestClient

    from services.viceværtsopgaver.kasa.adapter import KasaCaseUpsert, KasaHttpHelpdesk, KasaUnavailable
    from services.viceværtsopgaver.kasa.simulator import create_simulator_app

    with TestClient(create_simulator_app(token="s3cret")) as client:
        kasa = KasaHttpHelpdesk("http://testserver", "s3cret", client=client)
        upsert = KasaCaseUpsert(
            external_reference="11111111-1111-1111-1111-111111111111",
            reference_number="VV-2026-000042",
            title="Dryppende vandhane",
            description="",
            category="VVS-ARMATUR",
            property_number="KEID-900001",
            priority="normal",
            status="modtaget",
        )
        created = kasa.upsert_case(upsert, external_id=None)
        again = kasa.upsert_case(upsert, external_id=None)
        assert again.external_id == created.external_id and again.version == created.version
        changed = kasa.upsert_case(
            KasaCaseUpsert(**{**upsert.__dict__, "status": "afsluttet"}), external_id=created.external_id
        )
        assert changed.version == created.version + 1
        cases, cursor = kasa.changes_since(None, limit=10)
        assert [c.external_id for c in cases] == [created.external_id] and cases[0].status == "afsluttet"
        assert kasa.changes_since(cursor, limit=10)[0] == []
        wrong = KasaHttpHelpdesk("http://testserver", "forkert", client=client)
        try:
            wrong.changes_since(None, limit=10)
            raise AssertionError("expected KasaUnavailable")
        except KasaUnavailable as exc:
            assert "401" in str(exc)
