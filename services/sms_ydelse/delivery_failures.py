"""Failed SMS for the operations page: a read-only list without number, text or citizen (role admin).

Added for the web pages (issue 7) as a separate module so the service's own views stay untouched.
The answer identifies no one (no number, no text, no pseudonym), like the statistics; opening one
message's history goes through `GET /api/v1/messages/{id}`, which is audited.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.sms_ydelse import statistics
from services.sms_ydelse.models import Message, MessageStatus
from shared.auth import Principal, require_roles
from shared.auth.roles import Role
from shared.db import DbSession
from shared.errors import FieldError, Unprocessable

OTHER_SERVICES_PRODUCT = "notifikation"  # as in the statistics: SMS sent for another service

router = APIRouter(prefix="/api/v1")
Admin = Annotated[Principal, Depends(require_roles(Role.admin))]


class DeliveryFailureOut(BaseModel):
    id: uuid.UUID
    product: str = Field(description="Informationsprodukt; 'notifikation' for sms fra andre tjenester")
    sender_service: str
    failure_reason: str | None = Field(
        description="not_delivered, expired, no_nemsms_registration eller gateway_rejected"
    )
    gateway: str | None
    attempts: int
    created_at: datetime
    failed_at: datetime | None


class DeliveryFailurePage(BaseModel):
    total: int = Field(description="Fejlede sms i perioden i alt (listen viser højst `limit`)")
    items: list[DeliveryFailureOut]


def list_failures(
    session: Session, *, date_from: date, date_to: date, product: str | None = None, limit: int = 50
) -> tuple[int, list[Message]]:
    """Failed messages created in the period (Copenhagen days), newest failure first, and their total."""
    conditions = [Message.status == MessageStatus.failed, Message.created_day.between(date_from, date_to)]
    if product:
        conditions.append(Message.product == product)
    total = session.scalar(select(func.count()).select_from(Message).where(*conditions)) or 0
    rows = session.scalars(
        select(Message)
        .where(*conditions)
        .order_by(Message.failed_at.desc().nulls_last(), Message.created_at.desc())
        .limit(limit)
    )
    return total, list(rows)


@router.get(
    "/delivery-failures",
    response_model=DeliveryFailurePage,
    tags=["statistik"],
    summary="Fejlede sms i en periode, uden nummer og tekst (admin)",
)
def delivery_failures(
    _: Admin,
    session: DbSession,
    date_from: Annotated[date, Query(alias="from")],
    date_to: Annotated[date, Query(alias="to")],
    product: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> DeliveryFailurePage:
    problem = statistics.check_range(date_from, date_to)
    if problem:
        raise Unprocessable(problem, errors=[FieldError("/query/to", "invalid_period", problem)])
    total, rows = list_failures(session, date_from=date_from, date_to=date_to, product=product, limit=limit)
    return DeliveryFailurePage(
        total=total,
        items=[
            DeliveryFailureOut(
                id=m.id,
                product=m.product or OTHER_SERVICES_PRODUCT,
                sender_service=m.sender_service,
                failure_reason=m.failure_reason,
                gateway=m.gateway,
                attempts=m.attempts,
                created_at=m.created_at,
                failed_at=m.failed_at,
            )
            for m in rows
        ],
    )
