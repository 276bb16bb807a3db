"""Attachments on a certificate: specialist statements, journal extracts, diabetes certificates.

PDF, PNG or JPEG only, recognised by their first bytes (the declared content type must agree), at most
10 MB, stored encrypted like the rest of the health data. The national solution cannot attach files and
sends doctors back to sealed envelopes; here the file travels with the certificate and is part of what
the doctor signs (its SHA-256 is in the signed content).
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from sqlalchemy.orm import Session

from services.koerekort.access import audit_access, load_certificate
from services.koerekort.certificates.service import attachment_view, require_doctor
from services.koerekort.models import DOCTOR_EDITABLE, Attachment
from shared.auth import Principal
from shared.db import utcnow
from shared.errors import Conflict, FieldError, NotFound, ProblemError, Unprocessable

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS_PER_CERTIFICATE = 20
ATTACHMENT_KINDS = {
    "specialist_statement": "Speciallægeerklæring",
    "journal_extract": "Journaludskrift",
    "diabetes_certificate": "Diabeteserklæring",
    "other": "Andet",
}
_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
ALLOWED_TYPES = frozenset(t for _, t in _SIGNATURES)


def sniff_content_type(content: bytes) -> str | None:
    """The real type of the file from its first bytes (PDF, PNG or JPEG), or None."""
    return next((kind for magic, kind in _SIGNATURES if content.startswith(magic)), None)


def _safe_filename(filename: str | None) -> str:
    name = (filename or "bilag").replace("\\", "/").rsplit("/", 1)[-1].strip()
    cleaned = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*')
    return cleaned[:200] or "bilag"


def add_attachment(
    session: Session,
    *,
    principal: Principal,
    certificate_id: uuid.UUID,
    kind: str,
    description: str | None,
    filename: str | None,
    declared_type: str | None,
    content: bytes,
) -> Attachment:
    """Check type and size, encrypt and store one attachment on a certificate the doctor is filling in."""
    certificate, application = load_certificate(session, certificate_id, principal, for_update=True)
    require_doctor(principal, application)
    if application.status not in DOCTOR_EDITABLE:
        raise Conflict("Der kan ikke vedhæftes bilag til en indsendt erklæring.", code="certificate_locked")
    if kind not in ATTACHMENT_KINDS:
        raise Unprocessable(
            "Ukendt bilagstype.",
            errors=[FieldError("/kind", "invalid_option", f"Tilladt: {', '.join(ATTACHMENT_KINDS)}.")],
        )
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise ProblemError(
            "Filen er for stor.",
            status=413,
            code="attachment_too_large",
            errors=[FieldError("/file", "too_large", "Filen må højst fylde 10 MB.")],
        )
    if not content:
        raise Unprocessable("Filen er tom.", errors=[FieldError("/file", "empty_file", "Filen er tom.")])
    actual = sniff_content_type(content)
    if actual is None:
        raise ProblemError(
            "Filtypen er ikke tilladt.",
            status=415,
            code="attachment_type_not_allowed",
            errors=[FieldError("/file", "invalid_type", "Kun PDF, PNG og JPEG kan vedhæftes.")],
        )
    declared = (declared_type or "").split(";")[0].strip().lower()
    if declared and declared not in ("application/octet-stream", actual):
        raise ProblemError(
            "Filens indhold passer ikke til den angivne filtype.",
            status=415,
            code="attachment_type_mismatch",
            errors=[FieldError("/file", "type_mismatch", f"Filens indhold er {actual}, ikke den angivne filtype.")],
        )
    from sqlalchemy import func, select

    count = session.scalar(
        select(func.count())
        .select_from(Attachment)
        .where(Attachment.certificate_id == certificate.id, Attachment.deleted_at.is_(None))
    )
    if (count or 0) >= MAX_ATTACHMENTS_PER_CERTIFICATE:
        raise Conflict(f"Der kan højst vedhæftes {MAX_ATTACHMENTS_PER_CERTIFICATE} bilag.", code="too_many_attachments")
    attachment = Attachment(
        id=uuid.uuid4(),
        certificate_id=certificate.id,
        kind=kind,
        filename=_safe_filename(filename),
        description=description,
        content_type=actual,
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        uploaded_by_sub=principal.sub,
        uploaded_at=utcnow(),
    )
    session.add(attachment)
    certificate.version += 1  # the signed content changes with the attachments
    certificate.attachment_count = (certificate.attachment_count or 0) + 1
    audit_access(
        session,
        principal,
        action="certificate.attachment.add",
        purpose="Lægen vedhæfter bilag til lægeerklæringen",
        application=application,
        object_type="attachment",
        object_id=attachment.id,
        details={"kind": kind, "size_bytes": len(content)},
    )
    return attachment


def get_attachment(
    session: Session, *, principal: Principal, certificate_id: uuid.UUID, attachment_id: uuid.UUID
) -> Attachment:
    """One attachment's content for its doctor or Borgerservice (audited)."""
    certificate, application = load_certificate(session, certificate_id, principal)
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.certificate_id != certificate.id or attachment.deleted_at is not None:
        raise NotFound("Bilaget findes ikke.")
    audit_access(
        session,
        principal,
        action="certificate.attachment.read",
        purpose="Visning af bilag til lægeerklæringen",
        application=application,
        object_type="attachment",
        object_id=attachment.id,
    )
    return attachment


def delete_attachment(
    session: Session, *, principal: Principal, certificate_id: uuid.UUID, attachment_id: uuid.UUID
) -> dict[str, Any]:
    """Remove an attachment that has not been submitted yet (submitted ones are part of the signed record)."""
    certificate, application = load_certificate(session, certificate_id, principal, for_update=True)
    require_doctor(principal, application)
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.certificate_id != certificate.id or attachment.deleted_at is not None:
        raise NotFound("Bilaget findes ikke.")
    if attachment.submitted_in_sequence is not None or application.status not in DOCTOR_EDITABLE:
        raise Conflict("Bilaget er indsendt og kan ikke slettes.", code="attachment_submitted")
    attachment.deleted_at = utcnow()
    attachment.content = b""
    certificate.version += 1
    certificate.attachment_count = max((certificate.attachment_count or 0) - 1, 0)
    audit_access(
        session,
        principal,
        action="certificate.attachment.delete",
        purpose="Lægen fjerner et bilag, der ikke er indsendt",
        application=application,
        object_type="attachment",
        object_id=attachment.id,
    )
    return attachment_view(attachment)
