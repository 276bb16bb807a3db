"""Routes every service carries: admin views of audit log and dead letters, and the dev token issuer."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from shared import cpr as cpr_utils
from shared.audit import service as audit_service
from shared.auth.demo_users import DEMO_USERS
from shared.auth.deps import require_roles
from shared.auth.idp_simulator import simulator_router
from shared.auth.roles import Role
from shared.auth.tokens import Principal, dev_jwks, mint_demo_token
from shared.cpr import CPR
from shared.db import DbSession
from shared.errors import NotFound
from shared.notifications.models import SimulatedLetter, SimulatedSms
from shared.queue.models import DeadLetter
from shared.queue.outbox import replay_dead_letter
from shared.settings import get_settings

AdminOnly = Annotated[Principal, Depends(require_roles(Role.admin))]


class AuditEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    occurred_at: datetime
    service: str
    actor_sub: str
    actor_role: str
    action: str
    purpose: str
    citizen_pseudonym: str | None
    object_type: str | None
    object_id: str | None
    details: dict[str, Any]
    chain_hash: str | None


class AuditPage(BaseModel):
    items: list[AuditEventOut]
    next_cursor: str | None


class AuditSearch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cpr: CPR = Field(description="Borgerens CPR-nummer; søges via pseudonym, aldrig i URL'en")
    limit: int = Field(50, ge=1, le=500)


class DeadLetterOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    consumer: str | None
    error: str
    attempts: int
    failed_at: datetime
    replayed_at: datetime | None
    replayed_by: str | None


class SimulatedLetterOut(BaseModel):
    id: uuid.UUID
    recipient: str = Field(description="Modtagerens CPR-nummer, maskeret")
    sender_service: str
    title: str
    body: str
    sent_at: datetime


class SimulatedSmsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    to_msisdn: str | None
    sender_service: str
    text: str
    sent_at: datetime


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user: str = Field(description="Demo-brugerens id (sub), fx 'sb-anne'", examples=["sb-anne"])


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    roles: list[str]


def _page(items: list[Any], limit: int) -> AuditPage:
    cursor = str(items[-1].id) if len(items) == limit else None
    return AuditPage(items=[AuditEventOut.model_validate(i) for i in items], next_cursor=cursor)


def platform_router() -> APIRouter:
    """Admin routes for the audit log and dead letters."""
    router = APIRouter(prefix="/api/v1", tags=["administration"])

    @router.get("/audit-events", response_model=AuditPage, summary="Revisionslog (admin)")
    def list_audit_events(
        _: AdminOnly,
        session: DbSession,
        actor_sub: str | None = Query(None, max_length=120),
        action: str | None = Query(None, max_length=80),
        limit: int = Query(50, ge=1, le=500),
        cursor: int | None = Query(None, ge=1),
    ) -> AuditPage:
        return _page(
            audit_service.query(session, actor_sub=actor_sub, action=action, after_id=cursor, limit=limit), limit
        )

    @router.post("/audit-events/searches", response_model=AuditPage, summary="Revisionslog for én borger (admin)")
    def search_audit_events(body: AuditSearch, admin: AdminOnly, request: Request, session: DbSession) -> AuditPage:
        pseudonym = cpr_utils.pseudonymise(body.cpr)
        found = audit_service.query(session, citizen_pseudonym=pseudonym, limit=body.limit)
        # Looking up who accessed a citizen's data is itself access to that citizen's data.
        audit_service.record(
            session,
            service=request.app.state.service_name,
            actor=admin,
            action="audit.search",
            purpose="kontrol af adgang til personoplysninger",
            citizen_pseudonym=pseudonym,
        )
        return _page(found, body.limit)

    @router.get("/audit-events/verification", summary="Kontrollér revisionslogens hashkæde (admin)")
    def verify_audit_log(_: AdminOnly, session: DbSession) -> dict[str, Any]:
        audit_service.seal(session)
        return audit_service.verify(session)

    @router.get("/dead-letters", response_model=list[DeadLetterOut], summary="Fejlede hændelser (admin)")
    def list_dead_letters(_: AdminOnly, session: DbSession, limit: int = Query(100, ge=1, le=1000)) -> list[DeadLetter]:
        return list(session.scalars(select(DeadLetter).order_by(DeadLetter.failed_at.desc()).limit(limit)))

    @router.post(
        "/dead-letters/{dead_letter_id}/replays",
        response_model=DeadLetterOut,
        status_code=202,
        summary="Send en fejlet hændelse igen (admin)",
    )
    def replay(dead_letter_id: uuid.UUID, admin: AdminOnly, session: DbSession) -> DeadLetter:
        letter = replay_dead_letter(session, dead_letter_id=dead_letter_id, actor_sub=admin.sub)
        if letter is None:
            raise NotFound("Den fejlede hændelse findes ikke.")
        return letter

    @router.get(
        "/simulators/digital-post",
        response_model=list[SimulatedLetterOut],
        summary="Breve modtaget af Digital Post-simulatoren (admin)",
    )
    def simulated_letters(
        admin: AdminOnly, request: Request, session: DbSession, limit: int = Query(50, ge=1, le=500)
    ) -> list[SimulatedLetterOut]:
        rows = session.scalars(select(SimulatedLetter).order_by(SimulatedLetter.sent_at.desc()).limit(limit)).all()
        for row in rows:
            audit_service.record(
                session,
                service=request.app.state.service_name,
                actor=admin,
                action="simulator.letter.read",
                purpose="drift og demonstration",
                citizen_pseudonym=row.recipient_pseudonym,
                object_type="simulated_letter",
                object_id=str(row.id),
            )
        return [
            SimulatedLetterOut(
                id=r.id,
                recipient=cpr_utils.mask(r.recipient_cpr),
                sender_service=r.sender_service,
                title=r.title,
                body=r.body,
                sent_at=r.sent_at,
            )
            for r in rows
        ]

    @router.get(
        "/simulators/sms", response_model=list[SimulatedSmsOut], summary="SMS modtaget af SMS-simulatoren (admin)"
    )
    def simulated_sms(_: AdminOnly, session: DbSession, limit: int = Query(50, ge=1, le=500)) -> list[SimulatedSms]:
        return list(session.scalars(select(SimulatedSms).order_by(SimulatedSms.sent_at.desc()).limit(limit)))

    return router


def dev_issuer_router() -> APIRouter:
    """The local dev issuer: demo-user tokens, its JWKS and the MitID/SSO simulator (disabled in production)."""
    router = APIRouter(tags=["udvikling"])

    @router.post("/api/v1/dev/tokens", response_model=TokenResponse, summary="Demo-token (kun udvikling)")
    def issue_token(body: TokenRequest, request: Request) -> TokenResponse:
        user = next((u for u in DEMO_USERS if u.sub == body.user), None)
        if user is None:
            raise NotFound("Ukendt demo-bruger.")
        token = mint_demo_token(user.sub, request.app.state.audience)
        return TokenResponse(
            access_token=token, expires_in=get_settings().auth_token_ttl_seconds, roles=[str(r) for r in user.roles]
        )

    @router.get("/api/v1/dev/users", summary="Demo-brugere (kun udvikling)")
    def list_demo_users() -> list[dict[str, Any]]:
        return [{"sub": u.sub, "name": u.name, "roles": [str(r) for r in u.roles]} for u in DEMO_USERS]

    @router.get("/.well-known/jwks.json", summary="Dev-udsteders offentlige nøgler")
    def jwks() -> dict[str, Any]:
        return dev_jwks()

    router.include_router(simulator_router())  # OIDC login against the same key: docs/web.md
    return router
