"""Admission control: a process serves at most as many requests at once as its database pool has connections.

A sync endpoint holds its session's connection across several thread-pool hops (the endpoint, the response
validation, the commit). With more requests in flight than connections, requests holding threads wait for a
connection while requests holding connections wait for a thread, until the pool times out (seen under the
payday benchmark). Requests beyond the limit wait here, in the event loop, where waiting costs nothing.
"""

from __future__ import annotations

import anyio
from starlette.types import ASGIApp, Receive, Scope, Send

# Liveness and metrics must answer even when every slot is taken.
UNLIMITED_PATHS = frozenset({"/health", "/metrics"})


class AdmissionMiddleware:
    """Pure ASGI middleware: at most `limit` HTTP requests of this process run at the same time."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self._slots: anyio.CapacityLimiter | None = None  # made on first use, inside the running event loop

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNLIMITED_PATHS:
            await self.app(scope, receive, send)
            return
        if self._slots is None:
            self._slots = anyio.CapacityLimiter(self.limit)
        async with self._slots:
            await self.app(scope, receive, send)
