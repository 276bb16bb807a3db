"""Multi-step board workflows: splitting a task into sub-tasks, and closing the parent when they are done."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.viceværtsopgaver.dispatch import service as dispatch
from services.viceværtsopgaver.planning.durations import expected_minutes_for
from services.viceværtsopgaver.registry.models import Building, Caretaker, TaskType
from services.viceværtsopgaver.task.models import Assignment, StatusChange, Task
from services.viceværtsopgaver.task.vocabulary import TERMINAL
from services.viceværtsopgaver.work.timekeeping import stop_open_entries
from shared.auth import Principal
from shared.db import utcnow
from shared.errors import Conflict, FieldError, ProblemError, Unprocessable
from shared.queue import publish


def split(
    session: Session,
    *,
    task: Task,
    parts: list[dict[str, Any]],
    principal: Principal,
    note: str,
    now: datetime | None = None,
) -> list[Task]:
    """Split a task into sub-tasks (each assigned as chosen or dispatched); the parent becomes 'opdelt'."""
    now = now or utcnow()
    if task.status in TERMINAL or task.status == "opdelt":
        raise Conflict("Opgaven er afsluttet eller allerede opdelt.", code="task_closed")
    if task.parent_task_id is not None:
        raise Conflict("En delopgave kan ikke opdeles igen; opret en ny opgave i stedet.", code="nested_split")
    building = session.get(Building, task.building_id)
    assert building is not None
    prepared = []
    for i, part in enumerate(parts):
        type_id = part.get("task_type_id") or task.task_type_id
        task_type = session.get(TaskType, type_id)
        if task_type is None or not task_type.active:
            raise Unprocessable(
                "Opgavetypen findes ikke.",
                errors=[FieldError(f"/parts/{i}/task_type_id", "not_found", "Opgavetypen findes ikke.")],
            )
        caretaker = None
        if part.get("caretaker_id") is not None:
            caretaker = session.get(Caretaker, part["caretaker_id"])
            if caretaker is None:
                raise Unprocessable(
                    "Viceværten findes ikke.",
                    errors=[FieldError(f"/parts/{i}/caretaker_id", "not_found", "Viceværten findes ikke.")],
                )
        prepared.append((part, task_type, caretaker))

    reason = f"Opdelt i {len(parts)} delopgaver af teamleder {principal.name or principal.sub}" + (
        f": {note.strip()}" if note.strip() else ""
    )
    dispatch.end_current(session, task, now)
    session.add(
        Assignment(
            task_id=task.id,
            caretaker_id=None,
            kind="board",
            reason_code="split",
            reason=reason[:500],
            decided_by_sub=principal.sub,
            details={"rule": "teamleder", "parts": len(parts)},
            created_at=now,
        )
    )
    task.assigned_caretaker_id, task.assigned_at = None, None
    stop_open_entries(session, at=now, task_id=task.id)
    change = StatusChange(
        task_id=task.id,
        status="opdelt",
        previous_status=task.status,
        note=reason,
        occurred_at=now,
        received_at=now,
        actor_sub=principal.sub,
        actor_role="teamleder",
        actor_name=principal.name,
        outcome="applied",
    )
    session.add(change)
    task.status, task.status_at, task.status_by_sub = "opdelt", now, principal.sub
    task.on_board, task.board_reason = False, None
    session.flush()
    publish(session, "vicevaert.task.status_changed", {"task_id": str(task.id), "status_change_id": str(change.id)})

    children = []
    for i, (part, task_type, caretaker) in enumerate(prepared, start=1):
        child = Task(
            case_number=f"{task.case_number}-{i}",
            title=part["title"],
            description=part.get("description") or task.description,
            task_type_id=task_type.id,
            institution_id=task.institution_id,
            building_id=task.building_id,
            room_id=task.room_id,
            component_id=task.component_id,
            team_id=task.team_id,
            priority=task.priority,
            status="ny",
            status_at=now,
            status_by_sub=principal.sub,
            kind=task.kind,
            source="split",
            ordered_by_sub=task.ordered_by_sub,
            ordered_by_name=task.ordered_by_name,
            contact_phone=task.contact_phone,
            contact_email=task.contact_email,
            reported_at=task.reported_at,
            expected_minutes=part.get("expected_minutes")
            or expected_minutes_for(session, task_type=task_type, institution_type=building.institution_type),
            planned_for=task.planned_for,
            parent_task_id=task.id,
            created_at=now,
            updated_at=now,
        )
        session.add(child)
        session.flush()
        publish(session, "vicevaert.task.created", {"task_id": str(child.id)})
        if caretaker is not None:
            try:
                dispatch.assign_by_leader(
                    session,
                    task=child,
                    caretaker=caretaker,
                    principal=principal,
                    note=note,
                    skills_override=False,
                    now=now,
                )
            except ProblemError as exc:
                for error in exc.errors:
                    error["field"] = f"/parts/{i - 1}" + error["field"]
                raise
        else:
            dispatch.dispatch_new(session, task=child, now=now)
        children.append(child)
    return children


def close_parent_if_done(session: Session, *, parent_id: uuid.UUID, now: datetime | None = None) -> str | None:
    """When every sub-task is finished, finish the parent: løst if any part was solved, else as the parts ended."""
    now = now or utcnow()
    parent = session.scalar(select(Task).where(Task.id == parent_id).with_for_update())
    if parent is None or parent.status != "opdelt":
        return None
    statuses = list(session.scalars(select(Task.status).where(Task.parent_task_id == parent.id)))
    if not statuses or any(s not in TERMINAL for s in statuses):
        return None
    if "loest" in statuses:
        final = "loest"
    elif "kan_ikke_loeses" in statuses:
        final = "kan_ikke_loeses"
    else:
        final = "annulleret"
    solved = statuses.count("loest")
    change = StatusChange(
        task_id=parent.id,
        status=final,
        previous_status=parent.status,
        note=f"Alle {len(statuses)} delopgaver er afsluttet ({solved} løst).",
        occurred_at=now,
        received_at=now,
        actor_sub="system",
        actor_role="system",
        actor_name="Automatisk",
        outcome="applied",
    )
    session.add(change)
    parent.status, parent.status_at, parent.status_by_sub, parent.resolved_at = final, now, "system", now
    session.flush()
    publish(session, "vicevaert.task.status_changed", {"task_id": str(parent.id), "status_change_id": str(change.id)})
    return final
