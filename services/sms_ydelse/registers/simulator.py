"""Simulators of the CPR register, the NemSMS registry and the benefit payment system.

They answer from synthetic citizens: `citizens.yaml` beside this file, plus an optional JSON
file (SMS_YDELSE_CITIZENS_FILE, same fields) for benchmark populations. The simulators honour
the contracts in `contracts.py` exactly like a real integration would.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from services.sms_ydelse.banking_days import next_payday
from services.sms_ydelse.registers.contracts import Payment, PersonStatus
from shared import cpr as cpr_utils
from shared.settings import get_settings

CITIZENS_FILE = Path(__file__).with_name("citizens.yaml")


@dataclass(frozen=True)
class SyntheticCitizen:
    cpr: str
    alive: bool
    municipality: str | None
    nemsms: str | None
    benefits: tuple[dict[str, Any], ...]


def _load(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    return list(data or [])


@lru_cache(maxsize=4)
def _population(extra_file: str) -> dict[str, SyntheticCitizen]:
    rows = _load(CITIZENS_FILE)
    if extra_file:
        rows += _load(Path(extra_file))
    population: dict[str, SyntheticCitizen] = {}
    for row in rows:
        number = cpr_utils.normalise(str(row["cpr"]))
        population[number] = SyntheticCitizen(
            cpr=number,
            alive=bool(row.get("alive", True)),
            municipality=row.get("municipality"),
            nemsms=row.get("nemsms"),
            benefits=tuple(row.get("benefits") or ()),
        )
    return population


def population() -> dict[str, SyntheticCitizen]:
    """All synthetic citizens by CPR number."""
    return _population(get_settings().sms_ydelse_citizens_file)


def _citizen(cpr: str) -> SyntheticCitizen | None:
    return population().get(cpr_utils.normalise(cpr))


class SimulatedCprRegister:
    """CPR register simulator: alive and municipality of the synthetic citizens."""

    def person(self, cpr: str) -> PersonStatus | None:
        citizen = _citizen(cpr)
        if citizen is None:
            return None
        return PersonStatus(alive=citizen.alive, municipality_code=citizen.municipality)


class SimulatedNemSmsRegistry:
    """NemSMS registry simulator: the number each synthetic citizen registered on borger.dk."""

    def registered_number(self, cpr: str) -> str | None:
        citizen = _citizen(cpr)
        return citizen.nemsms if citizen else None


class SimulatedBenefitPayments:
    """Benefit payment system simulator: monthly payments on the last banking day (`banking_days`)."""

    def next_payments(self, cpr: str, *, on: date) -> list[Payment]:
        citizen = _citizen(cpr)
        if citizen is None:
            return []
        payments = []
        for benefit in citizen.benefits:
            fixed = benefit.get("payday")
            payday = date.fromisoformat(str(fixed)) if fixed else next_payday(on)
            if payday < on:
                payday = next_payday(on)
            payments.append(Payment(str(benefit["type"]), payday, int(benefit["amount_ore"])))
        return payments
