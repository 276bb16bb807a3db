"""Time registration per task: start/stop timers, manual entries from offline phones, audited corrections."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from services.viceværtsopgaver.common.access import SERVICE
from services.viceværtsopgaver.registry.models import Caretaker
from services.viceværtsopgaver.task.models import Task, TimeEntry, TimeEntryCorrection
from services.viceværtsopgaver.task.vocabulary import TERMINAL
from shared.audit import service as audit
from shared.auth import Principal
from shared.db import utcnow
from shared.errors import Conflict, FieldError, NotFound, Unprocessable
from shared.queue import publish

MAX_ENTRY = timedelta(hours=16)
CLOCK_SKEW = timedelta(minutes=5)
OLDEST_ACCEPTED = timedelta(days=14)


def _check_instant(at: datetime, pointer: str, now: datetime) -> None:
    if at > now + CLOCK_SKEW:
        raise Unprocessable(
            "Tidspunktet ligger i fremtiden.",
            errors=[FieldError(pointer, "in_future", "Tidspunktet ligger i fremtiden; tjek telefonens ur.")],
        )
    if at < now - OLDEST_ACCEPTED:
        raise Unprocessable(
            "Tidspunktet er for gammelt.",
            errors=[FieldError(pointer, "too_old", "Tidsregistreringer over 14 dage gamle rettes af teamlederen.")],
        )


def open_entry(session: Session, *, caretaker_id: uuid.UUID) -> TimeEntry | None:
    """The caretaker's running timer, if any."""
    return session.scalar(
        select(TimeEntry).where(TimeEntry.caretaker_id == caretaker_id, TimeEntry.ended_at.is_(None)).limit(1)
    )


def stop_open_entries(
    session: Session, *, at: datetime, task_id: uuid.UUID | None = None, caretaker_id: uuid.UUID | None = None
) -> list[TimeEntry]:
    """Stop running timers (of a task and/or a caretaker) at an instant, never before they started."""
    statement = select(TimeEntry).where(TimeEntry.ended_at.is_(None))
    if task_id is not None:
        statement = statement.where(TimeEntry.task_id == task_id)
    if caretaker_id is not None:
        statement = statement.where(TimeEntry.caretaker_id == caretaker_id)
    stopped = list(session.scalars(statement))
    for entry in stopped:
        entry.ended_at = max(at, entry.started_at)
    return stopped


def _existing_by_client_id(session: Session, caretaker_id: uuid.UUID, client_entry_id: str | None) -> TimeEntry | None:
    if client_entry_id is None:
        return None
    return session.scalar(
        select(TimeEntry).where(TimeEntry.caretaker_id == caretaker_id, TimeEntry.client_entry_id == client_entry_id)
    )


def start_timer(
    session: Session,
    *,
    caretaker: Caretaker,
    task: Task,
    at: datetime,
    note: str = "",
    client_entry_id: str | None = None,
    source: str = "timer",
    now: datetime | None = None,
) -> tuple[TimeEntry, bool]:
    """Start a timer on the task (stopping the caretaker's other timer); returns (entry, created)."""
    now = now or utcnow()
    existing = _existing_by_client_id(session, caretaker.id, client_entry_id)
    if existing is not None:
        return existing, False
    _check_instant(at, "/started_at", now)
    running = open_entry(session, caretaker_id=caretaker.id)
    if running is not None and running.task_id == task.id:
        return running, False
    if running is not None:
        running.ended_at = max(at, running.started_at)
    entry = TimeEntry(
        task_id=task.id,
        caretaker_id=caretaker.id,
        started_at=at,
        ended_at=None,
        source=source,
        client_entry_id=client_entry_id,
        note=note,
    )
    session.add(entry)
    session.flush()
    return entry, True


def record_entry(
    session: Session,
    *,
    caretaker: Caretaker,
    task: Task,
    started_at: datetime,
    ended_at: datetime,
    note: str = "",
    client_entry_id: str | None = None,
    now: datetime | None = None,
) -> tuple[TimeEntry, bool]:
    """Register a finished period (from an offline phone); overlapping periods are refused, not merged."""
    now = now or utcnow()
    existing = _existing_by_client_id(session, caretaker.id, client_entry_id)
    if existing is not None:
        return existing, False
    _check_instant(started_at, "/started_at", now)
    _check_instant(ended_at, "/ended_at", now)
    _check_period(started_at, ended_at)
    overlap = _overlapping(session, caretaker_id=caretaker.id, started_at=started_at, ended_at=ended_at)
    if overlap is not None:
        raise Conflict(
            "Perioden overlapper en anden tidsregistrering.",
            code="time_overlap",
            extra={"overlapping_entry_id": str(overlap.id)},
        )
    entry = TimeEntry(
        task_id=task.id,
        caretaker_id=caretaker.id,
        started_at=started_at,
        ended_at=ended_at,
        source="manual",
        client_entry_id=client_entry_id,
        note=note,
    )
    session.add(entry)
    session.flush()
    return entry, True


def _check_period(started_at: datetime, ended_at: datetime | None) -> None:
    if ended_at is None:
        return
    if ended_at <= started_at:
        raise Unprocessable(
            "Sluttidspunktet skal ligge efter starttidspunktet.",
            errors=[FieldError("/ended_at", "before_start", "Sluttidspunktet skal ligge efter starttidspunktet.")],
        )
    if ended_at - started_at > MAX_ENTRY:
        raise Unprocessable(
            "En tidsregistrering kan højst vare 16 timer.",
            errors=[FieldError("/ended_at", "too_long", "En tidsregistrering kan højst vare 16 timer.")],
        )


def _overlapping(
    session: Session,
    *,
    caretaker_id: uuid.UUID,
    started_at: datetime,
    ended_at: datetime,
    exclude_id: uuid.UUID | None = None,
) -> TimeEntry | None:
    statement = select(TimeEntry).where(
        TimeEntry.caretaker_id == caretaker_id,
        TimeEntry.started_at < ended_at,
        or_(TimeEntry.ended_at.is_(None), TimeEntry.ended_at > started_at),
    )
    if exclude_id is not None:
        statement = statement.where(TimeEntry.id != exclude_id)
    return session.scalar(statement.limit(1))


def get_entry(session: Session, *, entry_id: uuid.UUID) -> TimeEntry:
    """A time entry or 404."""
    entry = session.get(TimeEntry, entry_id)
    if entry is None:
        raise NotFound("Tidsregistreringen findes ikke.", code="time_entry_not_found")
    return entry


def stop_timer(
    session: Session, *, caretaker: Caretaker, entry: TimeEntry, at: datetime, now: datetime | None = None
) -> TimeEntry:
    """Stop the caretaker's own running timer (idempotent once stopped at the same instant)."""
    now = now or utcnow()
    if entry.caretaker_id != caretaker.id:
        raise NotFound("Tidsregistreringen findes ikke.", code="time_entry_not_found")
    if entry.ended_at is not None:
        if entry.ended_at == at:
            return entry
        raise Conflict("Tidsregistreringen er allerede stoppet.", code="time_entry_stopped")
    _check_instant(at, "/ended_at", now)
    _check_period(entry.started_at, at)
    entry.ended_at = at
    return entry


def correct_entry(
    session: Session,
    *,
    entry: TimeEntry,
    principal: Principal,
    started_at: datetime,
    ended_at: datetime | None,
    reason: str,
    now: datetime | None = None,
) -> TimeEntryCorrection:
    """A team leader's correction: kept with before/after values and written to the audit log."""
    now = now or utcnow()
    for pointer, at in (("/started_at", started_at), ("/ended_at", ended_at)):
        if at is not None and at > now + CLOCK_SKEW:
            raise Unprocessable(
                "Tidspunktet ligger i fremtiden.",
                errors=[FieldError(pointer, "in_future", "Tid kan ikke rettes til et tidspunkt i fremtiden.")],
            )
    _check_period(started_at, ended_at)
    if ended_at is not None:
        overlap = _overlapping(
            session, caretaker_id=entry.caretaker_id, started_at=started_at, ended_at=ended_at, exclude_id=entry.id
        )
        if overlap is not None:
            raise Conflict(
                "Den rettede periode overlapper en anden tidsregistrering.",
                code="time_overlap",
                extra={"overlapping_entry_id": str(overlap.id)},
            )
    correction = TimeEntryCorrection(
        time_entry_id=entry.id,
        corrected_by_sub=principal.sub,
        reason=reason,
        old_started_at=entry.started_at,
        old_ended_at=entry.ended_at,
        new_started_at=started_at,
        new_ended_at=ended_at,
    )
    entry.started_at, entry.ended_at, entry.corrected = started_at, ended_at, True
    session.add(correction)
    session.flush()
    audit.record(
        session,
        service=SERVICE,
        actor=principal,
        action="time_entry.corrected",
        purpose="Teamleders rettelse af tidsregistrering",
        object_type="time_entry",
        object_id=str(entry.id),
        details={
            "caretaker_id": str(entry.caretaker_id),
            "task_id": str(entry.task_id),
            "correction_id": str(correction.id),
            "old_minutes": _minutes(correction.old_started_at, correction.old_ended_at),
            "new_minutes": _minutes(started_at, ended_at),
        },
    )
    publish(
        session, "vicevaert.time_entry.corrected", {"time_entry_id": str(entry.id), "correction_id": str(correction.id)}
    )
    return correction


def _minutes(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else round((end - start).total_seconds() / 60, 1)


def entries_for_task(session: Session, *, task_id: uuid.UUID) -> list[TimeEntry]:
    """A task's time entries in time order."""
    return list(session.scalars(select(TimeEntry).where(TimeEntry.task_id == task_id).order_by(TimeEntry.started_at)))


def entries_for_caretaker(
    session: Session, *, caretaker_id: uuid.UUID, start: datetime, end: datetime
) -> list[tuple[TimeEntry, Task]]:
    """A caretaker's time entries that started in [start, end), in time order, each with its task."""
    rows = session.execute(
        select(TimeEntry, Task)
        .join(Task, Task.id == TimeEntry.task_id)
        .where(TimeEntry.caretaker_id == caretaker_id, TimeEntry.started_at >= start, TimeEntry.started_at < end)
        .order_by(TimeEntry.started_at, TimeEntry.id)
    ).all()
    return [(entry, task) for entry, task in rows]


def corrections_for(session: Session, *, entry_id: uuid.UUID) -> list[TimeEntryCorrection]:
    """A time entry's corrections, oldest first."""
    return list(
        session.scalars(
            select(TimeEntryCorrection)
            .where(TimeEntryCorrection.time_entry_id == entry_id)
            .order_by(TimeEntryCorrection.created_at)
        )
    )


def ensure_workable(task: Task, caretaker: Caretaker) -> None:
    """The task must be the caretaker's and still open to register time on it."""
    if task.assigned_caretaker_id != caretaker.id:
        raise Conflict("Opgaven er ikke tildelt dig.", code="not_assignee")
    if task.status in TERMINAL:
        raise Conflict("Opgaven er afsluttet; tid rettes af teamlederen.", code="task_closed")


def worked_minutes(entries: list[TimeEntry], *, now: datetime | None = None) -> float:
    """Total minutes of the entries (running ones count up to now)."""
    now = now or utcnow()
    return sum(((e.ended_at or now) - e.started_at).total_seconds() / 60 for e in entries)
