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


def test_a_photo_resent_from_the_queue_with_its_key_is_stored_once_and_goes_with_the_report_once(api, h, world, order):
    """The queue uploads a waiting photo with the key made on the phone; when the answer is lost it sends the
    same file with the same key again, and then the report (twice, as after a lost sync answer)."""
    from vv_helpers import png_bytes

    from services.viceværtsopgaver.common.files import clean_photo
    from services.viceværtsopgaver.task.models import StatusChange, TaskPhoto
    from shared.db import session_scope

    def lars_photos() -> list[TaskPhoto]:
        with session_scope() as s:
            return list(s.scalars(select(TaskPhoto).where(TaskPhoto.uploaded_by_sub == "vv-lars")))

    task = order("vandhane")
    before = len(lars_photos())
    picture = png_bytes((40, 30), "green")
    key = {**h("vv-lars"), "Idempotency-Key": str(uuid.uuid4())}
    first = api.post("/api/v1/photos", files={"file": ("billede.png", picture, "image/png")}, headers=key)
    assert first.status_code == 201, first.text
    again = api.post("/api/v1/photos", files={"file": ("billede.png", picture, "image/png")}, headers=key)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    photos = lars_photos()
    assert len(photos) == before + 1
    (stored,) = [p for p in photos if str(p.id) == first.json()["id"]]
    assert stored.content_type == "image/png" and stored.sha256 == clean_photo(picture).sha256

    # Another file under the same key is refused; the checks of size and type still apply to keyed uploads.
    other = api.post(
        "/api/v1/photos", files={"file": ("andet.png", png_bytes((8, 8), "blue"), "image/png")}, headers=key
    )
    assert other.status_code == 422 and other.json()["type"].endswith("/idempotency_key_reused")
    fresh = {**h("vv-lars"), "Idempotency-Key": str(uuid.uuid4())}
    not_an_image = api.post("/api/v1/photos", files={"file": ("x.png", b"ikke et billede", "image/png")}, headers=fresh)
    assert not_an_image.status_code == 422 and not_an_image.json()["errors"][0]["code"] == "unsupported_image"
    too_big = api.post(
        "/api/v1/photos",
        files={"file": ("stor.png", b"\x89PNG" + b"0" * (10 * 1024 * 1024), "image/png")},
        headers=fresh,
    )
    assert too_big.status_code == 413 and too_big.json()["errors"][0]["field"] == "/file"
    # A refused upload does not use up its key.
    retried = api.post("/api/v1/photos", files={"file": ("ok.png", png_bytes((9, 9)), "image/png")}, headers=fresh)
    assert retried.status_code == 201, retried.text
    assert len(lars_photos()) == before + 2

    report = {
        "task_id": task["id"],
        "status": "paa_vej",
        "note": "Billede af vandhanen.",
        "occurred_at": (datetime.now(UTC) - timedelta(seconds=20)).isoformat(),
        "client_update_id": str(uuid.uuid4()),
        "photo_ids": [first.json()["id"]],
    }
    for _ in range(2):
        synced = api.post("/api/v1/sync/status-changes", json={"status_changes": [report]}, headers=h("vv-lars"))
        assert synced.status_code == 200 and synced.json()["results"][0]["ok"] is True, synced.text
    with session_scope() as s:
        changes = s.scalars(
            select(StatusChange).where(
                StatusChange.task_id == uuid.UUID(task["id"]),
                StatusChange.client_update_id == report["client_update_id"],
            )
        ).all()
        assert len(changes) == 1
        attached = s.scalars(select(TaskPhoto).where(TaskPhoto.status_change_id == changes[0].id)).all()
        assert [str(p.id) for p in attached] == [first.json()["id"]]
