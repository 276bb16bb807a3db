"""Status notifications to the citizen: SMS through the configured gateway, Digital Post as the fallback.

Texts carry no health data and fit one NemSMS (160 characters). A return's reason is sent only by
Digital Post (it may touch on health). When the SMS gateway refuses the message (a 4xx answer) the letter
goes at once; when the gateway is down the event is retried with backoff, and from the
FALLBACK_AFTER_ATTEMPTS-th attempt the letter is sent instead. The sms_ydelse gateway accepts a message
(202) and delivers it later, so a delivery check follows (`koerekort.notification.delivery_check`): a
message that failed (e.g. no NemSMS registration) or is still not delivered after CONFIRM_ATTEMPTS
checks gets the letter too. The citizen is never left without news.
"""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.koerekort.models import Application, ApplicationStatus, Notification, StatusChange
from shared.db import utcnow
from shared.http import http_client
from shared.notifications import get_digital_post, get_sms_sender
from shared.queue import publish
from shared.settings import get_settings

S = ApplicationStatus
FALLBACK_AFTER_ATTEMPTS = 3
DELIVERY_CHECK_DELAY_SECONDS = 60.0
CONFIRM_ATTEMPTS = 6


class DeliveryPending(RuntimeError):
    """The gateway has not confirmed delivery yet; the check is retried with backoff."""


LINK = "kk.dk/koerekort"

SMS_TEXT: dict[str, str] = {
    "created_by_instructor": (
        f"Din kørelærer har oprettet en ansøgning om lægeerklæring til kørekort. Log ind på {LINK} og udfyld din del."
    ),
    S.with_doctor: f"Vi har modtaget din del af lægeerklæringen til kørekort. Den er nu hos lægen. Følg sagen på {LINK}",
    S.submitted: f"Din læge har sendt lægeerklæringen til Borgerservice. Følg sagen på {LINK}",
    S.in_review: f"Borgerservice er gået i gang med din lægeerklæring til kørekort. Følg sagen på {LINK}",
    S.information_requested: (
        f"Borgerservice har bedt din læge om flere oplysninger til lægeerklæringen. Du skal ikke gøre noget. {LINK}"
    ),
    S.approved: f"Din lægeerklæring til kørekort er godkendt og sendt videre. Se næste skridt på {LINK}",
    S.returned: "Din ansøgning om kørekort er returneret. Du får et brev i Digital Post med begrundelsen.",
    S.withdrawn: f"Din ansøgning om lægeerklæring til kørekort er trukket tilbage. {LINK}",
}
LETTER_TITLE: dict[str, str] = {
    "created_by_instructor": "Din kørelærer har oprettet en ansøgning om kørekort",
    S.with_doctor: "Din lægeerklæring til kørekort er hos lægen",
    S.submitted: "Din læge har sendt lægeerklæringen",
    S.in_review: "Borgerservice behandler din lægeerklæring",
    S.information_requested: "Borgerservice har bedt din læge om flere oplysninger",
    S.approved: "Din lægeerklæring til kørekort er godkendt",
    S.returned: "Din ansøgning om kørekort er returneret",
    S.withdrawn: "Din ansøgning om kørekort er trukket tilbage",
}


def message_key(change: StatusChange) -> str | None:
    """Which message a state change gets (None: nothing to tell, e.g. the citizen's own start)."""
    if change.from_status is None:
        return "created_by_instructor" if change.actor_role == "koerelaerer" else None
    return change.to_status if change.to_status in SMS_TEXT else None


def _letter_body(key: str, change: StatusChange) -> str:
    body = SMS_TEXT[key].replace(f" Følg sagen på {LINK}", "")
    if key == S.returned:
        body = (
            "Borgerservice har returneret din ansøgning om lægeerklæring til kørekort.\n\n"
            f"Begrundelse:\n{change.note or 'Ingen begrundelse angivet.'}\n\n"
            "Har du spørgsmål, kan du kontakte Borgerservice på 33 66 33 66."
        )
    return f"{body}\n\nDu kan følge din ansøgning trin for trin på {LINK}.\n\nVenlig hilsen\nKøbenhavns Borgerservice"


def notify_status_change(session: Session, *, status_change_id: uuid.UUID, attempt: int) -> list[Notification]:
    """Send the citizen the notification for one state change (idempotent per change and channel)."""
    change = session.get(StatusChange, status_change_id)
    if change is None:
        raise LookupError(f"status change {status_change_id} not found")
    key = message_key(change)
    if key is None:
        return []
    application = session.get(Application, change.application_id)
    assert application is not None
    # One transaction per delivery attempt: either everything for this change was recorded, or nothing.
    if session.scalar(select(Notification.id).where(Notification.status_change_id == change.id).limit(1)):
        return []
    sent: list[Notification] = []
    fallback_reason: str | None = None
    try:
        message_id = get_sms_sender().send(
            session,
            text=SMS_TEXT[key],
            sender_service="koerekort",
            idempotency_key=f"koerekort:status:{change.id}:sms",
            recipient_cpr=application.citizen_cpr,
        )
        notification = _record(session, application, change, "sms", message_id, None)
        sent.append(notification)
        if get_settings().sms_sender == "sms_ydelse":  # accepted, not yet delivered: check later
            notification.delivery_status = "accepted"
            publish(
                session,
                "koerekort.notification.delivery_check",
                {"notification_id": str(notification.id)},
                delay_seconds=DELIVERY_CHECK_DELAY_SECONDS,
            )
    except httpx.HTTPStatusError as exc:
        if exc.response.status_code >= 500 and attempt < FALLBACK_AFTER_ATTEMPTS:
            raise
        fallback_reason = f"sms refused ({exc.response.status_code})"
    except httpx.HTTPError as exc:
        if attempt < FALLBACK_AFTER_ATTEMPTS:
            raise
        fallback_reason = f"sms gateway unavailable ({type(exc).__name__})"
    if key == S.returned or fallback_reason is not None:
        sent.append(_send_letter(session, application, change, key, fallback_reason))
    return sent


def _send_letter(
    session: Session, application: Application, change: StatusChange, key: str, fallback_reason: str | None
) -> Notification:
    message_id = get_digital_post().send_letter(
        session,
        recipient_cpr=application.citizen_cpr,
        title=LETTER_TITLE[key],
        body=_letter_body(key, change),
        sender_service="koerekort",
        idempotency_key=f"koerekort:status:{change.id}:digital_post",
    )
    return _record(session, application, change, "digital_post", message_id, fallback_reason)


def sms_delivery_status(message_id: str) -> tuple[str, str | None]:
    """The sms_ydelse gateway's status of one message: (status, failure_reason)."""
    from shared.auth.service_tokens import service_token

    response = http_client().get(
        f"{get_settings().sms_ydelse_url.rstrip('/')}/api/v1/messages/{message_id}",
        headers={"Authorization": f"Bearer {service_token('koerekort', 'sms_ydelse')}"},
        timeout=10.0,
    )
    response.raise_for_status()
    body = response.json()
    return str(body["status"]), body.get("failure_reason")


def check_delivery(session: Session, *, notification_id: uuid.UUID, attempt: int) -> Notification | None:
    """Follow up an SMS the gateway accepted: a letter when it failed or stays unconfirmed (idempotent)."""
    notification = session.get(Notification, notification_id)
    if notification is None:
        raise LookupError(f"notification {notification_id} not found")
    if notification.channel != "sms" or notification.delivery_status in ("delivered", "failed"):
        return None
    try:
        status, reason = sms_delivery_status(notification.provider_message_id)
    except httpx.HTTPError:
        if attempt < CONFIRM_ATTEMPTS:
            raise
        status, reason = "unknown", "gateway unavailable"
    notification.delivery_checked_at = utcnow()
    if status == "delivered":
        notification.delivery_status = "delivered"
        return None
    if status != "failed" and attempt < CONFIRM_ATTEMPTS:
        raise DeliveryPending(f"sms {status}")
    notification.delivery_status = "failed" if status == "failed" else "unconfirmed"
    change = session.get(StatusChange, notification.status_change_id)
    application = session.get(Application, notification.application_id)
    assert change is not None and application is not None
    key = message_key(change)
    already = session.scalar(
        select(Notification.id).where(
            Notification.status_change_id == change.id, Notification.channel == "digital_post"
        )
    )
    if key is None or already is not None:
        return None
    why = f"sms {notification.delivery_status} ({reason or status})"[:200]
    return _send_letter(session, application, change, key, why)


def _record(
    session: Session,
    application: Application,
    change: StatusChange,
    channel: str,
    message_id: str,
    fallback_reason: str | None,
) -> Notification:
    notification = Notification(
        id=uuid.uuid4(),
        application_id=application.id,
        status_change_id=change.id,
        channel=channel,
        provider_message_id=message_id,
        fallback_reason=fallback_reason,
        sent_at=utcnow(),
    )
    session.add(notification)
    return notification
