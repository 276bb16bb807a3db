"""Demo data for the sms_ydelse service (idempotent): a week of calls and SMS so the statistics show a payday peak.

No CPR number or phone number is stored: the demo rows carry only pseudonyms of the synthetic
citizens, like real rows after the lookup has run.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.sms_ydelse import prompts, service
from services.sms_ydelse.models import CallOutcome, CallStatus, IvrCall, Message, MessageStatus, SatisfactionResponse
from services.sms_ydelse.registers.simulator import population
from shared import cpr as cpr_utils
from shared.db import utcnow

DEMO_PREFIX = "DEMO-"


def seed(session: Session) -> None:
    """Create the service's demo data if it is not there yet."""
    if session.scalar(select(IvrCall.id).where(IvrCall.call_id == f"{DEMO_PREFIX}0")) is not None:
        return
    rng = random.Random(31)
    pseudonyms = [cpr_utils.pseudonymise(c) for c in population()]
    today = service.today_in_copenhagen()
    n = 0
    for days_ago in range(7, 0, -1):
        day = today - timedelta(days=days_ago)
        payday = days_ago == 2  # a payment day two days ago: the peak
        for hour in range(24):
            base = 6 if 8 <= hour <= 16 else 1
            calls = rng.randint(base, base * 3) * (4 if payday and 7 <= hour <= 11 else 1)
            for _ in range(calls):
                local = datetime(day.year, day.month, day.day, hour, rng.randrange(60), tzinfo=service.COPENHAGEN)
                _demo_call(session, rng, n, local.astimezone(utcnow().tzinfo), pseudonyms)
                n += 1
    session.flush()


def _demo_call(session: Session, rng: random.Random, n: int, at: datetime, pseudonyms: list[str]) -> None:
    roll = rng.random()
    product = "kontanthjaelp" if rng.random() < 0.85 else "koerekort_status"
    day, hour = service.local_day_hour(at)
    call = IvrCall(
        id=uuid.uuid4(),
        call_id=f"{DEMO_PREFIX}{n}",
        product=product,
        menu_item="info_om_ydelse" if product == "kontanthjaelp" else "koerekort",
        caller_hash=service.msisdn_hash(f"+4530{n:06d}"),
        cpr_pseudonym=rng.choice(pseudonyms),
        requested_by="ivr-telefoni",
        status=CallStatus.completed,
        prompt_id=prompts.ACCEPTED.prompt_id,
        invalid_attempts=1 if roll < 0.08 else 0,
        received_at=at,
        received_day=day,
        received_hour=hour,
        completed_at=at + timedelta(seconds=1),
    )
    if roll < 0.03:
        call.status, call.prompt_id, call.cpr_pseudonym = (
            CallStatus.cpr_attempts_exhausted,
            prompts.CPR_ATTEMPTS_EXHAUSTED.prompt_id,
            None,
        )
        session.add(call)
        return
    if roll < 0.15:
        call.outcome = CallOutcome.no_nemsms
        session.add(call)
        return
    call.outcome = CallOutcome.sms_queued
    session.add(call)
    failed = rng.random() < 0.02
    sent = at + timedelta(seconds=rng.uniform(0.4, 2.5))
    message = Message(
        id=uuid.uuid4(),
        sender_service="sms_ydelse",
        idempotency_key=f"ivr:{call.call_id}",
        request_fingerprint="demo",
        product=product,
        ivr_call_id=call.id,
        template=f"{product}/v1:answer",
        recipient_pseudonym=call.cpr_pseudonym,
        text="",
        septets=0,
        survey_included=True,
        status=MessageStatus.failed if failed else MessageStatus.delivered,
        failure_reason="not_delivered" if failed else None,
        gateway="simulator",
        attempts=1,
        origin_at=at,
        created_at=at,
        created_day=call.received_day,
        created_hour=call.received_hour,
        sent_at=sent,
        delivered_at=None if failed else sent + timedelta(seconds=rng.uniform(1, 8)),
        failed_at=sent if failed else None,
    )
    call.message_id = message.id
    session.add(message)
    if not failed and rng.random() < 0.25:
        session.add(
            SatisfactionResponse(
                message_id=message.id,
                product=product,
                score=rng.choices([1, 2, 3, 4, 5], weights=[1, 1, 3, 8, 12])[0],
                received_at=sent + timedelta(minutes=5),
                received_day=call.received_day,
            )
        )
