"""HTTP routes for caretaker work: my tasks, status reports (single and offline batch) and time registration."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response
from sqlalchemy import select

from services.viceværtsopgaver.common import access
from services.viceværtsopgaver.common.deps import AnyUser, CaretakerUser, Leader, Staff
from services.viceværtsopgaver.common.etag import check_if_match, set_etag
from services.viceværtsopgaver.common.workhours import local_date, local_datetime
from services.viceværtsopgaver.planning import dayplan
from services.viceværtsopgaver.registry import service as registry
from services.viceværtsopgaver.registry.models import Building
from services.viceværtsopgaver.task.models import Task, TaskPhoto, TimeEntry
from services.viceværtsopgaver.task.present import status_change_out, task_outs, time_entry_out
from services.viceværtsopgaver.task.schemas import (
    CaretakerTimeEntryOut,
    StatusChangeIn,
    StatusChangeOut,
    SyncIn,
    SyncOut,
    SyncResult,
    TaskOut,
    TimeCorrectionIn,
    TimeCorrectionOut,
    TimeEntryIn,
    TimeEntryOut,
    TimeStopIn,
)
from services.viceværtsopgaver.work import status as work_status
from services.viceværtsopgaver.work import timekeeping
from shared.auth import Principal, Role
from shared.db import DbSession, utcnow
from shared.errors import FieldError, NotFound, Unprocessable

router = APIRouter(prefix="/api/v1", tags=["viceværtens arbejde"])
IfMatch = Annotated[str | None, Header(alias="If-Match")]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=80)]


@router.get("/me/tasks", response_model=list[TaskOut], summary="Mine opgaver i dag, i den planlagte rækkefølge")
def my_tasks(
    principal: CaretakerUser, session: DbSession, day: date | None = Query(None, description="Standard: i dag")
) -> list[TaskOut]:
    caretaker = access.require_caretaker(session, principal)
    today = local_date(utcnow())
    day = day or today
    if not today - timedelta(days=31) <= day <= today + timedelta(days=366):
        raise Unprocessable(
            "Dagen ligger uden for planlægningsperioden.",
            errors=[FieldError("/query/day", "day_out_of_range", "Vælg en dag fra en måned tilbage til et år frem.")],
        )
    plan = dayplan.plan_for(session, caretaker=caretaker, day=day)
    ordered_ids = [uuid.UUID(t) for stop in plan.stops for t in stop["task_ids"]]
    tasks = {t.id: t for t in session.scalars(select(Task).where(Task.id.in_(ordered_ids)))} if ordered_ids else {}
    waiting = list(
        session.scalars(
            select(Task)
            .where(Task.assigned_caretaker_id == caretaker.id, Task.status.in_(("afventer", "materiale_bestilles")))
            .order_by(Task.status_at)
        )
    )
    ordered = [tasks[i] for i in ordered_ids if i in tasks] + waiting
    return task_outs(session, ordered)


@router.get("/tasks/{task_id}/status-changes", response_model=list[StatusChangeOut], summary="Statushistorik")
def list_status_changes(task_id: uuid.UUID, principal: AnyUser, session: DbSession) -> list[StatusChangeOut]:
    task = access.get_visible_task(session, principal, task_id)
    return [status_change_out(c) for c in work_status.history(session, task_id=task.id)]


@router.post(
    "/tasks/{task_id}/status-changes",
    response_model=StatusChangeOut,
    status_code=201,
    summary="Meld status (fx 'på vej', 'løst') med note og billeder",
)
def report_status(
    task_id: uuid.UUID,
    body: StatusChangeIn,
    principal: Staff,
    session: DbSession,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> StatusChangeOut:
    if not principal.has(Role.vicevaert, Role.teamleder, Role.admin):
        raise NotFound("Opgaven findes ikke.", code="task_not_found")
    change, created = work_status.report(
        session,
        task_id=task_id,
        principal=principal,
        status=body.status,
        note=body.note,
        occurred_at=body.occurred_at,
        client_update_id=body.client_update_id or idempotency_key,
        photo_ids=body.photo_ids,
    )
    response.status_code = 201 if created else 200
    return status_change_out(change, _photo_ids(session, change.id))


def _photo_ids(session: DbSession, change_id: uuid.UUID) -> list[uuid.UUID]:
    return list(session.scalars(select(TaskPhoto.id).where(TaskPhoto.status_change_id == change_id)))


@router.post(
    "/sync/status-changes", response_model=SyncOut, summary="Send opdateringer fra en telefon, der var offline"
)
def sync_status_changes(body: SyncIn, principal: CaretakerUser, session: DbSession) -> SyncOut:
    results = work_status.sync(session, principal=principal, items=[i.model_dump() for i in body.status_changes])
    return SyncOut(results=[SyncResult(**r) for r in results])


# --- time registration ----------------------------------------------------------------------------


@router.post(
    "/tasks/{task_id}/time-entries",
    response_model=TimeEntryOut,
    status_code=201,
    summary="Start ur (uden ended_at) eller registrér en afsluttet periode",
)
def add_time_entry(
    task_id: uuid.UUID, body: TimeEntryIn, principal: CaretakerUser, session: DbSession, response: Response
) -> TimeEntryOut:
    caretaker = access.require_caretaker(session, principal)
    task = access.get_visible_task(session, principal, task_id, for_update=True)
    timekeeping.ensure_workable(task, caretaker)
    now = utcnow()
    started_at = body.started_at or now
    if body.ended_at is None:
        entry, created = timekeeping.start_timer(
            session,
            caretaker=caretaker,
            task=task,
            at=started_at,
            note=body.note,
            client_entry_id=body.client_entry_id,
            now=now,
        )
    else:
        entry, created = timekeeping.record_entry(
            session,
            caretaker=caretaker,
            task=task,
            started_at=started_at,
            ended_at=body.ended_at,
            note=body.note,
            client_entry_id=body.client_entry_id,
            now=now,
        )
    response.status_code = 201 if created else 200
    set_etag(response, entry.version)
    return time_entry_out(entry)


@router.get("/tasks/{task_id}/time-entries", response_model=list[TimeEntryOut], summary="Opgavens tidsregistreringer")
def list_time_entries(task_id: uuid.UUID, principal: Staff, session: DbSession) -> list[TimeEntryOut]:
    task = access.get_visible_task(session, principal, task_id)
    return [time_entry_out(e) for e in timekeeping.entries_for_task(session, task_id=task.id)]


@router.get("/me/time-entries", response_model=list[TimeEntryOut], summary="Mine tidsregistreringer for en dag")
def my_time_entries(principal: CaretakerUser, session: DbSession, day: date | None = Query(None)) -> list[TimeEntryOut]:
    caretaker = access.require_caretaker(session, principal)
    day = day or local_date(utcnow())
    start, end = local_datetime(day, 0), local_datetime(day, 24 * 60)
    rows = session.scalars(
        select(TimeEntry)
        .where(TimeEntry.caretaker_id == caretaker.id, TimeEntry.started_at >= start, TimeEntry.started_at < end)
        .order_by(TimeEntry.started_at)
    )
    return [time_entry_out(e) for e in rows]


@router.post("/time-entries/{entry_id}/stops", response_model=TimeEntryOut, summary="Stop mit ur")
def stop_time_entry(
    entry_id: uuid.UUID, body: TimeStopIn, principal: CaretakerUser, session: DbSession, response: Response
) -> TimeEntryOut:
    caretaker = access.require_caretaker(session, principal)
    entry = timekeeping.get_entry(session, entry_id=entry_id)
    entry = timekeeping.stop_timer(session, caretaker=caretaker, entry=entry, at=body.ended_at or utcnow())
    session.flush()
    set_etag(response, entry.version)
    return time_entry_out(entry)


MAX_PERIOD_DAYS = 31
EARLIEST_DAY = date(2000, 1, 1)


@router.get(
    "/caretakers/{caretaker_id}/time-entries",
    response_model=list[CaretakerTimeEntryOut],
    summary="En viceværts tidsregistreringer i en periode (teamleder; til rettelser)",
)
def caretaker_time_entries(
    caretaker_id: uuid.UUID,
    principal: Leader,
    session: DbSession,
    from_date: date | None = Query(None, description="Første dag (standard: i dag)"),
    to_date: date | None = Query(None, description="Sidste dag, med (standard: samme dag som from_date)"),
) -> list[CaretakerTimeEntryOut]:
    caretaker = registry.get_caretaker(session, caretaker_id=caretaker_id)
    if not principal.has(Role.admin) and caretaker.team_id not in access.led_team_ids(session, principal):
        raise NotFound("Viceværten findes ikke.", code="caretaker_not_found")
    today = local_date(utcnow())
    first = from_date or today
    last = to_date or first
    for pointer, day in (("/query/from_date", first), ("/query/to_date", last)):
        if not EARLIEST_DAY <= day <= today + timedelta(days=366):
            raise Unprocessable(
                "Dagen ligger uden for de registreringer, der kan vises.",
                errors=[FieldError(pointer, "day_out_of_range", "Vælg en dag fra år 2000 til et år frem.")],
            )
    if last < first:
        raise Unprocessable(
            "Perioden slutter før den begynder.",
            errors=[FieldError("/query/to_date", "period_reversed", "Vælg en slutdato på eller efter startdatoen.")],
        )
    if (last - first).days >= MAX_PERIOD_DAYS:
        raise Unprocessable(
            "Perioden er for lang.",
            errors=[FieldError("/query/to_date", "period_too_long", f"Vælg højst {MAX_PERIOD_DAYS} dage ad gangen.")],
        )
    start, end = local_datetime(first, 0), local_datetime(last + timedelta(days=1), 0)
    rows = timekeeping.entries_for_caretaker(session, caretaker_id=caretaker.id, start=start, end=end)
    buildings = {
        b.id: b.name
        for b in session.scalars(select(Building).where(Building.id.in_({task.building_id for _, task in rows})))
    }
    out = []
    for entry, task in rows:
        item = time_entry_out(entry)
        out.append(
            CaretakerTimeEntryOut(
                **item.model_dump(),
                task_case_number=task.case_number,
                task_title=task.title,
                building_name=buildings.get(task.building_id, ""),
                correctable=access.can_manage_task(session, principal, task),
            )
        )
    return out


def _led_entry(session: DbSession, principal: Principal, entry_id: uuid.UUID) -> TimeEntry:
    entry = timekeeping.get_entry(session, entry_id=entry_id)
    task = session.get(Task, entry.task_id)
    if task is None or not access.can_manage_task(session, principal, task):
        raise NotFound("Tidsregistreringen findes ikke.", code="time_entry_not_found")
    return entry


@router.post(
    "/time-entries/{entry_id}/corrections",
    response_model=TimeCorrectionOut,
    status_code=201,
    summary="Ret tidsregistrering (teamleder; revisionslogges; kræver If-Match)",
)
def correct_time_entry(
    entry_id: uuid.UUID,
    body: TimeCorrectionIn,
    principal: Leader,
    session: DbSession,
    response: Response,
    if_match: IfMatch = None,
) -> TimeCorrectionOut:
    entry = _led_entry(session, principal, entry_id)
    check_if_match(if_match, entry.version)
    correction = timekeeping.correct_entry(
        session,
        entry=entry,
        principal=principal,
        started_at=body.started_at,
        ended_at=body.ended_at,
        reason=body.reason,
    )
    session.flush()
    set_etag(response, entry.version)
    return TimeCorrectionOut.model_validate(correction)


@router.get(
    "/time-entries/{entry_id}/corrections",
    response_model=list[TimeCorrectionOut],
    summary="Rettelser af en tidsregistrering",
)
def list_corrections(entry_id: uuid.UUID, principal: Leader, session: DbSession) -> list[TimeCorrectionOut]:
    entry = _led_entry(session, principal, entry_id)
    return [TimeCorrectionOut.model_validate(c) for c in timekeeping.corrections_for(session, entry_id=entry.id)]
