"""Realistic demo and scale data: Amager/Christianshavn (Samdrift Amager) and a city-wide set.

Coordinates are spread around each district's centre inside its rough bounding box; street
names are real Copenhagen streets, house numbers and institutions are invented. Everything is
deterministic for a given seed, so tests and benchmarks see the same data every run.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.viceværtsopgaver.common.workhours import local_datetime
from services.viceværtsopgaver.qr import service as qr
from services.viceværtsopgaver.registry.models import (
    Building,
    Caretaker,
    Component,
    Institution,
    Room,
    Skill,
    TaskType,
    Team,
)
from services.viceværtsopgaver.task.models import Assignment, StatusChange, Task, TimeEntry

SKILLS = {
    "generel": "Generelt viceværtsarbejde",
    "el": "El (mindre reparationer)",
    "vvs": "VVS",
    "toemrer": "Tømrer/snedker",
    "maler": "Maler",
    "laase": "Låse og beslag",
    "ventilation": "Ventilation",
    "varme": "Varmeanlæg",
    "udeareal": "Udearealer",
    "legeplads": "Certificeret legepladsinspektør",
}
# code, name, skills, expected minutes, default priority, KASA category (None = not shared with KASA)
TASK_TYPES: tuple[tuple[str, str, tuple[str, ...], int, str, str | None], ...] = (
    ("lyskilde", "Skift lyskilde", ("el",), 20, "normal", "EL-BELYSNING"),
    ("el_fejl", "Elfejl (stikkontakt, afbryder)", ("el",), 45, "hoej", "EL-INSTALLATION"),
    ("vandhane", "Dryppende vandhane/blandingsbatteri", ("vvs",), 40, "normal", "VVS-ARMATUR"),
    ("afloeb", "Stoppet afløb eller toilet", ("vvs",), 45, "hoej", "VVS-AFLOEB"),
    ("varme", "Radiator eller varme virker ikke", ("varme",), 60, "hoej", "VARME"),
    ("doer_laas", "Dør, lås eller beslag", ("laase",), 40, "normal", "BYG-DOER"),
    ("vindue", "Vindue eller glas", ("toemrer",), 60, "normal", "BYG-VINDUE"),
    ("toemrer", "Mindre tømrerreparation", ("toemrer",), 90, "normal", "BYG-TOEMRER"),
    ("maling", "Maling og pletreparation", ("maler",), 120, "lav", "BYG-MALER"),
    ("graffiti", "Graffiti og hærværk", ("maler",), 60, "hoej", "BYG-HAERVAERK"),
    ("ventilation", "Ventilation (støj, filterskift)", ("ventilation",), 60, "normal", "VENT"),
    ("legeplads", "Legepladsinspektion", ("legeplads",), 60, "normal", "UDE-LEGEPLADS"),
    ("udearealer", "Udearealer, snerydning og affald", ("udeareal",), 60, "lav", "UDE-AREAL"),
    ("flytning", "Flytning af møbler", ("generel",), 60, "lav", None),
    ("ophaengning", "Ophængning og opsætning", ("generel",), 30, "lav", None),
    ("tilsyn", "Tilsyn og runderinger", ("generel",), 45, "normal", None),
)


@dataclass(frozen=True)
class District:
    team: str
    area: str
    centre: tuple[float, float]
    spread: tuple[float, float]
    postal_codes: tuple[str, ...]
    streets: tuple[str, ...]
    depot: str


AMAGER: tuple[District, ...] = (
    District(
        "Team Christianshavn",
        "Christianshavn og Holmen",
        (55.6727, 12.5930),
        (0.0035, 0.0070),
        ("1401", "1407", "1411", "1415", "1419", "1433"),
        (
            "Prinsessegade",
            "Torvegade",
            "Dronningensgade",
            "Overgaden oven Vandet",
            "Overgaden neden Vandet",
            "Strandgade",
            "Sankt Annæ Gade",
            "Wildersgade",
            "Christianshavns Voldgade",
            "Amagergade",
        ),
        "Driftsgården Christianshavn, Prinsessegade 45",
    ),
    District(
        "Team Amager Nord",
        "Amagerbro og Holmbladsgade",
        (55.6640, 12.6010),
        (0.0050, 0.0090),
        ("2300",),
        (
            "Amagerbrogade",
            "Holmbladsgade",
            "Øresundsvej",
            "Lergravsvej",
            "Amager Boulevard",
            "Prags Boulevard",
            "Smyrnagade",
            "Norgesgade",
            "Italiensvej",
            "Bergensgade",
            "Wittenberggade",
            "Jemtelandsgade",
        ),
        "Driftsgården Amager Nord, Lergravsvej 57",
    ),
    District(
        "Team Amager Øst",
        "Sundbyøster og Kastrupvej",
        (55.6500, 12.6150),
        (0.0060, 0.0110),
        ("2300",),
        (
            "Strandlodsvej",
            "Sundholmsvej",
            "Kastrupvej",
            "Englandsvej",
            "Røde Mellemvej",
            "Sundbyvestervej",
            "Tycho Brahes Allé",
            "Peder Lykkes Vej",
            "Amagerfælledvej",
            "Irlandsvej",
        ),
        "Driftsgården Amager Øst, Sundholmsvej 20",
    ),
    District(
        "Team Amager Vest",
        "Islands Brygge, Sundbyvester og Ørestad",
        (55.6430, 12.5800),
        (0.0080, 0.0090),
        ("2300",),
        (
            "Islands Brygge",
            "Artillerivej",
            "Njalsgade",
            "Ved Amagerbanen",
            "Sundbyvester Plads",
            "Ørestads Boulevard",
            "Vejlands Allé",
            "Gunløgsgade",
            "Kongelundsvej",
            "Hørgården",
        ),
        "Driftsgården Amager Vest, Artillerivej 86",
    ),
)

CITY: tuple[District, ...] = (
    District(
        "Team Indre By",
        "Indre By",
        (55.6795, 12.5760),
        (0.0045, 0.0080),
        ("1050", "1150", "1260", "1360", "1455"),
        (
            "Store Kongensgade",
            "Gothersgade",
            "Nørre Voldgade",
            "Vestergade",
            "Bredgade",
            "Købmagergade",
            "Sankt Peders Stræde",
            "Krystalgade",
            "Nyhavn",
        ),
        "Driftsgården Indre By, Nørre Voldgade 13",
    ),
    District(
        "Team Østerbro",
        "Østerbro",
        (55.7070, 12.5760),
        (0.0080, 0.0090),
        ("2100",),
        (
            "Østerbrogade",
            "Nordre Frihavnsgade",
            "Strandboulevarden",
            "Jagtvej",
            "Classensgade",
            "Vognmandsmarken",
            "Ryesgade",
            "Randersgade",
            "Kristianiagade",
        ),
        "Driftsgården Østerbro, Vognmandsmarken 18",
    ),
    District(
        "Team Nørrebro",
        "Nørrebro",
        (55.6950, 12.5480),
        (0.0060, 0.0090),
        ("2200",),
        (
            "Nørrebrogade",
            "Jagtvej",
            "Blågårdsgade",
            "Stefansgade",
            "Tagensvej",
            "Nørre Allé",
            "Heimdalsgade",
            "Rantzausgade",
            "Åboulevard",
        ),
        "Driftsgården Nørrebro, Heimdalsgade 45",
    ),
    District(
        "Team Bispebjerg",
        "Bispebjerg og Nordvest",
        (55.7100, 12.5330),
        (0.0070, 0.0100),
        ("2400",),
        (
            "Frederikssundsvej",
            "Rentemestervej",
            "Tomsgårdsvej",
            "Bispebjerg Bakke",
            "Lygten",
            "Utterslevvej",
            "Tagensvej",
            "Hulgårdsvej",
        ),
        "Driftsgården Bispebjerg, Rentemestervej 76",
    ),
    District(
        "Team Brønshøj-Husum",
        "Brønshøj, Husum og Tingbjerg",
        (55.7070, 12.4880),
        (0.0080, 0.0120),
        ("2700",),
        (
            "Frederikssundsvej",
            "Husumvej",
            "Brønshøjvej",
            "Tingbjerg Bygade",
            "Slotsherrensvej",
            "Kirkemosevej",
            "Bellahøjvej",
        ),
        "Driftsgården Brønshøj, Husumvej 75",
    ),
    District(
        "Team Vanløse",
        "Vanløse",
        (55.6870, 12.4880),
        (0.0060, 0.0100),
        ("2720",),
        ("Jernbane Allé", "Ålekistevej", "Hulgårdsvej", "Godthåbsvej", "Jyllingevej", "Apollovej", "Grøndals Parkvej"),
        "Driftsgården Vanløse, Ålekistevej 60",
    ),
    District(
        "Team Valby",
        "Valby",
        (55.6620, 12.5050),
        (0.0070, 0.0120),
        ("2500",),
        (
            "Valby Langgade",
            "Gammel Køge Landevej",
            "Toftegårds Allé",
            "Vigerslev Allé",
            "Carl Jacobsens Vej",
            "Retortvej",
            "Ramsingsvej",
        ),
        "Driftsgården Valby, Retortvej 8",
    ),
    District(
        "Team Vesterbro-Kgs. Enghave",
        "Vesterbro, Kongens Enghave og Sydhavn",
        (55.6620, 12.5420),
        (0.0070, 0.0100),
        ("1620", "1720", "2450"),
        (
            "Istedgade",
            "Enghavevej",
            "Sydhavnsgade",
            "Mozartsvej",
            "Vesterbrogade",
            "Sønder Boulevard",
            "Borgbjergsvej",
            "Wagnersvej",
        ),
        "Driftsgården Sydhavn, Borgbjergsvej 19",
    ),
)

INSTITUTION_MIX = (
    ("daginstitution", "BUF", 34),
    ("skole", "BUF", 12),
    ("fritidsinstitution", "BUF", 10),
    ("plejehjem", "SUF", 8),
    ("botilbud", "SOF", 5),
    ("kulturhus", "KFF", 6),
    ("bibliotek", "KFF", 5),
    ("idrætsanlæg", "KFF", 9),
    ("administration", "ØKF", 11),
)
DAYCARE_PREFIX = ("Børnehuset", "Vuggestuen", "Børnehaven", "Den integrerede institution")
DAYCARE_NAMES = (
    "Solsikken",
    "Mælkebøtten",
    "Regnbuen",
    "Kastanjen",
    "Myretuen",
    "Troldehøjen",
    "Bikuben",
    "Skovmusen",
    "Lærkereden",
    "Søstjernen",
    "Havørnen",
    "Spiren",
    "Valmuen",
    "Guldsmeden",
    "Mariehønen",
    "Humlebien",
    "Pilehuset",
    "Ankeret",
    "Stjerneskuddet",
    "Kløverbladet",
)
FIRST_NAMES = (
    "Lars",
    "Ali",
    "Mette",
    "Jens",
    "Anne",
    "Peter",
    "Hanne",
    "Søren",
    "Kim",
    "Mads",
    "Fatima",
    "Jonas",
    "Camilla",
    "Henrik",
    "Rasmus",
    "Louise",
    "Morten",
    "Bente",
    "Thomas",
    "Sara",
    "Mohammed",
    "Niels",
    "Pia",
    "Kasper",
    "Yasmin",
    "Brian",
    "Lene",
    "Ole",
    "Tina",
    "Jesper",
    "Omar",
    "Karin",
)
LAST_NAMES = (
    "Jensen",
    "Nielsen",
    "Hansen",
    "Pedersen",
    "Andersen",
    "Christensen",
    "Larsen",
    "Sørensen",
    "Rasmussen",
    "Jørgensen",
    "Petersen",
    "Madsen",
    "Kristensen",
    "Olsen",
    "Thomsen",
    "Poulsen",
    "Hassan",
    "Yilmaz",
    "Khan",
    "Møller",
    "Mortensen",
    "Holm",
    "Dahl",
    "Berg",
)
COMPONENTS = (
    ("blandingsbatteri", (("Damixa", "Silhouet"), ("Grohe", "Eurosmart"), ("Oras", "Safira"), ("Hansgrohe", "Logis"))),
    ("lyskilde", (("Philips", "CorePro LED"), ("Osram", "T8 lysrør"), ("Glamox", "C10 LED-panel"))),
    ("toilet", (("Ifö", "Spira"), ("Gustavsberg", "Nautic"))),
    ("doerpumpe", (("Dorma", "TS 83"), ("Assa Abloy", "DC300"))),
    ("ventilationsanlaeg", (("Nilan", "Comfort 300"), ("Systemair", "SAVE VTR 500"), ("Genvex", "ECO 375"))),
    ("radiatorventil", (("Danfoss", "RA-N"), ("Heimeier", "V-exact"))),
)
ROOM_NAMES = ("Køkken", "Toilet stueetagen", "Personalerum", "Fyrrum", "Gymnastiksal", "Legeplads", "Kontor", "Depot")


@dataclass
class Area:
    teams: list[Team]
    institutions: list[Institution]
    buildings: list[Building]
    caretakers: list[Caretaker]


def ensure_catalogue(session: Session) -> dict[str, TaskType]:
    """Skills and task types (idempotent)."""
    for code, name in SKILLS.items():
        if session.get(Skill, code) is None:
            session.add(Skill(code=code, name=name))
    types = {t.code: t for t in session.scalars(select(TaskType))}
    for code, name, skills, minutes, priority, category in TASK_TYPES:
        if code not in types:
            types[code] = TaskType(
                code=code,
                name=name,
                required_skills=list(skills),
                expected_minutes=minutes,
                default_priority=priority,
                kasa_category=category,
                shared_with_kasa=category is not None,
            )
            session.add(types[code])
    session.flush()
    return types


def _point(rng: random.Random, d: District) -> tuple[float, float]:
    lat = d.centre[0] + max(-2.2, min(2.2, rng.gauss(0, 1))) * d.spread[0]
    lon = d.centre[1] + max(-2.2, min(2.2, rng.gauss(0, 1))) * d.spread[1]
    return round(lat, 6), round(lon, 6)


def _institution_name(rng: random.Random, kind: str, d: District, used: set[str]) -> str:
    street = rng.choice(d.streets)
    options = {
        "daginstitution": lambda: f"{rng.choice(DAYCARE_PREFIX)} {rng.choice(DAYCARE_NAMES)}",
        "skole": lambda: f"{street.split()[0]}s Skole" if not street.endswith("s") else f"{street.split()[0]} Skole",
        "fritidsinstitution": lambda: f"Fritidshjemmet {rng.choice(DAYCARE_NAMES)}",
        "plejehjem": lambda: f"Plejehjemmet {street}",
        "botilbud": lambda: f"Bostedet {rng.choice(DAYCARE_NAMES)}",
        "kulturhus": lambda: f"Kulturhuset {d.area.split(',')[0]}",
        "bibliotek": lambda: f"{d.area.split(',')[0].split(' og ')[0]} Bibliotek",
        "idrætsanlæg": lambda: f"{street} Idrætsanlæg",
        "administration": lambda: f"Administrationsbygning {street}",
    }
    for _ in range(20):
        name = options[kind]()
        if name not in used:
            used.add(name)
            return name
    name = f"{options[kind]()} {len(used)}"
    used.add(name)
    return name


def build_area(
    session: Session,
    *,
    rng: random.Random,
    districts: Sequence[District],
    buildings_total: int,
    caretakers_total: int,
    leader_sub: str | None,
    code_prefix: str,
    fixed: dict[str, Any] | None = None,
) -> Area:
    """Teams, institutions, buildings (with rooms and components) and caretakers for some districts."""
    fixed = fixed or {}
    teams: list[Team] = []
    institutions: list[Institution] = []
    buildings: list[Building] = []
    caretakers: list[Caretaker] = []
    used_names: set[str] = set()
    weights = [w for _, _, w in INSTITUTION_MIX]
    property_no = session.scalar(
        select(Building.keid_property_number).order_by(Building.keid_property_number.desc()).limit(1)
    )
    next_property = int(property_no.split("-")[1]) + 1 if property_no else 100001
    for index, d in enumerate(districts):
        team = Team(
            name=d.team,
            area=d.area,
            leader_sub=leader_sub or f"tl-{d.team.split()[-1].lower()}",
            auto_dispatch=d.team not in fixed.get("manual_teams", ()),
        )
        session.add(team)
        teams.append(team)
        session.flush()
        share_b = buildings_total // len(districts) + (1 if index < buildings_total % len(districts) else 0)
        share_c = caretakers_total // len(districts) + (1 if index < caretakers_total % len(districts) else 0)
        made = 0
        while made < share_b:
            (
                kind,
                department,
            ) = rng.choices([(k, dep) for k, dep, _ in INSTITUTION_MIX], weights=weights)[0]
            if kind == "administration":
                department = rng.choice(("ØKF", "TMF", "BIF", "KEID"))
            code = f"{code_prefix}-{len(institutions) + 1:04d}"
            name = _institution_name(rng, kind, d, used_names)
            institution = Institution(
                code=code,
                name=name,
                institution_type=kind,
                department=department,
                contact_email=f"{code.lower()}@kk.dk",
                contact_phone=f"+453{rng.randint(1000000, 9999999)}",
            )
            session.add(institution)
            institutions.append(institution)
            session.flush()
            count = min(share_b - made, 3 if kind == "skole" else (2 if rng.random() < 0.25 else 1))
            for b in range(count):
                buildings.append(_building(session, rng, d, institution, team, b, next_property))
                next_property += 1
                made += 1
        depot = _point(rng, d)
        for _ in range(share_c):
            caretakers.append(_caretaker(session, rng, team, d, depot))
    session.flush()
    return Area(teams, institutions, buildings, caretakers)


def _building(
    session: Session,
    rng: random.Random,
    d: District,
    institution: Institution,
    team: Team,
    number: int,
    property_no: int,
) -> Building:
    lat, lon = _point(rng, d)
    suffix = (
        ("", " – Indskoling", " – Gymnastiksal")[number]
        if institution.institution_type == "skole"
        else ("" if number == 0 else " – Afdeling 2")
    )
    building = Building(
        institution_id=institution.id,
        team_id=team.id,
        name=institution.name + suffix,
        address=f"{rng.choice(d.streets)} {rng.randint(1, 180)}",
        postal_code=rng.choice(d.postal_codes),
        city="København S" if d.postal_codes == ("2300",) else "København",
        latitude=lat,
        longitude=lon,
        department=institution.department,
        institution_type=institution.institution_type,
        keid_property_number=f"KEID-{property_no:06d}",
    )
    session.add(building)
    session.flush()
    qr.issue(
        session, building=building, room_id=None, component_id=None, label=None, expires_at=None, created_by="seed"
    )
    rooms = []
    for room_name in rng.sample(ROOM_NAMES, rng.randint(2, 4)):
        room = Room(building_id=building.id, name=room_name, floor=rng.choice(("kælder", "st.", "1. sal", None)))
        session.add(room)
        rooms.append(room)
    session.flush()
    for _ in range(rng.randint(3, 7)):
        kind, models = rng.choice(COMPONENTS)
        manufacturer, model = rng.choice(models)
        room = rng.choice(rooms)
        session.add(
            Component(
                building_id=building.id,
                room_id=room.id,
                kind=kind,
                name=f"{kind.replace('ae', 'æ').capitalize()} – {room.name}",
                manufacturer=manufacturer,
                model=model,
                installed_on=date(rng.randint(2005, 2022), rng.randint(1, 12), 1),
            )
        )
    return building


def _caretaker(session: Session, rng: random.Random, team: Team, d: District, depot: tuple[float, float]) -> Caretaker:
    skills = ["generel"]
    for code, probability in (
        ("el", 0.3),
        ("vvs", 0.3),
        ("toemrer", 0.25),
        ("maler", 0.2),
        ("laase", 0.25),
        ("ventilation", 0.15),
        ("varme", 0.15),
        ("udeareal", 0.3),
        ("legeplads", 0.15),
    ):
        if rng.random() < probability:
            skills.append(code)
    start = rng.choice((6 * 60, 7 * 60, 7 * 60, 7 * 60, 8 * 60))
    caretaker = Caretaker(
        name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
        team_id=team.id,
        skills=skills,
        home_label=d.depot,
        home_latitude=depot[0],
        home_longitude=depot[1],
        work_days=[1, 2, 3, 4, 5],
        work_start_minute=start,
        work_end_minute=start + 8 * 60,
    )
    session.add(caretaker)
    return caretaker


def ensure_every_skill(area: Area) -> None:
    """Make sure each team has at least two caretakers with every skill (realistic staffing)."""
    for team in area.teams:
        members = [c for c in area.caretakers if c.team_id == team.id]
        for i, code in enumerate(SKILLS):
            holders = [c for c in members if code in c.skills]
            for c in members[(i * 2) % max(len(members), 1) :][: max(0, 2 - len(holders))]:
                c.skills = [*c.skills, code]


def open_tasks_for_day(
    session: Session,
    *,
    rng: random.Random,
    area: Area,
    types: dict[str, TaskType],
    count: int,
    now: datetime,
) -> list[Task]:
    """Open tasks, each assigned to a qualified caretaker of the building's team (as the morning would look)."""
    by_team: dict[uuid.UUID, list[Caretaker]] = {}
    for c in area.caretakers:
        by_team.setdefault(c.team_id, []).append(c)
    type_list = list(types.values())
    tasks = []
    for n in range(count):
        building = rng.choice(area.buildings)
        task_type = rng.choice(type_list)
        team_members = by_team[building.team_id]  # type: ignore[index]
        able = [c for c in team_members if set(task_type.required_skills) <= set(c.skills)] or team_members
        caretaker = rng.choice(able)
        created = now - timedelta(minutes=rng.randint(10, 60 * 24 * 3))
        task = Task(
            id=uuid.uuid4(),
            case_number=f"VV-SIM-{n + 1:06d}",
            title=f"{task_type.name} – {building.name}",
            description="Simuleret opgave til planlægning og benchmark.",
            task_type_id=task_type.id,
            institution_id=building.institution_id,
            building_id=building.id,
            team_id=building.team_id,
            priority=rng.choices(("akut", "hoej", "normal", "lav"), weights=(3, 17, 60, 20))[0],
            status="tildelt",
            status_at=created,
            kind="adhoc",
            source="portal",
            ordered_by_name="Simuleret bestiller",
            reported_at=created,
            assigned_caretaker_id=caretaker.id,
            assigned_at=created,
            expected_minutes=task_type.expected_minutes,
            created_at=created,
            updated_at=created,
        )
        tasks.append(task)
    session.add_all(tasks)
    session.flush()
    return tasks


def history(
    session: Session,
    *,
    rng: random.Random,
    area: Area,
    types: dict[str, TaskType],
    count: int,
    today: date,
) -> int:
    """Solved tasks over the last months with assignments, status history and time entries (for reports)."""
    by_team: dict[uuid.UUID, list[Caretaker]] = {}
    for c in area.caretakers:
        by_team.setdefault(c.team_id, []).append(c)
    components: dict[uuid.UUID, list[uuid.UUID]] = {}
    for building_id, part_id in session.execute(
        select(Component.building_id, Component.id).where(Component.building_id.in_([b.id for b in area.buildings]))
    ).all():
        components.setdefault(building_id, []).append(part_id)
    type_list = list(types.values())
    tasks: list[Task] = []
    rows: list[Any] = []
    made = 0
    for n in range(count):
        day = today - timedelta(days=rng.randint(1, 120))
        if day.isoweekday() > 5:
            continue
        building = rng.choice(area.buildings)
        task_type = rng.choice(type_list)
        members = by_team[building.team_id]  # type: ignore[index]
        able = [c for c in members if set(task_type.required_skills) <= set(c.skills)] or members
        caretaker = rng.choice(able)
        reported = local_datetime(day, rng.randint(7 * 60, 13 * 60))
        started = reported + timedelta(minutes=rng.randint(20, 240))
        factor = {"skole": 1.2, "plejehjem": 1.1, "daginstitution": 0.9}.get(building.institution_type, 1.0)
        minutes = max(10, int(rng.lognormvariate(0, 0.35) * task_type.expected_minutes * factor))
        planned = task_type.code in ("legeplads", "ventilation", "tilsyn") and rng.random() < 0.7
        waited = not planned and rng.random() < 0.18
        component_id = (
            rng.choice(components[building.id])
            if components.get(building.id)
            and task_type.code in ("vandhane", "lyskilde", "ventilation", "doer_laas", "afloeb")
            else None
        )
        task_id = uuid.uuid4()
        first_end = started + timedelta(minutes=minutes if not waited else minutes // 2)
        resolved = first_end if not waited else first_end + timedelta(days=rng.randint(1, 4))
        tasks.append(
            Task(
                id=task_id,
                case_number=f"VV-{day.year}-H{n + 1:05d}",
                title=f"{task_type.name} – {building.name}",
                description="Historisk opgave (demodata).",
                task_type_id=task_type.id,
                institution_id=building.institution_id,
                building_id=building.id,
                component_id=component_id,
                team_id=building.team_id,
                priority=task_type.default_priority,
                status="loest",
                status_at=resolved,
                status_by_sub=caretaker.user_sub or "system",
                kind="planned" if planned else "adhoc",
                source="plan" if planned else "portal",
                ordered_by_name="Planlagt" if planned else "Demobestiller",
                reported_at=reported,
                assigned_caretaker_id=caretaker.id,
                assigned_at=reported,
                expected_minutes=task_type.expected_minutes,
                planned_for=day if planned else None,
                resolved_at=resolved,
                created_at=reported,
                updated_at=resolved,
            )
        )
        rows.append(
            Assignment(
                task_id=task_id,
                caretaker_id=caretaker.id,
                kind="caretaker",
                reason_code="auto_nearest_least_loaded",
                reason=f"Automatisk tildelt {caretaker.name} (demodata).",
                decided_by_sub="system",
                details={},
                created_at=reported,
            )
        )
        rows.append(
            TimeEntry(
                task_id=task_id, caretaker_id=caretaker.id, started_at=started, ended_at=first_end, source="status"
            )
        )
        changes = [("tildelt", reported), ("i_gang", started)]
        if waited:
            second_start = resolved - timedelta(minutes=minutes - minutes // 2)
            rows.append(
                TimeEntry(
                    task_id=task_id,
                    caretaker_id=caretaker.id,
                    started_at=second_start,
                    ended_at=resolved,
                    source="status",
                )
            )
            changes += [("materiale_bestilles", first_end), ("i_gang", second_start)]
        changes.append(("loest", resolved))
        previous = "ny"
        for status, at in changes:
            rows.append(
                StatusChange(
                    task_id=task_id,
                    status=status,
                    previous_status=previous,
                    occurred_at=at,
                    received_at=at,
                    actor_sub=caretaker.user_sub or "system",
                    actor_role="vicevaert" if status != "tildelt" else "system",
                    actor_name=caretaker.name,
                    caretaker_id=caretaker.id,
                    outcome="applied",
                )
            )
            previous = status
        made += 1
    session.add_all(tasks)
    session.flush()  # tasks first: the other rows refer to them
    session.add_all(rows)
    session.flush()
    return made
