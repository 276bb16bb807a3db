"""Browser test harness: the four services as real uvicorn processes on the test PostgreSQL database,
Debian's chromium driven by Playwright, an axe-core check and a screenshot helper (tests/web/helpers.py),
and `web`, all of them in one fixture for the page tests.

One browser and one set of servers per test session (per xdist worker; scripts/test.sh groups every
browser test on one worker). Each test gets fresh browser contexts, so sessionStorage starts empty.
"""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.common import uvicorn_command
from bench.pages_common import CHROMIUM_ARGS as CHROMIUM_ARGS
from tests.web.helpers import AXE_JS as AXE_JS
from tests.web.helpers import BLOCKING_IMPACTS as BLOCKING_IMPACTS
from tests.web.helpers import ROOT as ROOT
from tests.web.helpers import SCREENSHOTS as SCREENSHOTS
from tests.web.helpers import VIEWPORTS as VIEWPORTS
from tests.web.helpers import BrowserPage as BrowserPage
from tests.web.helpers import ServiceProcess as ServiceProcess
from tests.web.helpers import Web as Web
from tests.web.helpers import WebStack as WebStack
from tests.web.helpers import axe_check, login, take_screenshot
from tests.web.helpers import axe_source as load_axe_source
from tests.web.helpers import slug as slug

SERVICES = ("kontrol", "koerekort", "viceværtsopgaver", "sms_ydelse")
CHROMIUM_PATHS = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep every browser test on one xdist worker (with --dist loadgroup): one browser, one set of servers."""
    for item in items:
        if item.get_closest_marker("browser") is not None:
            item.add_marker(pytest.mark.xdist_group("browser"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(name: str, log_dir: Path) -> ServiceProcess:
    port = _free_port()
    log_path = log_dir / f"{slug(name)}.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # our own interpreter and modules
            uvicorn_command(f"services.{name}.app:create_app", port=port),
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return ServiceProcess(name, port, process, log_path)


def _wait_healthy(services: list[ServiceProcess], timeout: float = 90.0) -> None:
    pending = {s.name: s for s in services}
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        for name, service in list(pending.items()):
            if service.process.poll() is not None:
                raise RuntimeError(f"{name} exited with {service.process.returncode}:\n{service.log_tail()}")
            try:
                if httpx.get(service.url + "/health", timeout=2).status_code == 200:
                    del pending[name]
            except httpx.HTTPError:
                pass
        time.sleep(0.2)
    if pending:
        raise RuntimeError("did not start: " + ", ".join(f"{n}:\n{s.log_tail()}" for n, s in pending.items()))


def _stop(services: list[ServiceProcess]) -> None:
    for service in services:
        if service.process.poll() is None:
            service.process.terminate()
    for service in services:
        try:
            service.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            service.process.kill()


@pytest.fixture(scope="session")
def web_stack(database: str) -> Iterator[WebStack]:
    """The four services as uvicorn processes on free loopback ports, on this worker's test database."""
    log_dir = Path(tempfile.mkdtemp(prefix="kk-web-"))
    started = [_start(name, log_dir) for name in SERVICES]
    try:
        _wait_healthy(started)
        yield WebStack({s.name: s for s in started})
    finally:
        _stop(started)


def _chromium_path() -> str:
    for path in CHROMIUM_PATHS:
        if os.path.exists(path):
            return path
    raise RuntimeError(
        "Debian's chromium is not installed (apt-get install chromium; scripts/ensure-services.sh does it)"
    )


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's chromium, launched by path through Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=_chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def open_page(browser: Any) -> Iterator[Callable[[str], BrowserPage]]:
    """open_page("desktop"|"phone"): a fresh context (empty sessionStorage) at that viewport, Danish locale."""
    contexts: list[Any] = []
    pages: list[BrowserPage] = []

    def _open(size: str = "desktop") -> BrowserPage:
        context = browser.new_context(
            viewport=VIEWPORTS[size],
            locale="da-DK",
            timezone_id="Europe/Copenhagen",
            is_mobile=size == "phone",
            has_touch=size == "phone",
            device_scale_factor=1,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        wrapped = BrowserPage(page, size)
        page.on("pageerror", lambda exc: wrapped.errors.append(f"uncaught: {exc}"))
        page.on(
            "console",
            lambda msg: (
                wrapped.errors.append(f"console: {msg.text}")
                if msg.type == "error" and "Failed to load resource" not in msg.text
                else None
            ),
        )
        page.on("request", lambda request: wrapped.request_urls.append(request.url))
        pages.append(wrapped)
        return wrapped

    yield _open
    for context in contexts:
        context.close()
    errors = [e for p in pages for e in p.errors]
    assert not errors, f"JavaScript errors in the page: {errors}"


@pytest.fixture
def login_as(web_stack: WebStack) -> Callable[[BrowserPage, str, str], None]:
    """login_as(bp, service, user): log in on the service's "Log ind" page by clicking the demo user."""

    def _login(bp: BrowserPage, service: str, user: str) -> None:
        login(web_stack, bp, service, user)

    return _login


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's browser bundle from npm (tests/web/package-lock.json; `npm ci` in scripts/test.sh)."""
    return load_axe_source()


@pytest.fixture
def check_axe(axe_source: str) -> Callable[..., list[dict[str, Any]]]:
    """check_axe(bp, what): run axe-core on the page; fail on serious or critical violations, return the rest."""

    def _check(bp: BrowserPage, what: str = "") -> list[dict[str, Any]]:
        return axe_check(bp, what, axe_source)

    return _check


@pytest.fixture
def screenshot() -> Callable[..., Path]:
    """screenshot(bp, service, page_name) -> docs/screenshots/<service>-<page>-<desktop|phone>.png (full page;
    full_page=False for what is on screen)."""
    return take_screenshot


@pytest.fixture
def web(web_stack: WebStack, open_page: Callable[[str], BrowserPage]) -> Web:
    """Everything a page test needs in one: web.open_page, login_as, check_axe, screenshot, url, token, api."""
    return Web(web_stack, open_page)
