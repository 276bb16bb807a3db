"""HTTP routes of the sms_ydelse service: the IVR API, the SMS gateway API, gateway callbacks and statistics."""

from __future__ import annotations

import hmac
import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.sms_ydelse import prompts, service, statistics
from services.sms_ydelse.gateway.base import inbound_token, valid_signature
from services.sms_ydelse.models import IvrCall, Message, MessageEvent, MessageStatus
from services.sms_ydelse.products import all_products
from services.sms_ydelse.schemas import (
    CallOut,
    IvrAnswerOut,
    IvrCallIn,
    MessageAccepted,
    MessageEventOut,
    MessageIn,
    MessageOut,
    NemSmsStatusIn,
    ProductOut,
)
from shared.audit import service as audit
from shared.auth import Principal, require_roles
from shared.auth.roles import Role
from shared.db import DbSession, one_statement, session_scope, unit_of_work, utcnow
from shared.errors import FieldError, Forbidden, NotFound, ProblemError, Unprocessable
from shared.settings import SERVICE_NAMES

SERVICE = "sms_ydelse"
router = APIRouter(prefix="/api/v1")

Ivr = Annotated[Principal, Depends(require_roles(Role.ivr))]
IvrOrAdmin = Annotated[Principal, Depends(require_roles(Role.ivr, Role.admin))]
Admin = Annotated[Principal, Depends(require_roles(Role.admin))]
System = Annotated[Principal, Depends(require_roles(Role.system))]
SystemOrAdmin = Annotated[Principal, Depends(require_roles(Role.system, Role.admin))]

# The service each dev-issuer service subject speaks for (production client credentials carry no such map).
SERVICE_SUBJECTS = {
    "svc-kontrol": "kontrol",
    "svc-koerekort": "koerekort",
    "svc-vicevaert": "viceværtsopgaver",
    "svc-sms-ydelse": "sms_ydelse",
}
XML_TYPES = ("application/xml", "text/xml")


def _wants_xml(request: Request) -> bool:
    accept = request.headers.get("accept", "").lower()
    return any(t in accept for t in XML_TYPES) and "application/json" not in accept


def _answer_out(answer: service.CallAnswer) -> IvrAnswerOut:
    return IvrAnswerOut(
        id=answer.id,
        call_id=answer.call_id,
        status=answer.status,
        prompt_id=answer.prompt.prompt_id,
        say=answer.prompt.say,
        next_action=answer.prompt.next_action,
        attempts_left=answer.attempts_left,
        replayed=answer.replayed,
    )


# --- the IVR API --------------------------------------------------------------------------------


async def _accept_new_call(engine: AsyncEngine, request: service.CallRequest) -> service.CallAnswer | None:
    """The one-statement path on the event loop: the answer for a new call, or None to take the general path."""
    params = service.new_call_params(request, now=utcnow())
    inserted = await one_statement(engine, service.PG_ACCEPT_NEW_CALL, params)  # durable before the answer leaves
    return service.accepted_answer(params) if inserted is not None else None


@router.post(
    "/ivr-calls",
    response_model=IvrAnswerOut,
    tags=["telefonsystem"],
    summary="Opkald fra telefonsystemet: svar med det samme, slå op og send sms i baggrunden",
    responses={
        200: {
            "content": {"application/xml": {}},
            "description": "Svaret (JSON, eller TwiML ved Accept: application/xml)",
        }
    },
)
async def receive_ivr_call(body: IvrCallIn, principal: Ivr, request: Request) -> Response:
    # The hottest endpoint (payday: hundreds of calls a second). Nearly every call is new, with a valid CPR
    # number, from a caller under the limits: one statement, awaited on the event loop (PostgreSQL). Every
    # other case (a replayed call id, a bad CPR number, a caller over the limits) takes the general path, an ORM
    # transaction (on the event loop through the async engine; one thread-pool hop without it, as on SQLite).
    # Either way the answer leaves only after the commit.
    call = service.validate_call(
        call_id=body.call_id,
        caller_number=body.caller_number,
        menu_item=body.menu_item,
        digits=body.digits,
        principal=principal,
    )
    engine: AsyncEngine | None = getattr(request.app.state, "async_engine", None)
    answer: service.CallAnswer | None = None
    tried_new_call = engine is not None and call.cpr is not None
    if tried_new_call:
        assert engine is not None
        answer = await _accept_new_call(engine, call)
    if answer is None:
        answer = await unit_of_work(
            engine, lambda session: service.record_call(session, request=call, new_call_tried=tried_new_call)
        )
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else {}
    if _wants_xml(request):
        return Response(prompts.twiml(answer.prompt), media_type="application/xml", headers=headers)
    return Response(_answer_out(answer).model_dump_json(), media_type="application/json", headers=headers)


@router.get("/ivr-calls/{call_uuid}", response_model=CallOut, tags=["drift"], summary="Et opkalds forløb (admin)")
def get_ivr_call(call_uuid: uuid.UUID, principal: Admin, session: DbSession) -> IvrCall:
    call = session.get(IvrCall, call_uuid)
    if call is None:
        raise NotFound("Opkaldet findes ikke.")
    if call.cpr_pseudonym:
        audit.record(
            session,
            service=SERVICE,
            actor=principal,
            action="sms_ydelse.call.read",
            purpose="Drift: opfølgning på et opkald",
            citizen_pseudonym=call.cpr_pseudonym,
            object_type="ivr_call",
            object_id=str(call.id),
        )
    return call


@router.get(
    "/products", response_model=list[ProductOut], tags=["telefonsystem"], summary="Informationsprodukter og menupunkter"
)
def list_products(_: IvrOrAdmin) -> list[ProductOut]:
    return [
        ProductOut(key=p.key, title=p.title, menu_items=list(p.menu_items), template=f"{p.key}/v{p.template_version}")
        for p in all_products().values()
    ]


# --- the SMS gateway API (every service) --------------------------------------------------------


def caller_service(principal: Principal) -> str | None:
    """The service a `system` token speaks for: its `service` attribute, or the dev issuer's service subject."""
    declared = principal.attributes.get("service")
    return str(declared) if declared else SERVICE_SUBJECTS.get(principal.sub)


def _speaks_for(principal: Principal, sender_service: str) -> None:
    if sender_service not in SERVICE_NAMES:
        raise Unprocessable(
            "Ukendt afsendertjeneste.",
            errors=[FieldError("/sender_service", "unknown_sender_service", "Afsendertjenesten kendes ikke.")],
        )
    if caller_service(principal) != sender_service:
        raise Forbidden("Adgangsbilletten må ikke sende på vegne af den angivne tjeneste.")


@router.post(
    "/messages",
    response_model=MessageAccepted,
    status_code=202,
    tags=["sms"],
    summary="Send en sms (til et nummer eller til borgerens NemSMS-nummer)",
)
def send_message(
    body: MessageIn,
    principal: System,
    session: DbSession,
    response: Response,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
) -> MessageAccepted:
    if not idempotency_key:
        raise ProblemError(
            "Headeren Idempotency-Key mangler; den sikrer at en gentaget forespørgsel ikke sender to sms'er.",
            status=428,
            code="idempotency_key_required",
        )
    _speaks_for(principal, body.sender_service)
    message, replayed = service.create_message(
        session,
        sender_service=body.sender_service,
        idempotency_key=idempotency_key,
        text=body.text,
        to_msisdn=body.to_msisdn,
        recipient_cpr=body.recipient_cpr,
    )
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    elif body.recipient_cpr:
        audit.record(
            session,
            service=SERVICE,
            actor=principal,
            action="sms_ydelse.message.accepted",
            purpose=f"Sms fra {body.sender_service} til borgerens NemSMS-nummer",
            citizen_cpr=body.recipient_cpr,
            object_type="message",
            object_id=str(message.id),
        )
    return MessageAccepted(
        id=message.id, status=message.status, septets=message.septets, replaced_characters=message.replaced_characters
    )


@router.get("/messages/{message_id}", response_model=MessageOut, tags=["sms"], summary="En sms' leveringsstatus")
def get_message(message_id: uuid.UUID, principal: SystemOrAdmin, session: DbSession) -> MessageOut:
    message = session.get(Message, message_id)
    is_admin = principal.has(Role.admin)
    own = SERVICE_SUBJECTS.get(principal.sub)
    if message is None or not (is_admin or own is None or own == message.sender_service):
        raise NotFound("Beskeden findes ikke.")
    if message.recipient_pseudonym:
        audit.record(
            session,
            service=SERVICE,
            actor=principal,
            action="sms_ydelse.message.read",
            purpose="Opfølgning på levering af en sms",
            citizen_pseudonym=message.recipient_pseudonym,
            object_type="message",
            object_id=str(message.id),
        )
    events = session.scalars(
        select(MessageEvent).where(MessageEvent.message_id == message.id).order_by(MessageEvent.at)
    )
    return MessageOut(
        id=message.id,
        status=message.status,
        sender_service=message.sender_service,
        product=message.product,
        to_msisdn_masked=service.mask_msisdn(message.to_msisdn),
        septets=message.septets,
        replaced_characters=message.replaced_characters,
        attempts=message.attempts,
        failure_reason=message.failure_reason,
        created_at=message.created_at,
        sent_at=message.sent_at,
        delivered_at=message.delivered_at,
        failed_at=message.failed_at,
        events=[MessageEventOut.model_validate(e) for e in events],
    )


# --- callbacks from the gateways ----------------------------------------------------------------


def _check_signature(message_id: uuid.UUID, sig: str) -> None:
    if not valid_signature(message_id, sig):
        raise Forbidden("Leveringsrapporten er ikke signeret korrekt.")


@router.get(
    "/delivery-reports/kannel",
    response_class=PlainTextResponse,
    tags=["gateway"],
    summary="Leveringsrapport fra Kannel (dlr-url)",
)
async def kannel_delivery_report(
    request: Request,
    message_id: uuid.UUID,
    sig: Annotated[str, Query(max_length=64)],
    type: Annotated[int, Query(ge=0, le=64)],
) -> str:
    # Two reports per SMS arrive while the IVR answers calls: on the event loop with DB_ASYNC_HOT_PATHS.
    _check_signature(message_id, sig)
    status, detail = service.KANNEL_DLR.get(type, (None, f"unknown report type {type}"))
    detail = f"kannel {type}: {detail}"
    engine: AsyncEngine | None = getattr(request.app.state, "async_engine", None)
    if engine is not None:
        params = service.delivery_report_params(message_id=message_id, status=status, detail=detail)
        found = await one_statement(engine, service.PG_APPLY_DELIVERY_REPORT, params) is not None
    else:
        found = await unit_of_work(
            None,
            lambda session: (
                service.apply_delivery_status(session, message_id=message_id, status=status, detail=detail) is not None
            ),
        )
    if not found:
        raise NotFound("Beskeden findes ikke.")
    return "ok"


@router.post("/delivery-reports/nemsms", tags=["gateway"], summary="Statuskald fra NemSMS", status_code=204)
def nemsms_delivery_report(
    body: NemSmsStatusIn,
    session: DbSession,
    message_id: uuid.UUID,
    sig: Annotated[str, Query(max_length=64)],
) -> Response:
    _check_signature(message_id, sig)
    status = MessageStatus.delivered if body.status == "delivered" else MessageStatus.failed
    detail = f"nemsms {body.status}" + (f": {body.reason}" if body.reason else "")
    if service.apply_delivery_status(session, message_id=message_id, status=status, detail=detail) is None:
        raise NotFound("Beskeden findes ikke.")
    return Response(status_code=204)


@router.post(
    "/inbound-messages/kannel",
    response_class=PlainTextResponse,
    tags=["gateway"],
    summary="Svar-sms fra borgeren via Kannel (tilfredshed 1-5)",
)
async def kannel_inbound_message(
    request: Request,
    token: Annotated[str, Query(max_length=64)],
    x_kannel_from: Annotated[str, Header(max_length=32)],
) -> str:
    if not hmac.compare_digest(token.encode(), inbound_token().encode()):
        raise Forbidden("Ukendt afsender af indgående sms.")
    text = (await request.body())[:200].decode("utf-8", errors="replace")
    await run_in_threadpool(_record_reply, x_kannel_from, text)
    return ""


def _record_reply(from_msisdn: str, text: str) -> None:
    with session_scope() as session:
        service.record_reply(session, from_msisdn=from_msisdn, text=text)


# --- statistics for the operations page ---------------------------------------------------------


def _period(date_from: date, date_to: date) -> None:
    problem = statistics.check_range(date_from, date_to)
    if problem:
        raise Unprocessable(problem, errors=[FieldError("/query/to", "invalid_period", problem)])


@router.get("/statistics/overview", tags=["statistik"], summary="Nøgletal for en periode (admin)")
def statistics_overview(
    _: Admin,
    session: DbSession,
    date_from: Annotated[date, Query(alias="from")],
    date_to: Annotated[date, Query(alias="to")],
    product: Annotated[str | None, Query(max_length=40)] = None,
) -> dict[str, Any]:
    _period(date_from, date_to)
    return statistics.overview(session, date_from=date_from, date_to=date_to, product=product)


@router.get("/statistics/daily", tags=["statistik"], summary="Opkald og sms pr. dag og produkt (admin)")
def statistics_daily(
    _: Admin,
    session: DbSession,
    date_from: Annotated[date, Query(alias="from")],
    date_to: Annotated[date, Query(alias="to")],
    product: Annotated[str | None, Query(max_length=40)] = None,
) -> dict[str, Any]:
    _period(date_from, date_to)
    return {"items": statistics.daily(session, date_from=date_from, date_to=date_to, product=product)}


@router.get("/statistics/hourly", tags=["statistik"], summary="Opkald og sms pr. time for én dag (admin)")
def statistics_hourly(
    _: Admin,
    session: DbSession,
    day: date,
    product: Annotated[str | None, Query(max_length=40)] = None,
) -> dict[str, Any]:
    return {"day": day.isoformat(), "items": statistics.hourly(session, day=day, product=product)}
