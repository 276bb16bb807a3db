"""Tasks: ordering (portal, QR, service desk), listing within the caller's scope, edits, cancellation and photos."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from services.viceværtsopgaver.common import access
from services.viceværtsopgaver.common.files import CleanImage
from services.viceværtsopgaver.common.idempotency import previous_result, remember, request_hash
from services.viceværtsopgaver.common.paging import decode_cursor, encode_cursor
from services.viceværtsopgaver.common.workhours import local_date
from services.viceværtsopgaver.dispatch import service as dispatch
from services.viceværtsopgaver.dispatch.engine import anyone_qualified, skill_names
from services.viceværtsopgaver.notify.models import OrdererProfile
from services.viceværtsopgaver.planning.durations import expected_minutes_for
from services.viceværtsopgaver.qr import service as qr
from services.viceværtsopgaver.qr.models import QrCode
from services.viceværtsopgaver.registry.models import Building, Caretaker, Component, Room, TaskType
from services.viceværtsopgaver.task.models import Counter, StatusChange, Task, TaskPhoto
from services.viceværtsopgaver.task.vocabulary import TERMINAL, can_transition
from services.viceværtsopgaver.work.timekeeping import stop_open_entries
from shared.auth import Principal, Role
from shared.db import is_postgres, utcnow
from shared.errors import Conflict, FieldError, NotFound, Unprocessable
from shared.queue import publish

MAX_PHOTOS_PER_TASK = 30
PHOTO_SCOPE = "photo.upload"


def next_case_number(session: Session, *, now: datetime, prefix: str = "VV") -> str:
    """The next case number of the year, e.g. VV-2026-000123 (atomic upsert on a counter row)."""
    year = local_date(now).year
    name = f"{prefix}-{year}"
    insert = pg_insert if is_postgres(session) else sqlite_insert
    statement = (
        insert(Counter)
        .values(name=name, value=1)
        .on_conflict_do_update(index_elements=[Counter.name], set_={"value": Counter.value + 1})
        .returning(Counter.value)
    )
    value = session.execute(statement).scalar_one()
    return f"{prefix}-{year}-{value:06d}"


def _missing(pointer: str, message: str, code: str = "not_found") -> Unprocessable:
    return Unprocessable(message, code=code, errors=[FieldError(pointer, code, message)])


def _resolve_place(
    session: Session, *, principal: Principal, data: dict[str, Any], now: datetime
) -> tuple[Building, Room | None, Component | None, uuid.UUID | None, datetime]:
    scan_id = data.get("qr_scan_id")
    room_id, component_id = data.get("room_id"), data.get("component_id")
    reported_at = now
    if scan_id is not None:
        scan = qr.usable_scan(session, scan_id=scan_id, actor_sub=principal.sub, now=now)
        code = session.get(QrCode, scan.qr_code_id)
        assert code is not None
        if data.get("building_id") not in (None, code.building_id):
            raise _missing("/building_id", "Bygningen passer ikke til den scannede QR-kode.", "building_mismatch")
        building_id = code.building_id
        room_id = room_id or code.room_id
        component_id = component_id or code.component_id
        reported_at = scan.scanned_at
    else:
        building_id = data["building_id"]
    building = session.get(Building, building_id)
    if building is None or not building.active:
        raise _missing("/building_id", "Bygningen findes ikke.")
    room = session.get(Room, room_id) if room_id else None
    if room_id and (room is None or room.building_id != building.id):
        raise _missing("/room_id", "Rummet findes ikke i bygningen.")
    component = session.get(Component, component_id) if component_id else None
    if component_id and (component is None or component.building_id != building.id):
        raise _missing("/component_id", "Komponenten findes ikke i bygningen.")
    return building, room, component, scan_id, reported_at


def _check_orderer(session: Session, principal: Principal, building: Building) -> None:
    if access.sees_everything(principal):
        return
    institution = access.require_institution(session, principal)
    if building.institution_id != institution.id:
        pointer = "/building_id"
        raise Unprocessable(
            "Du kan kun bestille opgaver til din egen institutions bygninger.",
            code="building_not_yours",
            errors=[FieldError(pointer, "building_not_yours", "Bygningen hører ikke til din institution.")],
        )


def usable_photos(
    session: Session,
    *,
    photo_ids: Sequence[uuid.UUID],
    actor_sub: str,
    task_id: uuid.UUID | None,
    pointer: str = "/photo_ids",
) -> list[TaskPhoto]:
    """Photos the caller uploaded and has not used elsewhere; 422 naming each one that is not."""
    if not photo_ids:
        return []
    rows = {p.id: p for p in session.scalars(select(TaskPhoto).where(TaskPhoto.id.in_(list(photo_ids))))}
    errors = []
    for i, photo_id in enumerate(photo_ids):
        photo = rows.get(photo_id)
        if photo is None or photo.uploaded_by_sub != actor_sub:
            errors.append(FieldError(f"{pointer}/{i}", "photo_not_found", "Billedet findes ikke; upload det igen."))
        elif photo.task_id is not None and photo.task_id != task_id:
            errors.append(FieldError(f"{pointer}/{i}", "photo_in_use", "Billedet hører til en anden opgave."))
    if errors:
        raise Unprocessable("Et eller flere billeder kan ikke bruges.", errors=errors)
    return [rows[i] for i in dict.fromkeys(photo_ids)]


def create_task(
    session: Session,
    *,
    principal: Principal,
    data: dict[str, Any],
    idempotency_key: str | None,
    now: datetime | None = None,
) -> tuple[Task, bool]:
    """Order a task, dispatch it in the same transaction and publish the facts; returns (task, created)."""
    now = now or utcnow()
    payload_hash = request_hash(data)
    earlier = previous_result(
        session, actor_sub=principal.sub, scope="task.create", key=idempotency_key, payload_hash=payload_hash
    )
    if earlier is not None:
        task = session.get(Task, earlier)
        assert task is not None
        return task, False
    building, room, component, scan_id, reported_at = _resolve_place(session, principal=principal, data=data, now=now)
    _check_orderer(session, principal, building)
    task_type = session.get(TaskType, data["task_type_id"])
    if task_type is None or not task_type.active:
        raise _missing("/task_type_id", "Opgavetypen findes ikke.")
    skills = list(task_type.required_skills or [])
    if not anyone_qualified(session, skills):
        raise Unprocessable(
            "Ingen viceværter har de kompetencer, opgavetypen kræver.",
            code="no_qualified_caretaker",
            errors=[
                FieldError(
                    "/task_type_id",
                    "no_qualified_caretaker",
                    f"Ingen vicevært har kompetencerne {skill_names(session, skills)}. "
                    "Vælg en anden opgavetype eller kontakt KEIDs servicedesk.",
                )
            ],
        )
    photos = usable_photos(session, photo_ids=data.get("photo_ids") or [], actor_sub=principal.sub, task_id=None)
    profile = session.get(OrdererProfile, principal.sub)
    task_id = uuid.uuid4()
    remember(
        session,
        actor_sub=principal.sub,
        scope="task.create",
        key=idempotency_key,
        payload_hash=payload_hash,
        resource_id=task_id,
    )
    source = "qr" if scan_id else ("servicedesk" if principal.has(Role.servicedesk, Role.admin) else "portal")
    task = Task(
        id=task_id,
        case_number=next_case_number(session, now=now),
        title=data.get("title") or f"{task_type.name} – {building.name}",
        description=data["description"],
        task_type_id=task_type.id,
        institution_id=building.institution_id,
        building_id=building.id,
        room_id=room.id if room else None,
        component_id=component.id if component else None,
        team_id=building.team_id,
        priority=data.get("priority") or task_type.default_priority,
        status="ny",
        status_at=now,
        status_by_sub=principal.sub,
        kind="adhoc",
        source=source,
        ordered_by_sub=principal.sub,
        ordered_by_name=principal.name,
        contact_phone=data.get("contact_phone") or (profile.phone if profile else None),
        contact_email=data.get("contact_email") or (profile.email if profile else None),
        reported_at=reported_at,
        qr_scan_id=scan_id,
        expected_minutes=expected_minutes_for(session, task_type=task_type, institution_type=building.institution_type),
        created_at=now,
        updated_at=now,
    )
    session.add(task)
    session.flush()
    for photo in photos:
        photo.task_id = task.id
    publish(session, "vicevaert.task.created", {"task_id": str(task.id)})
    dispatch.dispatch_new(session, task=task, now=now)
    return task, True


def scope_filter(session: Session, principal: Principal) -> Any:
    """SQL condition for the tasks the caller may list (None = everything)."""
    if access.sees_everything(principal):
        return None
    conditions = []
    if principal.has(Role.teamleder):
        teams = access.led_team_ids(session, principal)
        if teams:
            members = select(Caretaker.id).where(Caretaker.team_id.in_(teams))
            conditions.append(or_(Task.team_id.in_(teams), Task.assigned_caretaker_id.in_(members)))
    if principal.has(Role.vicevaert):
        caretaker = access.caretaker_for(session, principal)
        if caretaker is not None:
            conditions.append(Task.assigned_caretaker_id == caretaker.id)
    if principal.has(Role.bestiller):
        institution = access.institution_for(session, principal)
        if institution is not None:
            conditions.append(Task.institution_id == institution.id)
    if not conditions:
        return Task.id.is_(None)  # nothing
    return or_(*conditions)


def list_tasks(
    session: Session,
    *,
    principal: Principal,
    statuses: Sequence[str] | None = None,
    open_only: bool = False,
    building_id: uuid.UUID | None = None,
    team_id: uuid.UUID | None = None,
    caretaker_id: uuid.UUID | None = None,
    q: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[Task], str | None]:
    """The caller's visible tasks, newest first, one page."""
    statement = select(Task).order_by(Task.created_at.desc(), Task.id.desc()).limit(limit)
    condition = scope_filter(session, principal)
    if condition is not None:
        statement = statement.where(condition)
    if statuses:
        statement = statement.where(Task.status.in_(list(statuses)))
    if open_only:
        statement = statement.where(Task.status.not_in(TERMINAL))
    if building_id is not None:
        statement = statement.where(Task.building_id == building_id)
    if team_id is not None:
        statement = statement.where(Task.team_id == team_id)
    if caretaker_id is not None:
        statement = statement.where(Task.assigned_caretaker_id == caretaker_id)
    if q:
        pattern = f"%{q.lower()}%"
        from sqlalchemy import func

        statement = statement.where(
            or_(func.lower(Task.title).like(pattern), func.lower(Task.case_number).like(pattern))
        )
    if cursor:
        at, ident = decode_cursor(cursor)
        statement = statement.where(or_(Task.created_at < at, and_(Task.created_at == at, Task.id < ident)))
    items = list(session.scalars(statement))
    next_cursor = encode_cursor(items[-1].created_at, items[-1].id) if len(items) == limit else None
    return items, next_cursor


def update_task(session: Session, *, task: Task, changes: dict[str, Any]) -> Task:
    """A team leader's edit: priority, texts, type, expected duration or planned day."""
    if task.status in TERMINAL:
        raise Conflict("Opgaven er afsluttet og kan ikke ændres.", code="task_closed")
    if "task_type_id" in changes and changes["task_type_id"] is not None:
        task_type = session.get(TaskType, changes["task_type_id"])
        if task_type is None or not task_type.active:
            raise _missing("/task_type_id", "Opgavetypen findes ikke.")
    for key, value in changes.items():
        if value is None and key in ("priority", "title", "description", "task_type_id", "expected_minutes"):
            continue
        setattr(task, key, value)
    if task.on_board and task.board_reason == "pool_low_priority" and task.priority != "lav":
        task.board_reason = "teamleder_prioritised"
    session.flush()
    publish(session, "vicevaert.task.updated", {"task_id": str(task.id), "version": task.version})
    return task


def cancel_task(
    session: Session, *, task: Task, principal: Principal, reason: str, now: datetime | None = None
) -> StatusChange:
    """Cancel a task that is not finished; the assignee's timer stops and they are told."""
    now = now or utcnow()
    if not can_transition(task.status, "annulleret"):
        raise Conflict(
            "Opgaven kan ikke annulleres, når den er " + task.status.replace("_", " ") + ".",
            code="invalid_transition",
            extra={"current_status": task.status},
        )
    stop_open_entries(session, at=now, task_id=task.id)
    for child in session.scalars(select(Task).where(Task.parent_task_id == task.id, Task.status.not_in(TERMINAL))):
        cancel_task(session, task=child, principal=principal, reason=reason, now=now)
    change = StatusChange(
        task_id=task.id,
        status="annulleret",
        previous_status=task.status,
        note=reason,
        occurred_at=now,
        received_at=now,
        actor_sub=principal.sub,
        actor_role=principal.primary_role,
        actor_name=principal.name,
        caretaker_id=task.assigned_caretaker_id,
        outcome="applied",
    )
    session.add(change)
    task.status, task.status_at, task.status_by_sub, task.resolved_at = "annulleret", now, principal.sub, now
    task.on_board = False
    session.flush()
    publish(session, "vicevaert.task.status_changed", {"task_id": str(task.id), "status_change_id": str(change.id)})
    return change


# --- photos ---------------------------------------------------------------------------------------


def earlier_photo(session: Session, *, uploaded_by: str, key: str | None, data: bytes) -> TaskPhoto | None:
    """The photo an earlier upload with the same Idempotency-Key stored (a phone resending after a lost answer).

    The key is bound to the bytes the phone sent, so a different file under the same key is refused (422).
    """
    earlier = previous_result(
        session, actor_sub=uploaded_by, scope=PHOTO_SCOPE, key=key, payload_hash=_upload_hash(data)
    )
    return session.get(TaskPhoto, earlier) if earlier is not None else None


def _upload_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def store_photo(
    session: Session,
    *,
    image: CleanImage,
    uploaded_by: str,
    task: Task | None = None,
    idempotency_key: str | None = None,
    upload: bytes = b"",
) -> TaskPhoto:
    """Keep an uploaded (already cleaned) photo, optionally attached to a task.

    With an Idempotency-Key the key is claimed for the photo in the same transaction (see `earlier_photo`);
    `upload` is the bytes as sent, before cleaning.
    """
    if task is not None:
        count = len(session.scalars(select(TaskPhoto.id).where(TaskPhoto.task_id == task.id)).all())
        if count >= MAX_PHOTOS_PER_TASK:
            raise Conflict(f"En opgave kan højst have {MAX_PHOTOS_PER_TASK} billeder.", code="too_many_photos")
    photo = TaskPhoto(
        task_id=task.id if task else None,
        uploaded_by_sub=uploaded_by,
        content_type=image.content_type,
        size=len(image.data),
        width=image.width,
        height=image.height,
        sha256=image.sha256,
        data=image.data,
    )
    session.add(photo)
    session.flush()
    remember(
        session,
        actor_sub=uploaded_by,
        scope=PHOTO_SCOPE,
        key=idempotency_key,
        payload_hash=_upload_hash(upload),
        resource_id=photo.id,
    )
    return photo


def visible_photo(session: Session, *, principal: Principal, photo_id: uuid.UUID) -> TaskPhoto:
    """A photo the caller uploaded or that belongs to a task they can see; 404 otherwise."""
    photo = session.get(TaskPhoto, photo_id)
    if photo is None:
        raise NotFound("Billedet findes ikke.", code="photo_not_found")
    if photo.uploaded_by_sub == principal.sub:
        return photo
    if photo.task_id is not None:
        task = session.get(Task, photo.task_id)
        if task is not None and access.can_view_task(session, principal, task):
            return photo
    raise NotFound("Billedet findes ikke.", code="photo_not_found")


def photos_for(session: Session, *, task_id: uuid.UUID) -> list[TaskPhoto]:
    """A task's photos, oldest first."""
    return list(session.scalars(select(TaskPhoto).where(TaskPhoto.task_id == task_id).order_by(TaskPhoto.created_at)))
