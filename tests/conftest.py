"""Test fixtures: a real PostgreSQL database and Redis per xdist worker, apps, tokens and task draining."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
_WORKER_NO = int(_WORKER.removeprefix("gw") or 0)
# KK_TEST_ID separates concurrent test runs on one machine (each gets its own databases and Redis db).
_RUN = os.environ.get("KK_TEST_ID", "main")
PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
TEST_DB_NAME = f"kk_test_{_RUN}_{_WORKER}"
TEST_DATABASE_URL = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + TEST_DB_NAME
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", f"redis://127.0.0.1:6379/{1 + _WORKER_NO}")
_VAR = Path(tempfile.gettempdir()) / f"kk-test-var-{_RUN}-{_WORKER}"

os.environ.update(
    APP_ENV="test",
    DATABASE_URL=TEST_DATABASE_URL,
    REDIS_URL=TEST_REDIS_URL,
    VAR_DIR=str(_VAR),
    LOG_JSON="true",
    LOG_LEVEL="WARNING",
    TASK_RETRY_BASE_SECONDS="0",
)

from shared.settings import get_settings  # noqa: E402

get_settings.cache_clear()


def _recreate_database() -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{TEST_DB_NAME}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{TEST_DB_NAME}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def database() -> Iterator[str]:
    """A fresh PostgreSQL database for this worker, migrated to head."""
    from shared.db import reset_engine
    from shared.migrate import upgrade_to_head

    _recreate_database()
    upgrade_to_head(TEST_DATABASE_URL)
    reset_engine()
    yield TEST_DATABASE_URL
    reset_engine()


def truncate_all(attempts: int = 5) -> None:
    """Empty every table of every schema the migrations created (between tests).

    The browser tests' servers keep polling (outbox relay, periodic jobs) while a fixture truncates: TRUNCATE
    locks table after table, a poll holding one table and wanting the next can deadlock with it, and
    PostgreSQL may pick the truncation as the victim. Then it is simply run again.
    """
    from psycopg.errors import DeadlockDetected
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from shared.db import SCHEMAS, get_engine

    for attempt in range(1, attempts + 1):
        try:
            with get_engine().begin() as connection:
                names = connection.execute(
                    text(
                        "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables "
                        "WHERE schemaname = ANY(:schemas) AND tablename <> 'alembic_version'"
                    ),
                    {"schemas": list(SCHEMAS)},
                ).scalars().all()
                if names:
                    connection.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
            return
        except OperationalError as exc:
            if not isinstance(exc.orig, DeadlockDetected) or attempt == attempts:
                raise


@pytest.fixture
def db(database: str) -> Iterator[None]:
    """A clean, migrated database for one test."""
    truncate_all()
    yield


@pytest.fixture
def session(db: None) -> Iterator[object]:
    """A session on the clean test database (committed explicitly by the test)."""
    from shared.db import session_factory

    s = session_factory()()
    try:
        yield s
    finally:
        s.rollback()
        s.close()


@pytest.fixture
def token() -> Callable[..., str]:
    """Mint a dev token for a demo user and a service: token('sb-anne', 'kontrol')."""
    from shared.auth import AUDIENCES, mint_demo_token

    def _token(user: str, service: str, **kwargs: object) -> str:
        return mint_demo_token(user, AUDIENCES[service], **kwargs)  # type: ignore[arg-type]

    return _token


@pytest.fixture
def auth(token: Callable[..., str]) -> Callable[[str, str], dict[str, str]]:
    """Authorization headers for a demo user and a service."""
    return lambda user, service: {"Authorization": f"Bearer {token(user, service)}"}


@pytest.fixture
def client_for(db: None) -> Iterator[Callable[[str], object]]:
    """A TestClient for one service's app: client_for('kontrol')."""
    import importlib

    from fastapi.testclient import TestClient

    clients: list[TestClient] = []

    def _client(service: str) -> TestClient:
        module = importlib.import_module(f"services.{service}.app")
        client = TestClient(module.create_app(), raise_server_exceptions=False)
        clients.append(client)
        return client

    yield _client
    for client in clients:
        client.close()


@pytest.fixture
def run_tasks() -> Callable[[], int]:
    """Deliver every due outbox event in-process, as the worker would."""
    from shared.queue.relay import drain

    return drain
