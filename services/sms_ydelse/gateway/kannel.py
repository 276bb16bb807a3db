"""Kannel (the open-source SMS gateway) through smsbox's HTTP send interface `cgi-bin/sendsms`.

The message is POSTed with `X-Kannel-*` headers (number and text in the request, not in a URL
that Kannel or a proxy would log), 7-bit coding with UTF-8 input (Kannel converts æøå to GSM-7),
no concatenation, and a `dlr-url` that carries our message id and its signature so Kannel's
delivery reports (`dlr-mask` 31: delivered, not delivered, buffered, SMSC ack, SMSC nack) come
back to `GET /api/v1/delivery-reports/kannel`.
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

DLR_MASK = 31
SENDER_NAME = "KbhKommune"


class KannelGateway:
    name = "kannel"
    idempotent = False  # smsbox does not deduplicate: wait for a delivery report before resending
    takes_replies = True

    def __init__(
        self,
        sendsms_url: str | None = None,
        *,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 5.0,
        client: httpx.Client | None = None,
    ) -> None:
        settings = get_settings()
        self.sendsms_url = sendsms_url or settings.kannel_sendsms_url
        self.username = username if username is not None else settings.kannel_username
        self.password = password if password is not None else settings.kannel_password
        self.timeout = timeout
        self.client = client

    def dlr_url(self, message_id: uuid.UUID) -> str:
        """The delivery-report URL for one message (%d is Kannel's report type)."""
        return (
            f"{callback_base_url()}/api/v1/delivery-reports/kannel"
            f"?message_id={message_id}&sig={callback_signature(message_id)}&type=%d"
        )

    def send(self, session: Session, *, message_id: uuid.UUID, to_msisdn: str, text: str) -> SendResult:
        headers = {
            "Content-Type": "text/plain; charset=utf-8",
            "X-Kannel-Username": self.username,
            "X-Kannel-Password": self.password,
            "X-Kannel-To": to_msisdn,
            "X-Kannel-From": SENDER_NAME,
            "X-Kannel-Coding": "0",
            "X-Kannel-DLR-Mask": str(DLR_MASK),
            "X-Kannel-DLR-Url": self.dlr_url(message_id),
        }
        try:
            post = (self.client or http_client()).post
            response = post(self.sendsms_url, content=text.encode("utf-8"), headers=headers, timeout=self.timeout)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            return SendResult(TEMPORARY, f"kannel unreachable: {type(exc).__name__}")
        except httpx.TimeoutException as exc:
            return SendResult(AMBIGUOUS, f"kannel did not answer in time: {type(exc).__name__}")
        except httpx.HTTPError as exc:
            return SendResult(AMBIGUOUS, f"kannel connection broke: {type(exc).__name__}")
        body = response.text.strip()[:200]
        if response.status_code in (200, 202):
            return SendResult(ACCEPTED, body)
        if response.status_code in (400, 401, 403, 413):
            return SendResult(PERMANENT, f"kannel refused ({response.status_code}): {body}")
        return SendResult(TEMPORARY, f"kannel answered {response.status_code}: {body}")
