"""E-mail to orderers (institution staff; never citizens' personal data).

Contract: `send` delivers one plain-text Danish e-mail and returns a message id; the
idempotency key becomes the Message-ID, and the simulator stores at most one e-mail per
key. Exactly-once delivery with real SMTP rests on the queue's exactly-once consumer mark.
Implementations: `SimulatedEmailSender` (default, stores into `vicevaert.simulated_emails`)
and `SmtpEmailSender` (VICEVAERT_EMAIL=smtp, VICEVAERT_SMTP_*). Select with VICEVAERT_EMAIL.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from email.message import EmailMessage
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.viceværtsopgaver.notify.models import SimulatedEmail
from shared.settings import get_settings


class EmailSender(Protocol):
    def send(self, session: Session, *, to_address: str, subject: str, body: str, idempotency_key: str) -> str: ...


class SimulatedEmailSender:
    """Stores e-mails in the caller's transaction (local runs and tests)."""

    def send(self, session: Session, *, to_address: str, subject: str, body: str, idempotency_key: str) -> str:
        existing = session.scalar(select(SimulatedEmail).where(SimulatedEmail.idempotency_key == idempotency_key))
        if existing is not None:
            return str(existing.id)
        mail = SimulatedEmail(idempotency_key=idempotency_key, to_address=to_address, subject=subject, body=body)
        session.add(mail)
        session.flush()
        return str(mail.id)


class SmtpEmailSender:
    """Sends through the municipality's SMTP relay with STARTTLS."""

    def __init__(self, *, host: str, port: int, username: str, password: str, sender: str) -> None:
        self.host, self.port, self.username, self.password, self.sender = host, port, username, password, sender

    def send(self, session: Session, *, to_address: str, subject: str, body: str, idempotency_key: str) -> str:
        message = EmailMessage()
        message_id = f"<{hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]}@vicevaert.kk.dk>"
        message["Message-ID"] = message_id
        message["From"] = self.sender
        message["To"] = to_address
        message["Subject"] = subject
        message.set_content(body)
        with smtplib.SMTP(self.host, self.port, timeout=15) as smtp:
            smtp.starttls(context=ssl.create_default_context())
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(message)
        return message_id


def get_email_sender() -> EmailSender:
    """The configured e-mail sender."""
    settings = get_settings()
    if settings.vicevaert_email == "smtp":
        return SmtpEmailSender(
            host=settings.vicevaert_smtp_host,
            port=settings.vicevaert_smtp_port,
            username=settings.vicevaert_smtp_username,
            password=settings.vicevaert_smtp_password,
            sender=settings.vicevaert_mail_from,
        )
    return SimulatedEmailSender()
