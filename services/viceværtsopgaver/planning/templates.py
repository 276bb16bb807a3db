"""Recurring and preventive task templates, generated ahead as planned work (idempotent per template and day)."""

from __future__ import annotations

import calendar
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.viceværtsopgaver.common.workhours import local_date
from services.viceværtsopgaver.dispatch import service as dispatch
from services.viceværtsopgaver.planning.durations import expected_minutes_for
from services.viceværtsopgaver.planning.models import TaskTemplate
from services.viceværtsopgaver.registry.models import Building, Caretaker, Component, Room, TaskType
from services.viceværtsopgaver.task.models import Task
from services.viceværtsopgaver.task.service import next_case_number
from shared.db import utcnow
from shared.errors import FieldError, NotFound, Unprocessable
from shared.queue import publish

FREQUENCY_LABELS = {"daily": "dagligt", "weekly": "ugentligt", "monthly": "månedligt", "yearly": "årligt"}


def advance(day: date, *, frequency: str, interval: int) -> date:
    """The next occurrence after a day."""
    if frequency == "daily":
        return day + timedelta(days=interval)
    if frequency == "weekly":
        return day + timedelta(weeks=interval)
    months = interval if frequency == "monthly" else 12 * interval
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _bad(pointer: str, message: str) -> Unprocessable:
    return Unprocessable(message, errors=[FieldError(pointer, "not_found", message)])


def _check_refs(session: Session, values: dict[str, Any], building_id: uuid.UUID) -> None:
    building = session.get(Building, building_id)
    if building is None:
        raise _bad("/building_id", "Bygningen findes ikke.")
    if values.get("task_type_id") is not None:
        task_type = session.get(TaskType, values["task_type_id"])
        if task_type is None or not task_type.active:
            raise _bad("/task_type_id", "Opgavetypen findes ikke.")
    if values.get("room_id") is not None:
        room = session.get(Room, values["room_id"])
        if room is None or room.building_id != building_id:
            raise _bad("/room_id", "Rummet findes ikke i bygningen.")
    if values.get("component_id") is not None:
        component = session.get(Component, values["component_id"])
        if component is None or component.building_id != building_id:
            raise _bad("/component_id", "Komponenten findes ikke i bygningen.")
    if values.get("caretaker_id") is not None:
        caretaker = session.get(Caretaker, values["caretaker_id"])
        if caretaker is None or not caretaker.active:
            raise _bad("/caretaker_id", "Viceværten findes ikke eller er ikke aktiv.")


def create(session: Session, *, data: dict[str, Any], created_by: str) -> TaskTemplate:
    """Add a template; the first occurrence is its start day."""
    _check_refs(session, data, data["building_id"])
    template = TaskTemplate(**data, next_due_on=data["starts_on"], created_by=created_by)
    session.add(template)
    session.flush()
    return template


def update(session: Session, *, template: TaskTemplate, changes: dict[str, Any]) -> TaskTemplate:
    """Apply changes; a new start day, frequency or interval restarts the series."""
    _check_refs(session, changes, changes.get("building_id") or template.building_id)
    for key, value in changes.items():
        setattr(template, key, value)
    if {"starts_on", "frequency", "interval"} & changes.keys():
        # Restart the series; days already generated are skipped (one task per template and day).
        template.next_due_on = template.starts_on
    session.flush()
    return template


def get(session: Session, *, template_id: uuid.UUID) -> TaskTemplate:
    """A template or 404."""
    template = session.get(TaskTemplate, template_id)
    if template is None:
        raise NotFound("Skabelonen findes ikke.", code="template_not_found")
    return template


def list_templates(session: Session, *, building_id: uuid.UUID | None = None) -> list[TaskTemplate]:
    """Templates, optionally of one building."""
    statement = select(TaskTemplate).order_by(TaskTemplate.name, TaskTemplate.id)
    if building_id is not None:
        statement = statement.where(TaskTemplate.building_id == building_id)
    return list(session.scalars(statement))


def generate(session: Session, *, now: datetime | None = None) -> list[Task]:
    """Create the planned tasks due within each active template's lead time (never twice for a day)."""
    now = now or utcnow()
    today = local_date(now)
    created: list[Task] = []
    templates = list(
        session.scalars(
            select(TaskTemplate)
            .where(TaskTemplate.active.is_(True))
            .order_by(TaskTemplate.id)
            .with_for_update(skip_locked=True)
        )
    )
    for template in templates:
        horizon = today + timedelta(days=template.lead_days)
        guard = 0
        while template.next_due_on <= horizon and (
            template.ends_on is None or template.next_due_on <= template.ends_on
        ):
            guard += 1
            if guard > 400:
                break
            due = template.next_due_on
            if due >= today:
                task = _occurrence(session, template=template, due=due, now=now)
                if task is not None:
                    created.append(task)
            template.next_due_on = advance(due, frequency=template.frequency, interval=template.interval)
    return created


def _occurrence(session: Session, *, template: TaskTemplate, due: date, now: datetime) -> Task | None:
    exists = session.scalar(select(Task.id).where(Task.template_id == template.id, Task.planned_for == due))
    if exists is not None:
        return None
    building = session.get(Building, template.building_id)
    task_type = session.get(TaskType, template.task_type_id)
    if building is None or task_type is None:
        return None
    kind_label = "Forebyggende vedligehold" if template.kind == "forebyggende" else "Fast opgave"
    task = Task(
        case_number=next_case_number(session, now=now),
        title=template.name,
        description=template.description or f"{kind_label} ({FREQUENCY_LABELS[template.frequency]}).",
        task_type_id=task_type.id,
        institution_id=building.institution_id,
        building_id=building.id,
        room_id=template.room_id,
        component_id=template.component_id,
        team_id=building.team_id,
        priority=template.priority,
        status="ny",
        status_at=now,
        kind="planned",
        source="plan",
        ordered_by_sub=None,
        ordered_by_name=kind_label,
        reported_at=now,
        expected_minutes=template.expected_minutes
        or expected_minutes_for(session, task_type=task_type, institution_type=building.institution_type),
        planned_for=due,
        template_id=template.id,
        created_at=now,
        updated_at=now,
    )
    session.add(task)
    session.flush()
    publish(session, "vicevaert.task.created", {"task_id": str(task.id)})
    caretaker = session.get(Caretaker, template.caretaker_id) if template.caretaker_id else None
    if caretaker is not None and caretaker.active:
        dispatch.assign(
            session,
            task=task,
            caretaker_id=caretaker.id,
            reason_code="template_caretaker",
            reason=f"{kind_label} '{template.name}' den {due:%d.%m.%Y}: tildelt {caretaker.name} efter skabelonen.",
            details={"rule": "template", "template_id": str(template.id)},
            now=now,
        )
    else:
        dispatch.to_board(
            session,
            task=task,
            kind="board",
            reason_code="planned",
            reason=f"{kind_label} '{template.name}' den {due:%d.%m.%Y}; fordeles automatisk på dagen.",
            details={"rule": "template", "template_id": str(template.id)},
            now=now,
        )
    return task
