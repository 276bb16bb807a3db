"""What the caretaker pages' offline queue relies on: the status flow in the task detail, and that a report whose
answer was lost (sent online, then again from the queue through the sync endpoint) is stored once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from services.viceværtsopgaver.task.vocabulary import CARETAKER_STATUSES, allowed_next


def test_assignee_gets_the_status_flow_for_offline_buttons_others_do_not(api, h, world, order):
    task = order("vandhane")
    assert task["assigned_caretaker"]["id"] == str(world["lars"])
    mine = api.get(f"/api/v1/tasks/{task['id']}", headers=h("vv-lars")).json()
    flow = mine["next_statuses_after"]
    assert set(flow) == set(CARETAKER_STATUSES)
    for status, following in flow.items():
        assert following == [s for s in allowed_next(status) if s != "annulleret"]
    assert "loest" in flow["i_gang"] and "loest" not in flow["paa_vej"]
    assert api.get(f"/api/v1/tasks/{task['id']}", headers=h("tl-susanne")).json()["next_statuses_after"] == {}
    assert api.get(f"/api/v1/tasks/{task['id']}", headers=h("best-amagerbro")).json()["next_statuses_after"] == {}


def test_report_sent_online_and_again_from_the_queue_is_stored_once_with_the_phones_time(api, h, world, order):
    from services.viceværtsopgaver.task.models import StatusChange
    from shared.db import session_scope

    task = order("vandhane")
    # Half a minute ago on the phone (after the assignment, so the report applies rather than counting as late).
    phone_time = (datetime.now(UTC) - timedelta(seconds=30)).replace(microsecond=123000)
    report = {
        "status": "paa_vej",
        "note": "Kommer nu.",
        "occurred_at": phone_time.isoformat(),
        "client_update_id": str(uuid.uuid4()),
        "photo_ids": [],
    }
    first = api.post(f"/api/v1/tasks/{task['id']}/status-changes", json=report, headers=h("vv-lars"))
    assert first.status_code == 201, first.text
    # The answer never reached the phone, so the queue sends the same report through the sync endpoint.
    synced = api.post(
        "/api/v1/sync/status-changes",
        json={"status_changes": [{**report, "task_id": task["id"]}]},
        headers=h("vv-lars"),
    )
    assert synced.status_code == 200, synced.text
    (result,) = synced.json()["results"]
    assert result["ok"] is True and result["status_change_id"] == first.json()["id"]
    with session_scope() as s:
        rows = s.scalars(select(StatusChange).where(StatusChange.task_id == uuid.UUID(task["id"]))).all()
        (change,) = [r for r in rows if r.status == "paa_vej"]
        assert change.occurred_at == phone_time and change.outcome == "applied"
