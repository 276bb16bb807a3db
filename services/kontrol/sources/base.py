"""The contract every data-source adapter honours (documented in docs/kontrol/data-sources.md).

`fetch(session, cpr=...)` returns a SourceResult: the dated records the source holds about the person (each
record one fact with its value, label, source and date: the forklaringsark shows them) or `available=False`
when the source does not know the person. An adapter never decides anything and never writes to the source.
Adapters raise SourceUnavailable when the source cannot be reached or does not answer within
`KONTROL_SOURCE_TIMEOUT_SECONDS` (SourceTimeout); the gathering keeps what the other sources answered and the
task is retried for the missing ones (see services/kontrol/sources/service.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.orm import Session

from services.kontrol.facts import BY_NAME, SOURCES, format_value


class SourceUnavailable(Exception):
    """The source could not answer now (network, maintenance, 5xx); retry later. The message names no person."""


class SourceTimeout(SourceUnavailable):
    """The source did not answer within the timeout: treated exactly like an outage."""


@dataclass
class Record:
    fact: str
    value: float | None
    as_of: str  # ISO date the source's datum refers to

    def as_json(self, source: str) -> dict[str, Any]:
        fact = BY_NAME[self.fact]
        return {
            "fact": self.fact,
            "label": fact.label,
            "value": self.value,
            "display": format_value(self.fact, self.value),
            "source": source,
            "source_label": SOURCES[source],
            "as_of": self.as_of,
        }


@dataclass
class SourceResult:
    source: str
    available: bool
    records: list[Record] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. notes' texts (personal data, stored encrypted)

    def facts(self) -> dict[str, float | None]:
        return {r.fact: r.value for r in self.records}


class DataSource(Protocol):
    name: str

    def fetch(self, session: Session, *, cpr: str) -> SourceResult: ...
