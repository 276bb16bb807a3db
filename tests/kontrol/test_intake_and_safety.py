"""Bad input and safety: malformed lists rejected whole, unknown cases, roles, no CPR in logs or URLs."""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy import func, select

from services.kontrol.models import Candidate, ImportBatch


def _csv(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def test_malformed_file_is_rejected_with_line_errors_and_nothing_imported(world, session, client_for, auth) -> None:
    client = client_for("kontrol")
    good = world.outsider_cprs
    today = date.today().isoformat()
    content = _csv(
        [
            "liste_id;kriterie;udtraeksdato;cpr;bemaerkning",
            f"L-1;mange_paa_adressen;{today};{good[0]};",
            f"L-1;mange_paa_adressen;{today};3213901234;",  # day 32
            f"L-1;mange_paa_adressen;{today};{good[0]};",  # duplicate
            f"L-1;mange_paa_adressen;{today};12345;",
            f"L-1;mange_paa_adressen;{today};{good[1]};en bemærkning",
        ]
    )
    response = client.post(
        "/api/v1/register-match-lists/files",
        files={"file": ("liste.csv", content, "text/csv")},
        headers=auth("sb-anne", "kontrol"),
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    fields = {(e["field"], e["code"]) for e in response.json()["errors"]}
    assert fields == {
        ("/file/lines/3/cpr", "invalid_cpr"),
        ("/file/lines/4/cpr", "duplicate_cpr"),
        ("/file/lines/5/cpr", "invalid_cpr"),
    }
    assert all(e["message"] and "CPR" in e["message"] for e in response.json()["errors"])
    assert session.scalar(select(func.count()).select_from(Candidate)) == 0
    assert session.scalar(select(func.count()).select_from(ImportBatch)) == 0


def test_valid_file_imports_and_reimport_creates_no_duplicates(world, session, client_for, auth) -> None:
    client = client_for("kontrol")
    today = date.today().isoformat()
    lines = ["liste_id;kriterie;udtraeksdato;cpr;bemaerkning"] + [
        f"L-2;faelles_barn_uden_faelles_bopael;{today};{c[:6]}-{c[6:]};" for c in world.outsider_cprs[:8]
    ]
    headers = auth("sb-anne", "kontrol")
    first = client.post(
        "/api/v1/register-match-lists/files", files={"file": ("l.csv", _csv(lines), "text/csv")}, headers=headers
    )
    assert first.status_code == 201, first.text
    second = client.post(
        "/api/v1/register-match-lists/files", files={"file": ("l.csv", _csv(lines), "text/csv")}, headers=headers
    )
    assert second.status_code == 200 and second.json()["already_imported"]
    other = client.post(
        "/api/v1/register-match-lists/files", files={"file": ("l.csv", _csv(lines[:-1]), "text/csv")}, headers=headers
    )
    assert other.status_code == 409
    overlap = client.post(
        "/api/v1/register-match-lists",
        json={
            "list_id": "L-3",
            "criterion_code": "mange_paa_adressen",
            "extracted_on": today,
            "rows": [{"cpr": world.outsider_cprs[0]}, {"cpr": world.outsider_cprs[20]}],
        },
        headers=headers,
    )
    assert overlap.status_code == 201 and overlap.json()["created_count"] == 1 and overlap.json()["existing_count"] == 1
    assert session.scalar(select(func.count()).select_from(Candidate)) == 9


def test_json_list_errors_point_into_the_body(world, client_for, auth) -> None:
    response = client_for("kontrol").post(
        "/api/v1/register-match-lists",
        json={
            "list_id": "L-4",
            "criterion_code": "ukendt",
            "extracted_on": date.today().isoformat(),
            "rows": [{"cpr": "xx"}],
        },
        headers=auth("sb-anne", "kontrol"),
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"/criterion_code", "/rows/0/cpr"}


def test_bad_cpr_unknown_case_and_roles(world, session, client_for, auth) -> None:
    client = client_for("kontrol")
    anne = auth("sb-anne", "kontrol")
    bad = client.post("/api/v1/referrals", json={"cpr": "3102901234", "channel": "politi"}, headers=anne)
    assert bad.status_code == 422 and bad.json()["errors"][0] == {
        "field": "/cpr",
        "code": "invalid_cpr",
        "message": bad.json()["errors"][0]["message"],
    }
    unknown = "00000000-0000-4000-8000-000000000000"
    assert client.get(f"/api/v1/cases/{unknown}", headers=anne).status_code == 404
    assert client.post(f"/api/v1/cases/{unknown}/openings", json={"purpose": "test"}, headers=anne).status_code == 404
    assert client.get("/api/v1/queue", headers=auth("admin", "kontrol")).status_code == 403
    assert client.get("/api/v1/queue").status_code == 401
    assert client.get("/api/v1/reports/fairness", headers=anne).status_code == 403
    referral = client.post("/api/v1/referrals", json={"cpr": world.outsider_cprs[5], "channel": "politi"}, headers=anne)
    candidate_id = referral.json()["candidate_id"]
    decision = client.post(
        f"/api/v1/cases/{candidate_id}/decisions",
        json={"outcome": "ingen_samfundsbesparelse", "cpr_corrected": False, "decided_on": date.today().isoformat()},
        headers=anne,
    )
    assert decision.status_code == 409 and decision.json()["type"].endswith("case_not_opened")
    not_ready = client.post(f"/api/v1/cases/{candidate_id}/openings", json={"purpose": "test"}, headers=anne)
    assert not_ready.status_code == 409
    assert session.scalar(select(Candidate.status).where(Candidate.id == candidate_id)) == "received"


def test_no_cpr_in_logs_or_openapi_urls(world, client_for, auth, run_tasks, caplog, import_list) -> None:
    client = client_for("kontrol")
    cprs = world.outsider_cprs[:10]
    with caplog.at_level(logging.DEBUG):
        import_list(cprs)
        client.post("/api/v1/gathering-runs", headers=auth("sb-anne", "kontrol"))
        run_tasks()
        client.get("/api/v1/queue", headers=auth("sb-anne", "kontrol"))
    logged = "\n".join(r.getMessage() + str(r.__dict__) for r in caplog.records)
    assert not any(c in logged for c in cprs)
    paths = client.get("/openapi.json").json()["paths"]
    for path, operations in paths.items():
        if path.startswith("/api/v1/") and "dev" not in path:
            for operation in operations.values():
                names = {p["name"].lower() for p in operation.get("parameters", []) if p["in"] in ("path", "query")}
                assert not names & {"cpr", "name", "navn", "address"}, path


def test_settings_use_optimistic_concurrency(world, client_for, auth) -> None:
    client = client_for("kontrol")
    admin = auth("admin", "kontrol")
    current = client.get("/api/v1/settings", headers=admin)
    etag = current.headers["etag"]
    assert client.patch("/api/v1/settings", json={"capacity_per_period": 40}, headers=admin).status_code == 428
    ok = client.patch("/api/v1/settings", json={"capacity_per_period": 40}, headers={**admin, "If-Match": etag})
    assert ok.status_code == 200 and ok.json()["capacity_per_period"] == 40
    stale = client.patch("/api/v1/settings", json={"control_share": 0.3}, headers={**admin, "If-Match": etag})
    assert stale.status_code == 412
    assert (
        client.patch(
            "/api/v1/settings", json={"control_share": 2}, headers={**admin, "If-Match": ok.headers["etag"]}
        ).status_code
        == 422
    )
    assert (
        client.patch(
            "/api/v1/settings",
            json={"capacity_per_period": 1},
            headers={**auth("sb-anne", "kontrol"), "If-Match": etag},
        ).status_code
        == 403
    )
