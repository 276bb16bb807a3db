"""Logging in through the MitID-simulator in chromium: authorisation code + PKCE across two origins.

koerekort's pages are the client; kontrol serves the simulator (as OIDC_ISSUER_URL says), so the
redirects, the CORS token exchange and the pages' Content-Security-Policy are all real. The shared
`web_stack` runs without an OIDC provider, so this module starts its own two services.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from jose import jwt

from shared.auth.demo_users import BY_SUB

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("kontrol", "koerekort")
UVICORN = (sys.executable, "-m", "uvicorn", "--no-access-log", "--log-level", "warning", "--factory")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def oidc_stack(database: str) -> Iterator[dict[str, str]]:
    """kontrol (serving the simulator) and koerekort, both configured with the simulator as OIDC provider."""
    urls = {name: f"http://127.0.0.1:{_free_port()}" for name in SERVICES}
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "KONTROL_URL": urls["kontrol"],
        "KOEREKORT_URL": urls["koerekort"],
        "OIDC_ISSUER_URL": urls["kontrol"] + "/oidc-simulator",
        "OIDC_CLIENT_ID": "kk-web",
    }
    log_dir = Path(tempfile.mkdtemp(prefix="kk-oidc-"))
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name in SERVICES:
            port = urls[name].rsplit(":", 1)[1]
            with (log_dir / f"{name}.log").open("wb") as log:
                processes[name] = subprocess.Popen(  # our own interpreter and modules
                    [*UVICORN, f"services.{name}.app:create_app", "--host", "127.0.0.1", "--port", port],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
        started = time.monotonic()
        for name, process in processes.items():
            while True:  # a start-up guard like web_stack's, not a performance assertion
                if process.poll() is not None or time.monotonic() - started > 120:
                    raise RuntimeError(
                        f"{name} did not start:\n{(log_dir / f'{name}.log').read_text(errors='replace')}"
                    )
                try:
                    if httpx.get(urls[name] + "/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
        yield urls
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def test_citizen_logs_in_through_the_mitid_simulator_and_lands_on_the_page_asked_for(
    oidc_stack: dict[str, str],
    open_page: Callable[[str], Any],
    check_axe: Callable[..., Any],
    screenshot: Callable[..., Any],
) -> None:
    koerekort, kontrol = oidc_stack["koerekort"], oidc_stack["kontrol"]
    bp = open_page("desktop")
    page = bp.page

    page.goto(koerekort + "/borger")  # a page for citizens: not logged in, so "Log ind" first
    page.wait_for_url(koerekort + "/log-ind")
    assert page.locator("#oidc-heading").inner_text() == "Log ind med MitID eller fælles login"
    page.locator("[data-kk-oidc-login]").click()

    page.wait_for_url(re.compile(re.escape(kontrol + "/oidc-simulator/authorize?") + ".*"))
    assert page.title() == "Log ind – MitID-simulator"
    assert "Kørekort – lægeerklæring" in page.locator(".lead").inner_text()
    check_axe(bp, "MitID-simulator")
    screenshot(bp, "oidc", "mitid-simulator")
    authorize_url = page.url
    for name in ("code_challenge_method=S256", "state=", "nonce=", "code_challenge=", "client_id=kk-web"):
        assert name in authorize_url
    assert "code_verifier" not in authorize_url

    with page.expect_response(lambda r: r.url.startswith(koerekort + "/api/v1/applications")) as answer:
        page.locator('[data-sub="borger-mette"]').click()
        page.wait_for_url(koerekort + "/borger")
    assert answer.value.status == 200  # the page's own API call with the new token

    page.locator("[data-kk-user]").wait_for(state="visible")
    assert page.locator(".session__name").inner_text() == "Mette Jensen"
    session = page.evaluate("() => KK.session.get()")
    assert session["sub"] == "borger-mette" and session["roles"] == ["borger"]
    claims = jwt.get_unverified_claims(session["token"])
    assert claims["aud"] == "kk:koerekort" and claims["sub"] == "borger-mette"
    # The one-time values are gone from storage; the code went only through the callback address.
    assert page.evaluate("() => sessionStorage.getItem('kk.oidc')") is None
    assert "code=" not in page.url
    cpr = BY_SUB["borger-mette"].attributes["cpr"]
    callbacks = [u for u in bp.request_urls if u.startswith(koerekort + "/log-ind?")]
    assert len(callbacks) == 1 and "code=" in callbacks[0] and "state=" in callbacks[0]
    for url in bp.request_urls:
        assert cpr not in url and "code_verifier" not in url and "access_token" not in url and "id_token" not in url


def test_cancel_and_a_forged_answer_leave_you_logged_out(
    oidc_stack: dict[str, str], open_page: Callable[[str], Any], check_axe: Callable[..., Any]
) -> None:
    koerekort, kontrol = oidc_stack["koerekort"], oidc_stack["kontrol"]
    bp = open_page("phone")
    page = bp.page

    page.goto(koerekort + "/log-ind")
    page.locator("[data-kk-oidc-login]").click()
    page.wait_for_url(re.compile(re.escape(kontrol + "/oidc-simulator/authorize?") + ".*"))
    check_axe(bp, "MitID-simulator (telefon)")
    page.get_by_role("button", name="Afbryd og gå tilbage").click()
    page.wait_for_url(koerekort + "/log-ind")  # the error answer is read, then removed from the address
    page.get_by_role("alert").filter(has_text="Du afbrød login").wait_for()
    assert page.evaluate("() => KK.session.get()") is None

    # An answer this tab never asked for (login CSRF / a stolen code pushed to the victim): refused.
    page.goto(koerekort + "/log-ind?code=stolen-code&state=not-ours")
    page.wait_for_url(koerekort + "/log-ind")
    page.get_by_role("alert").filter(has_text="Svaret fra login kunne ikke bekræftes").wait_for()
    assert page.evaluate("() => KK.session.get()") is None
    assert not [u for u in bp.request_urls if "/oidc-simulator/token" in u]
