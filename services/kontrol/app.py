"""App factory for the kontrol service (run with `uvicorn --factory services.kontrol.app:create_app`)."""

from __future__ import annotations

from fastapi import FastAPI

from services.kontrol import tasks  # noqa: F401 - registers the consumers wherever the app runs
from services.kontrol.pages import PAGES
from services.kontrol.views import router
from shared.app import create_service_app


def create_app() -> FastAPI:
    """Build the kontrol API."""
    return create_service_app(
        service="kontrol",
        title="Kontrol – prioritering af kontrolsager",
        description="Prioriteret, pseudonymiseret kø af kontrolsager for Kontrolenheden: kandidater, forklaringsark, underretning og journalisering.",
        routers=[router],
        pages=PAGES,
    )
