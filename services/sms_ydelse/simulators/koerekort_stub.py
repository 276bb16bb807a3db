"""A local stub of koerekort's `POST /api/v1/status-lookups` contract (role `system`), for tests and demos.

The real endpoint is built by the koerekort service; this stub answers from a dict of CPR ->
(status_code, status_text), 404 for anyone else, and can be told to fail with 503.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from shared.auth import Principal, require_roles
from shared.auth.roles import AUDIENCES, Role


def create_app(statuses: dict[str, tuple[str, str]]) -> FastAPI:
    app = FastAPI(title="koerekort status-lookups stub")
    app.state.audience = AUDIENCES["koerekort"]
    app.state.service_name = "koerekort-stub"
    app.state.fail = False
    app.state.calls = 0

    @app.post("/api/v1/status-lookups")
    async def lookup(request: Request, _: Principal = Depends(require_roles(Role.system))) -> JSONResponse:
        app.state.calls += 1
        if app.state.fail:
            return JSONResponse({"title": "unavailable"}, status_code=503)
        body: dict[str, Any] = await request.json()
        found = statuses.get(str(body.get("cpr", "")))
        if found is None:
            return JSONResponse({"title": "Findes ikke"}, status_code=404, media_type="application/problem+json")
        return JSONResponse({"status_code": found[0], "status_text": found[1]})

    return app
