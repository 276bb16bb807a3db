"""App factory for the koerekort service (run with `uvicorn --factory services.koerekort.app:create_app`)."""

from __future__ import annotations

from fastapi import FastAPI

from services.koerekort.pages import PAGES
from services.koerekort.views import router
from shared.app import create_service_app


def create_app() -> FastAPI:
    """Build the koerekort API."""
    return create_service_app(
        service="koerekort",
        title="Kørekort – digital lægeerklæring",
        description="Den digitale lægeerklæring til kørekort: borgerens del, lægens formularklient og Borgerservices behandling.",
        routers=[router],
        pages=PAGES,
    )
