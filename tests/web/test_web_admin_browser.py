"""The admin page in Debian's chromium: log in, search the audit log, verify it, replay a dead letter."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.audit import service as audit_service
from shared.queue import Event, consumer, publish
from shared.queue.models import DeadLetter, OutboxEvent
from tests.web.helpers import Web

pytestmark = pytest.mark.browser

PROBE_EVENT = "shared.webtest.probe_requested"
CITIZEN = "1502851236"  # borger-mette
OTHER_CITIZEN = "2411044347"

# The probe consumer fails until a test lets it through: the real outbox path produces the dead letter.
_probe: dict[str, Any] = {"fail": True, "applied": []}


@consumer(PROBE_EVENT, name="tests.web.probe")
def _probe_consumer(session: Session, event: Event) -> None:
    if _probe["fail"]:
        raise RuntimeError("Modtageren svarer ikke (testfejl)")
    _probe["applied"].append(event.payload["probe_id"])


def _seed_audit_and_dead_letter(session: Session, run_tasks: Callable[[], int]) -> OutboxEvent:
    for action, cpr in (("case.opened", CITIZEN), ("case.viewed", CITIZEN), ("case.viewed", OTHER_CITIZEN)):
        audit_service.record(
            session,
            service="kontrol",
            actor=None,
            actor_sub="sb-anne",
            actor_role="sagsbehandler",
            action=action,
            purpose="kontrolsag",
            citizen_cpr=cpr,
            object_type="case",
            object_id="c-1",
        )
    _probe["fail"] = True
    _probe["applied"].clear()
    event = publish(session, PROBE_EVENT, {"probe_id": "p-1"})
    assert event is not None
    session.commit()
    run_tasks()
    session.expire_all()
    assert session.get(OutboxEvent, event.id).status == "dead"  # type: ignore[union-attr]
    return event


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_admin_logs_in_searches_the_audit_log_and_replays_a_dead_letter(
    size: str, session: Session, run_tasks: Callable[[], int], web: Web
) -> None:
    event = _seed_audit_and_dead_letter(session, run_tasks)
    bp = web.open_page(size)
    page = bp.page

    # Not logged in: the admin page sends you to "Log ind" and back again afterwards.
    page.goto(web.url("kontrol", "/admin"))
    page.wait_for_url("**/log-ind")
    page.locator("[data-kk-users]").wait_for(state="visible")
    web.login_as(bp, "kontrol", "admin")
    page.wait_for_url("**/admin")
    assert page.locator("[data-kk-user-name]").first.inner_text() == "Systemadministrator"
    audit_rows = page.locator("[data-kk-audit-table] tbody tr")
    audit_rows.first.wait_for()
    assert audit_rows.count() == 3
    dead_row = page.locator("[data-dead-letter-id]")
    dead_row.wait_for()
    assert PROBE_EVENT in dead_row.inner_text() and "Modtageren svarer ikke" in dead_row.inner_text()
    web.check_axe(bp, "admin")
    web.screenshot(bp, "kontrol", "admin")

    # An invalid CPR number: the API's Danish message appears next to the CPR field.
    cpr = page.get_by_label("CPR-nummer")
    cpr.fill("3201851234")
    page.get_by_role("button", name="Søg i revisionsloggen").click()
    error = page.locator("#f-cpr-error")
    error.wait_for(state="visible")
    api_answer = web.api(
        "admin", "kontrol", "/api/v1/audit-events/searches", "POST", json={"cpr": "3201851234", "limit": 200}
    ).json()
    assert [e["field"] for e in api_answer["errors"]] == ["/cpr"]
    assert error.text_content() == "Fejl: " + api_answer["errors"][0]["message"]
    assert cpr.get_attribute("aria-invalid") == "true"
    summary = page.locator("[data-kk-error-summary]").first
    assert summary.is_visible()
    assert page.evaluate("() => document.activeElement.hasAttribute('data-kk-error-summary')")
    web.check_axe(bp, "admin with field error")
    if size == "desktop":
        web.screenshot(bp, "kontrol", "admin-fejl")

    # A valid CPR number: only that citizen's events, and the number is in no URL.
    cpr.fill("150285-1236")
    page.get_by_role("button", name="Søg i revisionsloggen").click()
    page.locator("[data-kk-audit-scope]").filter(has_text="150285-****").wait_for()
    assert audit_rows.count() == 2
    assert error.is_hidden() and cpr.get_attribute("aria-invalid") is None
    assert cpr.input_value() == ""  # the form is cleared after the search
    assert not [u for u in bp.request_urls if "150285" in u or CITIZEN in u]

    # The hash chain check.
    page.get_by_role("button", name="Kontrollér hashkæden").click()
    page.locator("[data-kk-verify-result]").filter(has_text="Revisionsloggen er intakt").wait_for()

    # "Send igen" puts the dead event back in the outbox; the next delivery succeeds.
    page.locator("[data-kk-replay]").click()
    page.locator("#kk-status").filter(has_text="er sendt igen").wait_for()
    dead_row.locator(".tag--ok").filter(has_text="Sendt igen").wait_for()
    session.expire_all()
    letter = session.scalars(select(DeadLetter).where(DeadLetter.event_id == event.id)).one()
    assert letter.replayed_by == "admin" and letter.replayed_at is not None
    assert session.get(OutboxEvent, event.id).status == "pending"  # type: ignore[union-attr]
    _probe["fail"] = False
    run_tasks()
    session.expire_all()
    assert session.get(OutboxEvent, event.id).status == "done"  # type: ignore[union-attr]
    assert _probe["applied"] == ["p-1"]

    # Log out: the session is gone and the admin page asks for login again.
    page.locator("header [data-kk-logout]").click()
    page.wait_for_url("**/log-ind")
    assert page.evaluate("() => sessionStorage.getItem('kk.session')") is None
    page.goto(web.url("kontrol", "/admin"))
    page.wait_for_url("**/log-ind")


def test_a_caseworker_is_refused_by_the_page_and_by_the_api(db: None, web: Web) -> None:
    bp = web.logged_in("desktop", "kontrol", "sb-anne", "/admin")
    page = bp.page
    gate = page.locator("[data-kk-gate-forbidden]")
    gate.wait_for(state="visible")
    assert "Du har ikke adgang til siden" in gate.inner_text() and "Anne Holm" in gate.inner_text()
    assert page.locator("[data-kk-protected]").is_hidden()
    # The page only hides; the API is what refuses.
    status = page.evaluate("() => KK.api('/api/v1/audit-events').then(() => 200, (e) => e.status)")
    assert status == 403
    web.check_axe(bp, "admin refused")


def test_keyboard_only_skip_link_login_and_visible_focus(db: None, web: Web) -> None:
    bp = web.open_page("desktop")
    page = bp.page
    page.goto(web.url("kontrol", "/log-ind"))
    page.locator("[data-kk-users]").wait_for(state="visible")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => [document.activeElement.className, document.activeElement.textContent.trim()]")
    assert focused == ["skip-link", "Gå til sidens indhold"]
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "indhold"
    # Tab on to the first demo user and log in with the keyboard alone.
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.classList.contains('user-choice')"):
            break
    style = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.boxShadow]; }"
    )
    assert style[0] != "none" or style[1] != "none", "focused control shows no focus indicator"
    sub = page.evaluate("() => document.activeElement.dataset.sub")
    assert sub == "sb-anne"  # the users of kontrol's own pages (caseworkers first) are listed first
    page.keyboard.press("Enter")
    page.wait_for_url(web.url("kontrol", "/"))
    page.locator("[data-kk-user]").wait_for(state="visible")
    assert page.locator("#kk-status").inner_text() == "Du er logget ind som Anne Holm (sagsbehandler)."
