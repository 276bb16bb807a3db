"""What the caretaker page tests share (tests/web/test_vicevaert_admin_pages.py, test_vicevaert_offline.py):
Team Øst with Amagerbro Skole and Lars on duty around the clock, and an order from the school dispatched to him."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

SERVICE = "viceværtsopgaver"
ALWAYS = {"work_days": [1, 2, 3, 4, 5, 6, 7], "work_start_minute": 0, "work_end_minute": 24 * 60}


def team_east_with_lars(session: Session, *, building_notes: str = "") -> dict[str, Any]:
    """Team Øst (automatic dispatch, led by tl-susanne), Amagerbro Skole and Lars, flushed (not committed)."""
    from services.viceværtsopgaver.demo_data import ensure_catalogue
    from services.viceværtsopgaver.registry.models import Building, Caretaker, Institution, Team

    types = ensure_catalogue(session)
    team = Team(name="Team Øst", area="Amager Øst", leader_sub="tl-susanne", auto_dispatch=True)
    session.add(team)
    session.flush()
    institution = Institution(code="AMS-001", name="Amagerbro Skole", institution_type="skole", department="BUF")
    session.add(institution)
    session.flush()
    building = Building(
        institution_id=institution.id,
        team_id=team.id,
        name="Amagerbro Skole",
        address="Norgesgade 20",
        postal_code="2300",
        city="København S",
        latitude=55.6641,
        longitude=12.6052,
        department="BUF",
        institution_type="skole",
        notes=building_notes,
    )
    lars = Caretaker(
        user_sub="vv-lars",
        name="Lars Viceværter",
        team_id=team.id,
        skills=["generel", "el", "vvs", "laase"],
        home_latitude=55.6660,
        home_longitude=12.6070,
        **ALWAYS,
    )
    session.add_all([building, lars])
    session.flush()
    return {"types": types, "team": team, "building": building, "lars": lars}


def order_from_the_school(session: Session, *, building_id: Any, task_type_id: Any, description: str) -> Any:
    """A task ordered by the school's orderer (Lis Petersen, best-amagerbro) through the service (not committed)."""
    from services.viceværtsopgaver.task import service as task_service
    from shared.auth import Principal

    orderer = Principal(
        sub="best-amagerbro",
        roles=frozenset({"bestiller"}),
        name="Lis Petersen (Amagerbro Skole)",
        attributes={"institution_code": "AMS-001"},
    )
    task, _ = task_service.create_task(
        session,
        principal=orderer,
        data={
            "building_id": building_id,
            "task_type_id": task_type_id,
            "description": description,
            "priority": None,
            "photo_ids": [],
        },
        idempotency_key=None,
    )
    return task
