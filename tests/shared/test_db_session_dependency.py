"""Requests with a database session: all committed, and no deadlock when threads and connections run short."""

from __future__ import annotations

from collections.abc import Iterator

import anyio
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from shared.admission import AdmissionMiddleware
from shared.db import DbSession, reset_engine
from shared.settings import get_settings


@pytest.fixture
def two_connections(db: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An engine with two connections at most (pool 1 + overflow 1)."""
    monkeypatch.setenv("DB_POOL_SIZE", "1")
    get_settings.cache_clear()
    reset_engine()
    yield
    monkeypatch.delenv("DB_POOL_SIZE")
    get_settings.cache_clear()
    reset_engine()


def _app() -> FastAPI:
    app = FastAPI()
    app.add_middleware(AdmissionMiddleware, limit=get_settings().db_pool_size)  # as create_service_app does

    @app.post("/rows/{n}")
    def write(n: int, session: DbSession) -> dict[str, int]:
        session.execute(text("SELECT pg_sleep(0.02)"))
        session.execute(text("INSERT INTO shared.kv_probe (n) VALUES (:n)"), {"n": n})
        return {"n": n}

    return app


def test_many_requests_share_two_threads_and_two_connections_without_deadlock(two_connections: None) -> None:
    # A sync endpoint holds its connection across thread hops (endpoint, response validation, commit). Without
    # admission control, requests holding the threads (waiting for a connection) and requests holding the
    # connections (waiting for a thread) block each other until the pool times out (30 s): 500s.
    from shared.db import get_engine

    with get_engine().begin() as connection:
        connection.execute(text("CREATE TABLE IF NOT EXISTS shared.kv_probe (n int PRIMARY KEY)"))
    statuses: list[int] = []

    async def main() -> None:
        anyio.to_thread.current_default_thread_limiter().total_tokens = 2
        transport = httpx.ASGITransport(app=_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:

            async def one(n: int) -> None:
                statuses.append((await client.post(f"/rows/{n}")).status_code)

            async with anyio.create_task_group() as group:
                for n in range(24):
                    group.start_soon(one, n)

    try:
        anyio.run(main)
        assert statuses == [200] * 24
        with get_engine().begin() as connection:
            assert connection.execute(text("SELECT count(*) FROM shared.kv_probe")).scalar() == 24  # all committed
    finally:
        with get_engine().begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS shared.kv_probe"))


def test_every_service_app_admits_no_more_requests_than_its_pool_serves() -> None:
    import importlib

    for name in ("kontrol", "koerekort", "viceværtsopgaver", "sms_ydelse"):
        app = importlib.import_module(f"services.{name}.app").create_app()
        limits = [m.kwargs["limit"] for m in app.user_middleware if m.cls is AdmissionMiddleware]
        assert limits == [get_settings().db_pool_size], name
