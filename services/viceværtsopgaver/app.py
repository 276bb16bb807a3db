"""App factory for the viceværtsopgaver service (run with `uvicorn --factory services.viceværtsopgaver.app:create_app`)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response

from services.viceværtsopgaver.pages import PAGES
from services.viceværtsopgaver.views import router
from shared.app import create_service_app

# The caretaker pages' service worker (docs/viceværtsopgaver/offline-and-time.md): it must be served from the
# site's root to control /min-dag and /opgaver/..., so it has its own route instead of a /static/ address.
OFFLINE_WORKER_PATH = "/vv-offline-sw.js"
OFFLINE_WORKER_FILE = Path(__file__).resolve().parent / "web" / "offline_sw.js"


async def offline_worker(request: Request) -> Response:
    """The service worker script (no data; always revalidated so a new version takes over)."""
    return Response(
        OFFLINE_WORKER_FILE.read_bytes(),
        media_type="text/javascript",
        headers={"cache-control": "no-cache", "service-worker-allowed": "/"},
    )


def create_app() -> FastAPI:
    """Build the viceværtsopgaver API."""
    app = create_service_app(
        service="viceværtsopgaver",
        title="Viceværtsopgaver – bestilling og fordeling",
        description="Bestilling af viceværtsopgaver (portal og QR-kode), fordeling, mobilt arbejde og tidsregistrering.",
        routers=[router],
        pages=PAGES,
    )
    app.add_route(OFFLINE_WORKER_PATH, offline_worker, methods=["GET"], include_in_schema=False)
    return app
