"""Import every model module so Base.metadata knows all tables (Alembic, tests, create_all)."""

from __future__ import annotations

import importlib

MODEL_MODULES = (
    "shared.audit.models",
    "shared.queue.models",
    "shared.notifications.models",
    "services.kontrol.models",
    "services.koerekort.models",
    "services.viceværtsopgaver.models",
    "services.sms_ydelse.models",
)


def import_all_models() -> None:
    """Import the model modules (idempotent)."""
    for name in MODEL_MODULES:
        importlib.import_module(name)
