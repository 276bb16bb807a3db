"""Turn task rows into API responses, loading related names in batches (no query per row)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.viceværtsopgaver.common import access
from services.viceværtsopgaver.dispatch.service import assignments_for
from services.viceværtsopgaver.registry.models import Building, Caretaker, Component, Institution, Room, TaskType
from services.viceværtsopgaver.task.models import StatusChange, Task, TaskPhoto, TimeEntry
from services.viceværtsopgaver.task.schemas import (
    AssignmentOut,
    BuildingRef,
    PhotoOut,
    PlaceRef,
    StatusChangeOut,
    TaskDetail,
    TaskOut,
    TimeEntryOut,
)
from services.viceværtsopgaver.task.service import photos_for
from services.viceværtsopgaver.task.vocabulary import CARETAKER_STATUSES, PRIORITY_LABELS, STATUS_LABELS, allowed_next
from services.viceværtsopgaver.work import status as work_status
from services.viceværtsopgaver.work.timekeeping import entries_for_task, worked_minutes
from shared.auth import Principal, Role


def _by_id(session: Session, model: Any, ids: set[Any]) -> dict[Any, Any]:
    ids.discard(None)
    if not ids:
        return {}
    return {row.id: row for row in session.scalars(select(model).where(model.id.in_(list(ids))))}


def task_outs(session: Session, tasks: Sequence[Task]) -> list[TaskOut]:
    """List items for tasks."""
    types = _by_id(session, TaskType, {t.task_type_id for t in tasks})
    buildings = _by_id(session, Building, {t.building_id for t in tasks})
    rooms = _by_id(session, Room, {t.room_id for t in tasks})
    components = _by_id(session, Component, {t.component_id for t in tasks})
    institutions = _by_id(session, Institution, {t.institution_id for t in tasks})
    caretakers = _by_id(session, Caretaker, {t.assigned_caretaker_id for t in tasks})
    out = []
    for t in tasks:
        b = buildings[t.building_id]
        tt = types[t.task_type_id]
        room, component = rooms.get(t.room_id), components.get(t.component_id)
        institution, caretaker = institutions.get(t.institution_id), caretakers.get(t.assigned_caretaker_id)
        out.append(
            TaskOut(
                id=t.id,
                case_number=t.case_number,
                keid_case_number=t.keid_case_number,
                title=t.title,
                description=t.description,
                status=t.status,
                status_label=STATUS_LABELS[t.status],
                status_at=t.status_at,
                priority=t.priority,
                priority_label=PRIORITY_LABELS.get(t.priority, t.priority),
                kind=t.kind,
                source=t.source,
                task_type=PlaceRef(id=tt.id, name=tt.name),
                building=BuildingRef(
                    id=b.id,
                    name=b.name,
                    address=b.address,
                    postal_code=b.postal_code,
                    latitude=b.latitude,
                    longitude=b.longitude,
                ),
                room=PlaceRef(id=room.id, name=room.name) if room else None,
                component=PlaceRef(id=component.id, name=component.name) if component else None,
                institution=PlaceRef(id=institution.id, name=institution.name) if institution else None,
                team_id=t.team_id,
                assigned_caretaker=PlaceRef(id=caretaker.id, name=caretaker.name) if caretaker else None,
                assigned_at=t.assigned_at,
                on_board=t.on_board,
                board_reason=t.board_reason,
                expected_minutes=t.expected_minutes,
                planned_for=t.planned_for,
                reported_at=t.reported_at,
                ordered_by_name=t.ordered_by_name,
                parent_task_id=t.parent_task_id,
                resolved_at=t.resolved_at,
                created_at=t.created_at,
                updated_at=t.updated_at,
                version=t.version,
            )
        )
    return out


def photo_out(photo: TaskPhoto) -> PhotoOut:
    out = PhotoOut.model_validate(photo)
    out.url = f"/api/v1/photos/{photo.id}"
    return out


OUTCOME_TEXT = work_status.OUTCOME_TEXT


def status_change_out(change: StatusChange, photo_ids: Sequence[uuid.UUID] = ()) -> StatusChangeOut:
    return StatusChangeOut(
        id=change.id,
        task_id=change.task_id,
        status=change.status,
        status_label=STATUS_LABELS[change.status],
        previous_status=change.previous_status,
        note=change.note,
        occurred_at=change.occurred_at,
        received_at=change.received_at,
        actor_role=change.actor_role,
        actor_name=change.actor_name,
        outcome=change.outcome,
        outcome_text=OUTCOME_TEXT.get(change.outcome, change.outcome),
        client_update_id=change.client_update_id,
        photo_ids=list(photo_ids),
    )


def time_entry_out(entry: TimeEntry) -> TimeEntryOut:
    out = TimeEntryOut.model_validate(entry)
    if entry.ended_at is not None:
        out.minutes = round((entry.ended_at - entry.started_at).total_seconds() / 60, 1)
    return out


def task_detail(session: Session, *, principal: Principal, task: Task) -> TaskDetail:
    """Everything about one task the caller may see (orderers get no assignment internals or time entries)."""
    base = task_outs(session, [task])[0]
    photos = photos_for(session, task_id=task.id)
    by_change: dict[uuid.UUID, list[uuid.UUID]] = {}
    for photo in photos:
        if photo.status_change_id:
            by_change.setdefault(photo.status_change_id, []).append(photo.id)
    changes = work_status.history(session, task_id=task.id)
    staff = principal.has(Role.vicevaert, Role.teamleder, Role.servicedesk, Role.admin)
    entries = entries_for_task(session, task_id=task.id)
    assignments = None
    if staff:
        rows = assignments_for(session, task_id=task.id)
        names = {c.id: c.name for c in _by_id(session, Caretaker, {a.caretaker_id for a in rows}).values()}
        assignments = []
        for a in rows:
            item = AssignmentOut.model_validate(a)
            item.caretaker_name = names.get(a.caretaker_id) if a.caretaker_id else None
            assignments.append(item)
    caretaker = access.caretaker_for(session, principal)
    flow: dict[str, list[str]] = {}
    if caretaker is not None and task.assigned_caretaker_id == caretaker.id:
        next_statuses = [s for s in allowed_next(task.status) if s != "annulleret"]
        # A phone that reports offline shows the buttons after a queued change from the API's own rules.
        flow = {s: [n for n in allowed_next(s) if n != "annulleret"] for s in CARETAKER_STATUSES}
    elif access.can_manage_task(session, principal, task):
        next_statuses = allowed_next(task.status)
    else:
        next_statuses = []
    children = list(session.scalars(select(Task.id).where(Task.parent_task_id == task.id).order_by(Task.case_number)))
    return TaskDetail(
        **base.model_dump(),
        photos=[photo_out(p) for p in photos],
        status_changes=[status_change_out(c, by_change.get(c.id, [])) for c in changes],
        assignments=assignments,
        time_entries=[time_entry_out(e) for e in entries] if staff else None,
        worked_minutes=round(worked_minutes(entries), 1),
        allowed_next_statuses=next_statuses,
        next_statuses_after=flow,
        child_task_ids=children,
    )
