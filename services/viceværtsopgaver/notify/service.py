"""Who hears about what: orderers on every status change (in-portal, SMS, e-mail), caretakers on new tasks,
team leaders on board tasks and on offline updates that came too late."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from services.viceværtsopgaver.common.paging import decode_cursor, encode_cursor
from services.viceværtsopgaver.notify.email import get_email_sender
from services.viceværtsopgaver.notify.models import Notification, OrdererProfile
from services.viceværtsopgaver.registry.models import Building, Caretaker, Team
from services.viceværtsopgaver.task.models import Assignment, StatusChange, Task
from services.viceværtsopgaver.task.vocabulary import STATUS_LABELS
from shared.db import is_postgres, utcnow
from shared.errors import NotFound
from shared.notifications import get_sms_sender

SENDER = "viceværtsopgaver"
SMS_LIMIT = 160


def _notify(
    session: Session,
    *,
    dedupe_key: str,
    recipient_sub: str,
    task_id: uuid.UUID | None,
    kind: str,
    title: str,
    body: str,
) -> Notification | None:
    """Add an in-portal notification once per dedupe key."""
    if session.scalar(select(Notification.id).where(Notification.dedupe_key == dedupe_key)) is not None:
        return None
    note = Notification(
        dedupe_key=dedupe_key, recipient_sub=recipient_sub, task_id=task_id, kind=kind, title=title[:200], body=body
    )
    session.add(note)
    session.flush()
    return note


def _sms_text(task: Task, building: Building, label: str) -> str:
    text = f"Viceværtsopgave {task.case_number} ({building.name}): {label}. Se detaljer i bestillerportalen."
    if len(text) > SMS_LIMIT:
        text = f"Viceværtsopgave {task.case_number}: {label}. Se bestillerportalen."
    return text[:SMS_LIMIT]


def status_changed(session: Session, *, task_id: uuid.UUID, status_change_id: uuid.UUID) -> list[str]:
    """Tell the orderer (and the assignee, when someone else changed their task); returns the channels used."""
    task = session.get(Task, task_id)
    change = session.get(StatusChange, status_change_id)
    if task is None or change is None or change.outcome != "applied" or change.status == "ny":
        return []
    building = session.get(Building, task.building_id)
    assert building is not None
    label = STATUS_LABELS[change.status]
    used: list[str] = []
    if task.ordered_by_sub and task.ordered_by_sub != change.actor_sub:
        body = f"Din opgave '{task.title}' ({building.name}, {building.address}) har fået status: {label}."
        if change.status == "tildelt" and task.assigned_caretaker_id:
            caretaker = session.get(Caretaker, task.assigned_caretaker_id)
            if caretaker is not None:
                body += f" Viceværten {caretaker.name} tager sig af den."
        if change.note and change.status != "tildelt":
            body += f"\nBemærkning: {change.note}"
        note = _notify(
            session,
            dedupe_key=f"sc:{change.id}:orderer",
            recipient_sub=task.ordered_by_sub,
            task_id=task.id,
            kind="status",
            title=f"{task.case_number}: {label}",
            body=body,
        )
        if note is not None:
            used.append("portal")
            channels: dict[str, Any] = {}
            profile = session.get(OrdererProfile, task.ordered_by_sub)
            if task.contact_phone and (profile is None or profile.notify_sms):
                channels["sms"] = get_sms_sender().send(
                    session,
                    text=_sms_text(task, building, label),
                    sender_service=SENDER,
                    idempotency_key=f"vicevaert:sc:{change.id}:sms",
                    to_msisdn=task.contact_phone,
                )
                used.append("sms")
            if task.contact_email and (profile is None or profile.notify_email):
                channels["email"] = get_email_sender().send(
                    session,
                    to_address=task.contact_email,
                    subject=f"Viceværtsopgave {task.case_number}: {label}",
                    body=body + "\n\nDu kan følge opgaven i bestillerportalen.\n\nVenlig hilsen\nViceværtsdriften",
                    idempotency_key=f"vicevaert:sc:{change.id}:email",
                )
                used.append("email")
            note.channels = channels
    if task.assigned_caretaker_id and change.status in ("annulleret",):
        caretaker = session.get(Caretaker, task.assigned_caretaker_id)
        if caretaker is not None and caretaker.user_sub and caretaker.user_sub != change.actor_sub:
            _notify(
                session,
                dedupe_key=f"sc:{change.id}:assignee",
                recipient_sub=caretaker.user_sub,
                task_id=task.id,
                kind="cancelled",
                title=f"{task.case_number} er annulleret",
                body=f"Opgaven '{task.title}' på {building.name} er annulleret. Begrundelse: {change.note}",
            )
            used.append("assignee")
    return used


def assigned(session: Session, *, task_id: uuid.UUID, assignment_id: uuid.UUID) -> None:
    """Tell the caretaker about a new task."""
    task = session.get(Task, task_id)
    assignment = session.get(Assignment, assignment_id)
    if task is None or assignment is None or assignment.caretaker_id is None:
        return
    caretaker = session.get(Caretaker, assignment.caretaker_id)
    building = session.get(Building, task.building_id)
    if caretaker is None or not caretaker.user_sub or building is None:
        return
    when = f" (planlagt {task.planned_for:%d.%m.%Y})" if task.planned_for else ""
    _notify(
        session,
        dedupe_key=f"as:{assignment.id}",
        recipient_sub=caretaker.user_sub,
        task_id=task.id,
        kind="assigned",
        title=f"Ny opgave {task.case_number}{when}",
        body=f"{task.title} – {building.name}, {building.address}. Prioritet: {task.priority}.\n{assignment.reason}",
    )


def _team_leader(session: Session, task: Task) -> str | None:
    if task.team_id is None:
        return None
    team = session.get(Team, task.team_id)
    return team.leader_sub if team else None


def moved_to_board(session: Session, *, task_id: uuid.UUID, assignment_id: uuid.UUID) -> None:
    """Tell the team leader that a task waits on the board, and why."""
    task = session.get(Task, task_id)
    assignment = session.get(Assignment, assignment_id)
    leader = _team_leader(session, task) if task else None
    if task is None or assignment is None or leader is None or assignment.decided_by_sub == leader:
        return
    if assignment.reason_code == "planned":
        return
    _notify(
        session,
        dedupe_key=f"bd:{assignment.id}",
        recipient_sub=leader,
        task_id=task.id,
        kind="board",
        title=f"{task.case_number} venter på tavlen",
        body=f"{task.title}. {assignment.reason}",
    )


def update_superseded(session: Session, *, task_id: uuid.UUID, status_change_id: uuid.UUID) -> None:
    """Tell the team leader that a former assignee reported on a task that had been moved."""
    task = session.get(Task, task_id)
    change = session.get(StatusChange, status_change_id)
    leader = _team_leader(session, task) if task else None
    if task is None or change is None or leader is None:
        return
    label = STATUS_LABELS[change.status]
    local = change.occurred_at.isoformat(timespec="minutes")
    _notify(
        session,
        dedupe_key=f"ss:{change.id}",
        recipient_sub=leader,
        task_id=task.id,
        kind="conflict",
        title=f"{task.case_number}: sen melding fra {change.actor_name or change.actor_sub}",
        body=(
            f"{change.actor_name or change.actor_sub} meldte '{label}' ({local}) efter opgaven var flyttet. "
            "Meldingen er gemt i historikken uden at ændre status; vurder om opgaven skal lukkes eller flyttes."
            + (f"\nBemærkning: {change.note}" if change.note else "")
        ),
    )


def list_for(
    session: Session, *, recipient_sub: str, unread_only: bool, cursor: str | None, limit: int
) -> tuple[list[Notification], str | None]:
    """A user's notifications, newest first."""
    statement = (
        select(Notification)
        .where(Notification.recipient_sub == recipient_sub)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    )
    if unread_only:
        statement = statement.where(Notification.read_at.is_(None))
    if cursor:
        at, ident = decode_cursor(cursor)
        statement = statement.where(
            or_(Notification.created_at < at, and_(Notification.created_at == at, Notification.id < ident))
        )
    items = list(session.scalars(statement))
    return items, (encode_cursor(items[-1].created_at, items[-1].id) if len(items) == limit else None)


def mark_read(
    session: Session, *, notification_id: uuid.UUID, recipient_sub: str, now: datetime | None = None
) -> Notification:
    """Mark one of the user's notifications as read (idempotent)."""
    note = session.get(Notification, notification_id)
    if note is None or note.recipient_sub != recipient_sub:
        raise NotFound("Beskeden findes ikke.", code="notification_not_found")
    if note.read_at is None:
        note.read_at = now or utcnow()
    return note


def save_profile(session: Session, *, user_sub: str, values: dict[str, Any]) -> OrdererProfile:
    """Create or update an orderer's contact details and preferences (an upsert: a double submit is harmless)."""
    insert = pg_insert if is_postgres(session) else sqlite_insert
    statement = (
        insert(OrdererProfile)
        .values(user_sub=user_sub, updated_at=utcnow(), **values)
        .on_conflict_do_update(index_elements=[OrdererProfile.user_sub], set_={**values, "updated_at": utcnow()})
    )
    session.execute(statement)
    session.expire_all()
    profile = session.get(OrdererProfile, user_sub)
    assert profile is not None
    return profile
