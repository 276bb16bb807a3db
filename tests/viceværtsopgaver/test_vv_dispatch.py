"""Dispatch: skills, duty, distance and load decide; team settings, the pool and the board; reasons recorded."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select


def _update(model, ident, **values) -> None:
    from shared.db import session_scope

    with session_scope() as s:
        row = s.get(model, ident)
        for key, value in values.items():
            setattr(row, key, value)


def test_skills_come_first_then_distance(api, h, world, order):
    # Only Ali has tømrer: he gets it although Lars is closer.
    task = order("vindue")
    assert task["assigned_caretaker"]["id"] == str(world["ali"])
    # Both can do vvs: the nearer one (Lars) gets it.
    assert order("vandhane")["assigned_caretaker"]["id"] == str(world["lars"])


def test_load_outweighs_a_short_distance(api, h, world, order):
    # Lars is 300 m away and gets the first task; with its 40 minutes ahead of him, Ali (2.5 km,
    # about 10 minutes by bike) can start sooner on the next one.
    assert order("vandhane")["assigned_caretaker"]["id"] == str(world["lars"])
    nxt = order("vandhane")
    assert nxt["assigned_caretaker"]["id"] == str(world["ali"])
    detail = api.get(f"/api/v1/tasks/{nxt['id']}", headers=h("tl-susanne")).json()
    candidates = {c["caretaker_id"]: c for c in detail["assignments"][-1]["details"]["candidates"]}
    lars, ali = candidates[str(world["lars"])], candidates[str(world["ali"])]
    assert lars["distance_km"] < ali["distance_km"]
    assert lars["load_minutes"] == 40 and ali["load_minutes"] == 0
    assert ali["eta_minutes"] < lars["eta_minutes"]


def test_fresh_shared_position_is_used(api, h, world, order):
    # Ali shares his position and stands right at the school: he is now the nearest.
    assert api.put("/api/v1/me/location-sharing", json={"enabled": True}, headers=h("vv-ali")).status_code == 200
    position = api.post(
        "/api/v1/me/positions", json={"latitude": 55.6642, "longitude": 12.6053, "accuracy_m": 8}, headers=h("vv-ali")
    )
    assert position.status_code == 201, position.text
    task = order("vandhane")
    assert task["assigned_caretaker"]["id"] == str(world["ali"])
    detail = api.get(f"/api/v1/tasks/{task['id']}", headers=h("tl-susanne")).json()
    assert detail["assignments"][-1]["details"]["chosen"]["position_source"] == "position"


def test_nobody_on_duty_goes_to_the_board_and_is_dispatched_later(api, h, world, order, run_tasks):
    from services.viceværtsopgaver.registry.models import Caretaker

    never = {"work_days": []}
    _update(Caretaker, world["lars"], **never)
    _update(Caretaker, world["ali"], **never)
    task = order("vandhane")
    assert task["status"] == "ny" and task["on_board"] is True and task["board_reason"] == "no_caretaker_on_duty"
    run_tasks()
    board = api.get("/api/v1/board", headers=h("tl-susanne")).json()
    waiting = next(t for t in board["waiting"] if t["id"] == task["id"])
    assert "på arbejde nu" in waiting["reason"]
    inbox = api.get("/api/v1/me/notifications", headers=h("tl-susanne")).json()["items"]
    assert any(n["kind"] == "board" for n in inbox)
    # Ali comes on duty: the waiting task is assigned by the periodic dispatcher.
    _update(Caretaker, world["ali"], work_days=[1, 2, 3, 4, 5, 6, 7])
    run = api.post("/api/v1/dispatch-runs", headers=h("tl-susanne"))
    assert run.status_code == 201 and run.json()["assigned"] == 1
    after = api.get(f"/api/v1/tasks/{task['id']}", headers=h("tl-susanne")).json()
    assert after["status"] == "tildelt" and after["assigned_caretaker"]["id"] == str(world["ali"])


def test_absence_counts_as_off_duty(api, h, world, order):
    from services.viceværtsopgaver.common.workhours import local_date
    from shared.db import utcnow

    today = local_date(utcnow())
    absence = api.post(
        f"/api/v1/caretakers/{world['lars']}/absences",
        json={
            "starts_on": (today - timedelta(days=1)).isoformat(),
            "ends_on": (today + timedelta(days=1)).isoformat(),
            "kind": "syg",
        },
        headers=h("tl-susanne"),
    )
    assert absence.status_code == 201, absence.text
    assert order("vandhane")["assigned_caretaker"]["id"] == str(world["ali"])
    overlapping = api.post(
        f"/api/v1/caretakers/{world['lars']}/absences",
        json={"starts_on": today.isoformat(), "ends_on": today.isoformat(), "kind": "ferie"},
        headers=h("tl-susanne"),
    )
    assert overlapping.status_code == 409


def test_team_setting_sends_everything_to_the_board(api, h, world, order):
    task = order("vandhane", building="lib", user="sd-keid")
    assert task["on_board"] is True and task["board_reason"] == "team_setting"
    # The team leader assigns from the board; the reason names the person.
    assigned = api.post(
        f"/api/v1/tasks/{task['id']}/assignments", json={"caretaker_id": str(world["mia"])}, headers=h("tl-susanne")
    )
    assert assigned.status_code == 201 and assigned.json()["reason_code"] == "teamleder_assign"
    # Turning automatic dispatch on for the team (If-Match required).
    team = api.patch(f"/api/v1/teams/{world['manual']}", json={"auto_dispatch": True}, headers=h("tl-susanne"))
    assert team.status_code == 428
    team = api.patch(
        f"/api/v1/teams/{world['manual']}", json={"auto_dispatch": True}, headers={**h("tl-susanne"), "If-Match": '"1"'}
    )
    assert team.status_code == 200 and team.json()["auto_dispatch"] is True
    assert order("vandhane", building="lib", user="sd-keid")["assigned_caretaker"]["id"] == str(world["mia"])


def test_skill_rule_for_manual_assignment(api, h, world, order):
    task = order("vindue")  # needs tømrer; Lars has none
    refused = api.post(
        f"/api/v1/tasks/{task['id']}/assignments", json={"caretaker_id": str(world["lars"])}, headers=h("tl-susanne")
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["code"] == "caretaker_not_qualified"
    no_reason = api.post(
        f"/api/v1/tasks/{task['id']}/assignments",
        json={"caretaker_id": str(world["lars"]), "skills_override": True},
        headers=h("tl-susanne"),
    )
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "/note"
    forced = api.post(
        f"/api/v1/tasks/{task['id']}/assignments",
        json={"caretaker_id": str(world["lars"]), "skills_override": True, "note": "Lars har tidligere været tømrer."},
        headers=h("tl-susanne"),
    )
    assert forced.status_code == 201 and forced.json()["details"]["missing_skills"] == ["toemrer"]
    # Back to the board.
    board = api.post(
        f"/api/v1/tasks/{task['id']}/assignments",
        json={"to_board": True, "note": "Venter på glas."},
        headers=h("tl-susanne"),
    )
    assert board.status_code == 201 and board.json()["kind"] == "board"
    detail = api.get(f"/api/v1/tasks/{task['id']}", headers=h("tl-susanne")).json()
    assert detail["status"] == "ny" and detail["board_reason"] == "teamleder"
    both = api.post(
        f"/api/v1/tasks/{task['id']}/assignments",
        json={"caretaker_id": str(world["ali"]), "to_board": True},
        headers=h("tl-susanne"),
    )
    assert both.status_code == 422


def test_team_leader_of_another_team_cannot_touch_the_task(api, h, world, order):
    from services.viceværtsopgaver.registry.models import Team

    task = order("vandhane")
    _update(Team, world["east"], leader_sub="tl-other")
    assert (
        api.post(
            f"/api/v1/tasks/{task['id']}/assignments", json={"to_board": True}, headers=h("tl-susanne")
        ).status_code
        == 404
    )
    assert api.get(f"/api/v1/tasks/{task['id']}", headers=h("tl-susanne")).status_code == 404


def test_low_priority_goes_to_the_pool_and_fills_unused_time(api, h, world, order):
    task = order("maling", building="gym")  # default priority lav
    assert task["on_board"] is True and task["board_reason"] == "pool_low_priority"
    board = api.get("/api/v1/board", headers=h("tl-susanne")).json()
    assert [t["id"] for t in board["pool"]] == [task["id"]] and board["waiting"] == []
    filled = api.post(f"/api/v1/caretakers/{world['ali']}/fill-ins", headers=h("tl-susanne"))
    assert filled.status_code == 201, filled.text
    assert filled.json()["assigned_task_ids"] == [task["id"]]
    assert "ledig tid" in filled.json()["reasons"][0]
    detail = api.get(f"/api/v1/tasks/{task['id']}", headers=h("tl-susanne")).json()
    assert (
        detail["assigned_caretaker"]["id"] == str(world["ali"])
        and detail["assignments"][-1]["reason_code"] == "fill_unused_time"
    )


def test_prioritising_needs_if_match_and_moves_pool_task_to_the_board(api, h, world, order):
    task = order("maling", building="gym")
    response = api.patch(f"/api/v1/tasks/{task['id']}", json={"priority": "hoej"}, headers=h("tl-susanne"))
    assert response.status_code == 428
    current = api.get(f"/api/v1/tasks/{task['id']}", headers=h("tl-susanne"))
    response = api.patch(
        f"/api/v1/tasks/{task['id']}",
        json={"priority": "høj"},
        headers={**h("tl-susanne"), "If-Match": current.headers["etag"]},
    )
    assert response.status_code == 200 and response.json()["priority"] == "hoej"
    assert response.json()["board_reason"] == "teamleder_prioritised"
    stale = api.patch(
        f"/api/v1/tasks/{task['id']}",
        json={"priority": "akut"},
        headers={**h("tl-susanne"), "If-Match": current.headers["etag"]},
    )
    assert stale.status_code == 412
    assert (
        api.patch(f"/api/v1/tasks/{task['id']}", json={"priority": "lav"}, headers=h("best-amagerbro")).status_code
        == 403
    )


def test_split_and_parent_closes_when_parts_are_done(api, h, world, order, run_tasks):
    task = order("vandhane")
    split = api.post(
        f"/api/v1/tasks/{task['id']}/splits",
        json={
            "parts": [
                {
                    "title": "Skift blandingsbatteri",
                    "task_type_id": str(world["type:vandhane"]),
                    "caretaker_id": str(world["lars"]),
                },
                {"title": "Ny flise bag vask", "task_type_id": str(world["type:toemrer"])},
            ],
            "note": "Både VVS og tømrer.",
        },
        headers=h("tl-susanne"),
    )
    assert split.status_code == 201, split.text
    parts = split.json()
    assert [p["case_number"] for p in parts] == [f"{task['case_number']}-1", f"{task['case_number']}-2"]
    assert parts[0]["assigned_caretaker"]["id"] == str(world["lars"]) and parts[1]["assigned_caretaker"]["id"] == str(
        world["ali"]
    )
    parent = api.get(f"/api/v1/tasks/{task['id']}", headers=h("tl-susanne")).json()
    assert parent["status"] == "opdelt" and len(parent["child_task_ids"]) == 2
    for part, user in ((parts[0], "vv-lars"), (parts[1], "vv-ali")):
        assert (
            api.post(
                f"/api/v1/tasks/{part['id']}/status-changes", json={"status": "i_gang"}, headers=h(user)
            ).status_code
            == 201
        )
        assert (
            api.post(
                f"/api/v1/tasks/{part['id']}/status-changes", json={"status": "loest"}, headers=h(user)
            ).status_code
            == 201
        )
        run_tasks()
    parent = api.get(f"/api/v1/tasks/{task['id']}", headers=h("best-amagerbro")).json()
    assert parent["status"] == "loest" and "2 løst" in parent["status_changes"][-1]["note"]
    nested = api.post(
        f"/api/v1/tasks/{parts[0]['id']}/splits",
        json={"parts": [{"title": "a"}, {"title": "b"}]},
        headers=h("tl-susanne"),
    )
    assert nested.status_code == 409


def _vandhane_task(world, case_number: str):
    """A normal-priority 40-minute vandhane task at the school for Team Øst, not yet added to a session."""
    from services.viceværtsopgaver.task.models import Task

    return Task(
        case_number=case_number,
        title="t",
        task_type_id=world["type:vandhane"],
        building_id=world["school"],
        team_id=world["east"],
        priority="normal",
        expected_minutes=40,
    )


def test_engine_decision_at_a_fixed_time(world):
    """Unit level: a weekday shift caretaker is on duty at 10:00 and off at 20:00 Copenhagen time."""
    from services.viceværtsopgaver.dispatch.engine import decide
    from services.viceværtsopgaver.registry.models import Caretaker
    from shared.db import session_scope

    with session_scope() as s:
        for c in s.scalars(select(Caretaker)):
            c.work_days, c.work_start_minute, c.work_end_minute = [1, 2, 3, 4, 5], 7 * 60, 15 * 60
        task = _vandhane_task(world, "T-1")
        s.add(task)
        s.flush()
        tuesday_10 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # 10:00 in Copenhagen
        decision = decide(s, task=task, now=tuesday_10)
        assert decision.kind == "caretaker" and decision.caretaker_id == world["lars"]
        evening = decide(s, task=task, now=datetime(2026, 11, 24, 19, 0, tzinfo=UTC))
        assert evening.kind == "board" and evening.reason_code == "no_caretaker_on_duty"
        # 14:30: 30 minutes left, the 40-minute task no longer fits anyone's shift.
        late = decide(s, task=task, now=datetime(2026, 11, 24, 13, 30, tzinfo=UTC))
        assert late.kind == "board" and late.reason_code == "no_capacity"
        task.priority = "akut"
        urgent = decide(s, task=task, now=datetime(2026, 11, 24, 13, 30, tzinfo=UTC))
        assert urgent.kind == "caretaker"
        s.rollback()


def test_a_round_the_clock_shift_goes_on_past_midnight_unless_tomorrow_is_off():
    """A 00:00-24:00 caretaker at 23:50 has tomorrow's shift ahead too; a day shift ends when it ends."""
    from types import SimpleNamespace

    from services.viceværtsopgaver.common.workhours import remaining_shift_minutes

    always = SimpleNamespace(work_days=[1, 2, 3, 4, 5, 6, 7], work_start_minute=0, work_end_minute=24 * 60)
    weekdays = SimpleNamespace(work_days=[1, 2, 3, 4, 5], work_start_minute=0, work_end_minute=24 * 60)
    day_shift = SimpleNamespace(work_days=[1, 2, 3, 4, 5, 6, 7], work_start_minute=7 * 60, work_end_minute=15 * 60)
    tuesday_2350 = datetime(2026, 11, 24, 22, 50, tzinfo=UTC)  # 23:50 in Copenhagen
    friday_2350 = datetime(2026, 11, 27, 22, 50, tzinfo=UTC)
    tomorrow_off = [SimpleNamespace(starts_on=tuesday_2350.date() + timedelta(days=1), ends_on=date(2026, 12, 1))]

    assert remaining_shift_minutes(always, tuesday_2350) == 10  # today's shift only, as before
    assert remaining_shift_minutes(always, tuesday_2350, into_next_day=True) == 10 + 24 * 60
    assert remaining_shift_minutes(always, tuesday_2350, tomorrow_off, into_next_day=True) == 10
    assert remaining_shift_minutes(weekdays, friday_2350, into_next_day=True) == 10  # Saturday is off
    assert remaining_shift_minutes(day_shift, datetime(2026, 11, 24, 13, 30, tzinfo=UTC), into_next_day=True) == 30


def test_dispatch_at_ten_to_midnight_assigns_a_round_the_clock_caretaker(world):
    """Lars and Ali are on duty around the clock: a 40-minute task at 23:50 is theirs, not the board's."""
    from services.viceværtsopgaver.dispatch.engine import decide
    from services.viceværtsopgaver.registry.models import Absence
    from shared.db import session_scope

    tuesday_2350 = datetime(2026, 11, 24, 22, 50, tzinfo=UTC)  # 23:50 in Copenhagen
    wednesday = date(2026, 11, 25)
    with session_scope() as s:
        task = _vandhane_task(world, "T-2")
        s.add(task)
        s.flush()
        decision = decide(s, task=task, now=tuesday_2350)
        assert decision.kind == "caretaker" and decision.caretaker_id == world["lars"]  # the nearer one
        # Lars is away from tomorrow: his day ends at midnight, so Ali (farther, on duty on) gets it.
        s.add(Absence(caretaker_id=world["lars"], starts_on=wednesday, ends_on=wednesday, kind="ferie", created_by="t"))
        s.flush()
        decision = decide(s, task=task, now=tuesday_2350)
        assert decision.kind == "caretaker" and decision.caretaker_id == world["ali"]
        s.add(Absence(caretaker_id=world["ali"], starts_on=wednesday, ends_on=wednesday, kind="kursus", created_by="t"))
        s.flush()
        decision = decide(s, task=task, now=tuesday_2350)
        assert decision.kind == "board" and decision.reason_code == "no_capacity"
        s.rollback()


def test_single_query_work_figures_match_the_portable_query(api, h, world, order):
    """On PostgreSQL the decision reads work ahead as a JSON aggregate; it must equal the portable row query."""
    from services.viceværtsopgaver.dispatch import engine
    from shared.db import session_scope, utcnow

    tasks = [order("vandhane"), order("el_fejl", building="sol", user="best-solsikken"), order("vindue")]
    assert (
        api.post(
            f"/api/v1/tasks/{tasks[0]['id']}/status-changes", json={"status": "i_gang"}, headers=h("vv-lars")
        ).status_code
        == 201
    )
    now = utcnow()
    with session_scope() as s:
        rows = s.execute(
            engine._place_statement(True),
            {
                "type_id": world["type:vandhane"],
                "building_id": world["school"],
                "team_id": world["east"],
                "today": now.date(),
            },
        ).all()
        members = [r for r in rows if r.id is not None]
        from_json = engine._work_ahead_from_json(members, now)
        portable = engine.work_ahead(s, [m.id for m in members], now)
    assert from_json == portable
    assert portable.at_building[world["lars"]] == (55.6641, 12.6052)
    assert portable.load_minutes[world["lars"]] > 0 and portable.urgent_load_minutes[world["ali"]] == 0
