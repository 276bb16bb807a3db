"""Registry operations: plain functions over a session."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from services.viceværtsopgaver.common.paging import decode_cursor, encode_cursor
from services.viceværtsopgaver.common.workhours import parse_hhmm
from services.viceværtsopgaver.registry.models import (
    Absence,
    Building,
    BuildingDocument,
    Caretaker,
    Component,
    Institution,
    Room,
    Skill,
    TaskType,
    Team,
)
from services.viceværtsopgaver.task.models import Task
from services.viceværtsopgaver.task.vocabulary import TERMINAL
from shared.errors import Conflict, FieldError, NotFound, Unprocessable


def ensure_skills(session: Session, codes: Sequence[str], *, pointer: str) -> list[str]:
    """The skill codes, de-duplicated; 422 naming each unknown code."""
    unique = list(dict.fromkeys(codes))
    known = set(session.scalars(select(Skill.code).where(Skill.code.in_(unique)))) if unique else set()
    errors = [
        FieldError(f"{pointer}/{i}", "unknown_skill", f"Kompetencen '{code}' findes ikke.")
        for i, code in enumerate(unique)
        if code not in known
    ]
    if errors:
        raise Unprocessable("Ukendt kompetence.", errors=errors)
    return unique


def _exists_or_422(session: Session, model: type[Any], ident: uuid.UUID | None, pointer: str, message: str) -> None:
    if ident is not None and session.get(model, ident) is None:
        raise Unprocessable(message, errors=[FieldError(pointer, "not_found", message)])


# --- skills ---------------------------------------------------------------------------------------


def list_skills(session: Session) -> list[Skill]:
    """All skills by code."""
    return list(session.scalars(select(Skill).order_by(Skill.code)))


def create_skill(session: Session, *, code: str, name: str) -> Skill:
    """Add a skill; 409 if the code exists."""
    if session.get(Skill, code) is not None:
        raise Conflict("Kompetencen findes allerede.", code="skill_exists")
    skill = Skill(code=code, name=name)
    session.add(skill)
    session.flush()
    return skill


# --- teams and institutions -----------------------------------------------------------------------


def list_teams(session: Session) -> list[Team]:
    """All teams by name."""
    return list(session.scalars(select(Team).order_by(Team.name)))


def get_team(session: Session, *, team_id: uuid.UUID) -> Team:
    """A team or 404."""
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound("Teamet findes ikke.", code="team_not_found")
    return team


def create_team(session: Session, *, data: dict[str, Any]) -> Team:
    """Add a team; 409 on a duplicate name."""
    if session.scalar(select(Team.id).where(Team.name == data["name"])) is not None:
        raise Conflict("Der findes allerede et team med det navn.", code="team_exists")
    team = Team(**data)
    session.add(team)
    session.flush()
    return team


def update_team(session: Session, *, team: Team, changes: dict[str, Any]) -> Team:
    """Apply changes to a team."""
    if (
        "name" in changes
        and changes["name"] != team.name
        and session.scalar(select(Team.id).where(Team.name == changes["name"])) is not None
    ):
        raise Conflict("Der findes allerede et team med det navn.", code="team_exists")
    for key, value in changes.items():
        setattr(team, key, value)
    session.flush()
    return team


def list_institutions(session: Session) -> list[Institution]:
    """All institutions by name."""
    return list(session.scalars(select(Institution).order_by(Institution.name)))


def create_institution(session: Session, *, data: dict[str, Any]) -> Institution:
    """Add an institution; 409 on a duplicate code."""
    if session.scalar(select(Institution.id).where(Institution.code == data["code"])) is not None:
        raise Conflict("Der findes allerede en institution med den kode.", code="institution_exists")
    institution = Institution(**data)
    session.add(institution)
    session.flush()
    return institution


# --- buildings ------------------------------------------------------------------------------------


def get_building(session: Session, *, building_id: uuid.UUID) -> Building:
    """A building or 404."""
    building = session.get(Building, building_id)
    if building is None:
        raise NotFound("Bygningen findes ikke.", code="building_not_found")
    return building


def _check_building_refs(session: Session, data: dict[str, Any]) -> None:
    _exists_or_422(session, Institution, data.get("institution_id"), "/institution_id", "Institutionen findes ikke.")
    _exists_or_422(session, Team, data.get("team_id"), "/team_id", "Teamet findes ikke.")
    number = data.get("keid_property_number")
    if number:
        clash = session.scalar(select(Building.id).where(Building.keid_property_number == number))
        if clash is not None and clash != data.get("id"):
            raise Conflict("Ejendomsnummeret er allerede brugt af en anden bygning.", code="property_number_taken")


def create_building(session: Session, *, data: dict[str, Any]) -> Building:
    """Add a building."""
    _check_building_refs(session, data)
    building = Building(**data)
    session.add(building)
    session.flush()
    return building


def update_building(session: Session, *, building: Building, changes: dict[str, Any]) -> Building:
    """Apply changes to a building."""
    _check_building_refs(session, {**changes, "id": building.id})
    for key, value in changes.items():
        setattr(building, key, value)
    session.flush()
    return building


def list_buildings(
    session: Session,
    *,
    q: str | None = None,
    team_id: uuid.UUID | None = None,
    institution_id: uuid.UUID | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[Building], str | None]:
    """Buildings matching the filters, ordered by (created_at, id), one page."""
    statement = select(Building).order_by(Building.created_at, Building.id).limit(limit)
    if q:
        pattern = f"%{q.lower()}%"
        statement = statement.where(
            or_(func.lower(Building.name).like(pattern), func.lower(Building.address).like(pattern))
        )
    if team_id is not None:
        statement = statement.where(Building.team_id == team_id)
    if institution_id is not None:
        statement = statement.where(Building.institution_id == institution_id)
    if cursor:
        at, ident = decode_cursor(cursor)
        statement = statement.where(or_(Building.created_at > at, and_(Building.created_at == at, Building.id > ident)))
    items = list(session.scalars(statement))
    next_cursor = encode_cursor(items[-1].created_at, items[-1].id) if len(items) == limit else None
    return items, next_cursor


def building_detail(session: Session, *, building: Building) -> dict[str, Any]:
    """A building with institution, team, rooms, components, documents and its open-task count."""
    open_tasks = session.scalar(
        select(func.count()).where(Task.building_id == building.id, Task.status.not_in(TERMINAL))
    )
    return {
        **{c.key: getattr(building, c.key) for c in Building.__table__.columns},
        "institution": session.get(Institution, building.institution_id) if building.institution_id else None,
        "team": session.get(Team, building.team_id) if building.team_id else None,
        "rooms": list(session.scalars(select(Room).where(Room.building_id == building.id).order_by(Room.name))),
        "components": list(
            session.scalars(
                select(Component).where(Component.building_id == building.id).order_by(Component.kind, Component.name)
            )
        ),
        "documents": list_documents(session, building_id=building.id),
        "open_tasks": open_tasks or 0,
    }


def add_room(session: Session, *, building: Building, name: str, floor: str | None) -> Room:
    """Add a room to a building."""
    room = Room(building_id=building.id, name=name, floor=floor)
    session.add(room)
    session.flush()
    return room


def add_component(session: Session, *, building: Building, data: dict[str, Any]) -> Component:
    """Add a component to a building (the room, if given, must be in the building)."""
    room_id = data.get("room_id")
    if room_id is not None:
        room = session.get(Room, room_id)
        if room is None or room.building_id != building.id:
            raise Unprocessable(
                "Rummet findes ikke i bygningen.",
                errors=[FieldError("/room_id", "not_found", "Rummet findes ikke i bygningen.")],
            )
    component = Component(building_id=building.id, **data)
    session.add(component)
    session.flush()
    return component


def add_document(
    session: Session,
    *,
    building: Building,
    title: str,
    kind: str,
    filename: str,
    content_type: str,
    data: bytes,
    uploaded_by: str,
) -> BuildingDocument:
    """Store a document for a building."""
    document = BuildingDocument(
        building_id=building.id,
        title=title,
        kind=kind,
        filename=filename,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
        uploaded_by=uploaded_by,
    )
    session.add(document)
    session.flush()
    return document


def list_documents(session: Session, *, building_id: uuid.UUID) -> list[BuildingDocument]:
    """A building's documents (without their content)."""
    return list(
        session.scalars(
            select(BuildingDocument)
            .where(BuildingDocument.building_id == building_id)
            .order_by(BuildingDocument.kind, BuildingDocument.title)
        )
    )


def get_document(session: Session, *, document_id: uuid.UUID) -> BuildingDocument:
    """A document (with content) or 404."""
    document = session.get(BuildingDocument, document_id)
    if document is None:
        raise NotFound("Dokumentet findes ikke.", code="document_not_found")
    return document


# --- caretakers -----------------------------------------------------------------------------------


def _caretaker_values(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    values = dict(data)
    if "skills" in values and values["skills"] is not None:
        values["skills"] = ensure_skills(session, values["skills"], pointer="/skills")
    if "work_days" in values and values["work_days"] is not None:
        values["work_days"] = sorted(set(values["work_days"]))
    if "work_start" in values:
        values["work_start_minute"] = parse_hhmm(values.pop("work_start"))
    if "work_end" in values:
        values["work_end_minute"] = parse_hhmm(values.pop("work_end"))
    if "team_id" in values:
        _exists_or_422(session, Team, values["team_id"], "/team_id", "Teamet findes ikke.")
    sub = values.get("user_sub")
    if sub:
        clash = session.scalar(select(Caretaker.id).where(Caretaker.user_sub == sub))
        if clash is not None and clash != values.get("id"):
            raise Conflict("Brugeren er allerede knyttet til en anden vicevært.", code="user_sub_taken")
    return values


def create_caretaker(session: Session, *, data: dict[str, Any]) -> Caretaker:
    """Add a caretaker."""
    caretaker = Caretaker(**_caretaker_values(session, data))
    session.add(caretaker)
    session.flush()
    return caretaker


def update_caretaker(session: Session, *, caretaker: Caretaker, changes: dict[str, Any]) -> Caretaker:
    """Apply changes to a caretaker (working hours are checked to stay in order)."""
    values = _caretaker_values(session, {**changes, "id": caretaker.id})
    values.pop("id")
    start = values.get("work_start_minute", caretaker.work_start_minute)
    end = values.get("work_end_minute", caretaker.work_end_minute)
    if end <= start:
        raise Unprocessable(
            "Arbejdstiden skal slutte efter den begynder.",
            errors=[FieldError("/work_end", "invalid_hours", "Arbejdstiden skal slutte efter den begynder.")],
        )
    for key, value in values.items():
        setattr(caretaker, key, value)
    session.flush()
    return caretaker


def get_caretaker(session: Session, *, caretaker_id: uuid.UUID) -> Caretaker:
    """A caretaker or 404."""
    caretaker = session.get(Caretaker, caretaker_id)
    if caretaker is None:
        raise NotFound("Viceværten findes ikke.", code="caretaker_not_found")
    return caretaker


def list_caretakers(
    session: Session, *, team_ids: Sequence[uuid.UUID] | None = None, active_only: bool = False
) -> list[Caretaker]:
    """Caretakers, optionally of some teams, by name."""
    statement = select(Caretaker).order_by(Caretaker.name, Caretaker.id)
    if team_ids is not None:
        statement = statement.where(Caretaker.team_id.in_(list(team_ids)))
    if active_only:
        statement = statement.where(Caretaker.active.is_(True))
    return list(session.scalars(statement))


def add_absence(
    session: Session, *, caretaker: Caretaker, starts_on: date, ends_on: date, kind: str, created_by: str
) -> Absence:
    """Register an absence; 409 when it overlaps an existing one."""
    overlap = session.scalar(
        select(Absence.id).where(
            Absence.caretaker_id == caretaker.id, Absence.starts_on <= ends_on, Absence.ends_on >= starts_on
        )
    )
    if overlap is not None:
        raise Conflict("Fraværet overlapper et andet registreret fravær.", code="absence_overlap")
    absence = Absence(caretaker_id=caretaker.id, starts_on=starts_on, ends_on=ends_on, kind=kind, created_by=created_by)
    session.add(absence)
    session.flush()
    return absence


def list_absences(session: Session, *, caretaker: Caretaker, from_date: date | None = None) -> list[Absence]:
    """A caretaker's absences (ending on or after a date)."""
    statement = select(Absence).where(Absence.caretaker_id == caretaker.id).order_by(Absence.starts_on)
    if from_date is not None:
        statement = statement.where(Absence.ends_on >= from_date)
    return list(session.scalars(statement))


def delete_absence(session: Session, *, caretaker: Caretaker, absence_id: uuid.UUID) -> None:
    """Remove an absence registered in error."""
    absence = session.get(Absence, absence_id)
    if absence is None or absence.caretaker_id != caretaker.id:
        raise NotFound("Fraværet findes ikke.", code="absence_not_found")
    session.delete(absence)


# --- task types -----------------------------------------------------------------------------------


def list_task_types(session: Session, *, include_inactive: bool = False) -> list[TaskType]:
    """Task types by name."""
    statement = select(TaskType).order_by(TaskType.name)
    if not include_inactive:
        statement = statement.where(TaskType.active.is_(True))
    return list(session.scalars(statement))


def get_task_type(session: Session, *, task_type_id: uuid.UUID) -> TaskType:
    """A task type or 404."""
    task_type = session.get(TaskType, task_type_id)
    if task_type is None:
        raise NotFound("Opgavetypen findes ikke.", code="task_type_not_found")
    return task_type


def _check_kasa_category(session: Session, category: str | None, own_id: uuid.UUID | None) -> None:
    if category:
        clash = session.scalar(select(TaskType.id).where(TaskType.kasa_category == category))
        if clash is not None and clash != own_id:
            raise Conflict("KASA-kategorien er allerede knyttet til en anden opgavetype.", code="kasa_category_taken")


def create_task_type(session: Session, *, data: dict[str, Any]) -> TaskType:
    """Add a task type; 409 on a duplicate code."""
    if session.scalar(select(TaskType.id).where(TaskType.code == data["code"])) is not None:
        raise Conflict("Der findes allerede en opgavetype med den kode.", code="task_type_exists")
    data = {**data, "required_skills": ensure_skills(session, data["required_skills"], pointer="/required_skills")}
    _check_kasa_category(session, data.get("kasa_category"), None)
    task_type = TaskType(**data)
    session.add(task_type)
    session.flush()
    return task_type


def update_task_type(session: Session, *, task_type: TaskType, changes: dict[str, Any]) -> TaskType:
    """Apply changes to a task type."""
    if changes.get("required_skills") is not None:
        changes["required_skills"] = ensure_skills(session, changes["required_skills"], pointer="/required_skills")
    _check_kasa_category(session, changes.get("kasa_category"), task_type.id)
    for key, value in changes.items():
        setattr(task_type, key, value)
    session.flush()
    return task_type
