"""Multi-step workflows run by the worker: the register lookup behind an IVR call, and sending an SMS.

Sending is split in three short steps so a crash or a slow gateway never doubles or loses an SMS:
claim (queued -> sending, committed), hand over to the gateway (no transaction open), record the
outcome (committed). A message left in `sending` is reconciled by a periodic job.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.sms_ydelse import products, registers, service
from services.sms_ydelse.gateway import get_gateway
from services.sms_ydelse.gateway.base import ACCEPTED, AMBIGUOUS, PERMANENT, TEMPORARY, SendResult, SmsGateway
from services.sms_ydelse.models import CallOutcome, CallStatus, IvrCall, Message, MessageEvent, MessageStatus
from services.sms_ydelse.products.base import LookupContext
from shared import cpr as cpr_utils
from shared.audit import service as audit
from shared.db import is_postgres, session_scope, utcnow
from shared.queue import publish
from shared.settings import get_settings

log = logging.getLogger(__name__)

SERVICE = "sms_ydelse"
DLR_GRACE = timedelta(seconds=120)  # after an ambiguous hand-over, wait this long for a delivery report
MAX_MESSAGE_AGE = timedelta(hours=24)  # an SMS not handed over within a day is marked failed (stale news)
RETRY_CAP_SECONDS = 300.0
OVERDUE_AFTER = timedelta(seconds=60)  # a queued message nobody picked up by then is announced again


def retry_delay(attempt: int) -> float:
    """Backoff between hand-over attempts: base, 2x, 4x … (at least one second, at most five minutes)."""
    base = max(get_settings().task_retry_base_seconds, 1.0)
    return float(min(base * 2 ** max(attempt - 1, 0), RETRY_CAP_SECONDS))


# --- the lookup ---------------------------------------------------------------------------------


def run_lookup(session: Session, *, call_uuid: uuid.UUID) -> str | None:
    """Check the citizen in the registers and queue the product's SMS to the NemSMS number; returns the outcome."""
    call = session.get(IvrCall, call_uuid, with_for_update=is_postgres(session))
    if call is None or call.status != CallStatus.accepted:
        return None
    cpr = call.cpr_encrypted
    product = products.get(call.product)
    consulted = ["cpr"]
    outcome: str
    message_id: uuid.UUID | None = None
    if cpr is None:
        outcome = CallOutcome.not_found
    else:
        person = registers.cpr_register().person(cpr)
        if person is None:
            outcome = CallOutcome.not_found
        elif not person.alive:
            outcome = CallOutcome.deceased
        elif not person.resident_in_copenhagen:
            outcome = CallOutcome.not_resident
        else:
            consulted.append("nemsms")
            number = registers.nemsms_registry().registered_number(cpr)
            if number is None:
                outcome = CallOutcome.no_nemsms
            else:
                consulted.append(product.key)
                today = service.today_in_copenhagen()
                answer = product.lookup(LookupContext(cpr=cpr, today=today))
                pseudonym = call.cpr_pseudonym or cpr_utils.pseudonymise(cpr)
                if not service.take_cpr_quota(session, cpr_pseudonym=pseudonym, day=today):
                    outcome = CallOutcome.cpr_daily_limit
                else:
                    gateway = get_gateway()
                    survey = get_settings().sms_ydelse_survey and gateway.takes_replies
                    text, with_survey = service.compose_sms(
                        product.key, product.template_version, answer.variant, answer.variables, survey=survey
                    )
                    message, _ = service.create_message(
                        session,
                        sender_service=SERVICE,
                        idempotency_key=f"ivr:{call.call_id}",
                        text=text,
                        to_msisdn=service.normalise_msisdn(number),
                        product=product.key,
                        call=call,
                        template=f"{product.key}/v{product.template_version}:{answer.variant}",
                        survey_included=with_survey,
                        announce=False,  # the consumer hands it over right after this commit
                    )
                    message.recipient_pseudonym = pseudonym
                    message_id = message.id
                    outcome = CallOutcome.sms_queued
    call.status, call.outcome, call.completed_at = CallStatus.completed, outcome, utcnow()
    call.message_id = message_id
    call.cpr_encrypted = None  # the CPR number is not kept once the lookup has run
    audit.record(
        session,
        service=SERVICE,
        actor=None,
        actor_sub=call.requested_by,
        actor_role="ivr",
        action="sms_ydelse.lookup",
        purpose=product.purpose,
        citizen_pseudonym=call.cpr_pseudonym,
        object_type="ivr_call",
        object_id=str(call.id),
        details={"product": product.key, "registers": consulted, "outcome": outcome},
    )
    return outcome


# --- sending ------------------------------------------------------------------------------------


def _claim(message_id: uuid.UUID) -> dict[str, object] | None:
    """queued -> sending (committed); resolves a CPR recipient through NemSMS; None when not ours to send."""
    with session_scope() as session:
        now = utcnow()
        claimed = session.execute(
            update(Message)
            .where(Message.id == message_id, Message.status == MessageStatus.queued)
            .values(status=MessageStatus.sending, sending_at=now, attempts=Message.attempts + 1)
            .returning(Message)
            .execution_options(populate_existing=True)
        ).scalar_one_or_none()
        if claimed is None:
            return None
        message = claimed
        if now - message.created_at > MAX_MESSAGE_AGE:
            _fail(session, message, "expired", "not handed over within 24 hours")
            return None
        if message.to_msisdn is None and message.recipient_cpr:
            number = registers.nemsms_registry().registered_number(message.recipient_cpr)
            audit.record(
                session,
                service=SERVICE,
                actor=None,
                actor_sub=f"svc:{message.sender_service}",
                actor_role="system",
                action="sms_ydelse.nemsms_lookup",
                purpose="Find borgerens NemSMS-nummer for en sms fra kommunen",
                citizen_pseudonym=message.recipient_pseudonym,
                object_type="message",
                object_id=str(message.id),
                details={"registered": number is not None},
            )
            if number is None:
                _fail(session, message, "no_nemsms_registration", "the citizen has no NemSMS number")
                return None
            message.to_msisdn = service.normalise_msisdn(number)
            message.msisdn_hash = service.msisdn_hash(message.to_msisdn)
            message.recipient_cpr = None
        return {"to": message.to_msisdn, "text": message.text, "attempts": message.attempts}


def _fail(session: Session, message: Message, reason: str, detail: str) -> None:
    now = utcnow()
    message.status, message.failed_at, message.failure_reason = MessageStatus.failed, now, reason
    message.recipient_cpr = None
    message.to_msisdn = None
    session.add(MessageEvent(message_id=message.id, at=now, kind="failed", status=MessageStatus.failed, detail=detail))


def _record_outcome(
    session: Session, gateway: SmsGateway, message_id: uuid.UUID, attempt: int, result: SendResult
) -> None:
    message = session.get(Message, message_id, with_for_update=is_postgres(session))
    assert message is not None
    now = utcnow()
    message.gateway = gateway.name
    if result.outcome == ACCEPTED:
        session.add(
            MessageEvent(
                message_id=message.id, at=now, kind="handed_over", status=MessageStatus.sent, detail=result.detail[:300]
            )
        )
        message.gateway_ref = result.gateway_ref
        message.sent_at = message.sent_at or now
        if message.status == MessageStatus.sending:  # a fast delivery report may already have moved it on
            message.status = MessageStatus.sent
        if result.delivered and message.status not in MessageStatus.final:
            service.apply_delivery_status(
                session, message_id=message.id, status=MessageStatus.delivered, detail=result.detail
            )
        return
    session.add(
        MessageEvent(
            message_id=message.id,
            at=now,
            kind="gateway_error",
            status=message.status,
            detail=f"{result.outcome}: {result.detail}"[:300],
        )
    )
    if message.status != MessageStatus.sending:
        return  # a delivery report arrived meanwhile: the gateway did take it
    if result.outcome == PERMANENT:
        _fail(session, message, "gateway_rejected", result.detail)
    elif result.outcome == TEMPORARY or (result.outcome == AMBIGUOUS and gateway.idempotent):
        service.requeue(session, message_id=message.id, delay_seconds=retry_delay(attempt), reason=result.detail)
    else:  # ambiguous on a gateway that does not deduplicate: wait for a delivery report first
        message.last_error = result.detail
        publish(
            session,
            "sms_ydelse.message.confirmation_due",
            {"message": str(message.id)},
            delay_seconds=DLR_GRACE.total_seconds(),
        )


def dispatch(message_id: uuid.UUID) -> str | None:
    """Hand one queued message to the gateway and record what happened; returns the send outcome."""
    claimed = _claim(message_id)
    if claimed is None:
        return None
    gateway = get_gateway()
    with session_scope() as session:
        try:
            result = gateway.send(
                session, message_id=message_id, to_msisdn=str(claimed["to"]), text=str(claimed["text"])
            )
        except Exception as exc:  # a bug or an unexpected error in an adapter: treat as ambiguous, never lose the SMS
            log.warning("gateway raised", extra={"message_id": str(message_id), "error_type": type(exc).__name__})
            session.rollback()
            result = SendResult(AMBIGUOUS, f"adapter error: {type(exc).__name__}")
        _record_outcome(session, gateway, message_id, int(claimed["attempts"]), result)  # type: ignore[call-overload]
    return result.outcome


def dispatch_after_commit(message_id: uuid.UUID) -> None:
    """Hand over at once after the creating transaction committed; on any error the reconcile job takes it."""
    try:
        dispatch(message_id)
    except Exception as exc:
        log.warning(
            "immediate hand-over failed", extra={"message_id": str(message_id), "error_type": type(exc).__name__}
        )


def confirm_or_resend(session: Session, *, message_id: uuid.UUID) -> bool:
    """After an ambiguous hand-over: if no delivery report came, put the message back for another try."""
    return service.requeue(
        session, message_id=message_id, delay_seconds=0, reason="no delivery report after an unanswered hand-over"
    )


def reconcile(session: Session) -> dict[str, int]:
    """Safety net: requeue messages stuck in `sending` past the grace period, and re-announce overdue queued ones."""
    now = utcnow()
    stuck = list(
        session.scalars(
            select(Message.id)
            .where(Message.status == MessageStatus.sending, Message.sending_at < now - DLR_GRACE)
            .limit(500)
        )
    )
    for message_id in stuck:
        service.requeue(session, message_id=message_id, delay_seconds=0, reason="stuck in sending (worker stopped?)")
    overdue = list(
        session.scalars(
            select(Message.id)
            .where(Message.status == MessageStatus.queued, Message.next_attempt_at < now - OVERDUE_AFTER)
            .limit(500)
        )
    )
    for message_id in overdue:
        publish(session, "sms_ydelse.message.retry_due", {"message": str(message_id)})
        session.execute(update(Message).where(Message.id == message_id).values(next_attempt_at=now))
    return {"requeued": len(stuck), "reannounced": len(overdue)}


MESSAGE_RETENTION = timedelta(days=30)
CALL_PSEUDONYM_RETENTION = timedelta(days=90)


def purge_personal_data(session: Session) -> dict[str, int]:
    """Erase SMS texts and numbers after 30 days and call pseudonyms after 90 days (counts stay for statistics)."""
    now = utcnow()
    messages = session.execute(
        update(Message)
        .where(Message.created_at < now - MESSAGE_RETENTION, Message.status.in_(tuple(MessageStatus.final)))
        .where((Message.to_msisdn.is_not(None)) | (Message.msisdn_hash.is_not(None)) | (Message.septets > 0))
        .values(text="", to_msisdn=None, msisdn_hash=None, recipient_cpr=None, septets=0)
    )
    calls = session.execute(
        update(IvrCall)
        .where(IvrCall.received_at < now - CALL_PSEUDONYM_RETENTION, IvrCall.cpr_pseudonym.is_not(None))
        .where(IvrCall.status != CallStatus.accepted)
        .values(cpr_pseudonym=None, cpr_encrypted=None)
    )
    return {"messages": int(messages.rowcount or 0), "calls": int(calls.rowcount or 0)}  # type: ignore[attr-defined]
