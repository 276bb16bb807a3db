"""Tables of the koerekort service (schema `koerekort`).

Sectioning by design: `applications` holds what a driving instructor or the status lookup may see
(status, categories, dates; the CPR number only encrypted plus a keyed pseudonym for matching).
Everything clinical – del A and del B answers, supplementary information, the conclusion, attachments,
information requests and their answers, plausibility reasons – lives in other tables, encrypted at the
application level (`shared.crypto`, key rotation through DATA_ENCRYPTION_KEYS).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from shared.crypto import EncryptedJSON, EncryptedText, decrypt, encrypt
from shared.db import Base, JSONType, Timestamps, UUIDPrimaryKey, utcnow

SCHEMA = "koerekort"


class EncryptedBytes(TypeDecorator[bytes]):
    """Binary content (attachments) encrypted with the data keys before it reaches the database."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: bytes | None, dialect: Any) -> bytes | None:
        return None if value is None else encrypt(value)

    def process_result_value(self, value: bytes | None, dialect: Any) -> bytes | None:
        return None if value is None else decrypt(bytes(value))


class ApplicationStatus(StrEnum):
    draft = "draft"  # del A in progress
    with_doctor = "with_doctor"  # del A signed; the chosen doctor can fill del B
    submitted = "submitted"  # the doctor signed and sent the certificate
    in_review = "in_review"  # Borgerservice is handling it
    information_requested = "information_requested"  # Borgerservice asked the doctor for more
    approved = "approved"  # approved and forwarded to the licence authority
    returned = "returned"  # closed by Borgerservice without approval (reason sent by Digital Post)
    withdrawn = "withdrawn"  # withdrawn by the citizen


OPEN_STATUSES = frozenset(
    {
        ApplicationStatus.draft,
        ApplicationStatus.with_doctor,
        ApplicationStatus.submitted,
        ApplicationStatus.in_review,
        ApplicationStatus.information_requested,
    }
)
DOCTOR_EDITABLE = frozenset({ApplicationStatus.with_doctor, ApplicationStatus.information_requested})
AT_BORGERSERVICE = frozenset(
    {
        ApplicationStatus.submitted,
        ApplicationStatus.in_review,
        ApplicationStatus.information_requested,
        ApplicationStatus.approved,
        ApplicationStatus.returned,
    }
)


class Doctor(UUIDPrimaryKey, Timestamps, Base):
    """A doctor who uses the form client (authorisation id from Styrelsen for Patientsikkerhed)."""

    __tablename__ = "doctors"
    __table_args__ = {"schema": SCHEMA}

    authorisation_id: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    clinic_name: Mapped[str] = mapped_column(String(200))
    sor_id: Mapped[str | None] = mapped_column(String(30))
    certificate_fee_ore: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class SimulatedGpListing(Base):
    """Simulator of the health-insurance register's GP choice (which doctor a citizen is listed with)."""

    __tablename__ = "sim_gp_listings"
    __table_args__ = {"schema": SCHEMA}

    citizen_pseudonym: Mapped[str] = mapped_column(String(64), primary_key=True)
    gp_authorisation_id: Mapped[str] = mapped_column(String(20))


class Application(UUIDPrimaryKey, Timestamps, Base):
    """A citizen's licence application that needs a lægeerklæring: no health data here."""

    __tablename__ = "applications"
    __table_args__ = (
        Index("ix_applications_citizen", "citizen_pseudonym", "created_at"),
        Index("ix_applications_doctor", "doctor_authorisation_id", "status"),
        Index("ix_applications_status_submitted", "status", "submitted_at"),
        UniqueConstraint("started_by_sub", "idempotency_key", name="uq_applications_started_by_idempotency"),
        {"schema": SCHEMA},
    )

    citizen_pseudonym: Mapped[str] = mapped_column(String(64))
    citizen_cpr: Mapped[str] = mapped_column(EncryptedText())
    acquisition_type: Mapped[str] = mapped_column(String(40))
    categories: Mapped[list[str]] = mapped_column(JSONType)
    licence_group: Mapped[str] = mapped_column(String(1))
    status: Mapped[str] = mapped_column(String(30), default=ApplicationStatus.draft)
    channel: Mapped[str] = mapped_column(String(20), default="digital")
    started_by_sub: Mapped[str] = mapped_column(String(120))
    started_by_role: Mapped[str] = mapped_column(String(40))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    own_gp_authorisation_id: Mapped[str | None] = mapped_column(String(20))
    doctor_authorisation_id: Mapped[str | None] = mapped_column(String(20))
    doctor_confirmed_at: Mapped[datetime | None]
    del_a_signed_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]  # latest submission
    first_submitted_at: Mapped[datetime | None]
    assigned_to_sub: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[datetime | None]
    decided_by_sub: Mapped[str | None] = mapped_column(String(120))
    forwarded_at: Mapped[datetime | None]
    authority_reference: Mapped[str | None] = mapped_column(String(80))


class Certificate(UUIDPrimaryKey, Timestamps, Base):
    """The lægeerklæring's content (del A, del B, supplementary, conclusion), encrypted at rest."""

    __tablename__ = "certificates"
    __table_args__ = {"schema": SCHEMA}

    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.applications.id"), unique=True)
    form_id: Mapped[str] = mapped_column(String(60))
    form_version: Mapped[str] = mapped_column(String(20))
    del_a: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON(), default=dict)
    doctor_part: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON(), default=dict)
    # Distinct validation codes seen on any save before submission (for the quality report); encrypted
    # because a code such as diabetes_certificate_missing says something about the citizen's health.
    caught_error_codes: Mapped[list[str]] = mapped_column(EncryptedJSON(), default=list)
    doctor_started_at: Mapped[datetime | None]
    doctor_saved_at: Mapped[datetime | None]
    submission_count: Mapped[int] = mapped_column(Integer, default=0)
    attachment_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # not deleted ones
    del_a_sha256: Mapped[str | None] = mapped_column(String(64))  # the hash the citizen signed
    plausibility: Mapped[dict[str, Any] | None] = mapped_column(EncryptedJSON())
    plausibility_flagged: Mapped[bool | None] = mapped_column(Boolean)
    # Bumped on every content save (ETag/If-Match); state changes lock the row instead.
    version: Mapped[int] = mapped_column(Integer, default=1)


class Signature(UUIDPrimaryKey, Base):
    """A recorded signing event: who signed which part, how, and the hash of exactly what was signed."""

    __tablename__ = "signatures"
    __table_args__ = {"schema": SCHEMA}

    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.applications.id"), index=True)
    part: Mapped[str] = mapped_column(String(20))  # del_a (citizen) or certificate (doctor)
    signer_sub: Mapped[str] = mapped_column(String(120))
    signer_role: Mapped[str] = mapped_column(String(40))
    signer_authorisation_id: Mapped[str | None] = mapped_column(String(20))
    method: Mapped[str] = mapped_column(String(60))
    content_sha256: Mapped[str] = mapped_column(String(64))
    form_version: Mapped[str] = mapped_column(String(20))
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)


class Submission(UUIDPrimaryKey, Base):
    """One submission of the certificate by the doctor (a resubmission after an information request is #2…)."""

    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("certificate_id", "sequence", name="uq_submissions_certificate_sequence"),
        UniqueConstraint("certificate_id", "idempotency_key", name="uq_submissions_certificate_idempotency"),
        {"schema": SCHEMA},
    )

    certificate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.certificates.id"))
    sequence: Mapped[int] = mapped_column(Integer)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    doctor_authorisation_id: Mapped[str] = mapped_column(String(20))
    signature_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.signatures.id"))
    content_sha256: Mapped[str] = mapped_column(String(64))
    snapshot: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON())
    warnings_count: Mapped[int] = mapped_column(Integer, default=0)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)


class Attachment(UUIDPrimaryKey, Base):
    """A specialist statement, journal extract or diabetes certificate the doctor attached (encrypted)."""

    __tablename__ = "attachments"
    __table_args__ = {"schema": SCHEMA}

    certificate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.certificates.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(EncryptedText())
    description: Mapped[str | None] = mapped_column(EncryptedText())
    content_type: Mapped[str] = mapped_column(String(60))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(EncryptedBytes(), deferred=True)  # loaded only when downloaded
    uploaded_by_sub: Mapped[str] = mapped_column(String(120))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_in_sequence: Mapped[int | None] = mapped_column(Integer)  # set when a submission included it
    deleted_at: Mapped[datetime | None]


class InformationRequest(UUIDPrimaryKey, Base):
    """Borgerservice asks the doctor for missing or unclear information (the citizen is not involved)."""

    __tablename__ = "information_requests"
    __table_args__ = {"schema": SCHEMA}

    certificate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.certificates.id"), index=True)
    requested_by_sub: Mapped[str] = mapped_column(String(120))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    message: Mapped[str] = mapped_column(EncryptedText())
    fields: Mapped[list[str]] = mapped_column(JSONType)
    answer: Mapped[str | None] = mapped_column(EncryptedText())
    answered_by_sub: Mapped[str | None] = mapped_column(String(120))
    answered_at: Mapped[datetime | None]
    resolved_by_sequence: Mapped[int | None] = mapped_column(Integer)


class StatusChange(UUIDPrimaryKey, Base):
    """Every state change of an application: from, to, who (sub and role) and when."""

    __tablename__ = "status_changes"
    __table_args__ = (Index("ix_status_changes_application", "application_id", "occurred_at"), {"schema": SCHEMA})

    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.applications.id"))
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str] = mapped_column(String(30))
    actor_sub: Mapped[str] = mapped_column(String(120))
    actor_role: Mapped[str] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(EncryptedText())  # e.g. the reason for a return
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)


class Payment(UUIDPrimaryKey, Base):
    """The citizen's (simulated) payment of the certificate fee, in øre."""

    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("application_id", "idempotency_key", name="uq_payments_application_idempotency"),
        {"schema": SCHEMA},
    )

    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.applications.id"), index=True)
    amount_ore: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))  # paid, declined
    provider_reference: Mapped[str | None] = mapped_column(String(80))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    created_by_sub: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(UUIDPrimaryKey, Base):
    """A status notification sent to the citizen (channel and provider id; the text has no health data)."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("status_change_id", "channel", name="uq_notifications_change_channel"),
        {"schema": SCHEMA},
    )

    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.applications.id"), index=True)
    status_change_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.status_changes.id"))
    channel: Mapped[str] = mapped_column(String(20))  # sms, digital_post
    provider_message_id: Mapped[str] = mapped_column(String(80))
    fallback_reason: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    # For SMS through the sms_ydelse gateway: accepted -> delivered | failed (then a letter follows).
    delivery_status: Mapped[str | None] = mapped_column(String(20))
    delivery_checked_at: Mapped[datetime | None]


class SimulatedAuthorityReceipt(Base):
    """Simulator of the licence authority: what it received when Borgerservice forwarded an approval."""

    __tablename__ = "sim_licence_authority_receipts"
    __table_args__ = {"schema": SCHEMA}

    idempotency_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    reference: Mapped[str] = mapped_column(String(80))
    application_id: Mapped[uuid.UUID] = mapped_column(index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON())
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class PaperCertificate(UUIDPrimaryKey, Base):
    """A paper certificate Borgerservice received (for the share-digital and paper-error figures)."""

    __tablename__ = "paper_certificates"
    __table_args__ = {"schema": SCHEMA}

    received_on: Mapped[date] = mapped_column(Date, index=True)
    had_errors: Mapped[bool] = mapped_column(Boolean)
    error_types: Mapped[list[str]] = mapped_column(JSONType)
    registered_by_sub: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
