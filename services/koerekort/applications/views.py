"""HTTP routes for citizens and driving instructors, the doctor directory and the sms_ydelse status lookup."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from services.koerekort import status as status_flow
from services.koerekort.applications import service
from services.koerekort.documents import etag
from services.koerekort.guidance.service import acquisition_titles
from services.koerekort.models import Application, Doctor, Payment
from shared import cpr as cpr_utils
from shared.auth import Principal, Role, require_roles
from shared.cpr import CPR
from shared.db import DbSession
from shared.errors import problem_response

router = APIRouter(prefix="/api/v1", tags=["ansøgninger"])

Citizen = Annotated[Principal, Depends(require_roles(Role.borger))]
CitizenOrInstructor = Annotated[Principal, Depends(require_roles(Role.borger, Role.koerelaerer))]
AnyUser = Annotated[
    Principal, Depends(require_roles(Role.borger, Role.koerelaerer, Role.laege, Role.borgerservice, Role.admin))
]
System = Annotated[Principal, Depends(require_roles(Role.system))]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200, min_length=8)]
IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=100)]


class ApplicationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    acquisition_type: str = Field(
        max_length=40, description="Ansøgningstype fra spørgetræet, fx first_licence", examples=["first_licence"]
    )
    categories: list[str] = Field(min_length=1, max_length=17, description="Kategorier, der søges om", examples=[["B"]])
    cpr: CPR | None = Field(None, description="Kun kørelærer: elevens CPR-nummer (borgeren bruger sit MitID)")
    form_version: str | None = Field(None, max_length=20, description="Blanketversion; udelades = gældende version")


class DoctorOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    authorisation_id: str
    name: str
    clinic_name: str
    certificate_fee_ore: int


class PaymentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    amount_ore: int
    status: str
    provider_reference: str | None
    created_at: datetime


class TimelineStepOut(BaseModel):
    key: str
    label: str
    state: str
    at: datetime | None
    by: str | None


class ApplicationOut(BaseModel):
    """Status view of an application; no health data. An instructor gets the narrow fields only."""

    id: uuid.UUID
    status: str
    status_label: str
    status_text: str
    acquisition_type: str
    acquisition_title: str | None
    categories: list[str]
    licence_group: str
    citizen_cpr_masked: str
    started_by_role: str
    created_at: datetime
    del_a_signed_at: datetime | None
    submitted_at: datetime | None
    decided_at: datetime | None
    timeline: list[TimelineStepOut] | None = None
    certificate_id: uuid.UUID | None = None
    form_version: str | None = None
    doctor: DoctorOut | None = None
    own_gp: DoctorOut | None = None
    doctor_confirmed: bool | None = None
    payment: PaymentOut | None = None
    forwarded_at: datetime | None = None


class ApplicationPage(BaseModel):
    items: list[ApplicationOut]
    next_cursor: str | None


def _out(application: Application, extra: dict[str, Any] | None = None, *, narrow: bool = False) -> ApplicationOut:
    extra = extra or {}
    data: dict[str, Any] = {
        "id": application.id,
        "status": application.status,
        "status_label": status_flow.STATUS_LABEL[application.status],
        "status_text": status_flow.STATUS_TEXT[application.status],
        "acquisition_type": application.acquisition_type,
        "acquisition_title": acquisition_titles().get(application.acquisition_type),
        "categories": application.categories,
        "licence_group": application.licence_group,
        "citizen_cpr_masked": cpr_utils.mask(application.citizen_cpr),
        "started_by_role": application.started_by_role,
        "created_at": application.created_at,
        "del_a_signed_at": application.del_a_signed_at,
        "submitted_at": application.first_submitted_at,
        "decided_at": application.decided_at,
        "timeline": extra.get("timeline"),
    }
    if not narrow:
        doctor: Doctor | None = extra.get("doctor")
        own_gp: Doctor | None = extra.get("own_gp")
        payment: Payment | None = extra.get("payment")
        data.update(
            certificate_id=extra.get("certificate_id"),
            form_version=extra.get("form_version"),
            doctor=DoctorOut.model_validate(doctor) if doctor else None,
            own_gp=DoctorOut.model_validate(own_gp) if own_gp else None,
            doctor_confirmed=application.doctor_confirmed_at is not None,
            payment=PaymentOut.model_validate(payment) if payment else None,
            forwarded_at=application.forwarded_at,
        )
    return ApplicationOut(**data)


@router.post(
    "/applications",
    response_model=ApplicationOut,
    status_code=201,
    summary="Start en ansøgning om lægeerklæring (borger selv, eller kørelærer for en elev)",
)
def create_application(
    body: ApplicationCreate,
    principal: CitizenOrInstructor,
    session: DbSession,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> ApplicationOut:
    application, created = service.create_application(
        session,
        principal=principal,
        acquisition_type=body.acquisition_type,
        categories=body.categories,
        student_cpr=body.cpr,
        idempotency_key=idempotency_key,
        form_version=body.form_version,
    )
    if not created:
        response.status_code = 200
    response.headers["Location"] = f"/api/v1/applications/{application.id}"
    view = service.application_detail(session, principal=principal, application_id=application.id, audit_read=False)
    return _out(application, view, narrow=view["instructor_view"])


@router.get(
    "/applications", response_model=ApplicationPage, summary="Mine ansøgninger (borger) / mine elever (kørelærer)"
)
def list_applications(
    principal: CitizenOrInstructor,
    session: DbSession,
    limit: int = Query(50, ge=1, le=200),
    cursor: str | None = Query(None, max_length=200),
) -> ApplicationPage:
    rows, next_cursor = service.list_applications(session, principal=principal, limit=limit, cursor=cursor)
    narrow = not principal.has(Role.borger)
    return ApplicationPage(items=[_out(row, narrow=narrow) for row in rows], next_cursor=next_cursor)


@router.get(
    "/applications/{application_id}", response_model=ApplicationOut, summary="Status og tidslinje for en ansøgning"
)
def get_application(
    application_id: uuid.UUID,
    principal: Annotated[Principal, Depends(require_roles(Role.borger, Role.koerelaerer, Role.borgerservice))],
    session: DbSession,
) -> ApplicationOut:
    view = service.application_detail(session, principal=principal, application_id=application_id)
    return _out(view["application"], view, narrow=view["instructor_view"])


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


class DelAOut(BaseModel):
    application_id: uuid.UUID
    certificate_id: uuid.UUID
    form_version: str
    version: int
    status: str
    del_a: dict[str, Any]
    validation: ValidationOut


class DelAIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    del_a: dict[str, Any] = Field(
        description="Del A som i blanketdefinitionen (felter: identity, categories, health, remarks, declaration)"
    )


@router.get("/applications/{application_id}/del-a", response_model=DelAOut, summary="Min del A med fejl og advarsler")
def get_del_a(application_id: uuid.UUID, principal: Citizen, session: DbSession, response: Response) -> DelAOut:
    application, certificate, result = service.get_del_a(session, principal=principal, application_id=application_id)
    response.headers["ETag"] = etag(certificate)
    return DelAOut(
        application_id=application.id,
        certificate_id=certificate.id,
        form_version=certificate.form_version,
        version=certificate.version,
        status=application.status,
        del_a=certificate.del_a,
        validation=ValidationOut(**result.as_dict()),
    )


@router.put(
    "/applications/{application_id}/del-a",
    response_model=DelAOut,
    summary="Gem del A (kladde); svaret indeholder alle fejl med feltsti",
)
def put_del_a(
    application_id: uuid.UUID,
    body: DelAIn,
    principal: Citizen,
    session: DbSession,
    response: Response,
    if_match: IfMatch = None,
) -> DelAOut:
    application, certificate, result = service.save_del_a(
        session, principal=principal, application_id=application_id, del_a=body.del_a, if_match=if_match
    )
    response.headers["ETag"] = etag(certificate)
    return DelAOut(
        application_id=application.id,
        certificate_id=certificate.id,
        form_version=certificate.form_version,
        version=certificate.version,
        status=application.status,
        del_a=certificate.del_a,
        validation=ValidationOut(**result.as_dict()),
    )


class DoctorChoice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    authorisation_id: str = Field(min_length=1, max_length=20, description="Lægens autorisations-id")


@router.put("/applications/{application_id}/doctor", response_model=ApplicationOut, summary="Vælg eller bekræft læge")
def put_doctor(application_id: uuid.UUID, body: DoctorChoice, principal: Citizen, session: DbSession) -> ApplicationOut:
    service.choose_doctor(
        session, principal=principal, application_id=application_id, authorisation_id=body.authorisation_id
    )
    view = service.application_detail(session, principal=principal, application_id=application_id, audit_read=False)
    return _out(view["application"], view)


class SignatureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    confirm: bool = Field(description="Borgeren bekræfter at underskrive del A")


class SignatureOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    part: str
    method: str
    content_sha256: str
    form_version: str
    signed_at: datetime


@router.post(
    "/applications/{application_id}/signatures",
    response_model=SignatureOut,
    status_code=201,
    summary="Underskriv del A (kræver at alle fejl er rettet og lægen er valgt)",
)
def sign(
    application_id: uuid.UUID,
    body: SignatureIn,
    principal: Citizen,
    session: DbSession,
    if_match: IfMatch = None,
) -> Any:
    if not body.confirm:
        from shared.errors import FieldError, Unprocessable

        raise Unprocessable(
            "Underskriften skal bekræftes.",
            errors=[FieldError("/confirm", "must_be_true", "Bekræft, at du vil underskrive.")],
        )
    return service.sign_del_a(session, principal=principal, application_id=application_id, if_match=if_match)


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    payment_token: str = Field(
        min_length=1,
        max_length=200,
        description="Betalingsudbyderens token (simulator: alt andet end 'sim-declined' godkendes)",
    )


@router.post(
    "/applications/{application_id}/payments",
    response_model=PaymentOut,
    status_code=201,
    summary="Betal lægeerklæringen (simuleret betaling; kræver Idempotency-Key)",
)
def create_payment(
    application_id: uuid.UUID,
    body: PaymentIn,
    principal: Citizen,
    session: DbSession,
    response: Response,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key", min_length=8, max_length=200)],
) -> Any:
    payment, created = service.pay(
        session,
        principal=principal,
        application_id=application_id,
        payment_token=body.payment_token,
        idempotency_key=idempotency_key,
    )
    if not created:
        response.status_code = 200
    return payment


@router.post(
    "/applications/{application_id}/withdrawals",
    response_model=ApplicationOut,
    status_code=201,
    summary="Træk ansøgningen tilbage",
)
def withdraw(application_id: uuid.UUID, principal: Citizen, session: DbSession) -> ApplicationOut:
    service.withdraw(session, principal=principal, application_id=application_id)
    view = service.application_detail(session, principal=principal, application_id=application_id, audit_read=False)
    return _out(view["application"], view)


class OwnCertificateOut(BaseModel):
    certificate_id: uuid.UUID
    form_version: str
    status: str
    submitted_at: datetime | None
    document: dict[str, Any]


@router.get(
    "/applications/{application_id}/certificate",
    response_model=OwnCertificateOut,
    summary="Min lægeerklæring (del A; lægens del når den er indsendt)",
)
def own_certificate(application_id: uuid.UUID, principal: Citizen, session: DbSession) -> Any:
    return service.own_certificate(session, principal=principal, application_id=application_id)


@router.get("/doctors", response_model=list[DoctorOut], summary="Læger, der bruger den digitale lægeerklæring")
def list_doctors(
    _: AnyUser,
    session: DbSession,
    q: str | None = Query(None, max_length=100, description="Søg i navn eller klinik"),
    limit: int = Query(50, ge=1, le=200),
) -> list[Doctor]:
    return service.list_doctors(session, query=q, limit=limit)


class StatusLookupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cpr: CPR = Field(description="Borgerens CPR-nummer (i body, aldrig i URL'en)")


class StatusLookupOut(BaseModel):
    found: bool
    status_code: str = Field(
        description="draft, with_doctor, submitted, in_review, information_requested, approved, returned eller withdrawn"
    )
    status_text: str = Field(description="Kort dansk sætning til borgeren (uden helbredsoplysninger)")
    updated_at: datetime | None


@router.post(
    "/status-lookups",
    response_model=StatusLookupOut,
    summary="Status på borgerens seneste ansøgning (til sms_ydelse; rolle system)",
    tags=["integration"],
    responses={404: {"description": "Borgeren har ingen ansøgning (problem+json, code no_application)"}},
)
def status_lookup(body: StatusLookupIn, principal: System, session: DbSession) -> Any:
    result = service.status_lookup(session, principal=principal, cpr=body.cpr)
    if not result["found"]:
        # Returned, not raised: the audit record of the lookup must commit with the 404.
        return problem_response(404, code="no_application", detail=result["status_text"])
    return result
