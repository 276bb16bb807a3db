"""NemSMS gateway adapter, speaking the contract in docs/sms_ydelse/adapters.md.

`POST {NEMSMS_URL}/v1/messages` with `X-Api-Key`, `Idempotency-Key: <message id>` and JSON
`{"recipient": {"msisdn"}, "text", "sender_name", "status_callback_url"}`; 202 (or 200 on a replay)
`{"nemsms_id", "status": "accepted"}`. The service deduplicates on the idempotency key, so an
ambiguous send may be retried. Status callbacks: `POST status_callback_url` JSON
`{"nemsms_id", "status": "delivered"|"failed", "reason"}`. NemSMS cannot be answered, so no survey.
"""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy.orm import Session

from services.sms_ydelse.gateway.base import (
    ACCEPTED,
    AMBIGUOUS,
    PERMANENT,
    TEMPORARY,
    SendResult,
    callback_base_url,
    callback_signature,
)
from shared.http import http_client
from shared.settings import get_settings

SENDER_NAME = "Københavns Kommune"


class NemSmsGateway:
    name = "nemsms"
    idempotent = True
    takes_replies = False

    def __init__(
        self,
        base_url: str | None = None,
        *,
        api_key: str | None = None,
        timeout: float = 5.0,
        client: httpx.Client | None = None,
    ) -> None:
        settings = get_settings()
        self.base_url = (base_url or settings.nemsms_url).rstrip("/")
        self.api_key = api_key if api_key is not None else settings.nemsms_api_key
        self.timeout = timeout
        self.client = client

    def callback_url(self, message_id: uuid.UUID) -> str:
        return (
            f"{callback_base_url()}/api/v1/delivery-reports/nemsms"
            f"?message_id={message_id}&sig={callback_signature(message_id)}"
        )

    def send(self, session: Session, *, message_id: uuid.UUID, to_msisdn: str, text: str) -> SendResult:
        body = {
            "recipient": {"msisdn": to_msisdn},
            "text": text,
            "sender_name": SENDER_NAME,
            "status_callback_url": self.callback_url(message_id),
        }
        headers = {"X-Api-Key": self.api_key, "Idempotency-Key": str(message_id)}
        try:
            post = (self.client or http_client()).post
            response = post(f"{self.base_url}/v1/messages", json=body, headers=headers, timeout=self.timeout)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            return SendResult(TEMPORARY, f"nemsms unreachable: {type(exc).__name__}")
        except httpx.HTTPError as exc:
            return SendResult(AMBIGUOUS, f"nemsms did not answer: {type(exc).__name__}")
        if response.status_code in (200, 202):
            return SendResult(ACCEPTED, "accepted", gateway_ref=str(response.json().get("nemsms_id")))
        if response.status_code in (429,) or response.status_code >= 500:
            return SendResult(TEMPORARY, f"nemsms answered {response.status_code}")
        return SendResult(PERMANENT, f"nemsms refused ({response.status_code}): {response.text[:150]}")
