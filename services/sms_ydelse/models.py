"""Tables of the sms_ydelse service (schema `sms_ydelse`).

Personal data is kept to what the work needs: the caller's number only as a keyed hash
(rate limits), the CPR number encrypted until the lookup has run and then erased (a
pseudonym stays for limits and statistics), phone numbers and SMS text encrypted.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shared.crypto import EncryptedText
from shared.db import Base, utcnow

SCHEMA = "sms_ydelse"


class CallStatus:
    """Where an IVR call stands."""

    accepted = "accepted"  # valid CPR, lookup queued
    retry_cpr = "retry_cpr"  # invalid CPR, the caller may try again
    cpr_attempts_exhausted = "cpr_attempts_exhausted"
    rate_limited = "rate_limited"  # the caller's number hit its limit; nothing queued
    completed = "completed"  # lookup done (see outcome)


class CallOutcome:
    """What the background lookup found (never told to the caller)."""

    sms_queued = "sms_queued"
    not_found = "not_found"
    deceased = "deceased"
    not_resident = "not_resident"
    no_nemsms = "no_nemsms"
    cpr_daily_limit = "cpr_daily_limit"


class MessageStatus:
    """Delivery status of one SMS."""

    queued = "queued"
    sending = "sending"  # handed to the gateway, answer not yet recorded (or ambiguous)
    sent = "sent"  # the gateway accepted it
    delivered = "delivered"
    failed = "failed"

    final = frozenset({"delivered", "failed"})


class IvrCall(Base):
    """One call from the telephone system, keyed by the IVR's call id."""

    __tablename__ = "ivr_calls"
    __table_args__ = (
        Index("ix_ivr_calls_caller", "caller_hash", "received_at"),
        Index("ix_ivr_calls_day", "received_day", "product"),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    call_id: Mapped[str] = mapped_column(String(100), unique=True)
    product: Mapped[str] = mapped_column(String(40))
    menu_item: Mapped[str] = mapped_column(String(60))
    caller_hash: Mapped[str] = mapped_column(String(64))
    cpr_pseudonym: Mapped[str | None] = mapped_column(String(64), index=True)
    cpr_encrypted: Mapped[str | None] = mapped_column(EncryptedText())  # erased once the lookup has run
    requested_by: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(30))
    outcome: Mapped[str | None] = mapped_column(String(30))
    prompt_id: Mapped[str] = mapped_column(String(60))
    invalid_attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    message_id: Mapped[uuid.UUID | None]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    received_day: Mapped[date] = mapped_column(Date)  # Europe/Copenhagen, for statistics
    received_hour: Mapped[int] = mapped_column(SmallInteger)
    completed_at: Mapped[datetime | None]


class Message(Base):
    """One SMS handed to sms_ydelse (by the IVR flow or another service) and its delivery status."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("sender_service", "idempotency_key"),
        Index("ix_messages_day", "created_day", "product"),
        Index("ix_messages_status", "status", "next_attempt_at"),
        Index("ix_messages_msisdn", "msisdn_hash", "created_at"),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    sender_service: Mapped[str] = mapped_column(String(40))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    request_fingerprint: Mapped[str] = mapped_column(String(64))
    product: Mapped[str | None] = mapped_column(String(40))
    ivr_call_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.ivr_calls.id"))
    template: Mapped[str | None] = mapped_column(String(60))
    recipient_pseudonym: Mapped[str | None] = mapped_column(String(64), index=True)
    recipient_cpr: Mapped[str | None] = mapped_column(EncryptedText())  # until resolved via NemSMS
    to_msisdn: Mapped[str | None] = mapped_column(EncryptedText())
    msisdn_hash: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(EncryptedText())
    septets: Mapped[int] = mapped_column(SmallInteger)
    replaced_characters: Mapped[int] = mapped_column(SmallInteger, default=0)
    survey_included: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20), default=MessageStatus.queued)
    failure_reason: Mapped[str | None] = mapped_column(String(60))
    gateway: Mapped[str | None] = mapped_column(String(20))
    gateway_ref: Mapped[str | None] = mapped_column(String(120))
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    origin_at: Mapped[datetime] = mapped_column(default=utcnow)  # the call (IVR) or the request that caused it
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_day: Mapped[date] = mapped_column(Date)
    created_hour: Mapped[int] = mapped_column(SmallInteger)
    sending_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class MessageEvent(Base):
    """History of one message: hand-overs, gateway errors and delivery reports."""

    __tablename__ = "message_events"
    __table_args__ = ({"schema": SCHEMA},)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    message_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.messages.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(30))  # handed_over, gateway_error, delivery_report, ...
    status: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str | None] = mapped_column(String(300))


class CprDailyCounter(Base):
    """SMS sent per citizen (pseudonym) per day: the anti-bombing limit, counted atomically."""

    __tablename__ = "cpr_daily_counters"
    __table_args__ = ({"schema": SCHEMA},)

    cpr_pseudonym: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    sms_count: Mapped[int] = mapped_column(SmallInteger, default=0)


class SatisfactionResponse(Base):
    """A citizen's 1-5 answer to the satisfaction question, tied to the SMS it answers."""

    __tablename__ = "satisfaction_responses"
    __table_args__ = ({"schema": SCHEMA},)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    message_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.messages.id"), unique=True)
    product: Mapped[str | None] = mapped_column(String(40))
    score: Mapped[int] = mapped_column(SmallInteger)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    received_day: Mapped[date] = mapped_column(Date)
