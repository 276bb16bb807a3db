"""Admission control: a process serves at most as many requests at once as its database pool has connections.

A sync endpoint holds its session's connection across several thread-pool hops (the endpoint, the response
validation, the commit). With more requests in flight than connections, requests holding threads wait for a
connection while requests holding connections wait for a thread, until the pool times out (seen under the
payday benchmark). Requests beyond the limit wait here, in the event loop, where waiting costs nothing.

A service can cap how many of the slots a group of paths may take (a bulkhead): gateway callbacks that may
wait on a row lock held by a background worker then never take all the slots and connections that the
requests people wait for (the IVR's answer) need.
"""

from __future__ import annotations

import anyio
from starlette.types import ASGIApp, Receive, Scope, Send

# Liveness and metrics must answer even when every slot is taken.
UNLIMITED_PATHS = frozenset({"/health", "/metrics"})


class AdmissionMiddleware:
    """Pure ASGI middleware: at most `limit` HTTP requests of this process run at the same time, and of those at
    most `lanes[prefix]` whose path starts with `prefix`."""

    def __init__(self, app: ASGIApp, limit: int, lanes: dict[str, int] | None = None) -> None:
        self.app = app
        self.limit = limit
        self.lanes = {prefix: min(cap, limit) for prefix, cap in (lanes or {}).items()}
        # Made on first use, inside the running event loop.
        self._slots: anyio.CapacityLimiter | None = None
        self._lane_slots: dict[str, anyio.CapacityLimiter] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNLIMITED_PATHS:
            await self.app(scope, receive, send)
            return
        if self._slots is None:
            self._slots = anyio.CapacityLimiter(self.limit)
        lane = self._lane(scope["path"]) if self.lanes else None
        if lane is None:
            async with self._slots:
                await self.app(scope, receive, send)
            return
        lane_slots = self._lane_slots.get(lane)
        if lane_slots is None:
            lane_slots = self._lane_slots[lane] = anyio.CapacityLimiter(self.lanes[lane])
        async with lane_slots, self._slots:  # the lane first: a full lane waits without taking a shared slot
            await self.app(scope, receive, send)

    def _lane(self, path: str) -> str | None:
        return next((prefix for prefix in self.lanes if path.startswith(prefix)), None)
