"""HTTP routes for the KASA Helpdesk exchange (KEID's service desk and administrators)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from services.viceværtsopgaver.common.deps import DeskOrAdmin
from services.viceværtsopgaver.kasa import service
from services.viceværtsopgaver.kasa.adapter import KasaUnavailable
from services.viceværtsopgaver.kasa.models import KasaSyncState
from shared.db import DbSession
from shared.errors import ProblemError

router = APIRouter(prefix="/api/v1/kasa", tags=["KASA Helpdesk"])


class SyncStateOut(BaseModel):
    cursor: str | None
    last_run_at: datetime | None
    last_result: dict[str, Any]


class IssueOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    external_id: str
    remote_version: int
    reason_code: str
    reason: str
    created_at: datetime


@router.post("/syncs", status_code=201, summary="Udveksl med KASA Helpdesk nu")
def run_sync(_: DeskOrAdmin) -> dict[str, Any]:
    try:
        return service.sync()
    except KasaUnavailable as exc:
        raise ProblemError(
            "KASA Helpdesk svarer ikke; udvekslingen prøves igen automatisk.", status=502, code="kasa_unavailable"
        ) from exc


@router.get("/sync-state", response_model=SyncStateOut, summary="Status for udvekslingen")
def sync_state(_: DeskOrAdmin, session: DbSession) -> SyncStateOut:
    state = session.get(KasaSyncState, service.STATE)
    if state is None:
        return SyncStateOut(cursor=None, last_run_at=None, last_result={})
    return SyncStateOut(cursor=state.cursor, last_run_at=state.last_run_at, last_result=state.last_result)


@router.get("/issues", response_model=list[IssueOut], summary="KASA-sager, der ikke kunne importeres")
def issues(_: DeskOrAdmin, session: DbSession) -> list[object]:
    return list(service.open_issues(session))
