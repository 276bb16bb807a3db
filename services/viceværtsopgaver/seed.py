"""Demo data for the viceværtsopgaver service (idempotent): Samdrift Amager with ~44 caretakers and ~150 buildings.

Also offers `seed_citywide` (~450 caretakers, ~1,500 buildings, open tasks for one day) for benchmarks.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.viceværtsopgaver import demo_data
from services.viceværtsopgaver.common.workhours import local_date
from services.viceværtsopgaver.notify.models import OrdererProfile
from services.viceværtsopgaver.planning import durations, templates
from services.viceværtsopgaver.planning.models import TaskTemplate
from services.viceværtsopgaver.qr import service as qr
from services.viceværtsopgaver.registry.models import Building, Caretaker, Component, Institution, Room, TaskType, Team
from services.viceværtsopgaver.task import service as task_service
from shared.auth import Principal
from shared.db import utcnow

DEMO_SEED = 2020


def seed(session: Session) -> None:
    """Create the service's demo data if it is not there yet."""
    if session.scalar(select(Institution.id).where(Institution.code == "AMS-001")) is not None:
        return
    rng = random.Random(DEMO_SEED)
    types = demo_data.ensure_catalogue(session)
    area = demo_data.build_area(
        session,
        rng=rng,
        districts=demo_data.AMAGER,
        buildings_total=146,
        caretakers_total=42,
        leader_sub="tl-susanne",
        code_prefix="AMG",
        fixed={"manual_teams": ("Team Christianshavn",)},
    )
    teams = {t.name: t for t in area.teams}
    ams, ams_buildings = _institution(
        session,
        code="AMS-001",
        name="Amagerbro Skole",
        kind="skole",
        team=teams["Team Amager Nord"],
        buildings=(
            ("Amagerbro Skole", "Norgesgade 20", 55.66412, 12.60518),
            ("Amagerbro Skole – Gymnastiksal", "Norgesgade 22", 55.66431, 12.60602),
        ),
        property_start=900001,
    )
    bhs, bhs_buildings = _institution(
        session,
        code="BHS-002",
        name="Børnehuset Solsikken",
        kind="daginstitution",
        team=teams["Team Amager Øst"],
        buildings=(("Børnehuset Solsikken", "Sundholmsvej 35", 55.65302, 12.61197),),
        property_start=900010,
    )
    lars = _demo_caretaker(
        session, "vv-lars", "Lars Viceværter", teams["Team Amager Øst"], ["generel", "el", "vvs", "laase", "udeareal"]
    )
    ali = _demo_caretaker(
        session,
        "vv-ali",
        "Ali Hassan",
        teams["Team Amager Nord"],
        ["generel", "toemrer", "maler", "laase", "ventilation"],
    )
    area.caretakers += [lars, ali]
    area.buildings += ams_buildings + bhs_buildings
    area.institutions += [ams, bhs]
    demo_data.ensure_every_skill(area)
    session.add_all(
        [
            OrdererProfile(user_sub="best-amagerbro", phone="+4520123456", email="lis.petersen@amagerbro-skole.kk.dk"),
            OrdererProfile(user_sub="best-solsikken", phone="+4520654321", email="ole.berg@solsikken.kk.dk"),
        ]
    )
    session.flush()
    for building in ams_buildings + bhs_buildings:
        qr.issue(
            session, building=building, room_id=None, component_id=None, label=None, expires_at=None, created_by="seed"
        )
        tap = session.scalar(
            select(Component).where(Component.building_id == building.id, Component.kind == "blandingsbatteri").limit(1)
        )
        if tap is not None:
            qr.issue(
                session,
                building=building,
                room_id=tap.room_id,
                component_id=tap.id,
                label=None,
                expires_at=None,
                created_by="seed",
            )
    today = local_date(utcnow())
    demo_data.history(session, rng=rng, area=area, types=types, count=700, today=today)
    durations.recompute(session)
    _templates(session, types=types, solsikken=bhs_buildings[0], skole=ams_buildings[0], ali=ali, today=today)
    templates.generate(session)
    _open_orders(session, types=types, ams=ams_buildings[0], bhs=bhs_buildings[0])


def _institution(
    session: Session,
    *,
    code: str,
    name: str,
    kind: str,
    team: Team,
    buildings: tuple[tuple[str, str, float, float], ...],
    property_start: int,
) -> tuple[Institution, list[Building]]:
    institution = Institution(
        code=code,
        name=name,
        institution_type=kind,
        department="BUF",
        contact_email=f"{code.lower()}@kk.dk",
        contact_phone="+4533660000",
    )
    session.add(institution)
    session.flush()
    rows = []
    for i, (building_name, address, lat, lon) in enumerate(buildings):
        building = Building(
            institution_id=institution.id,
            team_id=team.id,
            name=building_name,
            address=address,
            postal_code="2300",
            city="København S",
            latitude=lat,
            longitude=lon,
            department="BUF",
            institution_type=kind,
            keid_property_number=f"KEID-{property_start + i:06d}",
            notes="Nøgle i nøgleboks ved hovedindgangen (kode hos teamlederen).",
        )
        session.add(building)
        session.flush()
        for room_name, floor in (("Toilet stueetagen", "st."), ("Fyrrum", "kælder"), ("Køkken", "st.")):
            room = Room(building_id=building.id, name=room_name, floor=floor)
            session.add(room)
            session.flush()
            kind_, maker, model = {
                "Toilet stueetagen": ("blandingsbatteri", "Damixa", "Silhouet"),
                "Fyrrum": ("ventilationsanlaeg", "Nilan", "Comfort 300"),
                "Køkken": ("lyskilde", "Glamox", "C10 LED-panel"),
            }[room_name]
            session.add(
                Component(
                    building_id=building.id,
                    room_id=room.id,
                    kind=kind_,
                    name=f"{kind_.replace('ae', 'æ').capitalize()} – {room_name}",
                    manufacturer=maker,
                    model=model,
                )
            )
        rows.append(building)
    session.flush()
    return institution, rows


def _demo_caretaker(session: Session, sub: str, name: str, team: Team, skills: list[str]) -> Caretaker:
    depot = session.scalar(select(Caretaker).where(Caretaker.team_id == team.id).limit(1))
    caretaker = Caretaker(
        user_sub=sub,
        name=name,
        team_id=team.id,
        skills=skills,
        home_label=depot.home_label if depot else team.area,
        home_latitude=depot.home_latitude if depot else 55.655,
        home_longitude=depot.home_longitude if depot else 12.61,
        work_days=[1, 2, 3, 4, 5],
        work_start_minute=7 * 60,
        work_end_minute=15 * 60,
    )
    session.add(caretaker)
    session.flush()
    return caretaker


def _templates(
    session: Session, *, types: dict[str, TaskType], solsikken: Building, skole: Building, ali: Caretaker, today: date
) -> None:
    monday = today - timedelta(days=today.weekday())
    session.add_all(
        [
            TaskTemplate(
                name="Ugentlig legepladsinspektion",
                kind="forebyggende",
                building_id=solsikken.id,
                task_type_id=types["legeplads"].id,
                description="Visuel kontrol af legeplads og faldunderlag efter DS/EN 1176.",
                priority="normal",
                frequency="weekly",
                interval=1,
                starts_on=monday + timedelta(days=7),
                next_due_on=monday + timedelta(days=7),
                lead_days=14,
                created_by="seed",
            ),
            TaskTemplate(
                name="Filterskift ventilationsanlæg",
                kind="forebyggende",
                building_id=skole.id,
                task_type_id=types["ventilation"].id,
                description="Skift filtre i ventilationsanlægget i fyrrummet.",
                priority="normal",
                frequency="monthly",
                interval=3,
                starts_on=today + timedelta(days=3),
                next_due_on=today + timedelta(days=3),
                lead_days=14,
                caretaker_id=ali.id,
                created_by="seed",
            ),
        ]
    )
    session.flush()


def _open_orders(session: Session, *, types: dict[str, TaskType], ams: Building, bhs: Building) -> None:
    orderers = {
        "AMS-001": Principal(
            sub="best-amagerbro",
            roles=frozenset({"bestiller"}),
            name="Lis Petersen (Amagerbro Skole)",
            attributes={"institution_code": "AMS-001"},
        ),
        "BHS-002": Principal(
            sub="best-solsikken",
            roles=frozenset({"bestiller"}),
            name="Ole Berg (Børnehuset Solsikken)",
            attributes={"institution_code": "BHS-002"},
        ),
    }
    orders = (
        ("AMS-001", ams, "vandhane", "Vandhanen på drengetoilettet i stueetagen drypper konstant.", None),
        ("AMS-001", ams, "lyskilde", "To lysrør i køkkenet blinker.", None),
        ("BHS-002", bhs, "doer_laas", "Hoveddøren går ikke i lås af sig selv – dørpumpen er slap.", "hoej"),
        ("BHS-002", bhs, "maling", "Væggen i garderoben trænger til pletmaling efter vandskade.", None),
    )
    for code, building, type_code, text, priority in orders:
        task_service.create_task(
            session,
            principal=orderers[code],
            data={
                "building_id": building.id,
                "task_type_id": types[type_code].id,
                "description": text,
                "priority": priority,
                "photo_ids": [],
            },
            idempotency_key=f"seed-{code}-{type_code}",
        )


def seed_citywide(
    session: Session,
    *,
    now: datetime,
    open_tasks: int = 3000,
    buildings: int = 1500,
    caretakers: int = 450,
    seed_value: int = 7,
) -> demo_data.Area:
    """The city-wide scale set: ~450 caretakers, ~1,500 buildings and `open_tasks` tasks assigned for the day."""
    rng = random.Random(seed_value)
    types = demo_data.ensure_catalogue(session)
    area = demo_data.build_area(
        session,
        rng=rng,
        districts=demo_data.AMAGER + demo_data.CITY,
        buildings_total=buildings,
        caretakers_total=caretakers,
        leader_sub=None,
        code_prefix="KK",
    )
    demo_data.ensure_every_skill(area)
    session.flush()
    demo_data.open_tasks_for_day(session, rng=rng, area=area, types=types, count=open_tasks, now=now)
    return area
