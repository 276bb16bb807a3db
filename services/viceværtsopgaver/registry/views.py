"""HTTP routes of the registry: buildings, documents, institutions, teams, caretakers, skills, task types."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Header, Query, Response, UploadFile
from fastapi.responses import Response as RawResponse

from services.viceværtsopgaver.common import access
from services.viceværtsopgaver.common.deps import (
    AdminOnly,
    AnyUser,
    CaretakerUser,
    DeskOrAdmin,
    Leader,
    Overview,
    RegistryEditor,
    Staff,
)
from services.viceværtsopgaver.common.etag import check_if_match, set_etag
from services.viceværtsopgaver.common.files import MAX_DOCUMENT_BYTES, document_content_type, read_upload, safe_filename
from services.viceværtsopgaver.qr import service as qr
from services.viceværtsopgaver.registry import service
from services.viceværtsopgaver.registry.models import Building, Caretaker
from services.viceværtsopgaver.registry.schemas import (
    AbsenceIn,
    AbsenceOut,
    BuildingDetail,
    BuildingIn,
    BuildingOut,
    BuildingPage,
    BuildingPatch,
    CaretakerIn,
    CaretakerOut,
    CaretakerPatch,
    ComponentIn,
    ComponentOut,
    DocumentOut,
    InstitutionIn,
    InstitutionOut,
    RoomIn,
    RoomOut,
    SkillIn,
    SkillOut,
    TaskTypeIn,
    TaskTypeOut,
    TaskTypePatch,
    TeamIn,
    TeamOut,
    TeamPatch,
)
from shared.auth import Principal, Role
from shared.db import DbSession
from shared.errors import FieldError, Forbidden, NotFound, Unprocessable

router = APIRouter(prefix="/api/v1", tags=["register"])
IfMatch = Annotated[str | None, Header(alias="If-Match")]


def _visible_building(session: DbSession, principal: Principal, building_id: uuid.UUID) -> Building:
    building = service.get_building(session, building_id=building_id)
    if principal.has(Role.vicevaert, Role.teamleder, Role.servicedesk, Role.admin):
        return building
    institution = access.institution_for(session, principal)
    if institution is None or building.institution_id != institution.id:
        raise NotFound("Bygningen findes ikke.", code="building_not_found")
    return building


def _document_out(document: object) -> DocumentOut:
    out = DocumentOut.model_validate(document)
    out.download_url = f"/api/v1/documents/{out.id}"
    return out


def _manages_caretaker(session: DbSession, principal: Principal, caretaker: Caretaker) -> bool:
    return principal.has(Role.admin) or caretaker.team_id in access.led_team_ids(session, principal)


# --- skills and task types ------------------------------------------------------------------------


@router.get("/skills", response_model=list[SkillOut], summary="Kompetencer")
def list_skills(_: AnyUser, session: DbSession) -> list[object]:
    return list(service.list_skills(session))


@router.post("/skills", response_model=SkillOut, status_code=201, summary="Opret kompetence (admin)")
def create_skill(body: SkillIn, _: AdminOnly, session: DbSession) -> object:
    return service.create_skill(session, code=body.code, name=body.name)


@router.get("/task-types", response_model=list[TaskTypeOut], summary="Opgavetyper")
def list_task_types(principal: AnyUser, session: DbSession, include_inactive: bool = Query(False)) -> list[object]:
    return list(
        service.list_task_types(session, include_inactive=include_inactive and access.sees_everything(principal))
    )


@router.post("/task-types", response_model=TaskTypeOut, status_code=201, summary="Opret opgavetype")
def create_task_type(body: TaskTypeIn, _: DeskOrAdmin, session: DbSession) -> object:
    return service.create_task_type(session, data=body.model_dump())


@router.patch("/task-types/{task_type_id}", response_model=TaskTypeOut, summary="Ret opgavetype")
def update_task_type(task_type_id: uuid.UUID, body: TaskTypePatch, _: DeskOrAdmin, session: DbSession) -> object:
    task_type = service.get_task_type(session, task_type_id=task_type_id)
    return service.update_task_type(session, task_type=task_type, changes=body.model_dump(exclude_unset=True))


# --- teams and institutions -----------------------------------------------------------------------


@router.get("/teams", response_model=list[TeamOut], summary="Teams")
def list_teams(_: Staff, session: DbSession) -> list[object]:
    return list(service.list_teams(session))


@router.post("/teams", response_model=TeamOut, status_code=201, summary="Opret team (admin)")
def create_team(body: TeamIn, _: AdminOnly, session: DbSession) -> object:
    return service.create_team(session, data=body.model_dump())


@router.patch("/teams/{team_id}", response_model=TeamOut, summary="Ret team, fx automatisk fordeling")
def update_team(
    team_id: uuid.UUID,
    body: TeamPatch,
    principal: Leader,
    session: DbSession,
    response: Response,
    if_match: IfMatch = None,
) -> object:
    team = service.get_team(session, team_id=team_id)
    if not principal.has(Role.admin):
        if team.id not in access.led_team_ids(session, principal):
            raise NotFound("Teamet findes ikke.", code="team_not_found")
        if {"leader_sub", "name"} & body.model_fields_set:
            raise Forbidden("Kun en administrator kan ændre teamets navn og leder.")
    check_if_match(if_match, team.version)
    team = service.update_team(session, team=team, changes=body.model_dump(exclude_unset=True))
    set_etag(response, team.version)
    return team


@router.get("/institutions", response_model=list[InstitutionOut], summary="Institutioner")
def list_institutions(_: Overview, session: DbSession) -> list[object]:
    return list(service.list_institutions(session))


@router.post("/institutions", response_model=InstitutionOut, status_code=201, summary="Opret institution")
def create_institution(body: InstitutionIn, _: DeskOrAdmin, session: DbSession) -> object:
    return service.create_institution(session, data=body.model_dump())


# --- buildings ------------------------------------------------------------------------------------


@router.get("/buildings", response_model=BuildingPage, summary="Bygninger (bestillere ser deres egne)")
def list_buildings(
    principal: AnyUser,
    session: DbSession,
    q: str | None = Query(None, max_length=100, description="Søg i navn og adresse"),
    team_id: uuid.UUID | None = None,
    institution_id: uuid.UUID | None = None,
    limit: int = Query(50, ge=1, le=500),
    cursor: str | None = Query(None, max_length=200),
) -> BuildingPage:
    if not principal.has(Role.vicevaert, Role.teamleder, Role.servicedesk, Role.admin):
        institution_id = access.require_institution(session, principal).id
    items, next_cursor = service.list_buildings(
        session, q=q, team_id=team_id, institution_id=institution_id, cursor=cursor, limit=limit
    )
    return BuildingPage(items=[BuildingOut.model_validate(b) for b in items], next_cursor=next_cursor)


@router.post("/buildings", response_model=BuildingOut, status_code=201, summary="Opret bygning")
def create_building(body: BuildingIn, principal: DeskOrAdmin, session: DbSession, response: Response) -> object:
    building = service.create_building(session, data=body.model_dump())
    # Every building gets a printable QR code for ordering right away.
    qr.issue(
        session,
        building=building,
        room_id=None,
        component_id=None,
        label=None,
        expires_at=None,
        created_by=principal.sub,
    )
    set_etag(response, building.version)
    return building


@router.get(
    "/buildings/{building_id}", response_model=BuildingDetail, summary="Bygning med rum, komponenter og dokumenter"
)
def get_building(building_id: uuid.UUID, principal: AnyUser, session: DbSession, response: Response) -> BuildingDetail:
    building = _visible_building(session, principal, building_id)
    detail = BuildingDetail.model_validate(service.building_detail(session, building=building))
    detail.documents = [_document_out(d) for d in detail.documents]
    set_etag(response, building.version)
    return detail


@router.patch("/buildings/{building_id}", response_model=BuildingOut, summary="Ret bygning")
def update_building(
    building_id: uuid.UUID,
    body: BuildingPatch,
    _: DeskOrAdmin,
    session: DbSession,
    response: Response,
    if_match: IfMatch = None,
) -> object:
    building = service.get_building(session, building_id=building_id)
    check_if_match(if_match, building.version)
    building = service.update_building(session, building=building, changes=body.model_dump(exclude_unset=True))
    set_etag(response, building.version)
    return building


@router.post("/buildings/{building_id}/rooms", response_model=RoomOut, status_code=201, summary="Opret rum")
def add_room(building_id: uuid.UUID, body: RoomIn, _: RegistryEditor, session: DbSession) -> object:
    building = service.get_building(session, building_id=building_id)
    return service.add_room(session, building=building, name=body.name, floor=body.floor)


@router.post(
    "/buildings/{building_id}/components", response_model=ComponentOut, status_code=201, summary="Opret komponent"
)
def add_component(building_id: uuid.UUID, body: ComponentIn, _: RegistryEditor, session: DbSession) -> object:
    building = service.get_building(session, building_id=building_id)
    return service.add_component(session, building=building, data=body.model_dump())


@router.post(
    "/buildings/{building_id}/documents",
    response_model=DocumentOut,
    status_code=201,
    summary="Upload dokument (fx plantegning over tekniske installationer)",
)
def add_document(
    building_id: uuid.UUID,
    principal: RegistryEditor,
    session: DbSession,
    file: UploadFile = File(description="PDF, PNG eller JPEG, højst 20 MB"),
    title: str = Form(min_length=1, max_length=200),
    kind: Literal["plantegning", "teknisk_installation", "manual", "andet"] = Form("andet"),
) -> DocumentOut:
    building = service.get_building(session, building_id=building_id)
    data = read_upload(file, limit=MAX_DOCUMENT_BYTES)
    content_type = document_content_type(data)
    document = service.add_document(
        session,
        building=building,
        title=title.strip(),
        kind=kind,
        filename=safe_filename(file.filename, "dokument"),
        content_type=content_type,
        data=data,
        uploaded_by=principal.sub,
    )
    return _document_out(document)


@router.get("/documents/{document_id}", summary="Hent dokument", response_class=RawResponse)
def download_document(document_id: uuid.UUID, principal: AnyUser, session: DbSession) -> RawResponse:
    document = service.get_document(session, document_id=document_id)
    _visible_building(session, principal, document.building_id)
    return RawResponse(
        content=document.data,
        media_type=document.content_type,
        headers={
            "Content-Disposition": f'inline; filename="{document.filename}"',
            "Content-Security-Policy": "sandbox; default-src 'none'",
        },
    )


# --- caretakers -----------------------------------------------------------------------------------


@router.get("/me/caretaker", response_model=CaretakerOut, summary="Min viceværtprofil")
def my_caretaker(principal: CaretakerUser, session: DbSession) -> object:
    return access.require_caretaker(session, principal)


@router.get(
    "/caretakers",
    response_model=list[CaretakerOut],
    summary="Viceværter (en teamleder ser sine egne teams; servicedesk og admin alle)",
)
def list_caretakers(
    principal: Overview, session: DbSession, team_id: uuid.UUID | None = None, active_only: bool = Query(False)
) -> list[object]:
    team_ids: set[uuid.UUID] | None = {team_id} if team_id is not None else None
    if not access.sees_everything(principal):
        # Least privilege: a team leader gets only the caretakers of the teams they lead (home, hours, skills
        # of other teams' people are none of their business); another team's id gives an empty list.
        led = access.led_team_ids(session, principal)
        team_ids = led if team_ids is None else team_ids & led
    return list(
        service.list_caretakers(
            session, team_ids=sorted(team_ids) if team_ids is not None else None, active_only=active_only
        )
    )


@router.post("/caretakers", response_model=CaretakerOut, status_code=201, summary="Opret vicevært")
def create_caretaker(body: CaretakerIn, principal: Leader, session: DbSession) -> object:
    if not principal.has(Role.admin) and body.team_id not in access.led_team_ids(session, principal):
        raise Unprocessable(
            "Du kan kun oprette viceværter i dine egne teams.",
            errors=[FieldError("/team_id", "not_your_team", "Vælg et af dine egne teams.")],
        )
    return service.create_caretaker(session, data=body.model_dump())


@router.get("/caretakers/{caretaker_id}", response_model=CaretakerOut, summary="Vicevært")
def get_caretaker(caretaker_id: uuid.UUID, principal: Staff, session: DbSession, response: Response) -> object:
    caretaker = service.get_caretaker(session, caretaker_id=caretaker_id)
    own = caretaker.user_sub is not None and caretaker.user_sub == principal.sub
    if not (own or access.sees_everything(principal) or _manages_caretaker(session, principal, caretaker)):
        raise NotFound("Viceværten findes ikke.", code="caretaker_not_found")
    set_etag(response, caretaker.version)
    return caretaker


@router.patch(
    "/caretakers/{caretaker_id}", response_model=CaretakerOut, summary="Ret vicevært (kompetencer, team, arbejdstid)"
)
def update_caretaker(
    caretaker_id: uuid.UUID,
    body: CaretakerPatch,
    principal: Leader,
    session: DbSession,
    response: Response,
    if_match: IfMatch = None,
) -> object:
    caretaker = service.get_caretaker(session, caretaker_id=caretaker_id)
    if not _manages_caretaker(session, principal, caretaker):
        raise NotFound("Viceværten findes ikke.", code="caretaker_not_found")
    if (
        body.team_id is not None
        and not principal.has(Role.admin)
        and body.team_id not in access.led_team_ids(session, principal)
    ):
        raise Unprocessable(
            "Du kan kun flytte viceværter til dine egne teams.",
            errors=[FieldError("/team_id", "not_your_team", "Vælg et af dine egne teams.")],
        )
    check_if_match(if_match, caretaker.version)
    caretaker = service.update_caretaker(session, caretaker=caretaker, changes=body.model_dump(exclude_unset=True))
    set_etag(response, caretaker.version)
    return caretaker


@router.get("/caretakers/{caretaker_id}/absences", response_model=list[AbsenceOut], summary="Fravær")
def list_absences(
    caretaker_id: uuid.UUID,
    principal: Leader,
    session: DbSession,
    from_date: date | None = Query(None, description="Kun fravær, der slutter denne dag eller senere"),
) -> list[object]:
    caretaker = service.get_caretaker(session, caretaker_id=caretaker_id)
    if not _manages_caretaker(session, principal, caretaker):
        raise NotFound("Viceværten findes ikke.", code="caretaker_not_found")
    return list(service.list_absences(session, caretaker=caretaker, from_date=from_date))


@router.post(
    "/caretakers/{caretaker_id}/absences", response_model=AbsenceOut, status_code=201, summary="Registrér fravær"
)
def add_absence(caretaker_id: uuid.UUID, body: AbsenceIn, principal: Leader, session: DbSession) -> object:
    caretaker = service.get_caretaker(session, caretaker_id=caretaker_id)
    if not _manages_caretaker(session, principal, caretaker):
        raise NotFound("Viceværten findes ikke.", code="caretaker_not_found")
    return service.add_absence(
        session,
        caretaker=caretaker,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        kind=body.kind,
        created_by=principal.sub,
    )


@router.delete("/caretakers/{caretaker_id}/absences/{absence_id}", status_code=204, summary="Slet fravær")
def delete_absence(caretaker_id: uuid.UUID, absence_id: uuid.UUID, principal: Leader, session: DbSession) -> Response:
    caretaker = service.get_caretaker(session, caretaker_id=caretaker_id)
    if not _manages_caretaker(session, principal, caretaker):
        raise NotFound("Viceværten findes ikke.", code="caretaker_not_found")
    service.delete_absence(session, caretaker=caretaker, absence_id=absence_id)
    return Response(status_code=204)
