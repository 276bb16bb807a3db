"""HTTP routes for tasks: ordering, lists, details, edits, cancellation, photos, assignments and splits."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Header, Query, Response, UploadFile
from fastapi.responses import Response as RawResponse

from services.viceværtsopgaver.common import access
from services.viceværtsopgaver.common.deps import AnyUser, Leader, Orderer
from services.viceværtsopgaver.common.etag import check_if_match, set_etag
from services.viceværtsopgaver.common.files import MAX_PHOTO_BYTES, clean_photo, read_upload
from services.viceværtsopgaver.common.idempotency import validate_key
from services.viceværtsopgaver.dispatch import flows
from services.viceværtsopgaver.dispatch import service as dispatch
from services.viceværtsopgaver.registry import service as registry
from services.viceværtsopgaver.task import service
from services.viceværtsopgaver.task.models import Task
from services.viceværtsopgaver.task.present import photo_out, status_change_out, task_detail, task_outs
from services.viceværtsopgaver.task.schemas import (
    AssignmentIn,
    AssignmentOut,
    CancellationIn,
    PhotoOut,
    SplitIn,
    StatusChangeOut,
    TaskDetail,
    TaskIn,
    TaskOut,
    TaskPage,
    TaskPatch,
)
from services.viceværtsopgaver.task.vocabulary import StatusCode
from shared.auth import Principal, Role
from shared.db import DbSession
from shared.errors import FieldError, NotFound, Unprocessable

router = APIRouter(prefix="/api/v1", tags=["opgaver"])
IfMatch = Annotated[str | None, Header(alias="If-Match")]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]


def _detail(session: DbSession, principal: Principal, task: Task, response: Response) -> TaskDetail:
    set_etag(response, task.version)
    return task_detail(session, principal=principal, task=task)


def _managed_task(session: DbSession, principal: Principal, task_id: uuid.UUID) -> Task:
    task = access.get_visible_task(session, principal, task_id, for_update=True)
    if not access.can_manage_task(session, principal, task):
        raise NotFound("Opgaven findes ikke.", code="task_not_found")
    return task


# --- photos ---------------------------------------------------------------------------------------


@router.post(
    "/photos", response_model=PhotoOut, status_code=201, summary="Upload billede (til bestilling eller statusmelding)"
)
def upload_photo(
    principal: AnyUser,
    session: DbSession,
    response: Response,
    file: UploadFile = File(description="JPEG, PNG eller WebP, højst 10 MB"),
    idempotency_key: IdempotencyKey = None,
) -> PhotoOut:
    # With an Idempotency-Key a resent upload (the phone's offline queue after a lost answer) returns the
    # first photo (200) instead of storing a second one.
    key = validate_key(idempotency_key)
    data = read_upload(file, limit=MAX_PHOTO_BYTES)
    earlier = service.earlier_photo(session, uploaded_by=principal.sub, key=key, data=data)
    if earlier is not None:
        response.status_code = 200
        return photo_out(earlier)
    image = clean_photo(data)
    return photo_out(
        service.store_photo(session, image=image, uploaded_by=principal.sub, idempotency_key=key, upload=data)
    )


@router.post("/tasks/{task_id}/photos", response_model=PhotoOut, status_code=201, summary="Tilføj billede til opgave")
def add_task_photo(
    task_id: uuid.UUID,
    principal: AnyUser,
    session: DbSession,
    file: UploadFile = File(description="JPEG, PNG eller WebP, højst 10 MB"),
) -> PhotoOut:
    task = access.get_visible_task(session, principal, task_id)
    image = clean_photo(read_upload(file, limit=MAX_PHOTO_BYTES))
    return photo_out(service.store_photo(session, image=image, uploaded_by=principal.sub, task=task))


@router.get("/photos/{photo_id}", summary="Hent billede", response_class=RawResponse)
def get_photo(photo_id: uuid.UUID, principal: AnyUser, session: DbSession) -> RawResponse:
    photo = service.visible_photo(session, principal=principal, photo_id=photo_id)
    return RawResponse(
        content=photo.data, media_type=photo.content_type, headers={"Cache-Control": "private, max-age=3600"}
    )


# --- tasks ----------------------------------------------------------------------------------------


@router.post(
    "/tasks", response_model=TaskDetail, status_code=201, summary="Bestil opgave (portal eller efter QR-scanning)"
)
def create_task(
    body: TaskIn, principal: Orderer, session: DbSession, response: Response, idempotency_key: IdempotencyKey = None
) -> TaskDetail:
    task, created = service.create_task(
        session, principal=principal, data=body.model_dump(), idempotency_key=validate_key(idempotency_key)
    )
    response.status_code = 201 if created else 200
    response.headers["Location"] = f"/api/v1/tasks/{task.id}"
    return _detail(session, principal, task, response)


@router.get("/tasks", response_model=TaskPage, summary="Opgaver, du har adgang til (nyeste først)")
def list_tasks(
    principal: AnyUser,
    session: DbSession,
    status: list[StatusCode] | None = Query(None, description="Filtrér på status (kan gentages)"),
    open_only: bool = Query(False, description="Kun opgaver, der ikke er afsluttet"),
    building_id: uuid.UUID | None = None,
    team_id: uuid.UUID | None = None,
    caretaker_id: uuid.UUID | None = None,
    q: str | None = Query(None, max_length=100, description="Søg i titel og sagsnummer"),
    limit: int = Query(50, ge=1, le=200),
    cursor: str | None = Query(None, max_length=200),
) -> TaskPage:
    items, next_cursor = service.list_tasks(
        session,
        principal=principal,
        statuses=status,
        open_only=open_only,
        building_id=building_id,
        team_id=team_id,
        caretaker_id=caretaker_id,
        q=q,
        cursor=cursor,
        limit=limit,
    )
    return TaskPage(items=task_outs(session, items), next_cursor=next_cursor)


@router.get("/tasks/{task_id}", response_model=TaskDetail, summary="Opgave med historik, billeder og tildelinger")
def get_task(task_id: uuid.UUID, principal: AnyUser, session: DbSession, response: Response) -> TaskDetail:
    return _detail(session, principal, access.get_visible_task(session, principal, task_id), response)


@router.patch(
    "/tasks/{task_id}", response_model=TaskDetail, summary="Prioritér eller ret opgave (teamleder; kræver If-Match)"
)
def update_task(
    task_id: uuid.UUID,
    body: TaskPatch,
    principal: Leader,
    session: DbSession,
    response: Response,
    if_match: IfMatch = None,
) -> TaskDetail:
    task = _managed_task(session, principal, task_id)
    check_if_match(if_match, task.version)
    task = service.update_task(session, task=task, changes=body.model_dump(exclude_unset=True))
    return _detail(session, principal, task, response)


@router.post(
    "/tasks/{task_id}/cancellations", response_model=StatusChangeOut, status_code=201, summary="Annullér opgave"
)
def cancel_task(task_id: uuid.UUID, body: CancellationIn, principal: AnyUser, session: DbSession) -> StatusChangeOut:
    task = access.get_visible_task(session, principal, task_id, for_update=True)
    orderer_of_task = principal.has(Role.bestiller) and (
        (own := access.institution_for(session, principal)) is not None and own.id == task.institution_id
    )
    if not (orderer_of_task or access.sees_everything(principal) or access.can_manage_task(session, principal, task)):
        raise NotFound("Opgaven findes ikke.", code="task_not_found")
    return status_change_out(service.cancel_task(session, task=task, principal=principal, reason=body.reason))


# --- board actions --------------------------------------------------------------------------------


@router.post(
    "/tasks/{task_id}/assignments",
    response_model=AssignmentOut,
    status_code=201,
    summary="Tildel, flyt eller læg på tavlen (teamleder)",
)
def assign_task(
    task_id: uuid.UUID, body: AssignmentIn, principal: Leader, session: DbSession, if_match: IfMatch = None
) -> AssignmentOut:
    task = _managed_task(session, principal, task_id)
    check_if_match(if_match, task.version, required=False)
    if body.to_board:
        assignment = dispatch.board_by_leader(session, task=task, principal=principal, note=body.note)
    else:
        assert body.caretaker_id is not None
        try:
            caretaker = registry.get_caretaker(session, caretaker_id=body.caretaker_id)
        except NotFound as exc:
            raise Unprocessable(
                "Viceværten findes ikke.",
                errors=[FieldError("/caretaker_id", "not_found", "Viceværten findes ikke.")],
            ) from exc
        assignment = dispatch.assign_by_leader(
            session,
            task=task,
            caretaker=caretaker,
            principal=principal,
            note=body.note,
            skills_override=body.skills_override,
        )
    out = AssignmentOut.model_validate(assignment)
    out.caretaker_name = caretaker.name if not body.to_board else None
    return out


@router.get("/tasks/{task_id}/assignments", response_model=list[AssignmentOut], summary="Tildelinger og begrundelser")
def list_assignments(task_id: uuid.UUID, principal: AnyUser, session: DbSession) -> list[AssignmentOut]:
    task = access.get_visible_task(session, principal, task_id)
    if not principal.has(Role.vicevaert, Role.teamleder, Role.servicedesk, Role.admin):
        raise NotFound("Opgaven findes ikke.", code="task_not_found")
    return task_detail(session, principal=principal, task=task).assignments or []


@router.post(
    "/tasks/{task_id}/splits", response_model=list[TaskOut], status_code=201, summary="Opdel opgave (teamleder)"
)
def split_task(
    task_id: uuid.UUID, body: SplitIn, principal: Leader, session: DbSession, if_match: IfMatch = None
) -> list[TaskOut]:
    task = _managed_task(session, principal, task_id)
    check_if_match(if_match, task.version, required=False)
    children = flows.split(
        session, task=task, parts=[p.model_dump() for p in body.parts], principal=principal, note=body.note
    )
    return task_outs(session, children)
