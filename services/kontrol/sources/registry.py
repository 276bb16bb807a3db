"""Which adapter serves each data source (simulators locally; a real adapter per source replaces one here)."""

from __future__ import annotations

from services.kontrol.facts import SOURCES
from services.kontrol.sources.base import DataSource
from services.kontrol.sources.simulators import SimulatedCprIdentity, SimulatedNotes, SimulatedRegister


def adapters() -> dict[str, DataSource]:
    """One adapter per source in SOURCES order."""
    result: dict[str, DataSource] = {}
    for name in SOURCES:
        result[name] = SimulatedNotes() if name == "notater" else SimulatedRegister(name)
    return result


def identity() -> SimulatedCprIdentity:
    """The CPR identity lookup (name and address) used when a case is opened."""
    return SimulatedCprIdentity()
