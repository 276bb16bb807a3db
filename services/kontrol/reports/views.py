"""Report API and model-version API."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from services.kontrol.models import ModelVersion
from services.kontrol.reports import service
from shared.auth import Principal, Role, require_roles
from shared.db import DbSession
from shared.errors import NotFound
from shared.queue import publish

router = APIRouter(prefix="/api/v1", tags=["rapporter og model"])
Staff = Annotated[Principal, Depends(require_roles(Role.sagsbehandler, Role.admin))]
Auditor = Annotated[Principal, Depends(require_roles(Role.admin))]


@router.get("/reports/precision", summary="Træfsikkerhed for frigivne sager pr. måned (alarm under 78 %)")
def precision(_: Staff, session: DbSession) -> dict[str, Any]:
    return service.precision_over_time(session)


@router.get("/reports/savings", summary="Besparelser pr. ydelsestype og forvaltning (KL's model)")
def savings(
    _: Staff, session: DbSession, date_from: date | None = Query(None), date_to: date | None = Query(None)
) -> dict[str, Any]:
    return service.savings(session, date_from=date_from, date_to=date_to)


@router.get("/reports/criteria", summary="Træfsikkerhed pr. kriterie for registersamkøring")
def criteria(_: Staff, session: DbSession) -> dict[str, Any]:
    return service.criteria(session)


@router.get("/reports/control-group", summary="Effekt målt med kontrolgruppe (forskel med 95 %-interval)")
def control_group(_: Staff, session: DbSession) -> dict[str, Any]:
    return service.control_group(session)


@router.get(
    "/reports/candidate-outcomes",
    summary="Hvordan kandidaterne endte pr. arm: åbnet, henlagt (pr. årsag), udløbet, i puljen",
)
def candidate_outcomes(_: Staff, session: DbSession) -> dict[str, Any]:
    return service.candidate_outcomes(session)


@router.get("/reports/fairness", summary="Fairness-revision pr. beskyttet gruppe (admin)")
def fairness(_: Auditor, session: DbSession) -> dict[str, Any]:
    return service.fairness(session)


def _version_out(v: ModelVersion) -> dict[str, Any]:
    return {
        "id": v.id,
        "version": v.version,
        "status": v.status,
        "algorithm": v.algorithm,
        "features": v.feature_names.get("features"),
        "params": v.params,
        "training_snapshot": v.training_snapshot,
        "metrics": v.metrics,
        "comparison": v.comparison,
        "artifact_sha256": v.artifact_sha256,
        "trained_at": v.trained_at,
        "trained_by": v.trained_by,
        "promoted_at": v.promoted_at,
    }


@router.get("/model-versions", summary="Modelversioner")
def list_versions(_: Staff, session: DbSession) -> list[dict[str, Any]]:
    return [_version_out(v) for v in session.scalars(select(ModelVersion).order_by(ModelVersion.version.desc()))]


@router.get("/model-versions/{version_id}", summary="Én modelversion")
def get_version(version_id: uuid.UUID, _: Staff, session: DbSession) -> dict[str, Any]:
    version = session.get(ModelVersion, version_id)
    if version is None:
        raise NotFound("Modelversionen findes ikke.")
    return _version_out(version)


@router.post("/model-versions/trainings", status_code=202, summary="Gentræn modellen (kø-opgave)")
def request_training(actor: Auditor, session: DbSession) -> dict[str, Any]:
    request_id = uuid.uuid4()
    publish(session, "kontrol.model.training_requested", {"request_id": str(request_id), "requested_by": actor.sub})
    return {"request_id": request_id, "status": "queued"}


@router.post("/scoring-runs", status_code=202, summary="Vurdér hele puljen igen (kø-opgave)")
def request_scoring(actor: Auditor, session: DbSession) -> dict[str, Any]:
    request_id = uuid.uuid4()
    publish(session, "kontrol.scoring.requested", {"request_id": str(request_id)})
    return {"request_id": request_id, "status": "queued"}
