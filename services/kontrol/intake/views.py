"""Intake API: register-match lists (JSON or CSV file) and single referrals / manual triggers."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, File, Header, Query, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from services.kontrol.catalogue import CHANNEL_LABELS, CRITERIA, REFERRAL_CHANNELS
from services.kontrol.intake import formats
from services.kontrol.intake.service import import_list, intake
from services.kontrol.models import CandidateSignal, ImportBatch
from shared.auth import Principal, Role, require_roles
from shared.cpr import CPR
from shared.db import DbSession
from shared.errors import FieldError, Unprocessable

router = APIRouter(prefix="/api/v1", tags=["kandidater: modtagelse"])
Intake = Annotated[Principal, Depends(require_roles(Role.sagsbehandler, Role.admin, Role.system))]


class ListRowIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cpr: str = Field(max_length=20, description="CPR-nummer (DDMMÅÅXXXX eller DDMMÅÅ-XXXX)")
    note: str | None = Field(None, max_length=formats.MAX_NOTE)


class ListIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    list_id: str = Field(min_length=1, max_length=80, description="Udbetaling Danmarks id for listen")
    criterion_code: str = Field(max_length=60)
    extracted_on: date
    rows: list[ListRowIn] = Field(min_length=1, max_length=formats.MAX_ROWS)


class BatchOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    list_id: str
    criterion_code: str
    extracted_on: date
    source_format: str
    row_count: int
    created_count: int
    existing_count: int
    imported_by: str
    imported_at: datetime
    already_imported: bool = False


class ReferralIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cpr: CPR
    channel: str = Field(description="forvaltning, udbetaling_danmark, politi, skat eller manuel")
    referring_unit: str | None = Field(None, max_length=200)
    external_reference: str | None = Field(None, max_length=120)
    received_on: date | None = None
    note: str | None = Field(None, max_length=2000, description="Begrundelse (gemmes krypteret)")


class ReferralOut(BaseModel):
    candidate_id: uuid.UUID
    reference: str
    signal_id: uuid.UUID
    new_candidate: bool


def _raise(parsed: formats.ParsedList) -> None:
    if parsed.errors:
        raise Unprocessable(
            f"Listen er afvist; intet er indlæst. {len(parsed.errors)} fejl (se de enkelte linjer).",
            code="invalid_list",
            errors=parsed.errors,
        )


def _out(batch: ImportBatch, created: bool, response: Response) -> BatchOut:
    response.status_code = 201 if created else 200
    out = BatchOut.model_validate(batch)
    out.already_imported = not created
    return out


@router.get("/register-match-criteria", summary="Kriterier for registersamkøring")
def list_criteria(_: Intake) -> list[dict[str, str]]:
    return [{"code": c.code, "label": c.label, "description": c.description} for c in CRITERIA.values()]


@router.post(
    "/register-match-lists", response_model=BatchOut, status_code=201, summary="Indlæs registersamkøring (JSON)"
)
def import_json(body: ListIn, actor: Intake, session: DbSession, response: Response) -> BatchOut:
    parsed = formats.ParsedList()
    formats.check_metadata(
        parsed,
        list_id=body.list_id,
        criterion=body.criterion_code,
        extracted_on=body.extracted_on.isoformat(),
        where="",
    )
    for err in parsed.errors:
        err["field"] = {"/liste_id": "/list_id", "/kriterie": "/criterion_code", "/udtraeksdato": "/extracted_on"}.get(
            err["field"], err["field"]
        )
    seen: dict[str, str] = {}
    for index, row in enumerate(body.rows):
        formats.add_row(parsed, cpr=row.cpr, note=row.note, pointer=f"/rows/{index}", seen=seen)
    for err in parsed.errors:
        err["field"] = err["field"].replace("/bemaerkning", "/note")
    _raise(parsed)
    batch, created = import_list(
        session,
        list_id=body.list_id,
        criterion=body.criterion_code,
        extracted_on=body.extracted_on,
        rows=parsed.rows,
        source_format="json",
        actor=actor,
    )
    return _out(batch, created, response)


@router.post(
    "/register-match-lists/files",
    response_model=BatchOut,
    status_code=201,
    summary="Indlæs registersamkøring (CSV-fil)",
)
async def import_file(
    actor: Intake, session: DbSession, response: Response, file: UploadFile = File(description="CSV, se import-format")
) -> BatchOut:
    content = await file.read(formats.MAX_BYTES + 1)
    parsed = formats.parse_csv(content)
    _raise(parsed)
    assert parsed.extracted_on is not None
    batch, created = import_list(
        session,
        list_id=parsed.list_id,
        criterion=parsed.criterion,
        extracted_on=parsed.extracted_on,
        rows=parsed.rows,
        source_format="csv",
        actor=actor,
    )
    return _out(batch, created, response)


@router.get("/register-match-lists", response_model=list[BatchOut], summary="Indlæste lister")
def list_batches(
    _: Intake, session: DbSession, limit: int = Query(50, ge=1, le=200), cursor: datetime | None = None
) -> list[ImportBatch]:
    statement = select(ImportBatch).order_by(ImportBatch.imported_at.desc()).limit(limit)
    if cursor is not None:
        statement = statement.where(ImportBatch.imported_at < cursor)
    return list(session.scalars(statement))


@router.post(
    "/referrals", response_model=ReferralOut, status_code=201, summary="Underretning eller manuel igangsætning"
)
def create_referral(
    body: ReferralIn,
    actor: Intake,
    session: DbSession,
    response: Response,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=200),
) -> ReferralOut:
    if body.channel not in REFERRAL_CHANNELS:
        raise Unprocessable(
            "Ukendt kanal.",
            errors=[
                FieldError(
                    "/channel",
                    "unknown_channel",
                    "Kanalen skal være en af: " + ", ".join(str(c) for c in REFERRAL_CHANNELS) + ".",
                )
            ],
        )
    if idempotency_key:
        previous = session.scalar(select(CandidateSignal).where(CandidateSignal.idempotency_key == idempotency_key))
        if previous is not None:
            from services.kontrol.models import Candidate

            candidate = session.get(Candidate, previous.candidate_id)
            assert candidate is not None
            response.status_code = 200
            return ReferralOut(
                candidate_id=candidate.id, reference=candidate.reference, signal_id=previous.id, new_candidate=False
            )
    result = intake(
        session,
        cpr=body.cpr,
        channel=body.channel,
        actor=actor,
        referring_unit=body.referring_unit or CHANNEL_LABELS.get(body.channel),
        external_reference=body.external_reference,
        idempotency_key=idempotency_key,
        note=body.note,
        received_on=body.received_on,
    )
    session.flush()
    return ReferralOut(
        candidate_id=result.candidate.id,
        reference=result.candidate.reference,
        signal_id=result.signal.id,
        new_candidate=result.created,
    )
