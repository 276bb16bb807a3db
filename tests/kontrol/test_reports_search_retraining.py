"""Notes search restricted to opened cases, reports (alert, savings, fairness), control group, retraining."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from services.kontrol.models import Candidate, SimMunicipalNote
from services.kontrol.priority.service import assign_arm


def _release_everything(client, auth) -> None:
    admin = auth("admin", "kontrol")
    etag = client.get("/api/v1/settings", headers=admin).headers["etag"]
    response = client.patch("/api/v1/settings", json={"capacity_per_period": 500}, headers={**admin, "If-Match": etag})
    assert response.status_code == 200


def test_search_reports_and_retraining(world, session, client_for, auth, run_tasks, import_list) -> None:
    client = client_for("kontrol")
    anne, bo = auth("sb-anne", "kontrol"), auth("sb-bo", "kontrol")
    assert import_list(world.outsider_cprs[:50]).status_code == 201
    client.post("/api/v1/gathering-runs", headers=anne)
    run_tasks()
    _release_everything(client, auth)

    with_notes = set(session.scalars(select(SimMunicipalNote.cpr_pseudonym)))
    candidate = session.scalar(
        select(Candidate).where(Candidate.cpr_pseudonym.in_(with_notes), Candidate.status == "gathered").limit(1)
    )
    assert candidate is not None, "the simulated world gives some people municipal notes"
    note = session.scalar(
        select(SimMunicipalNote.body).where(SimMunicipalNote.cpr_pseudonym == candidate.cpr_pseudonym)
    )
    word = max(note.rstrip(".").split(), key=len)

    before = client.post("/api/v1/note-searches", json={"query": word}, headers=anne).json()["items"]
    assert before == [], "notes of candidates that are not opened cannot be searched"
    opened = client.post(f"/api/v1/cases/{candidate.id}/openings", json={"purpose": "Noter om bopæl"}, headers=anne)
    assert opened.status_code == 201, opened.text
    hits = client.post("/api/v1/note-searches", json={"query": word}, headers=anne).json()["items"]
    assert hits and all(h["case_id"] == str(candidate.id) for h in hits)
    assert "<b>" in hits[0]["snippet"], "PostgreSQL ts_headline marks the Danish-stemmed match"
    assert client.post("/api/v1/note-searches", json={"query": word}, headers=bo).json()["items"] == []

    decided = client.post(
        f"/api/v1/cases/{candidate.id}/decisions",
        json={"outcome": "ingen_samfundsbesparelse", "cpr_corrected": False, "decided_on": date.today().isoformat()},
        headers=anne,
    )
    assert decided.status_code == 201, decided.text
    report = client.get("/api/v1/reports/precision", headers=anne).json()
    arm = candidate.arm
    assert report["months"][-1][arm]["decided"] == 1
    if arm == "model":
        assert report["alerts"] == [date.today().strftime("%Y-%m")]
    criteria = client.get("/api/v1/reports/criteria", headers=anne).json()["items"]
    assert {c["criterion"] for c in criteria} >= {"mange_paa_adressen", "faelles_barn_uden_faelles_bopael"}
    assert any(c["model_expected_hit_rate"] is not None for c in criteria)

    fairness = client.get("/api/v1/reports/fairness", headers=auth("admin", "kontrol")).json()
    assert set(fairness["selection"]["by_group"]) <= {"dansk", "vestlig", "ikke_vestlig"}
    assert 0 <= fairness["selection"]["disparity_ratio"] <= 1

    training = client.post("/api/v1/model-versions/trainings", headers=auth("admin", "kontrol"))
    assert training.status_code == 202
    run_tasks()
    versions = client.get("/api/v1/model-versions", headers=anne).json()
    assert [v["version"] for v in versions] == [2, 1]
    new, old = versions
    assert new["comparison"]["current_version"] == 1
    promoted = new["metrics"]["precision_at_cut"] >= new["comparison"]["current_metrics"]["precision_at_cut"]
    assert new["status"] == ("promoted" if promoted else "rejected")
    assert old["status"] == ("retired" if promoted else "promoted")
    assert new["training_snapshot"]["case_ids_sha256"] and new["artifact_sha256"]


def test_arm_assignment_is_reproducible_and_follows_the_share(world, session) -> None:
    import uuid

    from services.kontrol.priority.config import load_settings

    settings = load_settings(session)
    settings.control_share = 0.3
    arms = []
    for i in range(2000):
        candidate = Candidate(id=uuid.UUID(int=i + 1))
        assign_arm(session, candidate)
        again = Candidate(id=uuid.UUID(int=i + 1))
        assign_arm(session, again)
        assert (candidate.arm, candidate.arm_draw) == (again.arm, again.arm_draw)
        assert candidate.control_share_at_assignment == 0.3
        arms.append(candidate.arm)
    assert 0.26 < arms.count("control") / len(arms) < 0.34
    session.rollback()
