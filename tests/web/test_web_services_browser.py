"""Every service's shared pages in Debian's chromium: start, log ind and admin, axe-clean, at desktop and phone size."""

from __future__ import annotations

import pytest

from shared.auth.demo_users import DEMO_USERS
from tests.web.helpers import Web, no_sideways_scrolling

pytestmark = pytest.mark.browser

SERVICES = ("kontrol", "koerekort", "viceværtsopgaver", "sms_ydelse")
PEOPLE = [u for u in DEMO_USERS if "system" not in u.roles]


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize("service", SERVICES)
def test_start_login_and_admin_pages(service: str, size: str, db: None, web: Web) -> None:
    bp = web.open_page(size)
    page = bp.page

    page.goto(web.url(service, "/"))
    heading = page.locator("h1")
    assert heading.inner_text() == page.evaluate("() => KK.config.service_name")
    assert page.locator("[data-kk-login-link]").is_visible()
    assert page.locator(".card").count() >= 1
    web.check_axe(bp, f"{service} start")
    web.screenshot(bp, service, "start")

    page.goto(web.url(service, "/log-ind"))
    page.locator("[data-kk-users]").wait_for(state="visible")
    listed = page.locator("[data-sub]").evaluate_all("(nodes) => nodes.map((n) => n.dataset.sub)")
    assert sorted(listed) == sorted(u.sub for u in PEOPLE)  # every person, no service accounts
    if size == "phone":
        box = page.locator('[data-sub="admin"]').bounding_box()
        assert box is not None and box["height"] >= 48 and box["width"] >= 300  # big touch target
    no_sideways_scrolling(bp)
    web.check_axe(bp, f"{service} log ind")
    web.screenshot(bp, service, "log-ind")

    web.login_as(bp, service, "admin")
    page.goto(web.url(service, "/admin"))
    page.locator("[data-kk-dead-count]").filter(has_text="Der er ingen fejlede hændelser.").wait_for()
    page.locator("[data-kk-audit-table] .empty").wait_for()
    assert page.locator("[data-kk-user-name]").first.inner_text() == "Systemadministrator"
    no_sideways_scrolling(bp)
    web.check_axe(bp, f"{service} admin")
