"""Local simulators of CPR, BBR, Fasit, eIndkomst, BUF, E-flyt and the municipal notes, one adapter per source.

They read the synthetic population (`kontrol.sim_register_persons`, `kontrol.sim_municipal_notes`) written by
`services.kontrol.synth.loader`; each adapter sees only its own register's part of a person.

`SimulatedOutage` puts a simulator behind the same failure modes a real register has, switched by
`KONTROL_SOURCE_FAULTS` (read at every call, so an outage can begin and end while the service runs):
`bbr=down` refuses every call, `fasit=slow:30` answers after 30 seconds, which is a timeout when that is longer
than `KONTROL_SOURCE_TIMEOUT_SECONDS` (the caller waits the timeout, as an HTTP client would, then gives up).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.kontrol.facts import SOURCES, facts_of_source
from services.kontrol.models import SimMunicipalNote, SimRegisterPerson
from services.kontrol.sources.base import DataSource, Record, SourceResult, SourceTimeout, SourceUnavailable
from shared import cpr as cpr_utils
from shared.settings import get_settings

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


@dataclass(frozen=True)
class Fault:
    """One simulated failure mode: `down`, or `slow` with the seconds the source takes to answer."""

    mode: str
    latency_seconds: float = 0.0


def parse_faults(spec: str) -> dict[str, Fault]:
    """Parse `KONTROL_SOURCE_FAULTS` ("bbr=down,fasit=slow:30"); a typo is a configuration error, not 'all up'."""
    faults: dict[str, Fault] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        source, _, mode = (p.strip() for p in item.partition("="))
        if source not in SOURCES:
            raise ValueError(f"KONTROL_SOURCE_FAULTS: ukendt kilde {source!r}")
        if mode == "down":
            faults[source] = Fault("down")
        elif mode.startswith("slow:"):
            faults[source] = Fault("slow", float(mode.removeprefix("slow:")))
        else:
            raise ValueError(f"KONTROL_SOURCE_FAULTS: ukendt fejltype {mode!r} for {source} (down eller slow:SEKUNDER)")
    return faults


class SimulatedOutage:
    """Wraps a simulator so it can be down or slow like the real register (see the module docstring)."""

    def __init__(self, inner: DataSource) -> None:
        self.inner = inner
        self.name = inner.name

    def fetch(self, session: Session, *, cpr: str) -> SourceResult:
        settings = get_settings()
        fault = parse_faults(settings.kontrol_source_faults).get(self.name)
        label = SOURCES[self.name]
        if fault is not None and fault.mode == "down":
            raise SourceUnavailable(f"{label} svarer ikke (forbindelsen blev afvist)")
        if fault is not None and fault.mode == "slow":
            timeout = settings.kontrol_source_timeout_seconds
            time.sleep(min(fault.latency_seconds, timeout))
            if fault.latency_seconds > timeout:
                raise SourceTimeout(f"{label} svarede ikke inden for {timeout:g} sekunder")
        return self.inner.fetch(session, cpr=cpr)
