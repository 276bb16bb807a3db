"""The team leader's caretaker administration (page /vicevaerter): least privilege on the caretaker API.

A team leader sees and changes only the caretakers of the teams they lead; the service desk and administrators
see all. Working hours need If-Match and get Danish field errors; absences can be listed from a date.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest


@pytest.fixture
def vera(world) -> uuid.UUID:
    """A caretaker in Team Andet, which tl-susanne does not lead."""
    from services.viceværtsopgaver.registry.models import Caretaker
    from shared.db import session_scope

    with session_scope() as s:
        caretaker = Caretaker(
            user_sub=None,
            name="Vera Valby",
            team_id=world["other"],
            skills=["generel"],
            home_latitude=55.66,
            home_longitude=12.50,
            work_days=[1, 2, 3, 4, 5],
            work_start_minute=7 * 60,
            work_end_minute=15 * 60,
        )
        s.add(caretaker)
        s.flush()
        return caretaker.id


def test_a_team_leader_lists_only_the_caretakers_of_their_own_teams(api, h, world, vera):
    names = {c["name"] for c in api.get("/api/v1/caretakers", headers=h("tl-susanne")).json()}
    assert names == {"Lars Viceværter", "Ali Hassan", "Kim Nattevagt", "Mia Manuel"}
    # Asking for another team by id gives nothing, not that team's people.
    other = api.get("/api/v1/caretakers", params={"team_id": str(world["other"])}, headers=h("tl-susanne"))
    assert other.status_code == 200 and other.json() == []
    east = api.get("/api/v1/caretakers", params={"team_id": str(world["east"])}, headers=h("tl-susanne")).json()
    assert {c["name"] for c in east} == {"Lars Viceværter", "Ali Hassan", "Kim Nattevagt"}
    # One caretaker of another team: 404, as if it did not exist; the own team's with an ETag.
    assert api.get(f"/api/v1/caretakers/{vera}", headers=h("tl-susanne")).status_code == 404
    lars = api.get(f"/api/v1/caretakers/{world['lars']}", headers=h("tl-susanne"))
    assert lars.status_code == 200 and lars.headers["ETag"] == f'"{lars.json()["version"]}"'
    # The service desk and administrators see every team.
    for user in ("sd-keid", "admin"):
        everyone = {c["name"] for c in api.get("/api/v1/caretakers", headers=h(user)).json()}
        assert "Vera Valby" in everyone and "Lars Viceværter" in everyone
        assert api.get(f"/api/v1/caretakers/{vera}", headers=h(user)).status_code == 200
    # A caretaker sees their own record only.
    assert api.get(f"/api/v1/caretakers/{world['lars']}", headers=h("vv-lars")).status_code == 200
    assert api.get(f"/api/v1/caretakers/{world['ali']}", headers=h("vv-lars")).status_code == 404


def test_a_team_leader_cannot_change_another_teams_caretaker(api, h, world, vera):
    patch = api.patch(
        f"/api/v1/caretakers/{vera}", json={"work_start": "08:00"}, headers={**h("tl-susanne"), "If-Match": '"1"'}
    )
    assert patch.status_code == 404
    absence = {"starts_on": "2030-01-07", "ends_on": "2030-01-08", "kind": "ferie"}
    assert api.post(f"/api/v1/caretakers/{vera}/absences", json=absence, headers=h("tl-susanne")).status_code == 404
    assert api.get(f"/api/v1/caretakers/{vera}/absences", headers=h("tl-susanne")).status_code == 404
    made = api.post(f"/api/v1/caretakers/{vera}/absences", json=absence, headers=h("admin"))
    assert made.status_code == 201
    gone = api.delete(f"/api/v1/caretakers/{vera}/absences/{made.json()['id']}", headers=h("tl-susanne"))
    assert gone.status_code == 404


def test_working_hours_need_if_match_and_get_danish_field_errors(api, h, world):
    url = f"/api/v1/caretakers/{world['ali']}"
    current = api.get(url, headers=h("tl-susanne"))
    etag = current.headers["ETag"]
    assert api.patch(url, json={"work_start": "08:00"}, headers=h("tl-susanne")).status_code == 428
    bad = api.patch(url, json={"work_start": "25:00"}, headers={**h("tl-susanne"), "If-Match": etag})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "/work_start"
    assert bad.json()["errors"][0]["message"] == "Tidspunktet skal skrives TT:MM, fx 07:00."
    backwards = api.patch(
        url, json={"work_start": "15:00", "work_end": "07:00"}, headers={**h("tl-susanne"), "If-Match": etag}
    )
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "/work_end"
    ok = api.patch(
        url,
        json={"work_days": [1, 2, 3], "work_start": "06:30", "work_end": "14:30", "skills": ["generel", "el"]},
        headers={**h("tl-susanne"), "If-Match": etag},
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["work_days"] == [1, 2, 3] and ok.json()["work_start"] == "06:30"
    assert ok.headers["ETag"] != etag
    stale = api.patch(url, json={"work_end": "15:00"}, headers={**h("tl-susanne"), "If-Match": etag})
    assert stale.status_code == 412


def test_absences_can_be_listed_from_a_date(api, h, world):
    from services.viceværtsopgaver.common.workhours import local_date
    from shared.db import utcnow

    today = local_date(utcnow())
    url = f"/api/v1/caretakers/{world['lars']}/absences"
    for start, end, kind in ((-10, -8, "ferie"), (-1, 0, "syg"), (7, 11, "kursus")):
        body = {
            "starts_on": (today + timedelta(days=start)).isoformat(),
            "ends_on": (today + timedelta(days=end)).isoformat(),
            "kind": kind,
        }
        assert api.post(url, json=body, headers=h("tl-susanne")).status_code == 201
    assert len(api.get(url, headers=h("tl-susanne")).json()) == 3
    current = api.get(url, params={"from_date": today.isoformat()}, headers=h("tl-susanne")).json()
    assert [a["kind"] for a in current] == ["syg", "kursus"]


def test_an_absence_ending_before_it_starts_points_at_the_end_date(api, h, world):
    url = f"/api/v1/caretakers/{world['lars']}/absences"
    backwards = api.post(
        url, json={"starts_on": "2030-01-08", "ends_on": "2030-01-07", "kind": "syg"}, headers=h("tl-susanne")
    )
    assert backwards.status_code == 422
    (error,) = backwards.json()["errors"]
    assert error["field"] == "/ends_on"
    assert error["message"] == "Fraværet skal slutte samme dag eller efter det begynder."
    unknown = api.post(
        url, json={"starts_on": "2030-01-08", "ends_on": "2030-01-08", "kind": "barsel"}, headers=h("tl-susanne")
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "/kind"
