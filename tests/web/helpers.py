"""What the page tests share besides the fixtures: the running services, a page with its JS errors, logging in,
the axe-core check, screenshots, the API as a demo user, and `Web`, which bundles all of it in one fixture.

The fixtures in tests/web/conftest.py (web_stack, open_page, login_as, check_axe, screenshot, web) are thin
wrappers around these.
"""

from __future__ import annotations

import functools
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
# Screenshots are taken on every run (rendering is part of the test) but only replace the committed ones in
# docs/screenshots when asked to (KK_UPDATE_SCREENSHOTS=1); otherwise they go to the ignored var/ folder.
SCREENSHOTS = (
    ROOT / "docs" / "screenshots" if os.environ.get("KK_UPDATE_SCREENSHOTS") == "1" else ROOT / "var" / "screenshots"
)
AXE_JS = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
BLOCKING_IMPACTS = ("serious", "critical")


def slug(service: str) -> str:
    """An ASCII name for file names: viceværtsopgaver -> vicevaertsopgaver."""
    return service.replace("æ", "ae").replace("ø", "oe").replace("å", "aa")


@dataclass
class ServiceProcess:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class WebStack:
    """The running services: `stack.url("kontrol")` is its base URL."""

    services: dict[str, ServiceProcess] = field(default_factory=dict)

    def url(self, service: str, path: str = "/") -> str:
        return self.services[service].url + path


@dataclass
class BrowserPage:
    """A page in its own browser context, with the JS errors and request URLs it produced."""

    page: Any
    size: str
    errors: list[str] = field(default_factory=list)
    request_urls: list[str] = field(default_factory=list)


def login(stack: WebStack, bp: BrowserPage, service: str, user: str) -> None:
    """Log in on the service's "Log ind" page by clicking the demo user (going there first if needed)."""
    page = bp.page
    if not page.url.startswith(stack.url(service, "/log-ind")):
        page.goto(stack.url(service, "/log-ind"))
    button = page.locator(f'[data-sub="{user}"]')
    if not button.is_visible():
        page.get_by_text("Andre demobrugere").click()
    button.click()
    page.wait_for_function("() => window.KK && KK.session.get() !== null && !location.pathname.startsWith('/log-ind')")
    page.locator("[data-kk-user]").wait_for(state="visible")


@functools.cache
def axe_source() -> str:
    """axe-core's browser bundle from npm (tests/web/package-lock.json; `npm ci` in scripts/test.sh)."""
    if not AXE_JS.is_file():
        raise RuntimeError(f"{AXE_JS} is missing: run `npm ci --prefix tests/web` (scripts/test.sh does it)")
    return AXE_JS.read_text()


def axe_check(bp: BrowserPage, what: str = "", source: str | None = None) -> list[dict[str, Any]]:
    """Run axe-core on the page; fail on serious or critical violations, return the rest."""
    page = bp.page
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(source if source is not None else axe_source())
    violations: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map(n => n.target.join(' ')).slice(0, 5),
            }));
        }"""
    )
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"axe-core: serious/critical violations on {what or page.url} ({bp.size}): {blocking}"
    return violations


def take_screenshot(bp: BrowserPage, service: str, name: str, *, full_page: bool = True) -> Path:
    """docs/screenshots/<service>-<name>-<desktop|phone>.png: the full page, or what is on screen."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{slug(service)}-{name}-{bp.size}.png"
    bp.page.screenshot(path=str(path), full_page=full_page, animations="disabled", caret="hide")
    return path


def no_sideways_scrolling(bp: BrowserPage) -> None:
    """Nothing sticks out to the right of the viewport (the assertion names what does)."""
    width = VIEWPORTS[bp.size]["width"]
    wide = bp.page.evaluate(
        """(width) => document.documentElement.scrollWidth <= width ? [] : Array.from(document.querySelectorAll('main *'))
            .filter((n) => n.getBoundingClientRect().right > width && n.getClientRects().length)
            .slice(-5).map((n) => n.tagName + '.' + n.className + ' ' + Math.round(n.getBoundingClientRect().right))
            .concat(['scrollWidth ' + document.documentElement.scrollWidth])""",
        width,
    )
    assert not wide, f"sideways scrolling at {width} px: {wide}"


def focus_moves_to(bp: BrowserPage, element_id: str) -> None:
    """Focus lands on the element with this id; a dialog's close event moves it a task after the dialog hides."""
    bp.page.wait_for_function("(id) => document.activeElement && document.activeElement.id === id", arg=element_id)


@dataclass
class Web:
    """The page tests' toolbox in one fixture: `web.open_page("phone")`, `web.login_as(bp, service, user)`,
    `web.check_axe(bp, what)`, `web.screenshot(bp, service, name)`, `web.url(service, path)`, `web.api(...)`."""

    stack: WebStack
    open_page: Callable[[str], BrowserPage]

    def url(self, service: str, path: str = "/") -> str:
        return self.stack.url(service, path)

    def login_as(self, bp: BrowserPage, service: str, user: str) -> None:
        login(self.stack, bp, service, user)

    def check_axe(self, bp: BrowserPage, what: str = "") -> list[dict[str, Any]]:
        return axe_check(bp, what)

    def screenshot(self, bp: BrowserPage, service: str, name: str, *, full_page: bool = True) -> Path:
        return take_screenshot(bp, service, name, full_page=full_page)

    def token(self, user: str, service: str, **kwargs: Any) -> str:
        """A dev token for a demo user and a service (as the `token` fixture mints it)."""
        from shared.auth import AUDIENCES, mint_demo_token

        return mint_demo_token(user, AUDIENCES[service], **kwargs)

    def api(
        self, user: str, service: str, path: str, method: str = "GET", *, timeout: float = 30, **kwargs: Any
    ) -> httpx.Response:
        """The service's API answer for a demo user (to compare with what the page shows)."""
        headers = {"Authorization": f"Bearer {self.token(user, service)}", **kwargs.pop("headers", {})}
        return httpx.request(method, self.url(service, path), headers=headers, timeout=timeout, **kwargs)

    def logged_in(self, size: str, service: str, user: str, path: str | None = None) -> BrowserPage:
        """A fresh page at `size`, logged in as `user` on the service's "Log ind" page, then at `path` if given."""
        bp = self.open_page(size)
        self.login_as(bp, service, user)
        if path is not None:
            bp.page.goto(self.url(service, path))
        return bp

    def login_on_the_way(self, bp: BrowserPage, service: str, path: str, user: str, *, lands_on: str = "") -> None:
        """Open `path` logged out: the page sends you to "Log ind"; log in as `user` and land on it again."""
        bp.page.goto(self.url(service, path))
        bp.page.wait_for_url("**/log-ind")
        self.login_as(bp, service, user)
        bp.page.wait_for_url("**" + (lands_on or path))
