"""Which adapter serves each data source (simulators locally; a real adapter per source replaces one here)."""

from __future__ import annotations

from services.kontrol.facts import SOURCES
from services.kontrol.sources.base import DataSource
from services.kontrol.sources.simulators import (
    SimulatedCprIdentity,
    SimulatedNotes,
    SimulatedOutage,
    SimulatedRegister,
)


def adapters() -> dict[str, DataSource]:
    """One adapter per source in SOURCES order (each simulator can be switched down or slow by settings)."""
    result: dict[str, DataSource] = {}
    for name in SOURCES:
        simulator: DataSource = SimulatedNotes() if name == "notater" else SimulatedRegister(name)
        result[name] = SimulatedOutage(simulator)
    return result


def identity() -> SimulatedCprIdentity:
    """The CPR identity lookup (name and address) used when a case is opened."""
    return SimulatedCprIdentity()
