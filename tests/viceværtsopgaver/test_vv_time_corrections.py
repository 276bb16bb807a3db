"""The team leader's list of a caretaker's time registrations (for corrections), and the correction rules it relies on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _entry(api, h, task_id: str, start: datetime, end: datetime, user: str = "vv-lars") -> dict:
    response = api.post(
        f"/api/v1/tasks/{task_id}/time-entries",
        json={"started_at": start.isoformat(), "ended_at": end.isoformat()},
        headers=h(user),
    )
    assert response.status_code == 201, response.text
    return response.json()


def _lars_task(order, world) -> dict:
    task = order("vandhane")
    assert task["assigned_caretaker"]["id"] == str(world["lars"])
    return task


def test_team_leader_lists_a_caretakers_registrations_for_a_day_and_a_week(api, h, world, order):
    from services.viceværtsopgaver.common.workhours import local_date

    task = _lars_task(order, world)
    now = _now()
    recent = _entry(api, h, task["id"], now - timedelta(minutes=50), now - timedelta(minutes=10))
    older = _entry(api, h, task["id"], now - timedelta(days=3, minutes=60), now - timedelta(days=3, minutes=20))
    today = local_date(now - timedelta(minutes=50))  # the local day the recent entry started on
    url = f"/api/v1/caretakers/{world['lars']}/time-entries"

    day = api.get(url, params={"from_date": today.isoformat()}, headers=h("tl-susanne"))
    assert day.status_code == 200, day.text
    (only,) = day.json()
    assert only["id"] == recent["id"] and only["minutes"] == 40.0 and only["version"] == recent["version"]
    assert only["task_case_number"] == task["case_number"] and only["task_title"] == task["title"]
    assert only["building_name"] == "Amagerbro Skole" and only["correctable"] is True

    week = api.get(
        url,
        params={"from_date": (today - timedelta(days=6)).isoformat(), "to_date": today.isoformat()},
        headers=h("tl-susanne"),
    ).json()
    assert [e["id"] for e in week] == [older["id"], recent["id"]]  # oldest first

    # An admin sees every team's caretakers.
    admin = api.get(url, params={"from_date": today.isoformat()}, headers=h("admin")).json()
    assert [e["id"] for e in admin] == [recent["id"]]


def test_period_is_checked_with_danish_messages_on_the_query_fields(api, h, world):
    url = f"/api/v1/caretakers/{world['lars']}/time-entries"
    reversed_ = api.get(url, params={"from_date": "2026-03-10", "to_date": "2026-03-09"}, headers=h("tl-susanne"))
    assert reversed_.status_code == 422
    assert reversed_.json()["errors"][0]["field"] == "/query/to_date"
    assert "efter startdatoen" in reversed_.json()["errors"][0]["message"]
    too_long = api.get(url, params={"from_date": "2026-01-01", "to_date": "2026-03-01"}, headers=h("tl-susanne"))
    assert too_long.status_code == 422 and too_long.json()["errors"][0]["code"] == "period_too_long"
    ancient = api.get(url, params={"from_date": "0001-01-01"}, headers=h("tl-susanne"))
    assert ancient.status_code == 422 and ancient.json()["errors"][0]["field"] == "/query/from_date"
    far = api.get(url, params={"from_date": "2026-01-01", "to_date": "9999-12-31"}, headers=h("tl-susanne"))
    assert far.status_code == 422 and far.json()["errors"][0]["field"] == "/query/to_date"


def test_only_the_caretakers_own_team_leader_may_list(api, h, world):
    from services.viceværtsopgaver.registry.models import Caretaker
    from shared.db import session_scope

    with session_scope() as s:
        stranger = Caretaker(
            user_sub=None,
            name="Vera Valby",
            team_id=world["other"],  # led by someone else
            skills=["generel"],
            home_latitude=55.66,
            home_longitude=12.50,
            work_days=[1, 2, 3, 4, 5],
            work_start_minute=7 * 60,
            work_end_minute=15 * 60,
        )
        s.add(stranger)
        s.flush()
        stranger_id = stranger.id
    url = f"/api/v1/caretakers/{stranger_id}/time-entries"
    assert api.get(url, headers=h("tl-susanne")).status_code == 404  # no hint that the caretaker exists
    assert api.get(url, headers=h("admin")).status_code == 200
    assert api.get(f"/api/v1/caretakers/{world['lars']}/time-entries", headers=h("vv-lars")).status_code == 403
    assert api.get(f"/api/v1/caretakers/{world['lars']}/time-entries", headers=h("best-amagerbro")).status_code == 403


def test_correction_from_the_list_is_shown_corrected_audited_and_refuses_future_times(api, h, world, order):
    from services.viceværtsopgaver.common.workhours import local_date
    from shared.audit.models import AuditEvent
    from shared.db import session_scope

    task = _lars_task(order, world)
    now = _now()
    entry = _entry(api, h, task["id"], now - timedelta(minutes=50), now - timedelta(minutes=10))
    url = f"/api/v1/caretakers/{world['lars']}/time-entries"
    day = {"from_date": local_date(now - timedelta(minutes=50)).isoformat()}
    (listed,) = api.get(url, params=day, headers=h("tl-susanne")).json()
    etag = f'"{listed["version"]}"'  # the list carries the version the correction's If-Match needs

    future = api.post(
        f"/api/v1/time-entries/{entry['id']}/corrections",
        json={
            "started_at": (now - timedelta(minutes=50)).isoformat(),
            "ended_at": (now + timedelta(hours=2)).isoformat(),
            "reason": "Skrev forkert sluttid.",
        },
        headers={**h("tl-susanne"), "If-Match": etag},
    )
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "/ended_at"
    assert "fremtiden" in future.json()["errors"][0]["message"]

    done = api.post(
        f"/api/v1/time-entries/{entry['id']}/corrections",
        json={
            "started_at": (now - timedelta(minutes=50)).isoformat(),
            "ended_at": (now - timedelta(minutes=30)).isoformat(),
            "reason": "Gik til frokost kl. 12.",
        },
        headers={**h("tl-susanne"), "If-Match": etag},
    )
    assert done.status_code == 201, done.text
    (after,) = api.get(url, params=day, headers=h("tl-susanne")).json()
    assert after["corrected"] is True and after["minutes"] == 20.0 and after["version"] == listed["version"] + 1
    # The old version is refused (someone else corrected in the meantime).
    again = api.post(
        f"/api/v1/time-entries/{entry['id']}/corrections",
        json={"started_at": after["started_at"], "ended_at": after["ended_at"], "reason": "Dobbelt rettelse."},
        headers={**h("tl-susanne"), "If-Match": etag},
    )
    assert again.status_code == 412
    with session_scope() as s:
        (event,) = s.scalars(select(AuditEvent).where(AuditEvent.action == "time_entry.corrected")).all()
        assert event.actor_sub == "tl-susanne"
        assert event.details["old_minutes"] == 40.0 and event.details["new_minutes"] == 20.0
