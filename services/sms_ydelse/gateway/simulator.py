"""The local SMS gateway simulator (embedded default): stores the SMS in `shared.simulated_sms`, delivered at once."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from services.sms_ydelse.gateway.base import ACCEPTED, SendResult
from shared.notifications.sms import SimulatedSmsSender


class SimulatorGateway:
    name = "simulator"
    idempotent = True
    takes_replies = True

    def send(self, session: Session, *, message_id: uuid.UUID, to_msisdn: str, text: str) -> SendResult:
        ref = SimulatedSmsSender().send(
            session,
            text=text,
            sender_service="sms_ydelse",
            idempotency_key=f"sms_ydelse:{message_id}",
            to_msisdn=to_msisdn,
        )
        return SendResult(ACCEPTED, "stored by the simulator", gateway_ref=ref, delivered=True)
