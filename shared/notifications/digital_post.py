"""Digital Post letters.

Contract (what a real adapter must honour): `send_letter` delivers one letter to the
citizen's Digital Post inbox (or paper, for exempt citizens) and returns the
provider's message id; the idempotency key is the MeMo message UUID, so a retried
send never produces a second letter. Sensitive personal data may only travel this way.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared import cpr as cpr_utils
from shared.notifications.models import SimulatedLetter


class DigitalPost(Protocol):
    def send_letter(
        self,
        session: Session,
        *,
        recipient_cpr: str,
        title: str,
        body: str,
        sender_service: str,
        idempotency_key: str,
    ) -> str: ...


class SimulatedDigitalPost:
    """Stores letters in `shared.simulated_digital_post` in the caller's transaction."""

    def send_letter(
        self,
        session: Session,
        *,
        recipient_cpr: str,
        title: str,
        body: str,
        sender_service: str,
        idempotency_key: str,
    ) -> str:
        existing = session.scalar(select(SimulatedLetter).where(SimulatedLetter.idempotency_key == idempotency_key))
        if existing is not None:
            return str(existing.id)
        letter = SimulatedLetter(
            idempotency_key=idempotency_key,
            recipient_pseudonym=cpr_utils.pseudonymise(recipient_cpr),
            recipient_cpr=cpr_utils.normalise(recipient_cpr),
            sender_service=sender_service,
            title=title,
            body=body,
        )
        session.add(letter)
        session.flush()
        return str(letter.id)


def letters_for(session: Session, *, recipient_cpr: str) -> list[SimulatedLetter]:
    """Letters the simulator holds for one citizen (tests and demos)."""
    pseudonym = cpr_utils.pseudonymise(recipient_cpr)
    return list(
        session.scalars(
            select(SimulatedLetter)
            .where(SimulatedLetter.recipient_pseudonym == pseudonym)
            .order_by(SimulatedLetter.sent_at)
        )
    )


def get_digital_post() -> DigitalPost:
    """The configured Digital Post adapter."""
    return SimulatedDigitalPost()
