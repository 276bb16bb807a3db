"""Adapters for the systems koerekort cannot reach from here, each with a documented contract and a simulator.

- GP register (the health-insurance register's GP choice, Sygesikringsregistret): which doctor a citizen
  is listed with. Contract: `own_gp(session, cpr=...)` returns the GP's authorisation id or None when the
  citizen is not listed (group 2 insured, newly moved). Read-only, no side effects.
- Licence authority (kørekortmyndigheden; Færdselsstyrelsen's licence register behind the national
  portal): receives an approved certificate. Contract: `forward(...)` delivers the approval once per
  idempotency key and returns the authority's reference; a repeated key returns the first reference.
  Raise `AdapterUnavailable` on a transient failure (the queue retries with backoff).
- Payment provider (card/MobilePay acquirer): charges the certificate fee. Contract: `charge(...)`
  charges at most once per idempotency key and returns the outcome (paid/declined) and a reference.

The simulators keep their state in tables of the koerekort schema, in the caller's transaction.
Deployments replace them by setting up real implementations behind the same functions.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.orm import Session

from services.koerekort.models import SimulatedAuthorityReceipt, SimulatedGpListing
from shared import cpr as cpr_utils


class AdapterUnavailable(RuntimeError):
    """The external system did not answer; try again later."""


class GpRegister(Protocol):
    def own_gp(self, session: Session, *, cpr: str) -> str | None: ...


class SimulatedGpRegister:
    """GP listings from `koerekort.sim_gp_listings` (seeded for the demo citizens)."""

    def own_gp(self, session: Session, *, cpr: str) -> str | None:
        listing = session.get(SimulatedGpListing, cpr_utils.pseudonymise(cpr))
        return listing.gp_authorisation_id if listing else None


class LicenceAuthority(Protocol):
    def forward(
        self, session: Session, *, application_id: uuid.UUID, payload: dict[str, Any], idempotency_key: str
    ) -> str: ...


class SimulatedLicenceAuthority:
    """Stores what it received in `koerekort.sim_licence_authority_receipts` and answers a reference."""

    def forward(
        self, session: Session, *, application_id: uuid.UUID, payload: dict[str, Any], idempotency_key: str
    ) -> str:
        existing = session.get(SimulatedAuthorityReceipt, idempotency_key)
        if existing is not None:
            return existing.reference
        reference = "FSTY-" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:10].upper()
        session.add(
            SimulatedAuthorityReceipt(
                idempotency_key=idempotency_key, reference=reference, application_id=application_id, payload=payload
            )
        )
        session.flush()
        return reference


@dataclass(frozen=True)
class PaymentOutcome:
    status: str  # paid | declined
    reference: str | None


class PaymentProvider(Protocol):
    def charge(self, *, amount_ore: int, payment_token: str, idempotency_key: str) -> PaymentOutcome: ...


# The simulator's test tokens, like an acquirer's test cards.
DECLINED_TEST_TOKEN = "sim-declined"


class SimulatedPaymentProvider:
    """Approves every charge except the documented declined test token; references derive from the key."""

    def charge(self, *, amount_ore: int, payment_token: str, idempotency_key: str) -> PaymentOutcome:
        if payment_token == DECLINED_TEST_TOKEN:
            return PaymentOutcome("declined", None)
        return PaymentOutcome("paid", "SIMPAY-" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:12].upper())


def get_gp_register() -> GpRegister:
    """The configured GP register adapter."""
    return SimulatedGpRegister()


def get_licence_authority() -> LicenceAuthority:
    """The configured licence-authority adapter."""
    return SimulatedLicenceAuthority()


def get_payment_provider() -> PaymentProvider:
    """The configured payment provider."""
    return SimulatedPaymentProvider()
