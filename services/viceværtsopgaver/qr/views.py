"""HTTP routes for QR codes: issue, list, print (PNG/SVG), revoke, and scan (resolve a token)."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from services.viceværtsopgaver.common import access
from services.viceværtsopgaver.common.deps import AnyUser, RegistryEditor
from services.viceværtsopgaver.qr import service
from services.viceværtsopgaver.qr.models import QrCode
from services.viceværtsopgaver.qr.schemas import PlaceOut, QrCodeIn, QrCodeOut, QrScanIn, QrScanOut, ScanBuildingOut
from services.viceværtsopgaver.registry import service as registry
from services.viceværtsopgaver.registry.models import Building, Component, Institution, Room
from shared.auth import Principal, Role
from shared.db import DbSession
from shared.errors import NotFound

router = APIRouter(prefix="/api/v1", tags=["QR-koder"])


def _out(code: QrCode) -> QrCodeOut:
    token = service.token_for(code)
    return QrCodeOut(
        id=code.id,
        building_id=code.building_id,
        room_id=code.room_id,
        component_id=code.component_id,
        label=code.label,
        token=token,
        url=service.order_url(token),
        image_png_url=f"/api/v1/qr-codes/{code.id}/image?format=png",
        image_svg_url=f"/api/v1/qr-codes/{code.id}/image?format=svg",
        expires_at=code.expires_at,
        revoked_at=code.revoked_at,
        created_at=code.created_at,
    )


def _may_see_building(session: DbSession, principal: Principal, building: Building) -> bool:
    if principal.has(Role.vicevaert, Role.teamleder, Role.servicedesk, Role.admin):
        return True
    institution = access.institution_for(session, principal)
    return institution is not None and building.institution_id == institution.id


@router.post("/buildings/{building_id}/qr-codes", response_model=QrCodeOut, status_code=201, summary="Opret QR-kode")
def issue_code(building_id: uuid.UUID, body: QrCodeIn, principal: RegistryEditor, session: DbSession) -> QrCodeOut:
    building = registry.get_building(session, building_id=building_id)
    code = service.issue(
        session,
        building=building,
        room_id=body.room_id,
        component_id=body.component_id,
        label=body.label,
        expires_at=body.expires_at,
        created_by=principal.sub,
    )
    return _out(code)


@router.get("/buildings/{building_id}/qr-codes", response_model=list[QrCodeOut], summary="Bygningens QR-koder")
def list_codes(building_id: uuid.UUID, principal: AnyUser, session: DbSession) -> list[QrCodeOut]:
    building = registry.get_building(session, building_id=building_id)
    if not _may_see_building(session, principal, building):
        raise NotFound("Bygningen findes ikke.", code="building_not_found")
    return [_out(c) for c in service.list_for_building(session, building_id=building.id)]


@router.get("/qr-codes/{code_id}/image", summary="QR-kode til udskrift (PNG eller SVG)", response_class=Response)
def code_image(
    code_id: uuid.UUID,
    principal: AnyUser,
    session: DbSession,
    format: Literal["png", "svg"] = Query("png"),
    module_px: int = Query(10, ge=4, le=40, description="Pixel pr. modul (kun PNG)"),
) -> Response:
    code = service.get_code(session, code_id=code_id)
    building = registry.get_building(session, building_id=code.building_id)
    if not _may_see_building(session, principal, building):
        raise NotFound("QR-koden findes ikke.", code="qr_code_not_found")
    url = service.order_url(service.token_for(code))
    if format == "svg":
        return Response(service.svg(url=url, label=code.label), media_type="image/svg+xml")
    return Response(service.png(url=url, label=code.label, module_px=module_px), media_type="image/png")


@router.post(
    "/qr-codes/{code_id}/revocations", response_model=QrCodeOut, status_code=201, summary="Træk QR-kode tilbage"
)
def revoke_code(code_id: uuid.UUID, _: RegistryEditor, session: DbSession) -> QrCodeOut:
    code = service.revoke(session, code=service.get_code(session, code_id=code_id))
    return _out(code)


@router.post("/qr-scans", response_model=QrScanOut, status_code=201, summary="Scan QR-kode: bygning, rum og tidspunkt")
def scan(body: QrScanIn, principal: AnyUser, session: DbSession) -> QrScanOut:
    code = service.resolve(session, token=body.token)
    building = registry.get_building(session, building_id=code.building_id)
    scan_row = service.record_scan(session, code=code, scanned_by=principal.sub)
    institution = session.get(Institution, building.institution_id) if building.institution_id else None
    room = session.get(Room, code.room_id) if code.room_id else None
    component = session.get(Component, code.component_id) if code.component_id else None
    may_order = principal.has(Role.servicedesk, Role.admin) or (
        principal.has(Role.bestiller)
        and (own := access.institution_for(session, principal)) is not None
        and own.id == building.institution_id
    )
    hint = (
        "Vælg opgavetype, beskriv problemet og tilføj evt. billeder."
        if may_order
        else "Bygningen hører ikke til din institution; kontakt bygningens institution eller KEIDs servicedesk."
    )
    return QrScanOut(
        scan_id=scan_row.id,
        scanned_at=scan_row.scanned_at,
        building=ScanBuildingOut(
            id=building.id,
            name=building.name,
            address=building.address,
            postal_code=building.postal_code,
            city=building.city,
            institution_name=institution.name if institution else None,
        ),
        room=PlaceOut(id=room.id, name=room.name) if room else None,
        component=PlaceOut(id=component.id, name=component.name) if component else None,
        may_order=may_order,
        order_hint=hint,
    )
