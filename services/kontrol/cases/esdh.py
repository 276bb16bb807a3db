"""Journaling through an ESDH adapter (e-Doc today; a new ESDH system replaces it, so only this module changes).

Contract: `journalise(session, case_reference=, case_title=, documents=, idempotency_key=)` creates (or finds)
the ESDH case for our case reference, files every document on it and returns the ESDH journal number. The
idempotency key makes a retried call return the same journal number without filing anything twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.kontrol.models import Counter, SimEsdhDocument
from shared.db import is_postgres, utcnow


@dataclass
class Document:
    title: str
    media_type: str
    content: str


class Esdh(Protocol):
    def journalise(
        self,
        session: Session,
        *,
        case_reference: str,
        case_title: str,
        documents: list[Document],
        idempotency_key: str,
    ) -> str: ...


class SimulatedEdoc:
    """The e-Doc simulator: journal numbers YYYY-NNNNNN, documents stored encrypted in kontrol.sim_esdh_documents."""

    def journalise(
        self,
        session: Session,
        *,
        case_reference: str,
        case_title: str,
        documents: list[Document],
        idempotency_key: str,
    ) -> str:
        existing = session.scalar(
            select(SimEsdhDocument.journal_number).where(SimEsdhDocument.idempotency_key.like(f"{idempotency_key}:%"))
        )
        if existing is not None:
            return existing
        year = utcnow().year
        name = f"esdh-{year}"
        counter = session.get(Counter, name, with_for_update=is_postgres(session))
        if counter is None:
            counter = Counter(name=name, value=0)
            session.add(counter)
            session.flush()
        session.execute(update(Counter).where(Counter.name == name).values(value=Counter.value + 1))
        session.refresh(counter)
        journal_number = f"{year}-{counter.value:06d}"
        for index, document in enumerate(documents):
            session.add(
                SimEsdhDocument(
                    idempotency_key=f"{idempotency_key}:{index}",
                    journal_number=journal_number,
                    case_title=f"{case_reference} {case_title}",
                    title=document.title,
                    media_type=document.media_type,
                    content=document.content,
                )
            )
        session.flush()
        return journal_number


def get_esdh() -> Esdh:
    """The configured ESDH adapter."""
    return SimulatedEdoc()
