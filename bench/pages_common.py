"""Helpers shared by the page benchmarks (bench/*_pages.py): Debian's chromium, a private PostgreSQL database
with the process environment pointing at it, the baseline and the service as uvicorn processes, timed requests,
and cold page loads in fresh browser contexts logged in through sessionStorage.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import httpx

from bench.common import figure, free_port, start_server, stop_server

T = TypeVar("T")

PG_ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
CHROMIUM = next((p for p in ("/usr/lib/chromium/chromium", "/usr/bin/chromium") if os.path.exists(p)), None)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
]
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "locale": "da-DK"}
PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "da-DK", "is_mobile": True}


def database(name: str, *, drop_only: bool = False) -> str:
    """(Re)create the PostgreSQL database `name` (or only drop it); returns its URL."""
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if not drop_only:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name


@contextmanager
def private_environment(name: str, *, database_url: str | None = None, **extra: str) -> Iterator[dict[str, str]]:
    """A migrated private database `name` and this process's environment pointing at it, restored and dropped after.

    `database_url` (an empty, migrated database, e.g. the test suite's) skips creating, migrating and dropping one.
    """
    own_database = database_url is None
    url = database(name) if database_url is None else database_url
    env = {
        "APP_ENV": "development",
        "DATABASE_URL": url,
        "REDIS_URL": "",
        "VAR_DIR": tempfile.mkdtemp(prefix=f"{name.replace('_', '-')}-"),
        "LOG_LEVEL": "WARNING",
        **extra,
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        from shared.db import reset_engine
        from shared.migrate import upgrade_to_head
        from shared.settings import get_settings

        get_settings.cache_clear()
        reset_engine()
        if own_database:
            upgrade_to_head(url)
        yield env
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        from shared.db import reset_engine
        from shared.settings import get_settings

        get_settings.cache_clear()
        reset_engine()
        if own_database:
            database(name, drop_only=True)


@contextmanager
def baseline_and_service(app_factory: str, env: dict[str, str]) -> Iterator[tuple[str, str]]:
    """The bare baseline app and the service (`module:function`) on free loopback ports: their base URLs."""
    processes = []
    try:
        base_port, svc_port = free_port(), free_port()
        processes.append(start_server("bench.baseline_app:create_app", port=base_port, env=env))
        processes.append(start_server(app_factory, port=svc_port, env=env))
        yield f"http://127.0.0.1:{base_port}", f"http://127.0.0.1:{svc_port}"
    finally:
        for process in reversed(processes):
            stop_server(process)


def time_requests(
    client: httpx.Client, method: str, url: str, count: int, *, warm_up: int = 10, **kwargs: Any
) -> list[float]:
    """Seconds for each of `count` sequential requests, after up to `warm_up` unmeasured ones."""
    for _ in range(min(warm_up, count)):
        client.request(method, url, **kwargs).raise_for_status()
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.request(method, url, **kwargs)
        samples.append(time.perf_counter() - started)
        response.raise_for_status()
    return samples


def session_value(svc: str, user: str, name: str, *, ttl_ms: int = 3_000_000) -> dict[str, Any]:
    """What the pages keep in sessionStorage ('kk.session') for a demo user, with a token from the dev issuer."""
    token = httpx.post(svc + "/api/v1/dev/tokens", json={"user": user}, timeout=30).json()
    return {
        "token": token["access_token"],
        "sub": user,
        "name": name,
        "roles": token["roles"],
        "expiresAt": int(time.time() * 1000) + ttl_ms,
    }


def cold_loads(
    browser: Any,
    url: str,
    baseline_url: str,
    loads: int,
    *,
    ready: Callable[[Any], Any],
    then: Callable[[Any], dict[str, float]] | None = None,
    session: dict[str, Any] | None = None,
    warm_ups: int = 2,
    context: dict[str, Any] | None = None,
) -> dict[str, list[float]]:
    """Cold loads of `url` in fresh contexts, each until `ready(page)` returns, and navigations to the baseline.

    Returns the seconds as {"page": [...], "baseline": [...]}, plus what `then(page)` measures after each load;
    `session` logs the page in through sessionStorage; the first `warm_ups` rounds are not counted.
    """
    script = f"sessionStorage.setItem('kk.session', {json.dumps(json.dumps(session))});" if session else None
    samples: dict[str, list[float]] = {}
    for index in range(loads + warm_ups):
        instance = browser.new_context(**(DESKTOP if context is None else context))
        try:
            if script is not None:
                instance.add_init_script(script)
            page = instance.new_page()
            started = time.perf_counter()
            page.goto(url)
            ready(page)
            measured = {"page": time.perf_counter() - started}
            if then is not None:
                measured.update(then(page))
            started = time.perf_counter()
            page.goto(baseline_url)
            measured["baseline"] = time.perf_counter() - started
        finally:
            instance.close()
        if index >= warm_ups:
            for key, value in measured.items():
                samples.setdefault(key, []).append(value)
    return samples


def until(condition: str) -> Callable[[Any], Any]:
    """A `ready` for cold_loads: wait until the JS `condition` holds."""
    return lambda page: page.wait_for_function(condition, timeout=60_000, polling=10)


def with_browser(browser: Any, run: Callable[[Any], T]) -> T:
    """run(browser): the given Playwright browser, or Debian's chromium launched for the call."""
    if browser is not None:
        return run(browser)
    from playwright.sync_api import sync_playwright

    if CHROMIUM is None:
        raise RuntimeError("Debian's chromium is not installed")
    with sync_playwright() as playwright:
        own = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            return run(own)
        finally:
            own.close()


def print_figures(figures: dict[str, Any]) -> None:
    """One line per figure (value, target, baseline), the browser's figures included."""
    for key, value in [*figures.items(), *figures.get("browser", {}).items()]:
        if isinstance(value, dict) and "value" in value:
            print(f"{key}: {value['value']} {value['unit']} (target {value['target']}, baseline {value['baseline']})")


def html_and_api_figures(
    method: str,
    *,
    plain: dict[str, Any],
    jwt_insert: dict[str, Any],
    html_name: str,
    html: dict[str, Any],
    endpoints: dict[str, dict[str, Any]],
    api_target: float,
) -> dict[str, Any]:
    """A page's HTML shell against the baseline's /plain (10/50 ms p50/p99) and each API call it makes against
    the baseline's /jwt-insert (`api_target` ms p50), with the raw summaries."""
    figures: dict[str, Any] = {
        "method": method,
        "baseline_plain": plain,
        "baseline_jwt_insert": jwt_insert,
        html_name: html,
        "endpoints": endpoints,
        f"{html_name}_p50": figure(html["p50_ms"], "ms", 10.0, plain["p50_ms"]),
        f"{html_name}_p99": figure(html["p99_ms"], "ms", 50.0, plain["p99_ms"]),
    }
    for key, summary in endpoints.items():
        figures[f"{key}_p50"] = figure(summary["p50_ms"], "ms", api_target, jwt_insert["p50_ms"])
    return figures
