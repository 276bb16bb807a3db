"""The doctor's form client and Borgerservice's inbox: lists, the full certificate view, drafts and live validation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from services.koerekort import status as status_flow
from services.koerekort.access import audit_access, authorisation_id, load_certificate
from services.koerekort.documents import (
    COPENHAGEN,
    check_if_match,
    check_size,
    decode_cursor,
    definition_of,
    encode_cursor,
    full_document,
    remember_caught,
    validate_certificate,
)
from services.koerekort.forms.definition import get_definition
from services.koerekort.forms.fhir import questionnaire_response, to_json
from services.koerekort.forms.rules import ValidationResult
from services.koerekort.models import (
    AT_BORGERSERVICE,
    DOCTOR_EDITABLE,
    Application,
    ApplicationStatus,
    Attachment,
    Certificate,
    Doctor,
    InformationRequest,
    Signature,
    Submission,
)
from shared import cpr as cpr_utils
from shared.auth import Principal, Role
from shared.db import utcnow
from shared.errors import Conflict, FieldError, Unprocessable


@dataclass(frozen=True)
class InboxFilters:
    """Borgerservice's inbox filters (none of them personal data, so they may sit in the query string)."""

    statuses: tuple[str, ...] = ()
    licence_group: str | None = None
    plausibility_flagged: bool | None = None
    resubmitted: bool | None = None
    assigned_to_me: bool | None = None
    doctor_authorisation_id: str | None = None
    submitted_from: date | None = None
    submitted_to: date | None = None


def _local_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=COPENHAGEN)


def list_certificates(
    session: Session,
    *,
    principal: Principal,
    filters: InboxFilters,
    limit: int,
    cursor: str | None,
) -> tuple[list[tuple[Certificate, Application]], str | None]:
    """A doctor's assigned certificates, or Borgerservice's inbox, oldest first with a stable cursor."""
    statement = select(Certificate, Application).join(Application, Application.id == Certificate.application_id)
    if principal.has(Role.borgerservice):
        sort_column = Application.submitted_at
        statement = statement.where(Application.status.in_(AT_BORGERSERVICE))
        default_statuses: tuple[str, ...] = (
            ApplicationStatus.submitted,
            ApplicationStatus.in_review,
            ApplicationStatus.information_requested,
        )
    else:
        sort_column = Application.del_a_signed_at
        statement = statement.where(
            Application.doctor_authorisation_id == authorisation_id(principal),
            Application.del_a_signed_at.is_not(None),
            Application.status != ApplicationStatus.draft,
        )
        default_statuses = (ApplicationStatus.with_doctor, ApplicationStatus.information_requested)
    statuses = filters.statuses or default_statuses
    statement = statement.where(Application.status.in_(statuses))
    if filters.licence_group:
        statement = statement.where(Application.licence_group == filters.licence_group)
    if filters.plausibility_flagged is not None and principal.has(Role.borgerservice):
        statement = statement.where(Certificate.plausibility_flagged.is_(filters.plausibility_flagged))
    if filters.resubmitted is not None:
        statement = statement.where(
            Certificate.submission_count > 1 if filters.resubmitted else Certificate.submission_count <= 1
        )
    if filters.assigned_to_me is not None and principal.has(Role.borgerservice):
        mine = Application.assigned_to_sub == principal.sub
        statement = statement.where(
            mine if filters.assigned_to_me else or_(~mine, Application.assigned_to_sub.is_(None))
        )
    if filters.doctor_authorisation_id:
        statement = statement.where(Application.doctor_authorisation_id == filters.doctor_authorisation_id)
    if filters.submitted_from:
        statement = statement.where(Application.submitted_at >= _local_start(filters.submitted_from))
    if filters.submitted_to:
        statement = statement.where(Application.submitted_at < _local_start(filters.submitted_to + timedelta(days=1)))
    after = decode_cursor(cursor)
    if after is not None:
        value, row_id = after
        statement = statement.where(or_(sort_column > value, and_(sort_column == value, Certificate.id > row_id)))
    rows = [(row[0], row[1]) for row in session.execute(statement.order_by(sort_column, Certificate.id).limit(limit))]
    next_cursor = None
    if len(rows) == limit:
        last_certificate, last_application = rows[-1]
        last_value = (
            last_application.submitted_at if principal.has(Role.borgerservice) else last_application.del_a_signed_at
        )
        next_cursor = encode_cursor(last_value, last_certificate.id)
    for certificate, application in rows:
        audit_access(
            session,
            principal,
            action="certificate.list",
            purpose="Oversigt over lægeerklæringer (uden helbredsoplysninger)",
            application=application,
            object_type="certificate",
            object_id=certificate.id,
        )
    return rows, next_cursor


def summary(certificate: Certificate, application: Application, principal: Principal) -> dict[str, Any]:
    """One list row: no health content, CPR masked."""
    cpr = application.citizen_cpr
    row: dict[str, Any] = {
        "certificate_id": certificate.id,
        "application_id": application.id,
        "status": application.status,
        "status_label": status_flow.STATUS_LABEL[application.status],
        "citizen_cpr_masked": cpr_utils.mask(cpr),
        "citizen_age": cpr_utils.age_on(cpr, utcnow().astimezone(COPENHAGEN).date()),
        "acquisition_type": application.acquisition_type,
        "categories": application.categories,
        "licence_group": application.licence_group,
        "form_version": certificate.form_version,
        "del_a_signed_at": application.del_a_signed_at,
        "submitted_at": application.submitted_at,
        "submission_count": certificate.submission_count,
        "doctor_authorisation_id": application.doctor_authorisation_id,
    }
    if principal.has(Role.borgerservice):
        row["assigned_to_sub"] = application.assigned_to_sub
        row["plausibility_flagged"] = certificate.plausibility_flagged
    return row


def _attachments(session: Session, certificate: Certificate) -> list[Attachment]:
    return list(
        session.scalars(
            select(Attachment)
            .where(Attachment.certificate_id == certificate.id, Attachment.deleted_at.is_(None))
            .order_by(Attachment.uploaded_at, Attachment.id)
        )
    )


def _requests(session: Session, certificate: Certificate) -> list[InformationRequest]:
    return list(
        session.scalars(
            select(InformationRequest)
            .where(InformationRequest.certificate_id == certificate.id)
            .order_by(InformationRequest.requested_at, InformationRequest.id)
        )
    )


def certificate_detail(session: Session, *, principal: Principal, certificate_id: uuid.UUID) -> dict[str, Any]:
    """The full certificate for its doctor or Borgerservice: content, findings, attachments, requests, history."""
    certificate, application = load_certificate(session, certificate_id, principal)
    result = validate_certificate(session, application, certificate, scope="all")
    is_staff = principal.has(Role.borgerservice)
    doctor = session.scalar(select(Doctor).where(Doctor.authorisation_id == application.doctor_authorisation_id))
    signatures = list(
        session.scalars(
            select(Signature).where(Signature.application_id == application.id).order_by(Signature.signed_at)
        )
    )
    submissions = list(
        session.scalars(
            select(Submission).where(Submission.certificate_id == certificate.id).order_by(Submission.sequence)
        )
    )
    view: dict[str, Any] = {
        **summary(certificate, application, principal),
        "citizen_cpr": application.citizen_cpr,
        "version": certificate.version,
        "document": full_document(certificate),
        "validation": result.as_dict(),
        "is_own_gp": bool(
            application.own_gp_authorisation_id
            and application.own_gp_authorisation_id == application.doctor_authorisation_id
        ),
        "doctor": {
            "authorisation_id": application.doctor_authorisation_id,
            "name": doctor.name if doctor else None,
            "clinic_name": doctor.clinic_name if doctor else None,
        },
        "attachments": [attachment_view(a) for a in _attachments(session, certificate)],
        "information_requests": [request_view(r) for r in _requests(session, certificate)],
        "signatures": [
            {
                "part": s.part,
                "signer_role": s.signer_role,
                "signer_authorisation_id": s.signer_authorisation_id,
                "method": s.method,
                "content_sha256": s.content_sha256,
                "signed_at": s.signed_at,
            }
            for s in signatures
        ],
        "submissions": [
            {
                "id": s.id,
                "sequence": s.sequence,
                "submitted_at": s.submitted_at,
                "content_sha256": s.content_sha256,
                "warnings_count": s.warnings_count,
            }
            for s in submissions
        ],
    }
    if is_staff:
        view["plausibility"] = certificate.plausibility
        view["history"] = [
            {
                "from_status": change.from_status,
                "to_status": change.to_status,
                "actor_sub": change.actor_sub,
                "actor_role": change.actor_role,
                "occurred_at": change.occurred_at,
                "note": change.note,
            }
            for change in status_flow.history(session, application)
        ]
    audit_access(
        session,
        principal,
        action="certificate.read",
        purpose="Lægen udfylder/læser erklæringen" if not is_staff else "Borgerservice behandler lægeerklæringen",
        application=application,
        object_type="certificate",
        object_id=certificate.id,
    )
    return view


def attachment_view(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.id,
        "kind": attachment.kind,
        "filename": attachment.filename,
        "description": attachment.description,
        "content_type": attachment.content_type,
        "size_bytes": attachment.size_bytes,
        "sha256": attachment.sha256,
        "uploaded_at": attachment.uploaded_at,
        "submitted_in_sequence": attachment.submitted_in_sequence,
    }


def request_view(request: InformationRequest) -> dict[str, Any]:
    return {
        "id": request.id,
        "requested_at": request.requested_at,
        "requested_by_sub": request.requested_by_sub,
        "message": request.message,
        "fields": request.fields,
        "answer": request.answer,
        "answered_at": request.answered_at,
        "resolved_by_sequence": request.resolved_by_sequence,
        "open": request.resolved_by_sequence is None,
    }


def _doctor_parts(body_parts: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body_parts.items() if value is not None}


def _check_form_version(certificate: Certificate, form_version: str) -> None:
    if form_version == certificate.form_version:
        return
    if get_definition(form_version) is None:
        raise Unprocessable(
            "Ukendt blanketversion.",
            errors=[FieldError("/form_version", "unknown_form_version", "Blanketversionen findes ikke.")],
        )
    raise Conflict(
        f"Erklæringen bruger blanketversion {certificate.form_version}. Hent den igen.",
        code="form_version_mismatch",
    )


def save_draft(
    session: Session,
    *,
    principal: Principal,
    certificate_id: uuid.UUID,
    form_version: str,
    parts: dict[str, Any],
    if_match: str | None,
) -> tuple[Certificate, ValidationResult]:
    """Save del B, supplementary information and the conclusion as a draft; return every finding at once."""
    certificate, application = load_certificate(session, certificate_id, principal, for_update=True)
    require_doctor(principal, application)
    _check_form_version(certificate, form_version)
    if application.status not in DOCTOR_EDITABLE:
        raise Conflict("Lægeerklæringen er indsendt og kan ikke ændres.", code="certificate_locked")
    check_if_match(certificate, if_match)
    doctor_part = _doctor_parts(parts)
    check_size(doctor_part, "/")
    now = utcnow()
    certificate.doctor_part = doctor_part
    certificate.doctor_started_at = certificate.doctor_started_at or now
    certificate.doctor_saved_at = now
    certificate.version += 1
    result = validate_certificate(session, application, certificate, scope="doctor")
    remember_caught(certificate, result)
    audit_access(
        session,
        principal,
        action="certificate.draft.write",
        purpose="Lægen udfylder lægeerklæringen",
        application=application,
        object_type="certificate",
        object_id=certificate.id,
        details={"errors": len(result.errors), "warnings": len(result.warnings)},
    )
    return certificate, result


def validate_unsaved(
    session: Session, *, principal: Principal, certificate_id: uuid.UUID, form_version: str, parts: dict[str, Any]
) -> ValidationResult:
    """Live validation of what is on the doctor's screen, without saving it."""
    certificate, application = load_certificate(session, certificate_id, principal)
    require_doctor(principal, application)
    _check_form_version(certificate, form_version)
    doctor_part = _doctor_parts(parts)
    check_size(doctor_part, "/")
    result = validate_certificate(session, application, certificate, scope="doctor", doctor_part=doctor_part)
    if application.status in DOCTOR_EDITABLE:
        remember_caught(certificate, result)
    return result


def require_doctor(principal: Principal, application: Application) -> None:
    """Only the assigned doctor writes the doctor's parts (Borgerservice reads them)."""
    if not principal.has(Role.laege):
        from shared.errors import Forbidden

        raise Forbidden("Kun den valgte læge kan udfylde lægeerklæringen.")


def fhir_response(session: Session, *, principal: Principal, certificate_id: uuid.UUID) -> dict[str, Any]:
    """The certificate as a FHIR QuestionnaireResponse (the latest submitted version, or the draft)."""
    certificate, application = load_certificate(session, certificate_id, principal)
    definition = definition_of(certificate)
    latest = session.scalar(
        select(Submission)
        .where(Submission.certificate_id == certificate.id)
        .order_by(Submission.sequence.desc())
        .limit(1)
    )
    if latest is not None and application.status not in DOCTOR_EDITABLE:
        document = latest.snapshot["document"]
        status = "completed" if latest.sequence == 1 else "amended"
        authored: datetime | None = latest.submitted_at
    else:
        document = full_document(certificate)
        status = "in-progress"
        authored = certificate.doctor_saved_at
    audit_access(
        session,
        principal,
        action="certificate.fhir.read",
        purpose="Udlevering af lægeerklæringen som FHIR QuestionnaireResponse",
        application=application,
        object_type="certificate",
        object_id=certificate.id,
    )
    resource = questionnaire_response(
        definition,
        response_id=str(certificate.id),
        document=document,
        status=status,
        citizen_cpr=application.citizen_cpr,
        author_authorisation_id=application.doctor_authorisation_id,
        authored=authored,
    )
    return to_json(resource)


def has_open_requests(session: Session, certificate: Certificate) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(
                    InformationRequest.certificate_id == certificate.id,
                    InformationRequest.resolved_by_sequence.is_(None),
                )
            )
        )
    )
