"""Caretaker work: allowed transitions, someone else's task, offline batches, idempotency, timers and corrections."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from vv_helpers import age_task


def _now():
    from shared.db import utcnow

    return utcnow()


def _changes(task_id: str) -> int:
    from services.viceværtsopgaver.task.models import StatusChange
    from shared.db import session_scope

    with session_scope() as s:
        return int(s.scalar(select(func.count()).select_from(StatusChange).where(StatusChange.task_id == task_id)) or 0)


def test_transition_not_allowed_is_409_and_nothing_changes(api, h, world, order):
    task = order("vandhane")
    before = _changes(task["id"])
    response = api.post(f"/api/v1/tasks/{task['id']}/status-changes", json={"status": "loest"}, headers=h("vv-lars"))
    assert response.status_code == 409
    body = response.json()
    assert body["type"].endswith("/invalid_transition") and body["current_status"] == "tildelt"
    assert "i_gang" in body["allowed_statuses"] and "'tildelt' til 'løst'" in body["detail"]
    assert _changes(task["id"]) == before
    # Unknown status values are validation errors with the allowed list.
    bad = api.post(f"/api/v1/tasks/{task['id']}/status-changes", json={"status": "færdig"}, headers=h("vv-lars"))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "/status"
    # "kan ikke løses" needs a reason.
    no_note = api.post(
        f"/api/v1/tasks/{task['id']}/status-changes", json={"status": "kan ikke løses"}, headers=h("vv-lars")
    )
    assert no_note.status_code == 422 and no_note.json()["errors"][0]["field"] == "/note"
    assert _changes(task["id"]) == before


def test_caretaker_cannot_update_someone_elses_task(api, h, world, order):
    task = order("vindue")  # Ali's
    response = api.post(f"/api/v1/tasks/{task['id']}/status-changes", json={"status": "modtaget"}, headers=h("vv-lars"))
    assert response.status_code == 403 and response.json()["type"].endswith("/not_assignee")
    assert api.get(f"/api/v1/tasks/{task['id']}", headers=h("vv-lars")).status_code == 404
    timer = api.post(f"/api/v1/tasks/{task['id']}/time-entries", json={}, headers=h("vv-lars"))
    assert timer.status_code == 404
    assert api.get("/api/v1/tasks", headers=h("vv-lars")).json()["items"] == []


def test_offline_batch_is_applied_in_time_order_and_is_idempotent(api, h, world, order, run_tasks):
    task = order("vandhane")
    age_task(task["id"], 120)
    now = _now()
    items = [
        {
            "task_id": task["id"],
            "status": "loest",
            "occurred_at": (now - timedelta(minutes=20)).isoformat(),
            "client_update_id": "u3",
            "note": "Ny pakning.",
        },
        {
            "task_id": task["id"],
            "status": "paa_vej",
            "occurred_at": (now - timedelta(minutes=90)).isoformat(),
            "client_update_id": "u1",
        },
        {
            "task_id": task["id"],
            "status": "i_gang",
            "occurred_at": (now - timedelta(minutes=75)).isoformat(),
            "client_update_id": "u2",
        },
    ]
    first = api.post("/api/v1/sync/status-changes", json={"status_changes": items}, headers=h("vv-lars"))
    assert first.status_code == 200, first.text
    results = first.json()["results"]
    assert [r["client_update_id"] for r in results] == ["u3", "u1", "u2"]  # answered in the order sent
    assert all(r["ok"] and r["outcome"] == "applied" for r in results)
    detail = api.get(f"/api/v1/tasks/{task['id']}", headers=h("vv-lars")).json()
    assert detail["status"] == "loest"
    assert [c["status"] for c in detail["status_changes"]] == ["tildelt", "paa_vej", "i_gang", "loest"]
    # Work time is the phone's i_gang → løst: 55 minutes.
    assert len(detail["time_entries"]) == 1 and 54.9 <= detail["time_entries"][0]["minutes"] <= 55.1
    # The phone sends the same batch again (it never saw the answer): same results, nothing new.
    again = api.post("/api/v1/sync/status-changes", json={"status_changes": items}, headers=h("vv-lars")).json()[
        "results"
    ]
    assert [r["status_change_id"] for r in again] == [r["status_change_id"] for r in results]
    assert _changes(task["id"]) == 4
    run_tasks()
    # The same id with different content is refused for that item only.
    changed = [{**items[0], "note": "Anden tekst"}]
    refused = api.post("/api/v1/sync/status-changes", json={"status_changes": changed}, headers=h("vv-lars")).json()[
        "results"
    ][0]
    assert refused["ok"] is False and refused["problem"]["code"] == "client_update_id_reused"


def test_late_update_is_kept_but_does_not_win(api, h, world, order):
    task = order("vandhane")
    age_task(task["id"], 60)
    now = _now()
    assert (
        api.post(
            f"/api/v1/tasks/{task['id']}/status-changes",
            json={"status": "i_gang", "occurred_at": (now - timedelta(minutes=10)).isoformat()},
            headers=h("vv-lars"),
        ).status_code
        == 201
    )
    # An older 'på vej' arrives afterwards from the same phone: history only.
    late = api.post(
        f"/api/v1/tasks/{task['id']}/status-changes",
        json={
            "status": "paa_vej",
            "occurred_at": (now - timedelta(minutes=30)).isoformat(),
            "client_update_id": "late-1",
        },
        headers=h("vv-lars"),
    )
    assert late.status_code == 201 and late.json()["outcome"] == "late"
    detail = api.get(f"/api/v1/tasks/{task['id']}", headers=h("vv-lars")).json()
    assert detail["status"] == "i_gang"
    assert [c["status"] for c in detail["status_changes"]] == ["tildelt", "paa_vej", "i_gang"]
    # Timestamps in the future or too old are refused.
    future = api.post(
        f"/api/v1/tasks/{task['id']}/status-changes",
        json={"status": "afventer", "occurred_at": (now + timedelta(hours=1)).isoformat()},
        headers=h("vv-lars"),
    )
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "/occurred_at"
    naive = api.post(
        f"/api/v1/tasks/{task['id']}/status-changes",
        json={"status": "afventer", "occurred_at": "2026-01-01T10:00:00"},
        headers=h("vv-lars"),
    )
    assert naive.status_code == 422 and naive.json()["errors"][0]["field"] == "/occurred_at"


def test_status_change_with_photo_and_same_status_note(api, h, world, order, run_tasks):
    from vv_helpers import png_bytes

    task = order("vandhane")
    photo = api.post("/api/v1/photos", files={"file": ("p.png", png_bytes(), "image/png")}, headers=h("vv-lars")).json()
    waiting = api.post(
        f"/api/v1/tasks/{task['id']}/status-changes",
        json={"status": "afventer", "note": "Afventer reservedel fra grossist.", "photo_ids": [photo["id"]]},
        headers={**h("vv-lars"), "Idempotency-Key": "afv-1"},
    )
    assert waiting.status_code == 201 and waiting.json()["photo_ids"] == [photo["id"]]
    repeat = api.post(
        f"/api/v1/tasks/{task['id']}/status-changes",
        json={"status": "afventer", "note": "Afventer reservedel fra grossist.", "photo_ids": [photo["id"]]},
        headers={**h("vv-lars"), "Idempotency-Key": "afv-1"},
    )
    assert repeat.status_code == 200 and repeat.json()["id"] == waiting.json()["id"]
    note = api.post(
        f"/api/v1/tasks/{task['id']}/status-changes",
        json={"status": "afventer", "note": "Leveres torsdag."},
        headers=h("vv-lars"),
    )
    assert note.status_code == 201
    run_tasks()
    bodies = [n["body"] for n in api.get("/api/v1/me/notifications", headers=h("best-amagerbro")).json()["items"]]
    assert any("Leveres torsdag." in b for b in bodies) and any("grossist" in b for b in bodies)


def test_timer_start_stop_manual_entry_and_overlap(api, h, world, order):
    from services.viceværtsopgaver.common.workhours import local_date

    a, b = order("vandhane"), order("el_fejl")
    lars_task = a if a["assigned_caretaker"]["id"] == str(world["lars"]) else b
    other = b if lars_task is a else a
    now = _now()
    start = api.post(
        f"/api/v1/tasks/{lars_task['id']}/time-entries",
        json={"started_at": (now - timedelta(minutes=30)).isoformat(), "client_entry_id": "t-1"},
        headers=h("vv-lars"),
    )
    assert start.status_code == 201 and start.json()["ended_at"] is None
    again = api.post(
        f"/api/v1/tasks/{lars_task['id']}/time-entries",
        json={"started_at": (now - timedelta(minutes=30)).isoformat(), "client_entry_id": "t-1"},
        headers=h("vv-lars"),
    )
    assert again.status_code == 200 and again.json()["id"] == start.json()["id"]
    stop = api.post(f"/api/v1/time-entries/{start.json()['id']}/stops", json={}, headers=h("vv-lars"))
    assert stop.status_code == 200 and 29.9 <= stop.json()["minutes"] <= 30.1
    assert (
        api.post(f"/api/v1/time-entries/{start.json()['id']}/stops", json={}, headers=h("vv-lars")).status_code == 409
    )
    overlap = api.post(
        f"/api/v1/tasks/{lars_task['id']}/time-entries",
        json={
            "started_at": (now - timedelta(minutes=40)).isoformat(),
            "ended_at": (now - timedelta(minutes=20)).isoformat(),
        },
        headers=h("vv-lars"),
    )
    assert overlap.status_code == 409 and overlap.json()["type"].endswith("/time_overlap")
    backwards = api.post(
        f"/api/v1/tasks/{lars_task['id']}/time-entries",
        json={
            "started_at": (now - timedelta(minutes=60)).isoformat(),
            "ended_at": (now - timedelta(minutes=70)).isoformat(),
        },
        headers=h("vv-lars"),
    )
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "/ended_at"
    manual = api.post(
        f"/api/v1/tasks/{lars_task['id']}/time-entries",
        json={
            "started_at": (now - timedelta(minutes=90)).isoformat(),
            "ended_at": (now - timedelta(minutes=60)).isoformat(),
            "note": "Første besøg",
        },
        headers=h("vv-lars"),
    )
    assert manual.status_code == 201 and manual.json()["source"] == "manual"
    # Someone else's entry cannot be stopped; another's task cannot be timed.
    assert api.post(f"/api/v1/time-entries/{start.json()['id']}/stops", json={}, headers=h("vv-ali")).status_code == 404
    if other["assigned_caretaker"]["id"] != str(world["lars"]):
        assert api.post(f"/api/v1/tasks/{other['id']}/time-entries", json={}, headers=h("vv-lars")).status_code == 404
    # "Mine" is per Copenhagen day; shortly after midnight the two entries fall on two days.
    days = sorted({local_date(now - timedelta(minutes=minutes)) for minutes in (30, 90)})
    mine = [
        entry
        for day in days
        for entry in api.get("/api/v1/me/time-entries", params={"day": day.isoformat()}, headers=h("vv-lars")).json()
    ]
    assert len(mine) == 2


def test_team_leader_correction_is_kept_and_audited(api, h, world, order):
    from shared.audit.models import AuditEvent
    from shared.db import session_scope

    task = order("vandhane")
    now = _now()
    entry = api.post(
        f"/api/v1/tasks/{task['id']}/time-entries",
        json={
            "started_at": (now - timedelta(minutes=50)).isoformat(),
            "ended_at": (now - timedelta(minutes=10)).isoformat(),
        },
        headers=h("vv-lars"),
    )
    assert entry.status_code == 201
    entry_id, etag = entry.json()["id"], entry.headers["etag"]
    body = {
        "started_at": (now - timedelta(minutes=45)).isoformat(),
        "ended_at": (now - timedelta(minutes=15)).isoformat(),
        "reason": "Glemte at stoppe uret.",
    }
    assert (
        api.post(f"/api/v1/time-entries/{entry_id}/corrections", json=body, headers=h("tl-susanne")).status_code == 428
    )
    assert (
        api.post(
            f"/api/v1/time-entries/{entry_id}/corrections", json=body, headers={**h("tl-susanne"), "If-Match": '"7"'}
        ).status_code
        == 412
    )
    assert (
        api.post(
            f"/api/v1/time-entries/{entry_id}/corrections", json=body, headers={**h("vv-lars"), "If-Match": etag}
        ).status_code
        == 403
    )
    done = api.post(
        f"/api/v1/time-entries/{entry_id}/corrections", json=body, headers={**h("tl-susanne"), "If-Match": etag}
    )
    assert done.status_code == 201, done.text
    history = api.get(f"/api/v1/time-entries/{entry_id}/corrections", headers=h("tl-susanne")).json()
    assert len(history) == 1 and history[0]["reason"] == "Glemte at stoppe uret."
    entries = api.get(f"/api/v1/tasks/{task['id']}/time-entries", headers=h("tl-susanne")).json()
    assert entries[0]["corrected"] is True and 29.9 <= entries[0]["minutes"] <= 30.1
    with session_scope() as s:
        audit = s.scalars(select(AuditEvent).where(AuditEvent.action == "time_entry.corrected")).all()
        assert len(audit) == 1 and audit[0].actor_sub == "tl-susanne" and audit[0].details["old_minutes"] == 40.0


def test_my_tasks_in_planned_order(api, h, world, order):
    first = order("vandhane", building="sol", user="best-solsikken")
    second = order("lyskilde", building="school")
    mine = api.get("/api/v1/me/tasks", headers=h("vv-lars"))
    assert mine.status_code == 200
    ids = [t["id"] for t in mine.json()]
    lars_tasks = [t["id"] for t in (first, second) if t["assigned_caretaker"]["id"] == str(world["lars"])]
    assert sorted(ids) == sorted(lars_tasks)
    plan = api.get("/api/v1/me/day-plan", headers=h("vv-lars")).json()
    assert [t for stop in plan["stops"] for t in stop["task_ids"]] == ids
    assert plan["algorithm"].startswith("nearest-neighbour")
    assert api.get("/api/v1/me/tasks", headers=h("best-amagerbro")).status_code == 403
