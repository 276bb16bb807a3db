"""Local simulators of CPR, BBR, Fasit, eIndkomst, BUF, E-flyt and the municipal notes, one adapter per source.

They read the synthetic population (`kontrol.sim_register_persons`, `kontrol.sim_municipal_notes`) written by
`services.kontrol.synth.loader`; each adapter sees only its own register's part of a person.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.kontrol.facts import facts_of_source
from services.kontrol.models import SimMunicipalNote, SimRegisterPerson
from services.kontrol.sources.base import Record, SourceResult
from shared import cpr as cpr_utils

NOTE_WINDOW_DAYS = 365


class SimulatedRegister:
    """One register of the synthetic population (the same class serves CPR, BBR, Fasit, eIndkomst, BUF, E-flyt)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._facts = facts_of_source(name)

    def fetch(self, session: Session, *, cpr: str) -> SourceResult:
        person = session.scalar(
            select(SimRegisterPerson).where(SimRegisterPerson.cpr_pseudonym == cpr_utils.pseudonymise(cpr))
        )
        if person is None or self.name not in person.registers:
            return SourceResult(self.name, available=False)
        part = person.registers[self.name]
        values = part.get("values", {})
        records = [Record(fact, _number(values.get(fact)), part["as_of"]) for fact in self._facts]
        return SourceResult(self.name, available=True, records=records)


class SimulatedNotes:
    """The municipal notes system: notes about residence in the last 12 months."""

    name = "notater"

    def fetch(self, session: Session, *, cpr: str) -> SourceResult:
        pseudonym = cpr_utils.pseudonymise(cpr)
        known = session.scalar(select(SimRegisterPerson.id).where(SimRegisterPerson.cpr_pseudonym == pseudonym))
        if known is None:
            return SourceResult(self.name, available=False)
        notes = list(
            session.scalars(
                select(SimMunicipalNote)
                .where(SimMunicipalNote.cpr_pseudonym == pseudonym)
                .order_by(SimMunicipalNote.written_on)
            )
        )
        since = date.today() - timedelta(days=NOTE_WINDOW_DAYS)
        recent = [n for n in notes if n.written_on >= since]
        latest = max((n.written_on for n in notes), default=date.today())
        return SourceResult(
            self.name,
            available=True,
            records=[Record("notes_12m", float(len(recent)), latest.isoformat())],
            extra={
                "notes": [
                    {"written_on": n.written_on.isoformat(), "author_unit": n.author_unit, "body": n.body}
                    for n in notes
                ]
            },
        )


def _number(value: object) -> float | None:
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if number != number else number


class SimulatedCprIdentity:
    """Name and address from the simulated CPR register (revealed only when a case is opened)."""

    def lookup(self, session: Session, *, cpr: str) -> dict[str, str] | None:
        person = session.scalar(
            select(SimRegisterPerson).where(SimRegisterPerson.cpr_pseudonym == cpr_utils.pseudonymise(cpr))
        )
        if person is None:
            return None
        return {"name": person.name, "address": person.address}
