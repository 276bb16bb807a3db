"""Fixtures for the viceværtsopgaver tests: a small deterministic world, an API client and helpers.

The world: Team Øst (automatic dispatch, led by tl-susanne) with Amagerbro Skole (AMS-001) and
Børnehuset Solsikken (BHS-002); Team Manuel (dispatch by hand). Lars (vv-lars) and Ali (vv-ali)
are on duty around the clock; Kim has no working days at all; Mia is in Team Manuel.

Tests that use the world run at 10:00 Copenhagen time today (the clock ticks on from there): dispatch
and fill-in look at how much of the shift is left, so a run late in the evening would otherwise see a
nearly finished day. KK_TEST_LOCAL_TIME=HH:MM moves that instant, to check the suite at any hour.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine

import services.viceværtsopgaver.tasks  # noqa: F401  - registers the consumers run_tasks() delivers to

SERVICE = "viceværtsopgaver"
ALWAYS = {"work_days": [1, 2, 3, 4, 5, 6, 7], "work_start_minute": 0, "work_end_minute": 24 * 60}
NEVER = {"work_days": [], "work_start_minute": 7 * 60, "work_end_minute": 15 * 60}


@dataclass
class World:
    ids: dict[str, uuid.UUID]

    def __getitem__(self, key: str) -> uuid.UUID:
        return self.ids[key]


@pytest.fixture
def working_hours_clock() -> Iterator[datetime]:
    """Travel to a fixed local time of today (10:00 unless KK_TEST_LOCAL_TIME says otherwise)."""
    from services.viceværtsopgaver.common.workhours import local_date, local_datetime, parse_hhmm

    minute = parse_hhmm(os.environ.get("KK_TEST_LOCAL_TIME", "10:00"))
    instant = local_datetime(local_date(datetime.now(UTC)), minute)
    with time_machine.travel(instant, tick=True):
        yield instant


@pytest.fixture
def world(db: None, working_hours_clock: datetime) -> World:
    from services.viceværtsopgaver.demo_data import ensure_catalogue
    from services.viceværtsopgaver.notify.models import OrdererProfile
    from services.viceværtsopgaver.registry.models import Building, Caretaker, Component, Institution, Room, Team
    from shared.db import session_scope

    ids: dict[str, uuid.UUID] = {}
    with session_scope() as s:
        types = ensure_catalogue(s)
        for code, task_type in types.items():
            ids[f"type:{code}"] = task_type.id
        east = Team(name="Team Øst", area="Amager Øst", leader_sub="tl-susanne", auto_dispatch=True)
        manual = Team(name="Team Manuel", area="Christianshavn", leader_sub="tl-susanne", auto_dispatch=False)
        other = Team(name="Team Andet", area="Valby", leader_sub="tl-someone-else", auto_dispatch=True)
        s.add_all([east, manual, other])
        s.flush()
        ams = Institution(code="AMS-001", name="Amagerbro Skole", institution_type="skole", department="BUF")
        bhs = Institution(
            code="BHS-002", name="Børnehuset Solsikken", institution_type="daginstitution", department="BUF"
        )
        chr_ = Institution(
            code="CHR-003", name="Christianshavns Bibliotek", institution_type="bibliotek", department="KFF"
        )
        s.add_all([ams, bhs, chr_])
        s.flush()

        def building(name: str, inst: Institution, team: Team, lat: float, lon: float, number: str) -> Building:
            b = Building(
                institution_id=inst.id,
                team_id=team.id,
                name=name,
                address=f"{name}vej 1",
                postal_code="2300",
                latitude=lat,
                longitude=lon,
                department=inst.department,
                institution_type=inst.institution_type,
                keid_property_number=number,
            )
            s.add(b)
            s.flush()
            return b

        school = building("Amagerbro Skole", ams, east, 55.6641, 12.6052, "KEID-900001")
        gym = building("Amagerbro Skole Gymnastiksal", ams, east, 55.6700, 12.6200, "KEID-900002")
        sol = building("Børnehuset Solsikken", bhs, east, 55.6530, 12.6120, "KEID-900010")
        lib = building("Christianshavns Bibliotek", chr_, manual, 55.6727, 12.5930, "KEID-900020")
        room = Room(building_id=school.id, name="Toilet stueetagen", floor="st.")
        s.add(room)
        s.flush()
        tap = Component(
            building_id=school.id,
            room_id=room.id,
            kind="blandingsbatteri",
            name="Vandhane toilet",
            manufacturer="Damixa",
            model="Silhouet",
        )
        s.add(tap)
        # Lars lives 300 m from the school, Ali 2.5 km away; both can do el and vvs.
        lars = Caretaker(
            user_sub="vv-lars",
            name="Lars Viceværter",
            team_id=east.id,
            skills=["generel", "el", "vvs", "laase"],
            home_latitude=55.6660,
            home_longitude=12.6070,
            **ALWAYS,
        )
        ali = Caretaker(
            user_sub="vv-ali",
            name="Ali Hassan",
            team_id=east.id,
            skills=["generel", "el", "vvs", "toemrer", "maler"],
            home_latitude=55.6450,
            home_longitude=12.6200,
            **ALWAYS,
        )
        kim = Caretaker(
            user_sub=None,
            name="Kim Nattevagt",
            team_id=east.id,
            skills=["generel", "varme"],
            home_latitude=55.6641,
            home_longitude=12.6052,
            **NEVER,
        )
        mia = Caretaker(
            user_sub=None,
            name="Mia Manuel",
            team_id=manual.id,
            skills=["generel", "el", "vvs"],
            home_latitude=55.6727,
            home_longitude=12.5930,
            **ALWAYS,
        )
        s.add_all([lars, ali, kim, mia])
        s.add(OrdererProfile(user_sub="best-amagerbro", phone="+4520123456", email="lis@amagerbro.kk.dk"))
        s.flush()
        ids.update(
            east=east.id,
            manual=manual.id,
            other=other.id,
            ams=ams.id,
            bhs=bhs.id,
            chr=chr_.id,
            school=school.id,
            gym=gym.id,
            sol=sol.id,
            lib=lib.id,
            room=room.id,
            tap=tap.id,
            lars=lars.id,
            ali=ali.id,
            kim=kim.id,
            mia=mia.id,
        )
    return World(ids)


@pytest.fixture
def api(client_for: Callable[[str], Any]) -> Any:
    return client_for(SERVICE)


@pytest.fixture
def h(auth: Callable[[str, str], dict[str, str]]) -> Callable[[str], dict[str, str]]:
    """Authorization headers for a demo user on this service: h('vv-lars')."""
    return lambda user: auth(user, SERVICE)


@pytest.fixture
def order(api: Any, h: Callable[[str], dict[str, str]], world: World) -> Callable[..., dict[str, Any]]:
    """Create a task as an orderer and return the response body (asserts 201)."""

    def _order(
        type_code: str = "vandhane", building: str = "school", user: str = "best-amagerbro", **extra: Any
    ) -> dict[str, Any]:
        body = {
            "building_id": str(world[building]),
            "task_type_id": str(world[f"type:{type_code}"]),
            "description": "Det drypper.",
            **extra,
        }
        response = api.post("/api/v1/tasks", json=body, headers=h(user))
        assert response.status_code == 201, response.text
        return response.json()

    return _order
