"""Multi-step workflows on a certificate: sign and submit, Borgerservice's handling, forwarding, plausibility."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

import psycopg
from sqlalchemy import Table, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from services.koerekort import status as status_flow
from services.koerekort.access import audit_access, authorisation_id, load_certificate
from services.koerekort.adapters import get_licence_authority
from services.koerekort.certificates.service import has_open_requests, require_doctor
from services.koerekort.documents import (
    check_if_match,
    content_hash,
    definition_of,
    full_document,
    remember_caught,
    validate_certificate,
)
from services.koerekort.forms.definition import get_definition
from services.koerekort.forms.rules import get_pointer
from services.koerekort.models import (
    DOCTOR_EDITABLE,
    Application,
    ApplicationStatus,
    Attachment,
    Certificate,
    InformationRequest,
    Signature,
    Submission,
)
from shared.audit.models import AuditEvent
from shared.auth import Principal, Role
from shared.db import is_postgres, utcnow
from shared.errors import Conflict, FieldError, Forbidden, NotFound, Unprocessable
from shared.queue import publish

SIGNING_METHOD_DOCTOR = "MitID Erhverv / SOSI (simuleret i udvikling)"
# Core tables for the submit path's statements (the ORM would want row counts back mid-pipeline).
AUDIT_TABLE = cast(Table, AuditEvent.__table__)
ATTACHMENTS = cast(Table, Attachment.__table__)
REQUESTS = cast(Table, InformationRequest.__table__)
CERTIFICATES = cast(Table, Certificate.__table__)
APPLICATIONS = cast(Table, Application.__table__)
S = ApplicationStatus


def submit(
    session: Session,
    *,
    principal: Principal,
    certificate_id: uuid.UUID,
    idempotency_key: str | None,
    if_match: str | None,
) -> tuple[Submission, bool]:
    """The doctor signs and submits; a certificate with an error cannot be submitted; a retry never makes two.

    The hot path of the form client, kept to one read of certificate and application (the application row
    locked), one read of the attachments' metadata, and the inserts and updates flushed together at commit.
    """
    certificate, application = load_certificate(session, certificate_id, principal, for_update=True)
    require_doctor(principal, application)
    if idempotency_key and certificate.submission_count > 0:
        existing = session.scalar(
            select(Submission).where(
                Submission.certificate_id == certificate.id, Submission.idempotency_key == idempotency_key
            )
        )
        if existing is not None:
            return existing, False
    if application.status not in DOCTOR_EDITABLE:
        raise Conflict("Lægeerklæringen er allerede indsendt.", code="already_submitted")
    check_if_match(certificate, if_match)
    resubmission = application.status == S.information_requested
    if resubmission:
        unanswered = session.scalar(
            select(InformationRequest.id).where(
                InformationRequest.certificate_id == certificate.id,
                InformationRequest.resolved_by_sequence.is_(None),
                InformationRequest.answered_at.is_(None),
            )
        )
        if unanswered is not None:
            raise Conflict(
                "Besvar Borgerservices anmodning om oplysninger, før du indsender igen.",
                code="information_request_unanswered",
            )
    attachments = (
        session.execute(
            select(Attachment.id, Attachment.kind, Attachment.sha256, Attachment.submitted_in_sequence)
            .where(Attachment.certificate_id == certificate.id, Attachment.deleted_at.is_(None))
            .order_by(Attachment.uploaded_at, Attachment.id)
        ).all()
        if certificate.attachment_count
        else []
    )
    result = validate_certificate(
        session, application, certificate, scope="all", attachments=[a.kind for a in attachments]
    )
    if result.errors:
        remember_caught(certificate, result)
        raise Unprocessable(
            "Lægeerklæringen indeholder fejl og kan ikke indsendes. Ret fejlene og prøv igen.",
            code="certificate_invalid",
            errors=[FieldError(f.field, f.code, f.message) for f in result.errors],
        )
    definition = definition_of(certificate)
    sequence = certificate.submission_count + 1
    doctor_id = authorisation_id(principal)
    document = full_document(certificate)
    signed_content = {
        "form": definition.canonical_url,
        "certificate_id": str(certificate.id),
        "sequence": sequence,
        "del_a_sha256": certificate.del_a_sha256,
        "document": {k: v for k, v in document.items() if k != "del_a"},
        "attachments": [{"id": str(a.id), "kind": a.kind, "sha256": a.sha256} for a in attachments],
        "doctor_authorisation_id": doctor_id,
    }
    digest = content_hash(signed_content)
    now = utcnow()
    signature = Signature(
        id=uuid.uuid4(),
        application_id=application.id,
        part="certificate",
        signer_sub=principal.sub,
        signer_role=str(Role.laege),
        signer_authorisation_id=doctor_id,
        method=SIGNING_METHOD_DOCTOR,
        content_sha256=digest,
        form_version=certificate.form_version,
        signed_at=now,
    )
    submission = Submission(
        id=uuid.uuid4(),
        certificate_id=certificate.id,
        sequence=sequence,
        idempotency_key=idempotency_key,
        doctor_authorisation_id=doctor_id,
        signature_id=signature.id,
        content_sha256=digest,
        snapshot={**signed_content, "document": document, "warnings": [w.as_dict() for w in result.warnings]},
        warnings_count=len(result.warnings),
        submitted_at=now,
    )
    application_values = {
        "status": S.submitted,
        "submitted_at": now,
        "first_submitted_at": application.first_submitted_at or now,
        "updated_at": now,
    }
    try:
        # Every write in one round trip on PostgreSQL (psycopg pipeline); plain statements elsewhere. The two
        # loaded rows are updated with Core statements, so the ORM never needs a row count back mid-pipeline.
        with write_pipeline(session):
            status_flow.change_status(
                session, application, S.submitted, actor=principal, actor_role=str(Role.laege), apply=False
            )
            session.add_all([signature, submission])
            publish(
                session,
                "koerekort.certificate.submitted",
                {"certificate_id": str(certificate.id), "submission_id": str(submission.id), "sequence": sequence},
            )
            event = audit_access(
                session,
                principal,
                action="certificate.submit",
                purpose="Lægen underskriver og indsender lægeerklæringen",
                application=application,
                object_type="certificate",
                object_id=certificate.id,
                details={"sequence": sequence, "content_sha256": digest, "warnings": len(result.warnings)},
            )
            # The audit id is a database sequence; an ORM insert would wait for it (RETURNING) mid-pipeline.
            session.expunge(event)
            session.flush()
            connection = session.connection()
            connection.execute(  # inline: no RETURNING of the generated id
                insert(AUDIT_TABLE)
                .inline()
                .values({c.name: getattr(event, c.key) for c in AUDIT_TABLE.columns if c.name != "id"})
            )
            new_attachments = [a.id for a in attachments if a.submitted_in_sequence is None]
            if new_attachments:
                connection.execute(
                    update(ATTACHMENTS)
                    .where(ATTACHMENTS.c.id.in_(new_attachments))
                    .values(submitted_in_sequence=sequence)
                )
            if resubmission:
                connection.execute(
                    update(REQUESTS)
                    .where(REQUESTS.c.certificate_id == certificate.id, REQUESTS.c.resolved_by_sequence.is_(None))
                    .values(resolved_by_sequence=sequence)
                )
            connection.execute(
                update(CERTIFICATES)
                .where(CERTIFICATES.c.id == certificate.id)
                .values(submission_count=sequence, updated_at=now)
            )
            connection.execute(
                update(APPLICATIONS).where(APPLICATIONS.c.id == application.id).values(**application_values)
            )
    except (IntegrityError, psycopg.errors.IntegrityError) as exc:  # the key reused for a later submission
        raise Conflict("Idempotency-Key er allerede brugt til en tidligere indsendelse.", code="key_reused") from exc
    set_committed_value(certificate, "submission_count", sequence)
    for name, value in application_values.items():
        set_committed_value(application, name, value)
    return submission, True


@contextmanager
def write_pipeline(session: Session) -> Iterator[None]:
    """Send the statements of the block without waiting for each answer (PostgreSQL); a no-op elsewhere."""
    if not is_postgres(session):
        yield
        return
    driver = session.connection().connection.driver_connection
    with driver.pipeline():  # type: ignore[union-attr]
        yield


def _require_staff(principal: Principal) -> None:
    if not principal.has(Role.borgerservice):
        raise Forbidden("Kun Borgerservice kan behandle lægeerklæringer.")


def assign(session: Session, *, principal: Principal, certificate_id: uuid.UUID) -> Application:
    """A Borgerservice employee takes the certificate; a submitted one moves to 'at Borgerservice'."""
    _require_staff(principal)
    certificate, application = load_certificate(session, certificate_id, principal, for_update=True)
    if application.status not in (S.submitted, S.in_review, S.information_requested):
        raise Conflict("Lægeerklæringen er afgjort og kan ikke tildeles.", code="already_decided")
    application.assigned_to_sub = principal.sub
    if application.status == S.submitted:
        status_flow.change_status(
            session, application, S.in_review, actor=principal, actor_role=str(Role.borgerservice)
        )
    audit_access(
        session,
        principal,
        action="certificate.assign",
        purpose="Borgerservice påbegynder behandlingen",
        application=application,
        object_type="certificate",
        object_id=certificate.id,
    )
    return application


def request_information(
    session: Session, *, principal: Principal, certificate_id: uuid.UUID, message: str, fields: list[str]
) -> InformationRequest:
    """Ask the doctor for missing or unclear information; the certificate goes back to the doctor, not the citizen."""
    _require_staff(principal)
    certificate, application = load_certificate(session, certificate_id, principal, for_update=True)
    if application.status not in (S.submitted, S.in_review):
        raise Conflict(
            "Der kan kun bedes om oplysninger til en indsendt erklæring, der ikke allerede afventer lægen.",
            code="invalid_transition",
        )
    definition = get_definition(certificate.form_version)
    assert definition is not None
    bad = [
        FieldError(f"/fields/{index}", "unknown_field", "Feltet findes ikke i blanketten.")
        for index, pointer in enumerate(fields)
        if definition.item(pointer) is None and pointer != "/attachments"
    ]
    if bad:
        raise Unprocessable("Anmodningen peger på felter, der ikke findes.", errors=bad)
    request = InformationRequest(
        id=uuid.uuid4(),
        certificate_id=certificate.id,
        requested_by_sub=principal.sub,
        requested_at=utcnow(),
        message=message,
        fields=fields,
    )
    session.add(request)
    application.assigned_to_sub = application.assigned_to_sub or principal.sub
    status_flow.change_status(
        session, application, S.information_requested, actor=principal, actor_role=str(Role.borgerservice)
    )
    publish(
        session,
        "koerekort.information_request.created",
        {"certificate_id": str(certificate.id), "information_request_id": str(request.id)},
    )
    audit_access(
        session,
        principal,
        action="certificate.information_request",
        purpose="Borgerservice beder lægen om supplerende oplysninger",
        application=application,
        object_type="information_request",
        object_id=request.id,
        details={"fields": len(fields)},
    )
    return request


def answer_information_request(
    session: Session, *, principal: Principal, certificate_id: uuid.UUID, request_id: uuid.UUID, answer: str
) -> InformationRequest:
    """The doctor answers Borgerservice's request (then corrects the draft if needed and submits again)."""
    certificate, application = load_certificate(session, certificate_id, principal, for_update=True)
    require_doctor(principal, application)
    request = session.get(InformationRequest, request_id)
    if request is None or request.certificate_id != certificate.id:
        raise NotFound("Anmodningen findes ikke.")
    if request.resolved_by_sequence is not None or application.status != S.information_requested:
        raise Conflict("Anmodningen er allerede afsluttet.", code="request_closed")
    request.answer = answer
    request.answered_at = utcnow()
    request.answered_by_sub = principal.sub
    audit_access(
        session,
        principal,
        action="certificate.information_answer",
        purpose="Lægen besvarer Borgerservices anmodning",
        application=application,
        object_type="information_request",
        object_id=request.id,
    )
    return request


def approve(session: Session, *, principal: Principal, certificate_id: uuid.UUID) -> Application:
    """Approve the certificate; forwarding to the licence authority follows through the queue."""
    _require_staff(principal)
    certificate, application = load_certificate(session, certificate_id, principal, for_update=True)
    if application.status not in (S.submitted, S.in_review):
        raise Conflict("Kun en indsendt erklæring, der ikke afventer lægen, kan godkendes.", code="invalid_transition")
    if has_open_requests(session, certificate):
        raise Conflict("Der er en åben anmodning om oplysninger hos lægen.", code="information_request_open")
    if get_pointer(certificate.doctor_part, "/conclusion/result") == "not_fit":
        raise Conflict(
            "Lægen har konkluderet, at ansøgeren ikke opfylder helbredskravene. Returnér ansøgningen med en begrundelse.",
            code="conclusion_not_fit",
        )
    now = utcnow()
    application.assigned_to_sub = application.assigned_to_sub or principal.sub
    application.decided_at = now
    application.decided_by_sub = principal.sub
    status_flow.change_status(session, application, S.approved, actor=principal, actor_role=str(Role.borgerservice))
    publish(
        session,
        "koerekort.certificate.approved",
        {"certificate_id": str(certificate.id), "application_id": str(application.id)},
    )
    audit_access(
        session,
        principal,
        action="certificate.approve",
        purpose="Borgerservice godkender lægeerklæringen",
        application=application,
        object_type="certificate",
        object_id=certificate.id,
    )
    return application


def return_application(
    session: Session, *, principal: Principal, certificate_id: uuid.UUID, reason: str
) -> Application:
    """Close the application without approval; the reason goes to the citizen by Digital Post."""
    _require_staff(principal)
    certificate, application = load_certificate(session, certificate_id, principal, for_update=True)
    if application.status not in (S.submitted, S.in_review, S.information_requested):
        raise Conflict("Ansøgningen er allerede afgjort.", code="already_decided")
    now = utcnow()
    application.decided_at = now
    application.decided_by_sub = principal.sub
    status_flow.change_status(
        session, application, S.returned, actor=principal, actor_role=str(Role.borgerservice), note=reason
    )
    audit_access(
        session,
        principal,
        action="certificate.return",
        purpose="Borgerservice returnerer ansøgningen",
        application=application,
        object_type="certificate",
        object_id=certificate.id,
    )
    return application


def forward_to_authority(session: Session, *, certificate_id: uuid.UUID) -> str:
    """Deliver an approved certificate to the licence authority (idempotent; run by the queue consumer)."""
    certificate = session.get(Certificate, certificate_id)
    if certificate is None:
        raise LookupError(f"certificate {certificate_id} not found")
    application = session.get(Application, certificate.application_id, with_for_update=True)
    assert application is not None
    if application.authority_reference:
        return application.authority_reference
    latest = session.scalar(
        select(Submission)
        .where(Submission.certificate_id == certificate.id)
        .order_by(Submission.sequence.desc())
        .limit(1)
    )
    assert latest is not None
    payload: dict[str, Any] = {
        "application_id": str(application.id),
        "citizen_cpr": application.citizen_cpr,
        "acquisition_type": application.acquisition_type,
        "categories": application.categories,
        "form": latest.snapshot["form"],
        "conclusion": latest.snapshot["document"].get("conclusion", {}),
        "certificate_sha256": latest.content_sha256,
        "approved_at": application.decided_at.isoformat() if application.decided_at else None,
    }
    reference = get_licence_authority().forward(
        session, application_id=application.id, payload=payload, idempotency_key=f"koerekort:approval:{certificate.id}"
    )
    application.authority_reference = reference
    application.forwarded_at = utcnow()
    from shared.audit import service as audit

    audit.record(
        session,
        service="koerekort",
        actor=None,
        actor_sub="koerekort-worker",
        actor_role="system",
        action="certificate.forward",
        purpose="Videresendelse af godkendt lægeerklæring til kørekortmyndigheden",
        citizen_pseudonym=application.citizen_pseudonym,
        object_type="certificate",
        object_id=str(certificate.id),
        details={"reference": reference},
    )
    return reference
