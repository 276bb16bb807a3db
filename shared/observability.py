"""Prometheus metrics, /health, /ready and /metrics for every service."""

from __future__ import annotations

import gc
import time
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import func, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.db import ping_database, session_scope, utcnow
from shared.settings import get_settings

REQUESTS = Counter("http_requests_total", "HTTP requests", ["service", "method", "route", "status"])
LATENCY = Histogram(
    "http_request_duration_seconds",
    "HTTP request latency",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
GC_PAUSE = Histogram(
    "python_gc_pause_seconds",
    "Time the garbage collector stopped this process, per generation collected",
    ["generation"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25),
)
OUTBOX_PENDING = Gauge("outbox_pending_events", "Outbox events not yet delivered (queue depth)")
OUTBOX_LAG = Gauge("outbox_lag_seconds", "Age of the oldest undelivered outbox event")
OUTBOX_DEAD = Gauge("outbox_dead_events", "Events that ended as dead letters")


class MetricsMiddleware:
    """Pure ASGI middleware (cheap on the hot path): counts and times requests per route template."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def _send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = message.setdefault("headers", [])
                headers.extend(_SECURITY_HEADERS)
            await send(message)

        try:
            await self.app(scope, receive, _send)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            method = scope.get("method", "")
            REQUESTS.labels(self.service, method, template, str(status)).inc()
            LATENCY.labels(self.service, method, template).observe(time.perf_counter() - start)


_gc_started: list[float] = []


def _time_gc(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _gc_started.append(time.perf_counter())
    elif _gc_started:
        GC_PAUSE.labels(str(info.get("generation", "?"))).observe(time.perf_counter() - _gc_started.pop())


def install_gc_metrics() -> None:
    """Time every garbage collection (a stop-the-world pause: it shows in the latency tail)."""
    if _time_gc not in gc.callbacks:
        gc.callbacks.append(_time_gc)


_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
]


def refresh_outbox_metrics() -> dict[str, float]:
    """Read outbox depth, lag and dead count into the gauges."""
    from shared.queue.models import OutboxEvent

    with session_scope() as session:
        pending, oldest = session.execute(
            select(func.count(), func.min(OutboxEvent.created_at)).where(
                OutboxEvent.status.in_(("pending", "dispatched"))
            )
        ).one()
        dead = session.scalar(select(func.count()).where(OutboxEvent.status == "dead")) or 0
    if oldest is not None and oldest.tzinfo is None:
        from datetime import UTC

        oldest = oldest.replace(tzinfo=UTC)
    lag = (utcnow() - oldest).total_seconds() if oldest else 0.0
    OUTBOX_PENDING.set(pending)
    OUTBOX_LAG.set(lag)
    OUTBOX_DEAD.set(dead)
    return {"pending": float(pending), "lag_seconds": lag, "dead": float(dead)}


def _broker_ok() -> bool | None:
    settings = get_settings()
    if not settings.redis_url:
        return None
    import redis

    try:
        client = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=1, socket_timeout=1)
        return bool(client.ping())
    except Exception:
        return False


def health_router() -> APIRouter:
    """Liveness, readiness and metrics endpoints (no auth; they reveal no personal data)."""
    router = APIRouter(tags=["drift"])

    @router.get("/health", summary="Liveness")
    def health(request: Request) -> dict[str, Any]:
        return {"status": "ok", "service": request.app.state.service_name}

    @router.get("/ready", summary="Readiness: database and broker reachable")
    def ready(request: Request) -> JSONResponse:
        database = ping_database()
        broker = _broker_ok()
        ok = database and broker is not False
        body = {
            "status": "ready" if ok else "unavailable",
            "service": request.app.state.service_name,
            "database": "ok" if database else "unreachable",
            "broker": "in-process" if broker is None else ("ok" if broker else "unreachable"),
        }
        return JSONResponse(body, status_code=200 if ok else 503)

    @router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
    def metrics() -> Response:
        try:
            refresh_outbox_metrics()
        except Exception:  # metrics must answer even when the database does not
            OUTBOX_PENDING.set(-1)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
