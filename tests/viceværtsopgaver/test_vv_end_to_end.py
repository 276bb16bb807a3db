"""The issue's end-to-end paths on PostgreSQL: QR order to solved-and-reported, and team-leader reassignment."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from vv_helpers import age_task


def _count(model: object, *where: object) -> int:
    from shared.db import session_scope

    with session_scope() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)  # type: ignore[arg-type]


def test_qr_scan_to_solved_task_counted_in_reports(api, h, world, run_tasks):
    from services.viceværtsopgaver.notify.models import Notification, SimulatedEmail
    from shared.notifications.models import SimulatedSms

    # Service desk prints a QR code for the water tap in the school's toilet.
    code = api.post(
        f"/api/v1/buildings/{world['school']}/qr-codes",
        json={"room_id": str(world["room"]), "component_id": str(world["tap"])},
        headers=h("sd-keid"),
    )
    assert code.status_code == 201, code.text
    qr = code.json()
    assert qr["url"].endswith(f"/bestil?t={qr['token']}")
    assert str(world["school"]) not in qr["token"] and str(world["tap"]) not in qr["token"]
    image = api.get(qr["image_png_url"], headers=h("sd-keid"))
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")

    # The orderer scans it: location and time are filled in.
    scan = api.post("/api/v1/qr-scans", json={"token": qr["token"]}, headers=h("best-amagerbro"))
    assert scan.status_code == 201, scan.text
    scanned = scan.json()
    assert scanned["building"]["id"] == str(world["school"])
    assert scanned["room"]["name"] == "Toilet stueetagen" and scanned["component"]["id"] == str(world["tap"])
    assert scanned["may_order"] is True

    created = api.post(
        "/api/v1/tasks",
        json={
            "qr_scan_id": scanned["scan_id"],
            "task_type_id": str(world["type:vandhane"]),
            "description": "Vandhanen på drengetoilettet drypper konstant.",
        },
        headers={**h("best-amagerbro"), "Idempotency-Key": "order-1"},
    )
    assert created.status_code == 201, created.text
    task = created.json()
    assert task["source"] == "qr"
    assert task["building"]["id"] == str(world["school"]) and task["component"]["id"] == str(world["tap"])
    assert task["reported_at"] == scanned["scanned_at"]
    # Nearest qualified caretaker on duty: Lars (300 m) rather than Ali (2.5 km); the reason is recorded.
    assert task["status"] == "tildelt"
    assert task["assigned_caretaker"]["name"] == "Lars Viceværter"
    detail = api.get(f"/api/v1/tasks/{task['id']}", headers=h("tl-susanne")).json()
    decision = detail["assignments"][-1]
    assert decision["reason_code"] == "auto_nearest_least_loaded"
    assert "Lars Viceværter" in decision["reason"] and "km" in decision["reason"]
    chosen, others = decision["details"]["chosen"], decision["details"]["candidates"]
    assert chosen["distance_km"] < next(c for c in others if c["caretaker_id"] == str(world["ali"]))["distance_km"]

    # An hour later Lars is on his way (his phone's timestamp counts); the orderer hears it in the portal,
    # by SMS and by e-mail.
    from shared.db import utcnow

    age_task(task["id"], 60)
    run_tasks()
    on_way = api.post(
        f"/api/v1/tasks/{task['id']}/status-changes",
        json={
            "status": "på vej",
            "note": "Kommer om 10 min.",
            "occurred_at": (utcnow() - timedelta(minutes=45)).isoformat(),
        },
        headers=h("vv-lars"),
    )
    assert on_way.status_code == 201, on_way.text
    assert on_way.json()["status"] == "paa_vej"
    run_tasks()
    inbox = api.get("/api/v1/me/notifications", headers=h("best-amagerbro")).json()["items"]
    titles = [n["title"] for n in inbox]
    assert f"{task['case_number']}: på vej" in titles and f"{task['case_number']}: tildelt" in titles
    on_way_note = next(n for n in inbox if n["title"].endswith("på vej"))
    assert "Kommer om 10 min." in on_way_note["body"] and set(on_way_note["channels"]) == {"sms", "email"}
    assert _count(SimulatedSms, SimulatedSms.to_msisdn == "+4520123456") == 2
    assert _count(SimulatedEmail, SimulatedEmail.to_address == "lis@amagerbro.kk.dk") == 2

    # Work starts (timer starts with it), the fix is done.
    detail = api.get(f"/api/v1/tasks/{task['id']}", headers=h("vv-lars")).json()
    assert "i_gang" in detail["allowed_next_statuses"]
    started = utcnow() - timedelta(minutes=35)
    assert (
        api.post(
            f"/api/v1/tasks/{task['id']}/status-changes",
            json={"status": "i_gang", "occurred_at": started.isoformat()},
            headers=h("vv-lars"),
        ).status_code
        == 201
    )
    solved = api.post(
        f"/api/v1/tasks/{task['id']}/status-changes",
        json={"status": "løst", "note": "Pakning skiftet."},
        headers=h("vv-lars"),
    )
    assert solved.status_code == 201 and solved.json()["status"] == "loest"
    entries = api.get(f"/api/v1/tasks/{task['id']}/time-entries", headers=h("vv-lars")).json()
    assert len(entries) == 1 and entries[0]["ended_at"] is not None and 34 <= entries[0]["minutes"] <= 36
    run_tasks()
    assert _count(Notification, Notification.recipient_sub == "best-amagerbro") == 4  # tildelt, på vej, i gang, løst

    # Reports count the solved task and its time.
    by_building = api.get("/api/v1/reports/hours-per-building", headers=h("tl-susanne")).json()
    row = next(r for r in by_building["rows"] if r["building_id"] == str(world["school"]))
    assert row["tasks"] == 1 and 0.55 <= row["hours"] <= 0.6
    by_type = api.get("/api/v1/reports/tasks-by-type", headers=h("tl-susanne")).json()
    tap_row = next(r for r in by_type["rows"] if r["task_type"] == "Dryppende vandhane/blandingsbatteri")
    assert tap_row["created"] == 1 and tap_row["solved"] == 1 and tap_row["median_lead_hours"] is not None
    first = api.get("/api/v1/reports/first-visit", headers=h("tl-susanne")).json()
    assert first["summary"] == {"solved": 1, "first_visit": 1, "share_percent": 100.0}
    components = api.get("/api/v1/reports/failing-components", headers=h("tl-susanne")).json()
    assert components["rows"][0]["component_kind"] == "blandingsbatteri" and components["rows"][0]["failures"] == 1
    # The orderer sees the same report for their own institution.
    own = api.get("/api/v1/reports/hours-per-building", headers=h("best-amagerbro")).json()
    assert [r["building_id"] for r in own["rows"]] == [str(world["school"])]
    # The retried order (same Idempotency-Key) returns the first task, not a second one.
    again = api.post(
        "/api/v1/tasks",
        json={
            "qr_scan_id": scanned["scan_id"],
            "task_type_id": str(world["type:vandhane"]),
            "description": "Vandhanen på drengetoilettet drypper konstant.",
        },
        headers={**h("best-amagerbro"), "Idempotency-Key": "order-1"},
    )
    assert again.status_code == 200 and again.json()["id"] == task["id"]


def test_team_leader_reassigns_and_offline_update_is_kept_not_applied(api, h, world, order, run_tasks):
    from services.viceværtsopgaver.notify.models import Notification

    task = order("el_fejl", building="sol", user="best-solsikken")
    assert task["assigned_caretaker"]["name"] in ("Lars Viceværter", "Ali Hassan")
    first = task["assigned_caretaker"]["id"]
    lars_first = first == str(world["lars"])
    holder, other = ("vv-lars", "vv-ali") if lars_first else ("vv-ali", "vv-lars")
    other_id = str(world["ali"] if lars_first else world["lars"])
    detail = api.get(f"/api/v1/tasks/{task['id']}", headers=h("tl-susanne"))
    etag = detail.headers["etag"]

    # The team leader moves it; a stale ETag is refused, the current one works.
    stale = api.post(
        f"/api/v1/tasks/{task['id']}/assignments",
        json={"caretaker_id": other_id, "note": "Har materialet i bilen."},
        headers={**h("tl-susanne"), "If-Match": '"999"'},
    )
    assert stale.status_code == 412
    moved = api.post(
        f"/api/v1/tasks/{task['id']}/assignments",
        json={"caretaker_id": other_id, "note": "Har materialet i bilen."},
        headers={**h("tl-susanne"), "If-Match": etag},
    )
    assert moved.status_code == 201, moved.text
    assert moved.json()["reason_code"] == "teamleder_reassign"
    assert "Har materialet i bilen." in moved.json()["reason"] and "Susanne" in moved.json()["reason"]

    # The first holder's phone was offline: its 'i gang' from before the move is kept but changes nothing.
    from shared.db import utcnow

    offline = api.post(
        "/api/v1/sync/status-changes",
        json={
            "status_changes": [
                {
                    "task_id": task["id"],
                    "status": "i_gang",
                    "occurred_at": (utcnow() - timedelta(minutes=1)).isoformat(),
                    "client_update_id": "phone-1",
                }
            ]
        },
        headers=h(holder),
    )
    assert offline.status_code == 200, offline.text
    result = offline.json()["results"][0]
    assert result["ok"] is True and result["outcome"] == "superseded" and result["task_status"] == "tildelt"
    run_tasks()
    assert _count(Notification, Notification.recipient_sub == "tl-susanne", Notification.kind == "conflict") == 1

    # The new holder finishes the task; the former holder cannot change it any more than before.
    assert (
        api.post(f"/api/v1/tasks/{task['id']}/status-changes", json={"status": "i_gang"}, headers=h(other)).status_code
        == 201
    )
    assert (
        api.post(f"/api/v1/tasks/{task['id']}/status-changes", json={"status": "loest"}, headers=h(other)).status_code
        == 201
    )
    final = api.get(f"/api/v1/tasks/{task['id']}", headers=h("tl-susanne")).json()
    assert final["status"] == "loest" and final["assigned_caretaker"]["id"] == other_id
    assert [a["reason_code"] for a in final["assignments"]] == ["auto_nearest_least_loaded", "teamleder_reassign"]
    assert [c["outcome"] for c in final["status_changes"]].count("superseded") == 1
