"""What the kontrol page tests share (tests/web/test_kontrol_pages.py, test_kontrol_settings_page.py): a database
session on the module's world, and the kontrol API as a demo user."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
from sqlalchemy.orm import Session

from tests.web.helpers import Web


def world_session() -> Iterator[Session]:
    """A session on the module's world (the `session` fixture would empty the database); rolled back after."""
    from shared.db import session_factory

    session = session_factory()()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


def kontrol_api(web: Web) -> Callable[..., httpx.Response]:
    """api(user, path, method="GET", **kwargs): the kontrol API's answer (to compare with the page)."""

    def _call(user: str, path: str, method: str = "GET", **kwargs: Any) -> httpx.Response:
        return web.api(user, "kontrol", path, method, **kwargs)

    return _call
