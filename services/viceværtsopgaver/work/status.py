"""Status reports from caretakers (also offline batches), with the rules that settle late and conflicting updates.

Rules, in order:
1. Idempotent: a repeated `client_update_id` from the same user returns the first result (a
   different payload under the same id is refused).
2. Who: the current assignee and the task's team leader may report. A former assignee (the task
   was reassigned while their phone was offline) is recorded as *superseded*: kept in the history,
   the current status is not changed, and the team leader is told. Anyone else is refused.
3. Time: the phone's own timestamp counts. Not more than 5 minutes in the future, not older than
   14 days. An update older than the current status (minus 2 minutes' clock skew when another
   person set that status) is recorded as *late*: kept in the history without changing the status.
4. Transition: an applied update must be allowed from the current status (reporting the same
   status again just adds a note); otherwise 409 and nothing is stored.
`i_gang` starts the assignee's timer at the reported time (stopping any other running timer);
leaving work (`på vej`, `afventer`, `materiale bestilles`, `løst`, `kan ikke løses`) stops it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.viceværtsopgaver.common import access
from services.viceværtsopgaver.common.idempotency import request_hash
from services.viceværtsopgaver.registry.models import Caretaker
from services.viceværtsopgaver.task.models import StatusChange, Task
from services.viceværtsopgaver.task.service import usable_photos
from services.viceværtsopgaver.task.vocabulary import (
    STATUS_LABELS,
    STOPS_TIMER,
    TERMINAL,
    allowed_next,
    can_transition,
)
from services.viceværtsopgaver.work.timekeeping import CLOCK_SKEW, OLDEST_ACCEPTED, start_timer, stop_open_entries
from shared.auth import Principal
from shared.db import utcnow
from shared.errors import Conflict, FieldError, Forbidden, NotFound, ProblemError, Unprocessable
from shared.queue import publish

OTHER_ACTOR_SKEW = timedelta(minutes=2)
OUTCOME_TEXT = {
    "applied": "Registreret",
    "late": "Registreret i historikken; en nyere status gælder",
    "superseded": "Registreret i historikken; opgaven var flyttet til en anden – teamlederen er orienteret",
}


def report(
    session: Session,
    *,
    task_id: uuid.UUID,
    principal: Principal,
    status: str,
    note: str = "",
    occurred_at: datetime | None = None,
    client_update_id: str | None = None,
    photo_ids: Sequence[uuid.UUID] = (),
    now: datetime | None = None,
) -> tuple[StatusChange, bool]:
    """Record one status report and apply it if the rules allow; returns (change, created)."""
    now = now or utcnow()
    task = session.scalar(select(Task).where(Task.id == task_id).with_for_update())
    if task is None:
        raise NotFound("Opgaven findes ikke.", code="task_not_found")
    payload = {
        "task_id": task_id,
        "status": status,
        "note": note,
        "occurred_at": occurred_at,
        "photo_ids": list(photo_ids),
    }
    payload_hash = request_hash(payload)
    if client_update_id is not None:
        existing = session.scalar(
            select(StatusChange).where(
                StatusChange.actor_sub == principal.sub, StatusChange.client_update_id == client_update_id
            )
        )
        if existing is not None:
            if existing.request_hash != payload_hash:
                raise Unprocessable(
                    "Opdaterings-id'et er allerede brugt til en anden opdatering.",
                    code="client_update_id_reused",
                    errors=[FieldError("/client_update_id", "client_update_id_reused", "Brug et nyt id.")],
                )
            return existing, False

    caretaker = access.caretaker_for(session, principal)
    if caretaker is not None and task.assigned_caretaker_id == caretaker.id:
        relation = "assignee"
    elif caretaker is not None and access.has_been_assigned(session, caretaker.id, task.id):
        relation = "former"
    elif access.can_manage_task(session, principal, task):
        relation = "leader"
    elif caretaker is not None:
        raise Forbidden("Opgaven er ikke tildelt dig, så du kan ikke melde status på den.", code="not_assignee")
    else:
        raise NotFound("Opgaven findes ikke.", code="task_not_found")

    at = occurred_at or now
    if at > now + CLOCK_SKEW:
        raise Unprocessable(
            "Tidspunktet ligger i fremtiden.",
            errors=[FieldError("/occurred_at", "in_future", "Tidspunktet ligger i fremtiden; tjek telefonens ur.")],
        )
    if at < now - OLDEST_ACCEPTED:
        raise Unprocessable(
            "Opdateringen er for gammel.",
            errors=[FieldError("/occurred_at", "too_old", "Opdateringer over 14 dage gamle modtages ikke.")],
        )
    if status == "kan_ikke_loeses" and len(note.strip()) < 3:
        raise Unprocessable(
            "Skriv hvorfor opgaven ikke kan løses.",
            errors=[FieldError("/note", "note_required", "Skriv hvorfor opgaven ikke kan løses (mindst 3 tegn).")],
        )
    photos = usable_photos(session, photo_ids=photo_ids, actor_sub=principal.sub, task_id=task.id)

    if relation == "former":
        outcome = "superseded"
    else:
        tolerance = timedelta(0) if task.status_by_sub == principal.sub else OTHER_ACTOR_SKEW
        outcome = "late" if at < task.status_at - tolerance else "applied"
    if outcome == "applied" and status != task.status and not can_transition(task.status, status):
        allowed = [s for s in allowed_next(task.status) if s not in ("annulleret",)]
        raise Conflict(
            f"Status kan ikke skifte fra '{STATUS_LABELS[task.status]}' til '{STATUS_LABELS[status]}'.",
            code="invalid_transition",
            extra={"current_status": task.status, "allowed_statuses": allowed},
        )

    change = StatusChange(
        task_id=task.id,
        status=status,
        previous_status=task.status,
        note=note.strip(),
        occurred_at=at,
        received_at=now,
        actor_sub=principal.sub,
        actor_role=principal.primary_role,
        actor_name=principal.name,
        caretaker_id=caretaker.id if caretaker is not None else task.assigned_caretaker_id,
        client_update_id=client_update_id,
        request_hash=payload_hash,
        outcome=outcome,
    )
    session.add(change)
    session.flush()
    for photo in photos:
        photo.task_id, photo.status_change_id = task.id, change.id

    if outcome == "applied":
        _apply(session, task=task, change=change, relation=relation, caretaker_id=caretaker.id if caretaker else None)
        publish(session, "vicevaert.task.status_changed", {"task_id": str(task.id), "status_change_id": str(change.id)})
    elif outcome == "superseded":
        publish(
            session, "vicevaert.task.update_superseded", {"task_id": str(task.id), "status_change_id": str(change.id)}
        )
    return change, True


def _apply(
    session: Session, *, task: Task, change: StatusChange, relation: str, caretaker_id: uuid.UUID | None
) -> None:
    at = change.occurred_at
    task.status = change.status
    task.status_at = max(at, task.status_at)
    task.status_by_sub = change.actor_sub
    if change.status in TERMINAL:
        task.resolved_at = at
        task.on_board = False
    if relation == "assignee" and caretaker_id is not None:
        if change.status == "i_gang":
            caretaker = session.get(Caretaker, caretaker_id)
            assert caretaker is not None
            start_timer(session, caretaker=caretaker, task=task, at=at, source="status", now=change.received_at)
        elif change.status in STOPS_TIMER:
            stop_open_entries(session, at=at, task_id=task.id, caretaker_id=caretaker_id)
    elif change.status in STOPS_TIMER:
        stop_open_entries(session, at=at, task_id=task.id)
    if change.status in TERMINAL and task.parent_task_id is not None:
        publish(
            session,
            "vicevaert.task.child_closed",
            {"parent_task_id": str(task.parent_task_id), "task_id": str(task.id)},
        )


def sync(
    session: Session, *, principal: Principal, items: Sequence[dict[str, Any]], now: datetime | None = None
) -> list[dict[str, Any]]:
    """Apply an offline phone's queued status reports in time order; each succeeds or fails on its own."""
    now = now or utcnow()
    results: dict[int, dict[str, Any]] = {}
    order = sorted(range(len(items)), key=lambda i: (items[i]["occurred_at"], i))
    for index in order:
        item = items[index]
        base = {"client_update_id": item["client_update_id"], "task_id": item["task_id"]}
        try:
            with session.begin_nested():
                change, _created = report(
                    session,
                    task_id=item["task_id"],
                    principal=principal,
                    status=item["status"],
                    note=item.get("note", ""),
                    occurred_at=item["occurred_at"],
                    client_update_id=item["client_update_id"],
                    photo_ids=item.get("photo_ids") or [],
                    now=now,
                )
                task_status = session.scalar(select(Task.status).where(Task.id == item["task_id"]))
            results[index] = {
                **base,
                "ok": True,
                "outcome": change.outcome,
                "status_change_id": change.id,
                "task_status": task_status,
            }
        except ProblemError as exc:
            results[index] = {
                **base,
                "ok": False,
                "problem": {
                    "status": exc.status,
                    "code": exc.code,
                    "detail": exc.detail,
                    "errors": list(exc.errors),
                    **exc.extra,
                },
            }
    return [results[i] for i in range(len(items))]


def history(session: Session, *, task_id: uuid.UUID) -> list[StatusChange]:
    """A task's status reports in the order they happened."""
    return list(
        session.scalars(
            select(StatusChange)
            .where(StatusChange.task_id == task_id)
            .order_by(StatusChange.occurred_at, StatusChange.received_at)
        )
    )
