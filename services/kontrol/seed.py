"""Demo data for the kontrol service (idempotent): history, model v1, simulated registers, candidates, scores."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.kontrol.models import TrainingCase
from services.kontrol.priority.config import load_settings


def seed(session: Session) -> None:
    """Create the service's demo data if it is not there yet (a few seconds: simulate, train, import)."""
    if session.scalar(select(func.count()).select_from(TrainingCase)):
        return
    from services.kontrol.sources.service import dispatch_gathering
    from services.kontrol.synth import demo

    settings = load_settings(session)
    settings.capacity_per_period = 12
    settings.capacity_period = "week"
    demo.build(session, history_years=3, candidates=80, outsiders=20, city_size=216_000)
    dispatch_gathering(session)  # the dev server's relay (or seed_all's drain) gathers and scores them
