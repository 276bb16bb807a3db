"""A local stand-in for KASA Helpdesk: its own transactions (like a separate system), and an HTTP face.

`SimulatedKasaHelpdesk` implements the adapter contract over `vicevaert.simulated_kasa_cases`,
committing in its own session as a remote system would. `register_case` / `change_case` let
tests and demos play KEID staff working in KASA. `create_simulator_app()` serves the same
store over the HTTP contract, so `KasaHttpHelpdesk` can be exercised end to end.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict
from typing import Any

from fastapi import FastAPI, Header, Query
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.viceværtsopgaver.kasa.adapter import KasaCase, KasaCaseUpsert
from services.viceværtsopgaver.kasa.models import SimulatedKasaCase
from services.viceværtsopgaver.task.service import next_case_number
from shared.db import session_scope, utcnow


def _case(row: SimulatedKasaCase) -> KasaCase:
    return KasaCase(
        external_id=row.external_id,
        case_number=row.case_number,
        title=row.title,
        description=row.description,
        category=row.category,
        property_number=row.property_number,
        priority=row.priority,
        status=row.status,
        external_reference=row.external_reference,
        reference_number=row.reference_number,
        version=row.version,
        updated_at=row.updated_at,
    )


def _next_seq(session: Session) -> int:
    return int(next_case_number(session, now=utcnow(), prefix="KASASEQ").rsplit("-", 1)[1])


class SimulatedKasaHelpdesk:
    """KASA Helpdesk as far as the exchange needs it, stored locally."""

    def changes_since(self, cursor: str | None, *, limit: int) -> tuple[list[KasaCase], str | None]:
        after = int(cursor) if cursor and cursor.isdigit() else 0
        with session_scope() as session:
            rows = list(
                session.scalars(
                    select(SimulatedKasaCase)
                    .where(SimulatedKasaCase.change_seq > after)
                    .order_by(SimulatedKasaCase.change_seq)
                    .limit(limit)
                )
            )
            cases = [_case(r) for r in rows]
            next_cursor = str(rows[-1].change_seq) if rows else cursor
        return cases, next_cursor

    def upsert_case(self, case: KasaCaseUpsert, *, external_id: str | None) -> KasaCase:
        with session_scope() as session:
            row = session.get(SimulatedKasaCase, external_id) if external_id else None
            if row is None:
                row = session.scalar(
                    select(SimulatedKasaCase).where(SimulatedKasaCase.external_reference == case.external_reference)
                )
            fields = asdict(case)
            if row is None:
                row = SimulatedKasaCase(
                    external_id=external_id or f"kasa-{secrets.token_hex(6)}",
                    case_number=next_case_number(session, now=utcnow(), prefix="KASA"),
                    version=1,
                    change_seq=_next_seq(session),
                    updated_at=utcnow(),
                    **fields,
                )
                session.add(row)
            elif any(getattr(row, k) != v for k, v in fields.items()):
                for key, value in fields.items():
                    setattr(row, key, value)
                row.version += 1
                row.change_seq = _next_seq(session)
                row.updated_at = utcnow()
            session.flush()
            return _case(row)

    # --- KEID staff working in KASA (tests and demos) ---------------------------------------------

    def register_case(
        self, *, title: str, description: str, category: str, property_number: str, priority: str = "normal"
    ) -> KasaCase:
        """A case created directly in KASA by KEID's service desk."""
        with session_scope() as session:
            row = SimulatedKasaCase(
                external_id=f"kasa-{secrets.token_hex(6)}",
                case_number=next_case_number(session, now=utcnow(), prefix="KASA"),
                external_reference=None,
                reference_number=None,
                title=title,
                description=description,
                category=category,
                property_number=property_number,
                priority=priority,
                status="modtaget",
                version=1,
                change_seq=_next_seq(session),
                updated_at=utcnow(),
            )
            session.add(row)
            session.flush()
            return _case(row)

    def change_case(self, external_id: str, **changes: Any) -> KasaCase:
        """KEID staff edit a case in KASA (title, priority, status …)."""
        with session_scope() as session:
            row = session.get(SimulatedKasaCase, external_id)
            if row is None:
                raise KeyError(external_id)
            for key, value in changes.items():
                setattr(row, key, value)
            row.version += 1
            row.change_seq = _next_seq(session)
            row.updated_at = utcnow()
            session.flush()
            return _case(row)

    def get_case(self, external_id: str) -> KasaCase | None:
        """Read one case (tests)."""
        with session_scope() as session:
            row = session.get(SimulatedKasaCase, external_id)
            return _case(row) if row else None

    def all_cases(self) -> list[KasaCase]:
        """Every case (tests)."""
        with session_scope() as session:
            return [_case(r) for r in session.scalars(select(SimulatedKasaCase).order_by(SimulatedKasaCase.change_seq))]


def create_simulator_app(token: str = "kasa-sim-token") -> FastAPI:  # noqa: S107 - the simulator's own test token
    """The simulator behind KASA's HTTP contract (for exercising KasaHttpHelpdesk)."""
    app = FastAPI(title="KASA Helpdesk simulator")
    helpdesk = SimulatedKasaHelpdesk()

    def _authorised(authorization: str | None) -> bool:
        return authorization == f"Bearer {token}"

    @app.get("/api/v1/cases/changes")
    def changes(
        cursor: str | None = Query(None),
        limit: int = Query(100, ge=1, le=1000),
        authorization: str | None = Header(None),
    ) -> JSONResponse:
        if not _authorised(authorization):
            return JSONResponse({"error": "unauthorised"}, status_code=401)
        cases, next_cursor = helpdesk.changes_since(cursor, limit=limit)
        return JSONResponse({"items": [c.to_json() for c in cases], "next_cursor": next_cursor})

    @app.put("/api/v1/cases/by-reference/{reference}")
    def upsert(reference: str, body: dict[str, Any], authorization: str | None = Header(None)) -> JSONResponse:
        if not _authorised(authorization):
            return JSONResponse({"error": "unauthorised"}, status_code=401)
        external_id = body.pop("external_id", None)
        case = KasaCaseUpsert(**{**body, "external_reference": reference})
        return JSONResponse(helpdesk.upsert_case(case, external_id=external_id).to_json())

    return app
