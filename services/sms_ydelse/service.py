"""Plain functions over a session: IVR calls (the hot path), messages, delivery reports and replies."""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import orjson
from sqlalchemy import func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from services.sms_ydelse import prompts, templates
from services.sms_ydelse.gsm7 import TextTooLong, single_sms
from services.sms_ydelse.models import (
    CallStatus,
    CprDailyCounter,
    IvrCall,
    Message,
    MessageEvent,
    MessageStatus,
    SatisfactionResponse,
)
from services.sms_ydelse.products import for_menu_item
from shared import cpr as cpr_utils
from shared.auth.tokens import Principal
from shared.crypto import encrypt
from shared.db import is_postgres, utcnow
from shared.errors import Conflict, FieldError, Unprocessable
from shared.queue import publish
from shared.settings import get_settings

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
WITHHELD = "withheld"
_WITHHELD_VALUES = {"", "anonymous", "unknown", "private", "withheld", "restricted"}
_PHONE = re.compile(r"^\+?[0-9]{8,15}$")


# --- small helpers ------------------------------------------------------------------------------


def local_day_hour(moment: datetime) -> tuple[date, int]:
    """The Copenhagen calendar day and hour of a moment (for statistics buckets)."""
    local = moment.astimezone(COPENHAGEN)
    return local.date(), local.hour


def today_in_copenhagen() -> date:
    """Today's date in Copenhagen."""
    return utcnow().astimezone(COPENHAGEN).date()


def normalise_msisdn(value: str) -> str:
    """A phone number as E.164 (+4520112233); Danish eight-digit numbers get +45. Raises ValueError."""
    compact = re.sub(r"[\s\-().]", "", value or "")
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    elif len(compact) == 10 and compact.startswith("45"):  # as some SMS centres report senders
        compact = "+" + compact
    if not _PHONE.match(compact):
        raise ValueError("not a phone number")
    if not compact.startswith("+"):
        if len(compact) != 8:
            raise ValueError("not a Danish phone number")
        compact = "+45" + compact
    if compact.startswith("+45") and len(compact) != 11:
        raise ValueError("a Danish number has eight digits")
    return compact


def msisdn_hash(msisdn: str) -> str:
    """Keyed hash of a phone number (rate limits, matching replies) so the number itself is not stored."""
    key = get_settings().cpr_pseudonym_key.encode()
    return hmac.new(key, f"msisdn:{msisdn}".encode(), hashlib.sha256).hexdigest()


def caller_key(caller_number: str) -> str:
    """The rate-limit key of a caller: the hash of the number, or 'withheld'. Raises ValueError."""
    if caller_number.strip().lower() in _WITHHELD_VALUES:
        return WITHHELD
    return msisdn_hash(normalise_msisdn(caller_number))


def mask_msisdn(msisdn: str | None) -> str | None:
    """+4520112233 -> +45 20 11 ** **."""
    if not msisdn:
        return None
    if msisdn.startswith("+45") and len(msisdn) == 11:
        return f"+45 {msisdn[3:5]} {msisdn[5:7]} ** **"
    return msisdn[:-4] + "****"


# --- the IVR hot path ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CallAnswer:
    """What the IVR gets back: the call's state and what to say."""

    id: uuid.UUID
    call_id: str
    status: str
    prompt: prompts.Prompt
    attempts_left: int
    replayed: bool


def _answer(
    call_uuid: uuid.UUID, call_id: str, status: str, prompt_id: str, invalid: int, replayed: bool
) -> CallAnswer:
    attempts_left = max(prompts.MAX_CPR_ATTEMPTS - invalid, 0) if status == CallStatus.retry_cpr else 0
    return CallAnswer(call_uuid, call_id, status, prompts.BY_ID[prompt_id], attempts_left, replayed)


def _answer_for(call: IvrCall, *, replayed: bool) -> CallAnswer:
    status = CallStatus.accepted if call.status == CallStatus.completed else call.status
    return _answer(call.id, call.call_id, status, call.prompt_id, call.invalid_attempts, replayed)


def _insert_call(session: Session, values: dict[str, object]) -> bool:
    """Insert a call unless its call id exists (one statement on both databases); True when inserted."""
    dialect_insert = postgresql.insert if is_postgres(session) else sqlite.insert
    statement = (
        dialect_insert(IvrCall)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[IvrCall.call_id])
        .returning(IvrCall.id)
    )
    return session.execute(statement).first() is not None


# PostgreSQL fast path: a new call with a valid CPR number from a caller under the limits (nearly every
# call) is one statement: count the caller's recent calls, insert the call unless its id exists, and
# write its outbox event – one round trip besides BEGIN/COMMIT and no ORM work. The outbox row has
# exactly the shape `shared.queue.publish` writes (a test compares them). Anything else (a replayed
# call id, an invalid CPR number, a caller over the limit) takes the general path below, which is
# also the SQLite path.
_PG_PROBE = text(
    """
    SELECT (SELECT id FROM sms_ydelse.ivr_calls WHERE call_id = :call_id) AS existing,
           count(*) FILTER (WHERE received_at >= :hour_ago) AS hour_n,
           count(*) AS day_n
    FROM sms_ydelse.ivr_calls
    WHERE caller_hash = :caller AND status IN ('accepted', 'completed') AND received_at >= :day_ago
    """
)
PG_ACCEPT_NEW_CALL = text(
    """
    WITH counts AS (
        SELECT count(*) FILTER (WHERE received_at >= :hour_ago) AS hour_n, count(*) AS day_n
        FROM sms_ydelse.ivr_calls
        WHERE caller_hash = :caller_hash AND status IN ('accepted', 'completed') AND received_at >= :day_ago
    ), call AS (
        INSERT INTO sms_ydelse.ivr_calls (id, call_id, product, menu_item, caller_hash, cpr_pseudonym, cpr_encrypted,
            requested_by, status, prompt_id, invalid_attempts, received_at, received_day, received_hour)
        SELECT :id, :call_id, :product, :menu_item, :caller_hash, :cpr_pseudonym, :cpr_encrypted,
            :requested_by, 'accepted', :prompt_id, 0, :now, :received_day, :received_hour
        FROM counts
        WHERE :unlimited OR (counts.hour_n < :hour_limit AND counts.day_n < :day_limit)
        ON CONFLICT (call_id) DO NOTHING
        RETURNING id
    )
    INSERT INTO shared.outbox_events (id, event_type, payload, queue, status, attempts, created_at, available_at)
    SELECT :event_id, 'sms_ydelse.call.accepted', jsonb_build_object('call', CAST(call.id AS text)), 'sms_ydelse',
           'pending', 0, :now, :now
    FROM call
    RETURNING id
    """
)


def _probe(session: Session, *, call_id: str, caller: str, now: datetime) -> tuple[uuid.UUID | None, int, int]:
    """The id of an existing call with this call id, and the caller's accepted calls in the last hour and day."""
    day_ago, hour_ago = now - timedelta(days=1), now - timedelta(hours=1)
    if is_postgres(session):
        existing, hour_n, day_n = session.execute(
            _PG_PROBE, {"call_id": call_id, "caller": caller, "day_ago": day_ago, "hour_ago": hour_ago}
        ).one()
        return existing, int(hour_n), int(day_n)
    counted = (CallStatus.accepted, CallStatus.completed)
    mine = (IvrCall.caller_hash == caller) & IvrCall.status.in_(counted)
    by_day = select(func.count()).where(mine, IvrCall.received_at >= day_ago)
    by_hour = select(func.count()).where(mine, IvrCall.received_at >= hour_ago)
    existing_id = select(IvrCall.id).where(IvrCall.call_id == call_id)
    existing, day_n, hour_n = session.execute(
        select(existing_id.scalar_subquery(), by_day.scalar_subquery(), by_hour.scalar_subquery())
    ).one()
    return existing, int(hour_n), int(day_n)


@dataclass(frozen=True)
class CallRequest:
    """An IVR request whose fields are valid: the product, the caller's key and the CPR number if it is one."""

    call_id: str
    menu_item: str
    product: str
    caller: str
    cpr: str | None
    principal: Principal


def validate_call(
    *, call_id: str, caller_number: str, menu_item: str, digits: str, principal: Principal
) -> CallRequest:
    """Check the fields every answer depends on (all errors at once); an invalid CPR number is not an error here."""
    product = for_menu_item(menu_item)
    errors = []
    if product is None:
        errors.append(FieldError("/menu_item", "unknown_menu_item", "Menupunktet kendes ikke af tjenesten."))
    try:
        caller = caller_key(caller_number)
    except ValueError:
        caller = ""
        errors.append(
            FieldError("/caller_number", "invalid_phone_number", "Opkaldsnummeret er ikke et gyldigt telefonnummer.")
        )
    if errors or product is None:
        raise Unprocessable("Opkaldet kan ikke behandles; se de enkelte felter.", errors=errors)
    try:
        cpr: str | None = cpr_utils.normalise(digits)
    except cpr_utils.InvalidCPR:
        cpr = None
    return CallRequest(call_id, menu_item, product.key, caller, cpr, principal)


def new_call_params(request: CallRequest, *, now: datetime) -> dict[str, object]:
    """Parameters of the one-statement PostgreSQL path (PG_ACCEPT_NEW_CALL) for a request with a valid CPR."""
    assert request.cpr is not None
    day, hour = local_day_hour(now)
    values = _call_values(
        request.call_id, request.product, request.menu_item, request.caller, request.principal, now, day, hour
    )
    settings = get_settings()
    params = dict(
        values,
        cpr_pseudonym=cpr_utils.pseudonymise(request.cpr),
        cpr_encrypted=encrypt(request.cpr.encode()),
        prompt_id=prompts.ACCEPTED.prompt_id,
        event_id=uuid.uuid4(),
        now=now,
        day_ago=now - timedelta(days=1),
        hour_ago=now - timedelta(hours=1),
        unlimited=request.caller == WITHHELD,
        hour_limit=settings.sms_ydelse_caller_limit_per_hour,
        day_limit=settings.sms_ydelse_caller_limit_per_day,
    )
    params.pop("received_at")
    return params


def accepted_answer(params: dict[str, object]) -> CallAnswer:
    """The answer to a call the one-statement path accepted."""
    return _answer(params["id"], str(params["call_id"]), CallStatus.accepted, prompts.ACCEPTED.prompt_id, 0, False)  # type: ignore[arg-type]


def receive_call(
    session: Session, *, call_id: str, caller_number: str, menu_item: str, digits: str, principal: Principal
) -> CallAnswer:
    """Record one IVR request and decide at once what to say; the lookup runs later in the worker."""
    request = validate_call(
        call_id=call_id, caller_number=caller_number, menu_item=menu_item, digits=digits, principal=principal
    )
    return record_call(session, request=request)


def record_call(session: Session, *, request: CallRequest, new_call_tried: bool = False) -> CallAnswer:
    """Record a validated IVR request and decide what to say (every case: new, replayed, bad CPR, over the limits).

    `new_call_tried`: the caller already ran the one-statement path for this request and it inserted nothing
    (a replayed call id or a caller over the limits), so go straight to the general path.
    """
    call_id, caller, cpr, principal = request.call_id, request.caller, request.cpr, request.principal
    product_key, menu_item = request.product, request.menu_item
    now = utcnow()
    day, hour = local_day_hour(now)
    if cpr is not None and not new_call_tried and is_postgres(session):
        # The common case in one statement: a new call id, a valid CPR number, a caller under the limits.
        params = new_call_params(request, now=now)
        if session.execute(PG_ACCEPT_NEW_CALL, params).first() is not None:
            return accepted_answer(params)
    existing, hour_count, day_count = _probe(session, call_id=call_id, caller=caller, now=now)
    call: IvrCall | None = None
    if existing is not None:
        call = session.get(IvrCall, existing, with_for_update=is_postgres(session))
        assert call is not None
        if call.status != CallStatus.retry_cpr:
            return _answer_for(call, replayed=True)  # the same call id never triggers a second lookup

    if cpr is None:
        invalid = (call.invalid_attempts if call else 0) + 1
        status = CallStatus.retry_cpr if invalid < prompts.MAX_CPR_ATTEMPTS else CallStatus.cpr_attempts_exhausted
        prompt = prompts.RETRY_CPR if status == CallStatus.retry_cpr else prompts.CPR_ATTEMPTS_EXHAUSTED
        if call is not None:
            call.invalid_attempts, call.status, call.prompt_id = invalid, status, prompt.prompt_id
            return _answer_for(call, replayed=False)
        values = _call_values(call_id, product_key, menu_item, caller, principal, now, day, hour)
        values.update(status=status, prompt_id=prompt.prompt_id, invalid_attempts=invalid)
        if not _insert_call(session, values):
            return _replay(session, call_id)
        return _answer(values["id"], call_id, status, prompt.prompt_id, invalid, replayed=False)  # type: ignore[arg-type]

    settings = get_settings()
    limited = caller != WITHHELD and (
        hour_count >= settings.sms_ydelse_caller_limit_per_hour or day_count >= settings.sms_ydelse_caller_limit_per_day
    )
    status = CallStatus.rate_limited if limited else CallStatus.accepted
    prompt = prompts.RATE_LIMITED if limited else prompts.ACCEPTED
    if call is not None:  # a valid CPR after earlier invalid tries on the same call
        call.status, call.prompt_id = status, prompt.prompt_id
        if not limited:
            call.cpr_pseudonym = cpr_utils.pseudonymise(cpr)
            call.cpr_encrypted = cpr
            publish(session, "sms_ydelse.call.accepted", {"call": str(call.id)})
        return _answer_for(call, replayed=False)

    values = _call_values(call_id, product_key, menu_item, caller, principal, now, day, hour)
    call_uuid: uuid.UUID = values["id"]  # type: ignore[assignment]
    if limited:  # nothing is kept about the citizen for a refused request
        values.update(status=status, prompt_id=prompt.prompt_id, invalid_attempts=0)
        if not _insert_call(session, values):
            return _replay(session, call_id)
        return _answer(call_uuid, call_id, status, prompt.prompt_id, 0, replayed=False)
    # The CPR number is stored encrypted only until the lookup has run; the pseudonym stays for limits.
    values.update(
        cpr_pseudonym=cpr_utils.pseudonymise(cpr),
        prompt_id=prompt.prompt_id,
        status=status,
        invalid_attempts=0,
        cpr_encrypted=cpr,
    )
    if not _insert_call(session, values):
        return _replay(session, call_id)
    publish(session, "sms_ydelse.call.accepted", {"call": str(call_uuid)})
    return _answer(call_uuid, call_id, status, prompt.prompt_id, 0, replayed=False)


def _call_values(
    call_id: str,
    product: str,
    menu_item: str,
    caller: str,
    principal: Principal,
    now: datetime,
    day: date,
    hour: int,
) -> dict[str, object]:
    return {
        "id": uuid.uuid4(),
        "call_id": call_id,
        "product": product,
        "menu_item": menu_item[:60],
        "caller_hash": caller,
        "requested_by": principal.sub,
        "received_at": now,
        "received_day": day,
        "received_hour": hour,
        "cpr_pseudonym": None,
        "cpr_encrypted": None,
    }


def _replay(session: Session, call_id: str) -> CallAnswer:
    call = session.scalar(select(IvrCall).where(IvrCall.call_id == call_id))
    assert call is not None
    return _answer_for(call, replayed=True)


# --- messages (the gateway API every service uses) ---------------------------------------------


def fingerprint(**fields: object) -> str:
    """A stable hash of a request body (detects an idempotency key reused for a different message)."""
    return hashlib.sha256(orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)).hexdigest()


def prepare_text(text: str, *, field: str = "/text") -> tuple[str, int, int]:
    """GSM-7 text, septets and replaced characters; 422 when it does not fit one SMS."""
    try:
        converted = single_sms(text)
    except TextTooLong as exc:
        raise Unprocessable(
            "Beskeden er for lang til én sms.", errors=[FieldError(field, "sms_too_long", str(exc))]
        ) from exc
    return converted.text, converted.septets, len(converted.replaced)


def create_message(
    session: Session,
    *,
    sender_service: str,
    idempotency_key: str,
    text: str,
    to_msisdn: str | None = None,
    recipient_cpr: str | None = None,
    product: str | None = None,
    call: IvrCall | None = None,
    template: str | None = None,
    survey_included: bool = False,
    announce: bool = True,
) -> tuple[Message, bool]:
    """Queue one SMS (idempotent per sender and key); returns the message and whether it was a replay.

    `announce=False` leaves the hand-over to the caller (the lookup consumer dispatches right after
    its commit); the periodic reconcile job picks the message up if that never happens.
    """
    print_ = fingerprint(text=text, to_msisdn=to_msisdn, recipient_cpr=recipient_cpr)
    existing = session.scalar(
        select(Message).where(Message.sender_service == sender_service, Message.idempotency_key == idempotency_key)
    )
    if existing is not None:
        if existing.request_fingerprint != print_:
            raise Conflict(
                "Idempotency-Key er allerede brugt til en anden besked.",
                code="idempotency_key_reused",
            )
        return existing, True
    gsm_text, septets, replaced = prepare_text(text)
    now = utcnow()
    day, hour = local_day_hour(now)
    message = Message(
        id=uuid.uuid4(),
        sender_service=sender_service,
        idempotency_key=idempotency_key,
        request_fingerprint=print_,
        product=product,
        ivr_call_id=call.id if call else None,
        template=template,
        recipient_pseudonym=cpr_utils.pseudonymise(recipient_cpr) if recipient_cpr else None,
        recipient_cpr=recipient_cpr if (recipient_cpr and not to_msisdn) else None,
        to_msisdn=to_msisdn,
        msisdn_hash=msisdn_hash(to_msisdn) if to_msisdn else None,
        text=gsm_text,
        septets=septets,
        replaced_characters=replaced,
        survey_included=survey_included,
        status=MessageStatus.queued,
        attempts=0,
        origin_at=call.received_at if call else now,
        created_at=now,
        created_day=day,
        created_hour=hour,
        next_attempt_at=now,
    )
    session.add(message)
    session.add(MessageEvent(message_id=message.id, at=now, kind="queued", status=MessageStatus.queued))
    if announce:
        publish(session, "sms_ydelse.message.queued", {"message": str(message.id)})
    return message, False


def take_cpr_quota(session: Session, *, cpr_pseudonym: str, day: date) -> bool:
    """Count one SMS for the citizen today; False (and nothing counted) when the daily limit is reached."""
    dialect_insert = postgresql.insert if is_postgres(session) else sqlite.insert
    insert = dialect_insert(CprDailyCounter).values(cpr_pseudonym=cpr_pseudonym, day=day, sms_count=1)
    statement = insert.on_conflict_do_update(
        index_elements=[CprDailyCounter.cpr_pseudonym, CprDailyCounter.day],
        set_={"sms_count": CprDailyCounter.sms_count + 1},
        where=CprDailyCounter.sms_count < get_settings().sms_ydelse_cpr_sms_limit_per_day,
    ).returning(CprDailyCounter.sms_count)
    return session.execute(statement).first() is not None


def compose_sms(
    product_key: str, version: int, variant: str, variables: dict[str, object], *, survey: bool
) -> tuple[str, bool]:
    """Render a product's SMS; append the satisfaction question when asked for and it still fits one SMS."""
    text = templates.render(product_key, version, variant, variables)
    single_sms(text)  # raises TextTooLong: a template that overflows is a bug to see, not to cut
    if survey:
        with_survey = text + templates.survey_question()
        try:
            single_sms(with_survey)
            return with_survey, True
        except TextTooLong:
            pass
    return text, False


# --- delivery reports and replies ---------------------------------------------------------------

KANNEL_DLR = {
    1: (MessageStatus.delivered, "delivered to the phone"),
    2: (MessageStatus.failed, "not delivered to the phone"),
    4: (None, "buffered by the SMS centre"),
    8: (MessageStatus.sent, "accepted by the SMS centre"),
    16: (MessageStatus.failed, "rejected by the SMS centre"),
}


# apply_delivery_status as one PostgreSQL statement, for the delivery-report endpoint on the event loop (two
# reports per SMS arrive while the IVR answers calls). Same rules: the report is always logged; a final state
# is never overwritten; "sent" only moves a message on from queued/sending; a final state erases what is no
# longer needed. Checked against the ORM version in tests/sms_ydelse/test_sms_delivery_reports.py.
PG_APPLY_DELIVERY_REPORT = text(
    """
    WITH target AS (
        SELECT id, status FROM sms_ydelse.messages WHERE id = :message_id FOR UPDATE
    ), report AS (
        INSERT INTO sms_ydelse.message_events (id, message_id, at, kind, status, detail)
        SELECT :event_id, id, :now, 'delivery_report', COALESCE(CAST(:status AS varchar), status), :detail
        FROM target
    ), changed AS (
        UPDATE sms_ydelse.messages AS m SET
            status = CAST(:status AS varchar),
            sent_at = COALESCE(m.sent_at, :now),
            delivered_at = CASE WHEN :status = 'delivered' THEN :now ELSE m.delivered_at END,
            failed_at = CASE WHEN :status = 'failed' THEN :now ELSE m.failed_at END,
            failure_reason = CASE WHEN :status = 'failed' THEN 'not_delivered' ELSE m.failure_reason END,
            recipient_cpr = CASE WHEN :status = 'sent' THEN m.recipient_cpr END,
            to_msisdn = CASE WHEN :status = 'sent' OR m.survey_included THEN m.to_msisdn END,
            updated_at = :now
        FROM target
        WHERE m.id = target.id AND target.status NOT IN ('delivered', 'failed')
          AND (:status IN ('delivered', 'failed') OR (:status = 'sent' AND target.status IN ('queued', 'sending')))
    )
    SELECT id FROM target
    """
)


def delivery_report_params(*, message_id: uuid.UUID, status: str | None, detail: str) -> dict[str, object]:
    """Parameters of PG_APPLY_DELIVERY_REPORT."""
    return {
        "message_id": message_id,
        "event_id": uuid.uuid4(),
        "now": utcnow(),
        "status": status,
        "detail": detail[:300],
    }


def apply_delivery_status(
    session: Session, *, message_id: uuid.UUID, status: str | None, detail: str
) -> Message | None:
    """Record a delivery report; final states (delivered, failed) are never overwritten."""
    message = session.get(Message, message_id, with_for_update=is_postgres(session))
    if message is None:
        return None
    now = utcnow()
    session.add(
        MessageEvent(
            message_id=message.id, at=now, kind="delivery_report", status=status or message.status, detail=detail[:300]
        )
    )
    if status is None or message.status in MessageStatus.final:
        return message
    if status == MessageStatus.sent:
        if message.status in (MessageStatus.sending, MessageStatus.queued):
            message.status, message.sent_at = MessageStatus.sent, message.sent_at or now
        return message
    message.status = status
    message.sent_at = message.sent_at or now
    if status == MessageStatus.delivered:
        message.delivered_at = now
    else:
        message.failed_at, message.failure_reason = now, "not_delivered"
    _erase_after_final(message)
    return message


def _erase_after_final(message: Message) -> None:
    """Keep no more than needed once the SMS reached its final state (the text is kept while a reply may come)."""
    message.recipient_cpr = None
    if not message.survey_included:
        message.to_msisdn = None


SURVEY_WINDOW = timedelta(days=3)


def record_reply(session: Session, *, from_msisdn: str, text: str) -> SatisfactionResponse | None:
    """Record a 1-5 reply to the latest SMS with the survey question sent to that number; other texts are dropped."""
    match = re.fullmatch(r"\s*([1-5])\s*[.!]?\s*", text or "")
    if match is None:
        return None
    try:
        number = normalise_msisdn(from_msisdn)
    except ValueError:
        return None
    message = session.scalar(
        select(Message)
        .where(
            Message.msisdn_hash == msisdn_hash(number),
            Message.survey_included.is_(True),
            Message.created_at >= utcnow() - SURVEY_WINDOW,
        )
        .order_by(Message.created_at.desc())
        .limit(1)
    )
    if message is None:
        return None
    if session.scalar(select(SatisfactionResponse).where(SatisfactionResponse.message_id == message.id)):
        return None  # one answer per SMS; the first counts
    now = utcnow()
    response = SatisfactionResponse(
        message_id=message.id,
        product=message.product,
        score=int(match.group(1)),
        received_at=now,
        received_day=local_day_hour(now)[0],
    )
    session.add(response)
    return response


def requeue(session: Session, *, message_id: uuid.UUID, delay_seconds: float, reason: str) -> bool:
    """Put a message back in the queue for another try after a delay (only from `sending`)."""
    now = utcnow()
    result = session.execute(
        update(Message)
        .where(Message.id == message_id, Message.status == MessageStatus.sending)
        .values(
            status=MessageStatus.queued,
            next_attempt_at=now + timedelta(seconds=delay_seconds),
            last_error=reason[:2000],
        )
    )
    if result.rowcount:  # type: ignore[attr-defined]
        publish(session, "sms_ydelse.message.retry_due", {"message": str(message_id)}, delay_seconds=delay_seconds)
        return True
    return False
