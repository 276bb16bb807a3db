"""Delivery reports: the one-statement PostgreSQL path (event loop) follows the same rules as the ORM path."""

from __future__ import annotations

import itertools
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from services.sms_ydelse import service
from services.sms_ydelse.models import Message, MessageEvent, MessageStatus
from shared.db import utcnow

INITIAL = ["queued", "sending", "sent", "delivered", "failed"]
REPORTED = [None, "sent", "delivered", "failed"]


def _message(session: Any, *, key: str, initial: str, survey: bool) -> uuid.UUID:
    message, _ = service.create_message(
        session,
        sender_service="sms_ydelse",
        idempotency_key=key,
        text="Din næste udbetaling er 5.432,10 kr.",
        to_msisdn="+4520112233",
        survey_included=survey,
        announce=False,
    )
    message.recipient_cpr = "1502851236"  # as if still to be resolved: erased by a final report
    message.status = initial
    if initial != "queued":
        message.sent_at = utcnow() - timedelta(minutes=5)
    session.commit()
    return message.id


def _state(session: Any, message_id: uuid.UUID, before: Any) -> dict[str, Any]:
    session.expire_all()
    message = session.get(Message, message_id)
    events = session.scalars(
        select(MessageEvent).where(MessageEvent.message_id == message_id).order_by(MessageEvent.at)
    ).all()
    return {
        "status": message.status,
        "sent_at_kept": message.sent_at == before,
        "sent_at_set": message.sent_at is not None,
        "delivered_at": message.delivered_at is not None,
        "failed_at": message.failed_at is not None,
        "failure_reason": message.failure_reason,
        "recipient_cpr": message.recipient_cpr,
        "to_msisdn": message.to_msisdn,
        "events": [(e.kind, e.status, e.detail) for e in events],
    }


@pytest.mark.parametrize(("initial", "survey"), list(itertools.product(INITIAL, [False, True])))
def test_the_statement_and_the_orm_path_apply_a_report_alike(session, initial: str, survey: bool) -> None:
    for reported in REPORTED:
        by_orm = _message(session, key=f"orm-{initial}-{survey}-{reported}", initial=initial, survey=survey)
        by_sql = _message(session, key=f"sql-{initial}-{survey}-{reported}", initial=initial, survey=survey)
        before = {m: session.get(Message, m).sent_at for m in (by_orm, by_sql)}
        detail = f"kannel: {reported}"

        service.apply_delivery_status(session, message_id=by_orm, status=reported, detail=detail)
        session.commit()
        params = service.delivery_report_params(message_id=by_sql, status=reported, detail=detail)
        row = session.execute(service.PG_APPLY_DELIVERY_REPORT, params).first()
        session.commit()

        assert row is not None and row.id == by_sql
        orm_state, sql_state = _state(session, by_orm, before[by_orm]), _state(session, by_sql, before[by_sql])
        assert sql_state == orm_state, (initial, survey, reported)


def test_final_states_and_erasure_follow_the_rules(session) -> None:
    # Spot checks of the rules themselves, so the comparison above cannot pass with both paths wrong.
    delivered = _message(session, key="rule-delivered", initial="sending", survey=False)
    params = service.delivery_report_params(message_id=delivered, status="delivered", detail="kannel 1")
    session.execute(service.PG_APPLY_DELIVERY_REPORT, params)
    late_failure = service.delivery_report_params(message_id=delivered, status="failed", detail="kannel 2")
    session.execute(service.PG_APPLY_DELIVERY_REPORT, late_failure)
    session.commit()
    state = _state(session, delivered, None)
    assert state["status"] == MessageStatus.delivered and state["delivered_at"] and not state["failed_at"]
    assert state["recipient_cpr"] is None and state["to_msisdn"] is None  # nothing kept once delivered
    reports = [status for kind, status, _ in state["events"] if kind == "delivery_report"]
    assert reports == ["delivered", "failed"]  # both reports logged, the final state kept

    with_survey = _message(session, key="rule-survey", initial="sent", survey=True)
    session.execute(
        service.PG_APPLY_DELIVERY_REPORT,
        service.delivery_report_params(message_id=with_survey, status="delivered", detail="kannel 1"),
    )
    session.commit()
    assert _state(session, with_survey, None)["to_msisdn"] == "+4520112233"  # a 1-5 reply may still come


def test_a_report_for_an_unknown_message_changes_nothing(session) -> None:
    params = service.delivery_report_params(message_id=uuid.uuid4(), status="delivered", detail="kannel 1")
    assert session.execute(service.PG_APPLY_DELIVERY_REPORT, params).first() is None
    session.commit()
    assert session.scalars(select(MessageEvent).where(MessageEvent.kind == "delivery_report")).all() == []
