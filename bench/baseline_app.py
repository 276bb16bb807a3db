"""A bare FastAPI app: the same-machine baseline the benchmarks compare against.

`/plain` answers a constant; `/jwt-insert` checks a bearer JWT like the services do and
makes a durable two-row insert in PostgreSQL (the IVR benchmark's stated baseline).
"""

from __future__ import annotations

import os
import uuid

from fastapi import Depends, FastAPI
from sqlalchemy import create_engine, text

from shared.auth import Principal, require_roles
from shared.auth.roles import AUDIENCES


def create_app() -> FastAPI:
    app = FastAPI(title="baseline")
    app.state.audience = AUDIENCES[os.environ.get("BASELINE_AUDIENCE", "sms_ydelse")]
    app.state.service_name = "baseline"
    url = os.environ.get("DATABASE_URL", "")
    engine = create_engine(url, pool_size=10) if url.startswith("postgresql") else None
    if engine is not None:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE IF NOT EXISTS public.bench_baseline (id uuid primary key, n int)"))

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/plain")
    def plain() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/jwt-insert")
    def jwt_insert(
        _: Principal = Depends(require_roles("ivr", "laege", "bestiller", "sagsbehandler")),
    ) -> dict[str, str]:
        assert engine is not None, "DATABASE_URL must point at PostgreSQL"
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO public.bench_baseline VALUES (:a, 1), (:b, 2)"),
                {"a": uuid.uuid4(), "b": uuid.uuid4()},
            )
        return {"status": "ok"}

    return app
