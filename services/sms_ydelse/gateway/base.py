"""The SMS gateway contract every implementation honours (Kannel, NemSMS, the local simulator).

`send` hands one SMS (at most 160 GSM-7 characters, already checked) for one message id to the
gateway and says what happened:

- `accepted`: the gateway took it; a delivery report may follow on the callback URL.
- `temporary`: it certainly did not take it (connection refused, 5xx, 429): safe to retry.
- `permanent`: it refused it for good (bad number, bad credentials): retrying will not help.
- `ambiguous`: no answer in time; it may or may not have taken it. A gateway that is
  `idempotent` (it deduplicates on the message id) can simply be retried; otherwise the
  caller waits for a delivery report before resending, so a slow gateway never doubles an SMS.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from shared.settings import get_settings

ACCEPTED, TEMPORARY, PERMANENT, AMBIGUOUS = "accepted", "temporary", "permanent", "ambiguous"


@dataclass(frozen=True)
class SendResult:
    outcome: str
    detail: str = ""
    gateway_ref: str | None = None
    delivered: bool = False  # the gateway knows delivery at once (the simulator)


class SmsGateway(Protocol):
    name: str
    idempotent: bool  # resending the same message id never produces a second SMS
    takes_replies: bool  # the citizen can answer the SMS (satisfaction survey)

    def send(self, session: Session, *, message_id: uuid.UUID, to_msisdn: str, text: str) -> SendResult:
        """Hand one SMS to the gateway (see the module docstring for the outcomes)."""
        ...


def callback_signature(message_id: uuid.UUID | str) -> str:
    """HMAC of a message id, carried in delivery-report URLs so nobody else can forge a report."""
    key = get_settings().sms_callback_secret.encode()
    return hmac.new(key, f"dlr:{message_id}".encode(), hashlib.sha256).hexdigest()[:32]


def valid_signature(message_id: uuid.UUID | str, signature: str) -> bool:
    """True when the signature belongs to the message id."""
    return hmac.compare_digest(callback_signature(message_id).encode(), (signature or "").encode())


def inbound_token() -> str:
    """The token gateways present when they forward a citizen's reply."""
    key = get_settings().sms_callback_secret.encode()
    return hmac.new(key, b"inbound", hashlib.sha256).hexdigest()[:32]


def callback_base_url() -> str:
    """Where gateways reach this service."""
    settings = get_settings()
    return (settings.sms_callback_base_url or settings.sms_ydelse_url).rstrip("/")
