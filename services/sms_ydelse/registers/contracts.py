"""Contracts of the register adapters (what a real integration must honour; docs/sms_ydelse/adapters.md).

Every method is read-only, keyed by a ten-digit CPR number that never leaves the process in a
URL or a log line, and either answers or raises `RegisterUnavailable` (the lookup task is then
retried with backoff). "Not known" is an answer (None), not an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

COPENHAGEN_MUNICIPALITY_CODE = "0101"


class RegisterUnavailable(Exception):
    """The register did not answer in time or answered with a server error (temporary)."""


@dataclass(frozen=True)
class PersonStatus:
    """What the CPR register says about a person (no name, no address)."""

    alive: bool
    municipality_code: str | None  # four digits, "0101" = Københavns Kommune; None = no Danish address

    @property
    def resident_in_copenhagen(self) -> bool:
        return self.municipality_code == COPENHAGEN_MUNICIPALITY_CODE


@dataclass(frozen=True)
class Payment:
    """The next payment of one benefit."""

    benefit_type: str  # e.g. "kontanthjaelp", "boligstoette"
    payment_date: date
    amount_ore: int


@dataclass(frozen=True)
class ApplicationStatus:
    """Status of a citizen's driving-licence application, as the koerekort service words it."""

    status_code: str
    status_text: str


class CprRegister(Protocol):
    def person(self, cpr: str) -> PersonStatus | None:
        """The person's status, or None when the CPR number is not in the register."""
        ...


class NemSmsRegistry(Protocol):
    def registered_number(self, cpr: str) -> str | None:
        """The +45 number the citizen registered for NemSMS on borger.dk, or None."""
        ...


class BenefitPayments(Protocol):
    def next_payments(self, cpr: str, *, on: date) -> list[Payment]:
        """The next payment on or after `on` of each benefit the citizen receives (empty when none)."""
        ...


class KoerekortStatus(Protocol):
    def application_status(self, cpr: str) -> ApplicationStatus | None:
        """The status of the citizen's driving-licence application, or None when there is none."""
        ...
