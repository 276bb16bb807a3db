"""HTTP routes for the doctor's form client and Borgerservice's inbox and handling."""

from __future__ import annotations

import functools
import uuid
from datetime import date, datetime
from typing import Annotated, Any

import anyio
import anyio.to_thread
from fastapi import APIRouter, Depends, File, Form, Header, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from services.koerekort.certificates import attachments as attachment_service
from services.koerekort.certificates import flows, service
from services.koerekort.documents import etag
from services.koerekort.models import ApplicationStatus
from shared.auth import Principal, Role, require_roles
from shared.db import DbSession

router = APIRouter(prefix="/api/v1", tags=["lægeerklæringer"])

Doctor = Annotated[Principal, Depends(require_roles(Role.laege))]
Staff = Annotated[Principal, Depends(require_roles(Role.borgerservice))]
DoctorOrStaff = Annotated[Principal, Depends(require_roles(Role.laege, Role.borgerservice))]
IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=100)]
FHIR_JSON = "application/fhir+json"


class FindingOut(BaseModel):
    field: str
    code: str
    message: str
    severity: str
    rule_id: str | None


class ValidationOut(BaseModel):
    form_version: str
    valid: bool
    errors: list[FindingOut]
    warnings: list[FindingOut]


class CertificateSummary(BaseModel):
    certificate_id: uuid.UUID
    application_id: uuid.UUID
    status: str
    status_label: str
    citizen_cpr_masked: str
    citizen_age: int
    acquisition_type: str
    categories: list[str]
    licence_group: str
    form_version: str
    del_a_signed_at: datetime | None
    submitted_at: datetime | None
    submission_count: int
    doctor_authorisation_id: str | None
    assigned_to_sub: str | None = None
    plausibility_flagged: bool | None = None


class CertificatePage(BaseModel):
    items: list[CertificateSummary]
    next_cursor: str | None


@router.get(
    "/certificates",
    response_model=CertificatePage,
    summary="Lægen: mine tildelte erklæringer. Borgerservice: indbakke med filtre",
)
def list_certificates(
    principal: DoctorOrStaff,
    session: DbSession,
    status: list[ApplicationStatus] = Query([], description="Filtrér på status (kan gentages)"),
    licence_group: str | None = Query(None, pattern="^[12]$"),
    plausibility_flagged: bool | None = Query(None, description="Kun Borgerservice: markeret af plausibilitetstjekket"),
    resubmitted: bool | None = Query(None, description="Genindsendt efter anmodning om oplysninger"),
    assigned_to_me: bool | None = Query(None),
    doctor_authorisation_id: str | None = Query(None, max_length=20),
    submitted_from: date | None = Query(None),
    submitted_to: date | None = Query(None),
    limit: int = Query(50, ge=1, le=200),
    cursor: str | None = Query(None, max_length=300),
) -> CertificatePage:
    filters = service.InboxFilters(
        statuses=tuple(str(s) for s in status),
        licence_group=licence_group,
        plausibility_flagged=plausibility_flagged,
        resubmitted=resubmitted,
        assigned_to_me=assigned_to_me,
        doctor_authorisation_id=doctor_authorisation_id,
        submitted_from=submitted_from,
        submitted_to=submitted_to,
    )
    rows, next_cursor = service.list_certificates(
        session, principal=principal, filters=filters, limit=limit, cursor=cursor
    )
    return CertificatePage(
        items=[CertificateSummary(**service.summary(c, a, principal)) for c, a in rows], next_cursor=next_cursor
    )


@router.get(
    "/certificates/{certificate_id}", summary="Hele lægeerklæringen (læge eller Borgerservice; revisionslogges)"
)
def get_certificate(
    certificate_id: uuid.UUID, principal: DoctorOrStaff, session: DbSession, response: Response
) -> dict[str, Any]:
    view = service.certificate_detail(session, principal=principal, certificate_id=certificate_id)
    response.headers["ETag"] = f'"{view["version"]}"'
    return view


class DoctorParts(BaseModel):
    model_config = ConfigDict(extra="forbid")

    form_version: str = Field(max_length=20, description="Blanketversionen, klienten udfylder", examples=["2025.1"])
    del_b: dict[str, Any] | None = Field(None, description="Del B: lægens undersøgelse")
    supplementary: dict[str, Any] | None = Field(None, description="Supplerende oplysninger")
    conclusion: dict[str, Any] | None = Field(None, description="Konklusion")

    def parts(self) -> dict[str, Any]:
        return {"del_b": self.del_b, "supplementary": self.supplementary, "conclusion": self.conclusion}


class DraftOut(BaseModel):
    certificate_id: uuid.UUID
    version: int
    saved: bool
    validation: ValidationOut


@router.put(
    "/certificates/{certificate_id}/draft",
    response_model=DraftOut,
    summary="Gem lægens kladde (del B, supplerende oplysninger, konklusion); svaret har alle fejl",
)
def put_draft(
    certificate_id: uuid.UUID,
    body: DoctorParts,
    principal: Doctor,
    session: DbSession,
    response: Response,
    if_match: IfMatch = None,
) -> DraftOut:
    certificate, result = service.save_draft(
        session,
        principal=principal,
        certificate_id=certificate_id,
        form_version=body.form_version,
        parts=body.parts(),
        if_match=if_match,
    )
    response.headers["ETag"] = etag(certificate)
    return DraftOut(
        certificate_id=certificate.id,
        version=certificate.version,
        saved=True,
        validation=ValidationOut(**result.as_dict()),
    )


@router.post(
    "/certificates/{certificate_id}/validations",
    response_model=ValidationOut,
    summary="Live-validering af det, der står på lægens skærm (gemmer ikke)",
)
def validate_draft(
    certificate_id: uuid.UUID, body: DoctorParts, principal: Doctor, session: DbSession
) -> ValidationOut:
    result = service.validate_unsaved(
        session, principal=principal, certificate_id=certificate_id, form_version=body.form_version, parts=body.parts()
    )
    return ValidationOut(**result.as_dict())


class SubmissionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    certificate_id: uuid.UUID
    sequence: int
    content_sha256: str
    warnings_count: int
    submitted_at: datetime


# Admission control: at most SUBMIT_CONCURRENCY submissions run at once per process; the rest wait their turn
# in the event loop instead of piling threads and database connections onto a small machine (bench/README).
SUBMIT_CONCURRENCY = 4
_limiter: anyio.CapacityLimiter | None = None


def _submit_slots() -> anyio.CapacityLimiter:
    global _limiter
    if _limiter is None:
        _limiter = anyio.CapacityLimiter(SUBMIT_CONCURRENCY)
    return _limiter


@router.post(
    "/certificates/{certificate_id}/submissions",
    response_model=SubmissionOut,
    status_code=201,
    summary="Underskriv og indsend (kun uden fejl; Idempotency-Key gør gentagelser sikre)",
)
async def submit(
    certificate_id: uuid.UUID,
    principal: Doctor,
    session: DbSession,
    response: Response,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", min_length=8, max_length=200)] = None,
    if_match: IfMatch = None,
) -> Any:
    work = functools.partial(
        flows.submit,
        session,
        principal=principal,
        certificate_id=certificate_id,
        idempotency_key=idempotency_key,
        if_match=if_match,
    )
    submission, created = await anyio.to_thread.run_sync(work, limiter=_submit_slots())
    response.status_code = 201 if created else 200
    if not created:
        response.headers["Idempotency-Replayed"] = "true"
    response.headers["Location"] = f"/api/v1/certificates/{certificate_id}/submissions/{submission.id}"
    return submission


class AttachmentOut(BaseModel):
    id: uuid.UUID
    kind: str
    filename: str
    description: str | None
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_at: datetime
    submitted_in_sequence: int | None


@router.post(
    "/certificates/{certificate_id}/attachments",
    response_model=AttachmentOut,
    status_code=201,
    summary="Vedhæft speciallægeerklæring, journaludskrift eller diabeteserklæring (PDF/PNG/JPEG, højst 10 MB)",
)
async def add_attachment(
    certificate_id: uuid.UUID,
    request: Request,
    principal: Doctor,
    session: DbSession,
    file: UploadFile = File(..., description="PDF, PNG eller JPEG"),
    kind: str = Form(..., max_length=40),
    description: str | None = Form(None, max_length=500),
) -> Any:
    content = await file.read(attachment_service.MAX_ATTACHMENT_BYTES + 1)
    await file.close()
    attachment = attachment_service.add_attachment(
        session,
        principal=principal,
        certificate_id=certificate_id,
        kind=kind,
        description=description,
        filename=file.filename,
        declared_type=file.content_type,
        content=content,
    )
    return service.attachment_view(attachment)


@router.get(
    "/certificates/{certificate_id}/attachments/{attachment_id}",
    summary="Hent et bilag (læge eller Borgerservice; revisionslogges)",
    response_class=Response,
)
def get_attachment(
    certificate_id: uuid.UUID, attachment_id: uuid.UUID, principal: DoctorOrStaff, session: DbSession
) -> Response:
    attachment = attachment_service.get_attachment(
        session, principal=principal, certificate_id=certificate_id, attachment_id=attachment_id
    )
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}[attachment.content_type]
    return Response(
        content=attachment.content,
        media_type=attachment.content_type,
        headers={
            # The stored filename may name the citizen; the download name uses our id instead.
            "Content-Disposition": f'attachment; filename="bilag-{attachment.id}.{extension}"',
            "Cache-Control": "no-store",
            "Digest": f"sha-256={attachment.sha256}",
        },
    )


@router.delete(
    "/certificates/{certificate_id}/attachments/{attachment_id}",
    response_model=AttachmentOut,
    summary="Fjern et bilag, der ikke er indsendt",
)
def delete_attachment(
    certificate_id: uuid.UUID, attachment_id: uuid.UUID, principal: Doctor, session: DbSession
) -> Any:
    return attachment_service.delete_attachment(
        session, principal=principal, certificate_id=certificate_id, attachment_id=attachment_id
    )


@router.get(
    "/certificates/{certificate_id}/questionnaire-response",
    summary="Lægeerklæringen som FHIR R4 QuestionnaireResponse",
    response_class=JSONResponse,
)
def get_questionnaire_response(certificate_id: uuid.UUID, principal: DoctorOrStaff, session: DbSession) -> JSONResponse:
    resource = service.fhir_response(session, principal=principal, certificate_id=certificate_id)
    return JSONResponse(resource, media_type=FHIR_JSON, headers={"Cache-Control": "no-store"})


class StatusOut(BaseModel):
    certificate_id: uuid.UUID
    application_id: uuid.UUID
    status: str
    assigned_to_sub: str | None
    decided_at: datetime | None


def _status(certificate_id: uuid.UUID, application: Any) -> StatusOut:
    return StatusOut(
        certificate_id=certificate_id,
        application_id=application.id,
        status=application.status,
        assigned_to_sub=application.assigned_to_sub,
        decided_at=application.decided_at,
    )


@router.post(
    "/certificates/{certificate_id}/assignments",
    response_model=StatusOut,
    status_code=201,
    summary="Borgerservice tager erklæringen (status: hos Borgerservice)",
)
def assign(certificate_id: uuid.UUID, principal: Staff, session: DbSession) -> StatusOut:
    return _status(certificate_id, flows.assign(session, principal=principal, certificate_id=certificate_id))


class InformationRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str = Field(min_length=5, max_length=2000, description="Hvad mangler eller er uklart (til lægen)")
    fields: list[str] = Field(default_factory=list, max_length=50, description="Feltstier (JSON pointer) det gælder")


class InformationRequestOut(BaseModel):
    id: uuid.UUID
    requested_at: datetime
    requested_by_sub: str
    message: str
    fields: list[str]
    answer: str | None
    answered_at: datetime | None
    resolved_by_sequence: int | None
    open: bool


@router.post(
    "/certificates/{certificate_id}/information-requests",
    response_model=InformationRequestOut,
    status_code=201,
    summary="Bed lægen om manglende eller uklare oplysninger (borgeren inddrages ikke)",
)
def request_information(
    certificate_id: uuid.UUID, body: InformationRequestIn, principal: Staff, session: DbSession
) -> Any:
    request = flows.request_information(
        session, principal=principal, certificate_id=certificate_id, message=body.message, fields=body.fields
    )
    return service.request_view(request)


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str = Field(min_length=2, max_length=4000, description="Lægens svar til Borgerservice")


@router.post(
    "/certificates/{certificate_id}/information-requests/{request_id}/answers",
    response_model=InformationRequestOut,
    status_code=201,
    summary="Lægen svarer på Borgerservices anmodning (ret derefter kladden og indsend igen)",
)
def answer_request(
    certificate_id: uuid.UUID, request_id: uuid.UUID, body: AnswerIn, principal: Doctor, session: DbSession
) -> Any:
    request = flows.answer_information_request(
        session, principal=principal, certificate_id=certificate_id, request_id=request_id, answer=body.message
    )
    return service.request_view(request)


@router.post(
    "/certificates/{certificate_id}/approvals",
    response_model=StatusOut,
    status_code=201,
    summary="Godkend og videresend til kørekortmyndigheden",
)
def approve(certificate_id: uuid.UUID, principal: Staff, session: DbSession) -> StatusOut:
    return _status(certificate_id, flows.approve(session, principal=principal, certificate_id=certificate_id))


class ReturnIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(
        min_length=10, max_length=2000, description="Begrundelse til borgeren (sendes med Digital Post)"
    )


@router.post(
    "/certificates/{certificate_id}/returns",
    response_model=StatusOut,
    status_code=201,
    summary="Returnér ansøgningen uden godkendelse (begrundelse sendes med Digital Post)",
)
def return_application(certificate_id: uuid.UUID, body: ReturnIn, principal: Staff, session: DbSession) -> StatusOut:
    application = flows.return_application(
        session, principal=principal, certificate_id=certificate_id, reason=body.reason
    )
    return _status(certificate_id, application)
