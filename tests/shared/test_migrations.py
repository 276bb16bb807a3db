"""Migrations build the whole schema from empty, tear it down again, and match the models (no drift)."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect, text

from shared.db import SCHEMAS
from shared.migrate import check, downgrade_to_base, upgrade_to_head
from tests.conftest import PG_ADMIN_URL, TEST_DB_NAME


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        inspector = inspect(engine)
        return {f"{s}.{t}" for s in SCHEMAS if s in inspector.get_schema_names() for t in inspector.get_table_names(s)}
    finally:
        engine.dispose()


def test_upgrade_from_empty_downgrade_and_check() -> None:
    name = f"{TEST_DB_NAME}_migrations"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        upgrade_to_head(url)
        created = _tables(url)
        assert {"shared.audit_events", "shared.outbox_events", "shared.dead_letters"} <= created
        check(url)  # raises if models and database differ

        downgrade_to_base(url)
        assert _tables(url) <= {"shared.alembic_version"}

        upgrade_to_head(url)
        assert _tables(url) == created
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_the_same_migrations_run_on_sqlite(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/main.sqlite"
    upgrade_to_head(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        for schema in SCHEMAS:
            connection.execute(text(f"ATTACH DATABASE '{tmp_path}/{schema}.sqlite' AS {schema}"))
        names = {row[0] for row in connection.execute(text("SELECT name FROM shared.sqlite_master WHERE type='table'"))}
    engine.dispose()
    assert {"audit_events", "outbox_events", "dead_letters", "alembic_version"} <= names
