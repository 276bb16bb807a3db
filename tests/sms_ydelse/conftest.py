"""Fixtures for the sms_ydelse tests: IVR calls, settings overrides, a live API, Kannel and the simulators."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import services.sms_ydelse.tasks  # noqa: F401 - registers the consumers, as the worker does

MENU = "info_om_ydelse"
METTE = "1502851236"  # kontanthjælp 5.432,10 kr., NemSMS +4520112233
JONAS = "2411044347"  # NemSMS, no benefits
FATIMA = "0303781118"  # kontanthjælp, no NemSMS
DECEASED = "0107621004"
AARHUS = "1808901007"
UNKNOWN = "0101901234"  # a valid CPR number that no register knows


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Change settings through environment variables for one test (the cache is cleared both ways)."""
    from shared.settings import get_settings

    def _set(**values: Any) -> None:
        for key, value in values.items():
            monkeypatch.setenv(key.upper(), str(value))
        get_settings.cache_clear()

    yield _set
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture
def api(client_for: Callable[[str], Any]) -> Iterator[Any]:
    """The app with its lifespan running, as uvicorn runs it: new IVR calls take the event-loop path."""
    client = client_for("sms_ydelse")
    with client:
        yield client


@pytest.fixture
def ivr_headers(auth: Callable[[str, str], dict[str, str]]) -> dict[str, str]:
    return auth("ivr-telefoni", "sms_ydelse")


@pytest.fixture
def call(api: Any, ivr_headers: dict[str, str]) -> Callable[..., Any]:
    """POST one IVR request: call('CA-1', METTE, caller='+4531000001')."""

    def _call(call_id: str, digits: str, *, caller: str = "+4531000001", menu: str = MENU, **headers: str) -> Any:
        body = {"call_id": call_id, "caller_number": caller, "menu_item": menu, "digits": digits}
        return api.post("/api/v1/ivr-calls", json=body, headers={**ivr_headers, **headers})

    return _call


@pytest.fixture
def sms_outbox(session: Any) -> Callable[[], list[Any]]:
    """Everything the SMS simulator gateway has 'sent', oldest first."""
    from sqlalchemy import select

    from shared.notifications.models import SimulatedSms

    def _read() -> list[Any]:
        session.expire_all()
        return list(session.scalars(select(SimulatedSms).order_by(SimulatedSms.sent_at)))

    return _read


@pytest.fixture
def live_api(db: None) -> Iterator[str]:
    """The sms_ydelse app served over real HTTP on a loopback port (for gateway callbacks)."""
    from services.sms_ydelse.app import create_app
    from services.sms_ydelse.simulators.server import ThreadedServer

    with ThreadedServer(create_app()) as server:
        yield server.url


@pytest.fixture
def kannel(tmp_path: Path, live_api: str, settings_env: Callable[..., None]) -> Iterator[Any]:
    """A real Kannel (bearerbox + smsbox) with fakesmsc as SMS centre, wired to the live API."""
    from services.sms_ydelse.gateway.base import inbound_token
    from services.sms_ydelse.kannel.harness import KannelHarness, binaries_missing

    missing = binaries_missing()
    if missing:
        pytest.skip(f"Kannel is not installed (missing {', '.join(missing)}); scripts/ensure-services.sh installs it")
    harness = KannelHarness(
        tmp_path / "kannel", inbound_url=f"{live_api}/api/v1/inbound-messages/kannel?token={inbound_token()}"
    )
    harness.start()
    settings_env(
        sms_gateway="kannel",
        kannel_sendsms_url=harness.sendsms_url,
        kannel_username=harness.username,
        kannel_password=harness.password,
        sms_callback_base_url=live_api,
    )
    try:
        yield harness
    finally:
        harness.cleanup()


@pytest.fixture
def wait_for() -> Callable[..., Any]:
    """Poll a condition until it holds (bounded), returning its last value."""
    import time

    def _wait(condition: Callable[[], Any], *, timeout: float = 10.0, interval: float = 0.05) -> Any:
        deadline = time.monotonic() + timeout
        value = condition()
        while not value and time.monotonic() < deadline:
            time.sleep(interval)
            value = condition()
        return value

    return _wait
