"""SMS notifications for every service.

Contract: `send` accepts either a phone number (`to_msisdn`, +45XXXXXXXX) or a
citizen's CPR number (`recipient_cpr`, sent to the number the citizen registered
for NemSMS), plus Danish text of at most 160 GSM-7 characters and an idempotency
key; a retried send never produces a second SMS. It returns a message id.

Implementations: `SimulatedSms` (embedded default; stores what was sent) and
`SmsYdelseHttpSender`, which hands the message to the sms_ydelse service's
`POST /api/v1/messages` (its gateway then talks to Kannel or NemSMS, tracks delivery
and retries). Select with SMS_SENDER.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared import cpr as cpr_utils
from shared.http import http_client
from shared.notifications.models import SimulatedSms
from shared.settings import get_settings


class SmsSender(Protocol):
    def send(
        self,
        session: Session,
        *,
        text: str,
        sender_service: str,
        idempotency_key: str,
        to_msisdn: str | None = None,
        recipient_cpr: str | None = None,
    ) -> str: ...


class SimulatedSmsSender:
    """Stores messages in `shared.simulated_sms` in the caller's transaction."""

    def send(
        self,
        session: Session,
        *,
        text: str,
        sender_service: str,
        idempotency_key: str,
        to_msisdn: str | None = None,
        recipient_cpr: str | None = None,
    ) -> str:
        if not (to_msisdn or recipient_cpr):
            raise ValueError("an SMS needs to_msisdn or recipient_cpr")
        existing = session.scalar(select(SimulatedSms).where(SimulatedSms.idempotency_key == idempotency_key))
        if existing is not None:
            return str(existing.id)
        message = SimulatedSms(
            idempotency_key=idempotency_key,
            to_msisdn=to_msisdn,
            recipient_pseudonym=cpr_utils.pseudonymise(recipient_cpr) if recipient_cpr else None,
            sender_service=sender_service,
            text=text,
        )
        session.add(message)
        session.flush()
        return str(message.id)


class SmsYdelseHttpSender:
    """Hands the message to the sms_ydelse service over its documented HTTP API."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    def send(
        self,
        session: Session,
        *,
        text: str,
        sender_service: str,
        idempotency_key: str,
        to_msisdn: str | None = None,
        recipient_cpr: str | None = None,
    ) -> str:
        from shared.auth.service_tokens import service_token

        response = http_client().post(
            f"{self.base_url}/api/v1/messages",
            json={
                "text": text,
                "to_msisdn": to_msisdn,
                "recipient_cpr": recipient_cpr,
                "sender_service": sender_service,
            },
            headers={
                "Authorization": f"Bearer {service_token(sender_service, 'sms_ydelse')}",
                "Idempotency-Key": idempotency_key,
            },
            timeout=10.0,
        )
        response.raise_for_status()
        return str(response.json()["id"])


def get_sms_sender() -> SmsSender:
    """The configured SMS sender."""
    settings = get_settings()
    if settings.sms_sender == "sms_ydelse":
        return SmsYdelseHttpSender(settings.sms_ydelse_url)
    return SimulatedSmsSender()
