"""Applying dispatch decisions: assignments with their reasons, the board, manual (re)assignment and splits."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.viceværtsopgaver.common.workhours import local_date, on_duty
from services.viceværtsopgaver.dispatch.engine import Decision, decide, skill_names
from services.viceværtsopgaver.registry.models import Caretaker, TaskType
from services.viceværtsopgaver.task.models import Assignment, StatusChange, Task
from services.viceværtsopgaver.task.vocabulary import TERMINAL
from services.viceværtsopgaver.work.timekeeping import stop_open_entries
from shared.auth import Principal
from shared.db import utcnow
from shared.errors import Conflict, FieldError, Unprocessable
from shared.queue import publish

SYSTEM = "system"
# Board reasons the dispatcher retries by itself (when people come on duty or the planned day arrives).
RETRYABLE = ("no_caretaker_on_duty", "no_capacity", "planned")


def end_current(session: Session, task: Task, now: datetime) -> None:
    """Close the task's open assignment record."""
    current = session.scalar(
        select(Assignment).where(Assignment.task_id == task.id, Assignment.ended_at.is_(None)).limit(1)
    )
    if current is not None:
        current.ended_at = now


def _status_change(
    session: Session,
    *,
    task: Task,
    status: str,
    now: datetime,
    actor_sub: str,
    actor_role: str,
    actor_name: str,
    note: str = "",
) -> StatusChange:
    change = StatusChange(
        task_id=task.id,
        status=status,
        previous_status=task.status,
        note=note,
        occurred_at=now,
        received_at=now,
        actor_sub=actor_sub,
        actor_role=actor_role,
        actor_name=actor_name,
        caretaker_id=task.assigned_caretaker_id,
        outcome="applied",
    )
    session.add(change)
    task.status, task.status_at, task.status_by_sub = status, now, actor_sub
    return change


def assign(
    session: Session,
    *,
    task: Task,
    caretaker_id: uuid.UUID,
    reason_code: str,
    reason: str,
    details: dict[str, Any],
    now: datetime,
    actor_sub: str = SYSTEM,
    actor_role: str = SYSTEM,
    actor_name: str = "Automatisk fordeling",
) -> Assignment:
    """Give the task to a caretaker: end the previous assignment, stop the old holder's timer, record why."""
    end_current(session, task, now)
    if task.assigned_caretaker_id is not None and task.assigned_caretaker_id != caretaker_id:
        stop_open_entries(session, at=now, task_id=task.id)
    assignment = Assignment(
        task_id=task.id,
        caretaker_id=caretaker_id,
        kind="caretaker",
        reason_code=reason_code,
        reason=reason[:500],
        decided_by_sub=actor_sub,
        details=details,
        created_at=now,
    )
    session.add(assignment)
    task.assigned_caretaker_id, task.assigned_at = caretaker_id, now
    task.on_board, task.board_reason, task.resolved_at = False, None, None
    change = _status_change(
        session, task=task, status="tildelt", now=now, actor_sub=actor_sub, actor_role=actor_role, actor_name=actor_name
    )
    session.flush()
    publish(session, "vicevaert.task.assigned", {"task_id": str(task.id), "assignment_id": str(assignment.id)})
    publish(session, "vicevaert.task.status_changed", {"task_id": str(task.id), "status_change_id": str(change.id)})
    return assignment


def to_board(
    session: Session,
    *,
    task: Task,
    kind: str,
    reason_code: str,
    reason: str,
    details: dict[str, Any],
    now: datetime,
    actor_sub: str = SYSTEM,
    actor_role: str = SYSTEM,
    actor_name: str = "Automatisk fordeling",
) -> Assignment:
    """Put the task on the team leader's board (or the low-priority pool) with the reason."""
    end_current(session, task, now)
    stop_open_entries(session, at=now, task_id=task.id)
    assignment = Assignment(
        task_id=task.id,
        caretaker_id=None,
        kind=kind,
        reason_code=reason_code,
        reason=reason[:500],
        decided_by_sub=actor_sub,
        details=details,
        created_at=now,
    )
    session.add(assignment)
    was_assigned = task.assigned_caretaker_id is not None or task.status != "ny"
    if was_assigned:
        _status_change(
            session, task=task, status="ny", now=now, actor_sub=actor_sub, actor_role=actor_role, actor_name=actor_name
        )
    task.assigned_caretaker_id, task.assigned_at = None, None
    task.on_board, task.board_reason, task.resolved_at = True, reason_code, None
    session.flush()
    if kind == "board":
        publish(
            session, "vicevaert.task.moved_to_board", {"task_id": str(task.id), "assignment_id": str(assignment.id)}
        )
    return assignment


def apply(session: Session, *, task: Task, decision: Decision, now: datetime) -> Assignment:
    """Carry out an automatic decision."""
    if decision.kind == "caretaker" and decision.caretaker_id is not None:
        return assign(
            session,
            task=task,
            caretaker_id=decision.caretaker_id,
            reason_code=decision.reason_code,
            reason=decision.reason,
            details=decision.details,
            now=now,
        )
    return to_board(
        session,
        task=task,
        kind=decision.kind,
        reason_code=decision.reason_code,
        reason=decision.reason,
        details=decision.details,
        now=now,
    )


def dispatch_new(session: Session, *, task: Task, now: datetime | None = None) -> Assignment:
    """Dispatch a task that was just created (or planned work whose day has come)."""
    now = now or utcnow()
    return apply(session, task=task, decision=decide(session, task=task, now=now), now=now)


def assign_by_leader(
    session: Session,
    *,
    task: Task,
    caretaker: Caretaker,
    principal: Principal,
    note: str,
    skills_override: bool,
    now: datetime | None = None,
) -> Assignment:
    """A team leader assigns or reassigns; the skills rule holds unless overridden with a note."""
    now = now or utcnow()
    if task.status in ("loest", "annulleret", "opdelt"):
        raise Conflict("Opgaven er afsluttet og kan ikke tildeles.", code="task_closed")
    if not caretaker.active:
        raise Unprocessable(
            "Viceværten er ikke aktiv.",
            errors=[FieldError("/caretaker_id", "caretaker_inactive", "Viceværten er ikke aktiv.")],
        )
    if task.assigned_caretaker_id == caretaker.id and task.status not in TERMINAL:
        raise Conflict("Opgaven er allerede tildelt denne vicevært.", code="already_assigned")
    task_type = session.get(TaskType, task.task_type_id)
    skills = list(task_type.required_skills or []) if task_type else []
    missing = sorted(set(skills) - set(caretaker.skills or []))
    if missing and not skills_override:
        raise Unprocessable(
            "Viceværten har ikke de kompetencer, opgaven kræver.",
            code="caretaker_not_qualified",
            errors=[
                FieldError(
                    "/caretaker_id",
                    "caretaker_not_qualified",
                    f"Mangler kompetencerne {skill_names(session, missing)}. Vælg en anden eller tilsidesæt med en begrundelse.",
                )
            ],
        )
    if missing and len(note.strip()) < 5:
        raise Unprocessable(
            "Begrund, hvorfor kompetencekravet tilsidesættes.",
            errors=[FieldError("/note", "note_required", "Skriv en begrundelse (mindst 5 tegn).")],
        )
    reassign = task.assigned_caretaker_id is not None
    verb = "Flyttet til" if reassign else "Tildelt"
    reason = f"{verb} {caretaker.name} af teamleder {principal.name or principal.sub}" + (
        f": {note.strip()}" if note.strip() else ""
    )
    details = {
        "rule": "teamleder",
        "from_caretaker_id": str(task.assigned_caretaker_id) if task.assigned_caretaker_id else None,
        "skills_override": bool(missing),
        "missing_skills": missing,
        "caretaker_on_duty": on_duty(caretaker, now),
    }
    return assign(
        session,
        task=task,
        caretaker_id=caretaker.id,
        reason_code="teamleder_reassign" if reassign else "teamleder_assign",
        reason=reason,
        details=details,
        now=now,
        actor_sub=principal.sub,
        actor_role="teamleder",
        actor_name=principal.name,
    )


def board_by_leader(
    session: Session, *, task: Task, principal: Principal, note: str, now: datetime | None = None
) -> Assignment:
    """A team leader takes a task back to the board."""
    now = now or utcnow()
    if task.status in TERMINAL or task.status == "opdelt":
        raise Conflict("Opgaven er afsluttet.", code="task_closed")
    if task.on_board and task.board_reason == "teamleder":
        raise Conflict("Opgaven ligger allerede på tavlen.", code="already_on_board")
    reason = f"Lagt på tavlen af teamleder {principal.name or principal.sub}" + (
        f": {note.strip()}" if note.strip() else ""
    )
    return to_board(
        session,
        task=task,
        kind="board",
        reason_code="teamleder",
        reason=reason,
        details={"rule": "teamleder"},
        now=now,
        actor_sub=principal.sub,
        actor_role="teamleder",
        actor_name=principal.name,
    )


def redispatch_waiting(session: Session, *, now: datetime | None = None, limit: int = 200) -> int:
    """Try again for board tasks that waited for someone to come on duty, for capacity, or for their planned day."""
    now = now or utcnow()
    today: date = local_date(now)
    tasks = list(
        session.scalars(
            select(Task)
            .where(Task.status == "ny", Task.on_board.is_(True), Task.board_reason.in_(RETRYABLE))
            .order_by(Task.created_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    assigned = 0
    for task in tasks:
        if task.planned_for is not None and task.planned_for > today:
            continue
        decision = decide(session, task=task, now=now)
        if decision.kind == "caretaker":
            apply(session, task=task, decision=decision, now=now)
            assigned += 1
        elif decision.reason_code != task.board_reason:
            task.board_reason = decision.reason_code
    return assigned


def assignments_for(session: Session, *, task_id: uuid.UUID) -> list[Assignment]:
    """A task's assignment history, oldest first."""
    return list(
        session.scalars(select(Assignment).where(Assignment.task_id == task_id).order_by(Assignment.created_at))
    )
