"""The certificate document, its validation context, content hashes, ETags and list cursors."""

from __future__ import annotations

import base64
import hashlib
import uuid
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.koerekort.forms.definition import DOCTOR_PARTS, FormDefinition, get_definition
from services.koerekort.forms.rules import Scope, ValidationResult, validate
from services.koerekort.models import Application, Attachment, Certificate
from shared.db import utcnow
from shared.errors import FieldError, PreconditionFailed, ProblemError, Unprocessable

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
MAX_DOCUMENT_BYTES = 64 * 1024


def today_in_copenhagen() -> date:
    """Today's date where the form is used (dates on the form are local dates)."""
    return utcnow().astimezone(COPENHAGEN).date()


def definition_of(certificate: Certificate) -> FormDefinition:
    definition = get_definition(certificate.form_version)
    if definition is None:  # pragma: no cover - versions are never deleted
        raise ProblemError("Blanketversionen findes ikke længere.", status=500, code="form_version_missing")
    return definition


def full_document(certificate: Certificate, doctor_part: dict[str, Any] | None = None) -> dict[str, Any]:
    """Del A plus the doctor's parts as one document (the shape every field pointer refers to)."""
    parts = certificate.doctor_part if doctor_part is None else doctor_part
    document: dict[str, Any] = {"del_a": certificate.del_a or {}}
    for part in DOCTOR_PARTS:
        if part in parts:
            document[part] = parts[part]
    return document


def attachment_kinds(session: Session, certificate: Certificate) -> list[str]:
    kinds = session.scalars(
        select(Attachment.kind).where(Attachment.certificate_id == certificate.id, Attachment.deleted_at.is_(None))
    )
    return sorted(set(kinds))


def build_context(
    session: Session,
    application: Application,
    certificate: Certificate,
    definition: FormDefinition,
    *,
    attachments: list[str] | None = None,
) -> dict[str, Any]:
    """Facts the rules read besides the answers: group, categories, own GP, attachments, today."""
    return {
        "group": application.licence_group,
        "categories": list(application.categories),
        "is_own_gp": bool(
            application.own_gp_authorisation_id
            and application.own_gp_authorisation_id == application.doctor_authorisation_id
        ),
        "attachments": attachment_kinds(session, certificate) if attachments is None else sorted(set(attachments)),
        "today": today_in_copenhagen().isoformat(),
    }


def validate_certificate(
    session: Session,
    application: Application,
    certificate: Certificate,
    *,
    scope: Scope,
    doctor_part: dict[str, Any] | None = None,
    attachments: list[str] | None = None,
) -> ValidationResult:
    """Validate the stored certificate, or unsaved parts of it, with its form version's rules."""
    definition = definition_of(certificate)
    document = full_document(certificate, doctor_part)
    context = build_context(session, application, certificate, definition, attachments=attachments)
    return validate(definition, document, context, scope=scope)


def remember_caught(certificate: Certificate, result: ValidationResult) -> None:
    """Keep the distinct error codes seen before submission (the quality report counts them)."""
    codes = set(certificate.caught_error_codes or []) | result.error_codes()
    if codes != set(certificate.caught_error_codes or []):
        certificate.caught_error_codes = sorted(codes)


def check_size(document: Any, pointer: str) -> None:
    """413 for oversized documents, 422 for values JSON cannot store (e.g. integers beyond 64 bits)."""
    try:
        size = len(orjson.dumps(document))
    except orjson.JSONEncodeError as exc:
        raise Unprocessable(
            "Oplysningerne indeholder en værdi, der ikke kan gemmes.",
            errors=[FieldError(pointer, "invalid_value", "En værdi er for stor eller ugyldig.")],
        ) from exc
    if size > MAX_DOCUMENT_BYTES:
        raise ProblemError(
            "Oplysningerne fylder for meget.",
            status=413,
            code="document_too_large",
            errors=[FieldError(pointer, "too_large", f"Højst {MAX_DOCUMENT_BYTES // 1024} KB.")],
        )


def content_hash(content: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON (sorted keys) of exactly what is signed."""
    return hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()


def etag(certificate: Certificate) -> str:
    return f'"{certificate.version}"'


def check_if_match(certificate: Certificate, if_match: str | None) -> None:
    """412 when the client edits a version that is no longer the current one."""
    if if_match is None:
        return
    wanted = {tag.strip().removeprefix("W/").strip('"') for tag in if_match.split(",")}
    if "*" not in wanted and str(certificate.version) not in wanted:
        raise PreconditionFailed(
            "Lægeerklæringen er ændret siden du hentede den. Hent den igen, før du gemmer.",
            code="stale_version",
        )


def encode_cursor(sort_value: datetime | None, row_id: uuid.UUID) -> str:
    raw = orjson.dumps([sort_value.isoformat() if sort_value else None, str(row_id)])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[datetime | None, uuid.UUID] | None:
    """The (sort value, id) a cursor points after; 422 for a cursor we did not issue."""
    if not cursor:
        return None
    try:
        raw = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        value = datetime.fromisoformat(raw[0]) if raw[0] is not None else None
        if value is not None and value.tzinfo is None:
            raise ValueError("naive timestamp")
        return value, uuid.UUID(str(raw[1]))
    except Exception as exc:  # anything we did not issue ourselves
        raise Unprocessable(
            "Ugyldig cursor.", errors=[FieldError("/query/cursor", "invalid_cursor", "Ugyldig cursor.")]
        ) from exc
