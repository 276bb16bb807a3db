"""Location (opt-in, on duty only, kept briefly) and reports (JSON, CSV, charts), plus registry edits."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select


def _positions() -> int:
    from services.viceværtsopgaver.location.models import PositionReport
    from shared.db import session_scope

    with session_scope() as s:
        return int(s.scalar(select(func.count()).select_from(PositionReport)) or 0)


def test_position_needs_opt_in_and_duty(api, h, world):
    from services.viceværtsopgaver.registry.models import Caretaker
    from shared.db import session_scope

    body = {"latitude": 55.66, "longitude": 12.60}
    off = api.post("/api/v1/me/positions", json=body, headers=h("vv-lars"))
    assert off.status_code == 409 and off.json()["type"].endswith("/location_sharing_off")
    sharing = api.put("/api/v1/me/location-sharing", json={"enabled": True}, headers=h("vv-lars")).json()
    assert sharing["enabled"] is True and sharing["retention_minutes"] == 120 and "arbejdstid" in sharing["explanation"]
    assert api.post("/api/v1/me/positions", json=body, headers=h("vv-lars")).status_code == 201
    assert (
        api.post("/api/v1/me/positions", json={"latitude": 12.6, "longitude": 55.66}, headers=h("vv-lars")).status_code
        == 422
    )
    team = api.get(f"/api/v1/teams/{world['east']}/positions", headers=h("tl-susanne")).json()
    assert [p["name"] for p in team] == ["Lars Viceværter"]
    # Off duty: nothing is accepted and nothing is shown, and the purge removes what was kept.
    with session_scope() as s:
        s.get(Caretaker, world["lars"]).work_days = []
    refused = api.post("/api/v1/me/positions", json=body, headers=h("vv-lars"))
    assert refused.status_code == 409 and refused.json()["type"].endswith("/off_duty")
    assert api.get(f"/api/v1/teams/{world['east']}/positions", headers=h("tl-susanne")).json() == []
    from services.viceværtsopgaver.location import service as location

    with session_scope() as s:
        location.purge(s)
    assert _positions() == 0
    # Reads of positions are audited.
    from shared.audit.models import AuditEvent

    with session_scope() as s:
        assert (
            s.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "caretaker_positions.read")
            )
            == 2
        )
    # Turning sharing off deletes everything at once; other teams' leaders see nothing.
    assert api.get(f"/api/v1/teams/{world['other']}/positions", headers=h("tl-susanne")).status_code == 404


def test_positions_expire_after_retention(api, h, world):
    from services.viceværtsopgaver.location import service as location
    from shared.db import session_scope, utcnow

    api.put("/api/v1/me/location-sharing", json={"enabled": True}, headers=h("vv-ali"))
    assert (
        api.post("/api/v1/me/positions", json={"latitude": 55.65, "longitude": 12.61}, headers=h("vv-ali")).status_code
        == 201
    )
    stale = api.post(
        "/api/v1/me/positions",
        json={"latitude": 55.65, "longitude": 12.61, "recorded_at": (utcnow() - timedelta(minutes=30)).isoformat()},
        headers=h("vv-ali"),
    )
    assert stale.status_code == 422
    with session_scope() as s:
        location.purge(s, now=utcnow() + timedelta(hours=3))
    assert _positions() == 0
    assert api.get("/api/v1/me/positions", headers=h("vv-ali")).json() == []
    api.post("/api/v1/me/positions", json={"latitude": 55.65, "longitude": 12.61}, headers=h("vv-ali"))
    api.put("/api/v1/me/location-sharing", json={"enabled": False}, headers=h("vv-ali"))
    assert _positions() == 0


def _solve(api, h, task_id: str, user: str) -> None:
    assert (
        api.post(f"/api/v1/tasks/{task_id}/status-changes", json={"status": "i_gang"}, headers=h(user)).status_code
        == 201
    )
    assert (
        api.post(f"/api/v1/tasks/{task_id}/status-changes", json={"status": "loest"}, headers=h(user)).status_code
        == 201
    )


def test_reports_as_csv_and_charts(api, h, world, order):
    from vv_helpers import age_task

    solved = order("vandhane")
    age_task(solved["id"], 90)
    _solve(api, h, solved["id"], "vv-lars")
    order("lyskilde", building="gym")
    csv = api.get("/api/v1/reports/tasks-by-type", params={"format": "csv"}, headers=h("tl-susanne"))
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Opgavetype;Oprettet;Løst")
    assert any(line.startswith("Dryppende vandhane/blandingsbatteri;1;1;0;0;") for line in lines)
    for name in (
        "hours-per-building",
        "hours-per-department",
        "tasks-by-type",
        "first-visit",
        "failing-components",
        "planned-vs-adhoc",
    ):
        report = api.get(f"/api/v1/reports/{name}", headers=h("sd-keid"))
        assert report.status_code == 200, (name, report.text)
        png = api.get(f"/api/v1/reports/{name}/chart", headers=h("sd-keid"))
        assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
        svg = api.get(f"/api/v1/reports/{name}/chart", params={"format": "svg"}, headers=h("sd-keid"))
        assert svg.headers["content-type"].startswith("image/svg+xml") and svg.text.startswith("<svg")
    split = api.get("/api/v1/reports/planned-vs-adhoc", headers=h("tl-susanne")).json()
    assert {r["kind"]: r["tasks"] for r in split["rows"]} == {
        "Planlagt (faste og forebyggende)": 0,
        "Bestilt (ad hoc)": 2,
    }
    dept = api.get("/api/v1/reports/hours-per-department", params={"department": "BUF"}, headers=h("tl-susanne")).json()
    assert dept["rows"][0]["department"] == "BUF" and dept["rows"][0]["tasks"] == 1
    bad = api.get(
        "/api/v1/reports/hours-per-building",
        params={"from_date": "2026-05-01", "to_date": "2026-04-01"},
        headers=h("tl-susanne"),
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "/query/from_date"
    assert api.get("/api/v1/reports/nope", headers=h("tl-susanne")).status_code == 422
    assert (
        api.get("/api/v1/reports/tasks-by-type", params={"department": "XYZ"}, headers=h("tl-susanne")).status_code
        == 422
    )
    assert api.get("/api/v1/reports/tasks-by-type", headers=h("vv-lars")).status_code == 404


def test_csv_cells_cannot_become_formulas():
    from services.viceværtsopgaver.reports.charts import to_csv

    text = to_csv([("a", "A"), ("b", "B")], [{"a": '=HYPERLINK("x")', "b": 1.5}])
    assert "'=HYPERLINK" in text and "1,50" in text


def test_registry_edits_with_etags_and_documents(api, h, world):
    created = api.post(
        "/api/v1/buildings",
        json={
            "name": "Sundby Idrætspark",
            "address": "Englandsvej 61",
            "postal_code": "2300",
            "latitude": 55.6470,
            "longitude": 12.6060,
            "department": "KFF",
            "institution_type": "idrætsanlæg",
            "team_id": str(world["east"]),
            "keid_property_number": "KEID-777777",
        },
        headers=h("sd-keid"),
    )
    assert created.status_code == 201, created.text
    building = created.json()
    assert (
        api.patch(
            f"/api/v1/buildings/{building['id']}", json={"notes": "Nøgle hos halinspektøren."}, headers=h("sd-keid")
        ).status_code
        == 428
    )
    updated = api.patch(
        f"/api/v1/buildings/{building['id']}",
        json={"notes": "Nøgle hos halinspektøren."},
        headers={**h("sd-keid"), "If-Match": created.headers["etag"]},
    )
    assert updated.status_code == 200 and updated.json()["version"] == 2
    stale = api.patch(
        f"/api/v1/buildings/{building['id']}",
        json={"notes": "x"},
        headers={**h("sd-keid"), "If-Match": created.headers["etag"]},
    )
    assert stale.status_code == 412
    clash = api.post(
        "/api/v1/buildings",
        json={
            **{
                k: building[k]
                for k in ("name", "address", "postal_code", "latitude", "longitude", "department", "institution_type")
            },
            "keid_property_number": "KEID-777777",
        },
        headers=h("sd-keid"),
    )
    assert clash.status_code == 409
    swapped = api.post(
        "/api/v1/buildings",
        json={
            "name": "X",
            "address": "Y 1",
            "postal_code": "2300",
            "latitude": 12.6,
            "longitude": 55.6,
            "department": "KFF",
            "institution_type": "andet",
        },
        headers=h("sd-keid"),
    )
    assert swapped.status_code == 422 and {e["field"] for e in swapped.json()["errors"]} == {"/latitude", "/longitude"}
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
    document = api.post(
        f"/api/v1/buildings/{building['id']}/documents",
        files={"file": ("plan.pdf", pdf, "application/pdf")},
        data={"title": "Plantegning – varmeanlæg", "kind": "teknisk_installation"},
        headers=h("tl-susanne"),
    )
    assert document.status_code == 201, document.text
    exe = api.post(
        f"/api/v1/buildings/{building['id']}/documents",
        files={"file": ("virus.pdf", b"MZ\x90\x00", "application/pdf")},
        data={"title": "x"},
        headers=h("tl-susanne"),
    )
    assert exe.status_code == 422 and exe.json()["errors"][0]["field"] == "/file"
    detail = api.get(f"/api/v1/buildings/{building['id']}", headers=h("vv-lars")).json()
    assert detail["documents"][0]["title"] == "Plantegning – varmeanlæg" and detail["team"]["name"] == "Team Øst"
    downloaded = api.get(detail["documents"][0]["download_url"], headers=h("vv-lars"))
    assert downloaded.content == pdf and downloaded.headers["content-type"] == "application/pdf"
    # Caretakers: skills must exist, hours must be in order.
    bad = api.post(
        "/api/v1/caretakers",
        json={
            "name": "Ny",
            "team_id": str(world["east"]),
            "skills": ["el", "trylleri"],
            "home_latitude": 55.65,
            "home_longitude": 12.6,
        },
        headers=h("tl-susanne"),
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "/skills/1"
    hours = api.post(
        "/api/v1/caretakers",
        json={
            "name": "Ny",
            "team_id": str(world["east"]),
            "home_latitude": 55.65,
            "home_longitude": 12.6,
            "work_start": "15:00",
            "work_end": "07:00",
        },
        headers=h("tl-susanne"),
    )
    assert hours.status_code == 422
    ok = api.post(
        "/api/v1/caretakers",
        json={
            "name": "Ny Vicevært",
            "team_id": str(world["east"]),
            "skills": ["el"],
            "home_latitude": 55.65,
            "home_longitude": 12.6,
            "work_end": "24:00",
        },
        headers=h("tl-susanne"),
    )
    assert ok.status_code == 201 and ok.json()["work_end"] == "24:00"
    other_team = api.post(
        "/api/v1/caretakers",
        json={"name": "Ny", "team_id": str(world["other"]), "home_latitude": 55.65, "home_longitude": 12.6},
        headers=h("tl-susanne"),
    )
    assert other_team.status_code == 422 and other_team.json()["errors"][0]["field"] == "/team_id"
