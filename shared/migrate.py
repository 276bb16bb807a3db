"""Run Alembic migrations from code (devserver, tests, deploy step)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(database_url: str | None = None) -> Config:
    """Alembic configuration for the repository, optionally for a given database."""
    config = Config(str(ROOT / "alembic.ini"))
    if database_url:
        config.attributes["database_url"] = database_url
    return config


def upgrade_to_head(database_url: str | None = None) -> None:
    """Build or bring the whole schema up to date (every branch)."""
    command.upgrade(alembic_config(database_url), "heads")


def downgrade_to_base(database_url: str | None = None) -> None:
    """Remove every table the migrations created."""
    command.downgrade(alembic_config(database_url), "base")


def check(database_url: str | None = None) -> None:
    """Raise if the models and the migrated database differ (drift)."""
    command.check(alembic_config(database_url))
