"""HTTP routes for in-portal notifications and the orderer's contact preferences."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from services.viceværtsopgaver.common.deps import AnyUser, Orderer
from services.viceværtsopgaver.common.validators import Email, Phone
from services.viceværtsopgaver.notify import service
from services.viceværtsopgaver.notify.models import OrdererProfile
from shared.db import DbSession

router = APIRouter(prefix="/api/v1", tags=["beskeder"])


class NotificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    task_id: uuid.UUID | None
    kind: str
    title: str
    body: str
    channels: dict[str, str]
    created_at: datetime
    read_at: datetime | None


class NotificationPage(BaseModel):
    items: list[NotificationOut]
    next_cursor: str | None


class ProfileIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    phone: Phone | None = None
    email: Email | None = None
    notify_sms: bool = True
    notify_email: bool = True


class ProfileOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    phone: str | None
    email: str | None
    notify_sms: bool
    notify_email: bool


@router.get("/me/notifications", response_model=NotificationPage, summary="Mine beskeder (nyeste først)")
def my_notifications(
    principal: AnyUser,
    session: DbSession,
    unread_only: bool = Query(False),
    limit: int = Query(50, ge=1, le=200),
    cursor: str | None = Query(None, max_length=200),
) -> NotificationPage:
    items, next_cursor = service.list_for(
        session, recipient_sub=principal.sub, unread_only=unread_only, cursor=cursor, limit=limit
    )
    return NotificationPage(items=[NotificationOut.model_validate(n) for n in items], next_cursor=next_cursor)


@router.post(
    "/notifications/{notification_id}/reads", response_model=NotificationOut, status_code=201, summary="Markér som læst"
)
def mark_read(notification_id: uuid.UUID, principal: AnyUser, session: DbSession) -> object:
    return service.mark_read(session, notification_id=notification_id, recipient_sub=principal.sub)


@router.get(
    "/me/notification-settings", response_model=ProfileOut, summary="Mine kontaktoplysninger til statusbeskeder"
)
def get_profile(principal: Orderer, session: DbSession) -> object:
    return session.get(OrdererProfile, principal.sub) or ProfileOut(
        phone=None, email=None, notify_sms=True, notify_email=True
    )


@router.put(
    "/me/notification-settings", response_model=ProfileOut, summary="Gem kontaktoplysninger og valg af SMS/e-mail"
)
def put_profile(body: ProfileIn, principal: Orderer, session: DbSession) -> object:
    return service.save_profile(session, user_sub=principal.sub, values=body.model_dump())
