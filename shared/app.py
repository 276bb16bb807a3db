"""The app factory every service uses: errors, metrics, health, admin routes and auth audience."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from shared.admission import AdmissionMiddleware
from shared.auth.roles import AUDIENCES
from shared.db import build_async_engine, set_process_label
from shared.errors import install_error_handlers
from shared.logging import configure_logging
from shared.observability import MetricsMiddleware, health_router, install_gc_metrics
from shared.platform_views import dev_issuer_router, platform_router
from shared.settings import get_settings
from shared.web import Page, mount_web


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # What exists once the app has started (routes, models, templates, settings) lives as long as the process:
    # freezing it keeps the garbage collector's full collections short while requests run (latency tail).
    # Hot endpoints that are one statement use this engine on the event loop (shared/db.py build_async_engine).
    app.state.async_engine = build_async_engine() if get_settings().db_async_hot_paths else None
    gc.collect()
    gc.freeze()
    install_gc_metrics()
    try:
        yield
    finally:
        if app.state.async_engine is not None:
            await app.state.async_engine.dispose()


def create_service_app(
    *,
    service: str,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    version: str = "1.0.0",
    pages: Sequence[Page] = (),
    admission_lanes: dict[str, float] | None = None,
) -> FastAPI:
    """Build one service's FastAPI app with the platform's shared behaviour.

    `admission_lanes` maps path prefixes to the share of the request slots they may take at most (shared/admission.py).
    """
    settings = get_settings()
    configure_logging(service, level=settings.log_level, json=settings.log_json)
    set_process_label(f"kk-{service}")
    app = FastAPI(
        title=title,
        description=description,
        version=version,
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=_lifespan,
    )
    app.state.service_name = service
    app.state.audience = AUDIENCES[service]
    install_error_handlers(app)
    # Inner first: one request per pooled connection (shared/admission.py), timed by the metrics around it.
    lanes = {prefix: max(1, int(settings.db_pool_size * share)) for prefix, share in (admission_lanes or {}).items()}
    app.add_middleware(AdmissionMiddleware, limit=settings.db_pool_size, lanes=lanes)
    app.add_middleware(MetricsMiddleware, service=service)
    app.include_router(health_router())
    app.include_router(platform_router())
    if settings.auth_dev_issuer and settings.app_env != "production":
        app.include_router(dev_issuer_router())
    for router in routers:
        app.include_router(router)
    mount_web(app, service=service, title=title, description=description, pages=pages)  # pages: docs/web.md
    return app
