"""The sms_ydelse pages in Debian's chromium, plus the small read endpoint they added (delivery failures).

The operations page is checked against the API it draws from: every number on the page is compared
with the same API answer fetched by the test, never with a hard-coded figure.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.sms_ydelse import seed as demo_seed
from services.sms_ydelse import tasks as _tasks  # noqa: F401 - registers the consumers run_tasks delivers to
from services.sms_ydelse.gateway.base import inbound_token
from services.sms_ydelse.models import Message
from services.sms_ydelse.service import today_in_copenhagen
from services.sms_ydelse.simulators import koerekort_stub
from services.sms_ydelse.simulators.server import ThreadedServer
from shared.audit.models import AuditEvent
from shared.notifications.models import SimulatedSms
from shared.queue.models import OutboxEvent
from tests.web.helpers import Web, no_sideways_scrolling

SERVICE = "sms_ydelse"
METTE = "1502851236"  # kontanthjælp, NemSMS +4520112233
JONAS = "2411044347"  # NemSMS +4520445566
FATIMA = "0303781118"  # not on NemSMS
DAYS_SHOWN = 7  # the page's default period: the last 7 days including today

browser = pytest.mark.browser


def _n(value: int) -> str:
    """A whole number as the page writes it (da-DK: 1.234)."""
    return f"{value:,}".replace(",", ".")


def _period() -> tuple[date, date]:
    today = today_in_copenhagen()
    return today - timedelta(days=DAYS_SHOWN - 1), today


@pytest.fixture
def koerekort_down() -> Iterator[Any]:
    """koerekort's status endpoint (the local stub of its contract) answering 503 until the test heals it."""
    from shared.settings import get_settings

    app = koerekort_stub.create_app({JONAS: ("awaiting_certificate", "Vi venter på lægeerklæringen fra din læge")})
    app.state.fail = True
    with ThreadedServer(app) as server, pytest.MonkeyPatch.context() as mp:
        mp.setenv("KOEREKORT_URL", server.url)
        get_settings.cache_clear()
        yield app
    get_settings.cache_clear()


class Api:
    """The running sms_ydelse service, called as the IVR, another service or the admin would."""

    def __init__(self, web: Web) -> None:
        self.web = web
        self.base = web.url(SERVICE, "")

    def call(self, method: str, path: str, user: str, **kwargs: Any) -> httpx.Response:
        return self.web.api(user, SERVICE, path, method, timeout=10, **kwargs)

    def admin(self, path: str, **params: Any) -> Any:
        response = self.call("GET", path, "admin", params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def overview(self) -> list[dict[str, Any]]:
        start, end = _period()
        return self.admin("/api/v1/statistics/overview", **{"from": start.isoformat(), "to": end.isoformat()})[
            "products"
        ]


def _world(session: Session, run_tasks: Callable[[], int], api: Api) -> dict[str, Any]:
    """A week of demo traffic with a payday peak, then today's real calls through the running service."""
    demo_seed.seed(session)
    session.commit()
    ivr = [
        ("CA-web-1", METTE, "info_om_ydelse", "+4531000201"),  # SMS delivered
        ("CA-web-2", FATIMA, "info_om_ydelse", "+4531000202"),  # no NemSMS: no SMS
        ("CA-web-3", "12345", "info_om_ydelse", "+4531000203"),  # not a CPR number: retry
        ("CA-web-4", JONAS, "koerekort", "+4531000204"),  # koerekort is down: dead letter
    ]
    for call_id, digits, menu, caller in ivr:
        body = {"call_id": call_id, "caller_number": caller, "menu_item": menu, "digits": digits}
        assert api.call("POST", "/api/v1/ivr-calls", "ivr-telefoni", json=body).status_code == 200
    failed = api.call(
        "POST",
        "/api/v1/messages",
        "svc-koerekort",
        json={"text": "Din lægeerklæring er modtaget.", "recipient_cpr": FATIMA, "sender_service": "koerekort"},
        headers={"Idempotency-Key": "web-test-fatima"},
    )
    assert failed.status_code == 202, failed.text
    run_tasks()
    reply = httpx.post(
        api.base + "/api/v1/inbound-messages/kannel",
        params={"token": inbound_token()},
        content=b"4",
        headers={"X-Kannel-From": "+4520112233"},
    )
    assert reply.status_code == 200
    session.expire_all()
    dead = session.scalar(
        select(OutboxEvent)
        .where(OutboxEvent.event_type == "sms_ydelse.call.accepted")
        .where(OutboxEvent.status == "dead")
    )
    assert dead is not None and "503" in (dead.last_error or "")
    return {"failed_message_id": failed.json()["id"]}


def _sum(rows: list[dict[str, Any]], key: str) -> int:
    return sum(int(r[key]) for r in rows)


def _figure(page: Any, key: str) -> str:
    return page.locator(f'[data-figure="{key}"] .figure__value').inner_text()


def _open_table(page: Any, chart: str) -> Any:
    box = page.locator(f'[data-chart="{chart}"]')
    details = box.locator("details")
    if details.get_attribute("open") is None:
        box.get_by_text("Vis tallene som tabel").click()
    return box.locator("table")


# --- the operations page --------------------------------------------------------------------------


@browser
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_admin_follows_calls_sms_failures_and_replays_a_dead_letter(
    size: str, session: Session, run_tasks: Callable[[], int], koerekort_down: Any, web: Web
) -> None:
    api = Api(web)
    world = _world(session, run_tasks, api)
    start, end = _period()
    bp = web.open_page(size)
    page = bp.page
    page.clock.install()  # real time keeps running; the test can jump ahead to the next auto-refresh

    # Not logged in: the page sends you to "Log ind" and back again.
    web.login_on_the_way(bp, SERVICE, "/drift", "admin")
    page.locator("[data-ops-updated]").filter(has_text="Senest opdateret").wait_for()

    # Key figures: the sums of the API's own overview.
    rows = api.overview()
    assert _figure(page, "calls") == _n(_sum(rows, "calls"))
    assert _figure(page, "sms") == _n(_sum(rows, "sms_queued"))
    assert _figure(page, "delivered") == _n(_sum(rows, "sms_delivered"))
    assert _figure(page, "failed") == _n(_sum(rows, "sms_failed"))
    assert _sum(rows, "calls") > 500 and _sum(rows, "sms_failed") >= 2  # the demo week and today's failure
    products = {r["product"] for r in rows}
    assert {"kontanthjaelp", "koerekort_status", "notifikation"} <= products
    for product in products:
        assert page.locator(f'[data-ops-products] tr[data-product="{product}"]').count() == 1
    web.check_axe(bp, "drift")
    no_sideways_scrolling(bp)
    web.screenshot(bp, SERVICE, "drift")

    # Calls per day: an SVG image named by its title, the busiest (payment) day marked, and a table alternative.
    daily = api.admin("/api/v1/statistics/daily", **{"from": start.isoformat(), "to": end.isoformat()})["items"]
    per_day: dict[str, int] = {}
    for item in daily:
        per_day[item["day"]] = per_day.get(item["day"], 0) + item["calls"]
    busiest = max(per_day, key=lambda d: per_day[d])
    assert busiest == (end - timedelta(days=2)).isoformat()  # the demo week's payday peak
    chart = page.locator('[data-chart="daily"] svg[role="img"]')
    assert chart.locator("title").text_content() == "Opkald og sms pr. dag"
    assert f"med {_n(per_day[busiest])} opkald" in (chart.locator("desc").text_content() or "")
    assert chart.locator(".chart__peak").count() == 1
    table = _open_table(page, "daily")
    assert table.locator("tbody tr").count() == DAYS_SHOWN
    peak_row = table.locator("tbody tr[data-peak]")
    assert "Travleste dag" in peak_row.inner_text() and _n(per_day[busiest]) in peak_row.inner_text()

    # Calls per hour: the busiest day by default, then today.
    day_choice = page.get_by_label("Dag", exact=True)
    assert day_choice.input_value() == busiest
    hourly_table = _open_table(page, "hourly")
    assert hourly_table.locator("tbody tr").count() == 24
    hourly_busiest = api.admin("/api/v1/statistics/hourly", day=busiest)["items"]
    peak_hour = max(range(24), key=lambda h: sum(i["calls"] for i in hourly_busiest if i["hour"] == h))
    assert hourly_table.locator("tbody tr[data-peak]").inner_text().startswith(f"kl. {peak_hour:02d}-")
    day_choice.select_option(end.isoformat())
    today_calls = _sum(api.admin("/api/v1/statistics/hourly", day=end.isoformat())["items"], "calls")
    page.locator('[data-chart="hourly"] desc').filter(has_text=f"I alt {_n(today_calls)} opkald").wait_for(
        state="attached"
    )
    assert today_calls == 4

    # Delivery status and satisfaction, as tables next to their charts.
    status_table = _open_table(page, "status")
    failed_row = status_table.locator("tbody tr").filter(has_text="Fejlet")
    assert _n(_sum(rows, "sms_failed")) in failed_row.inner_text()
    satisfaction_table = _open_table(page, "satisfaction")
    answers = sum(r["satisfaction"]["distribution"]["4"] for r in rows)
    assert answers >= 1  # today's reply "4" from Mette's phone is among them
    assert _n(answers) in satisfaction_table.locator("tbody tr").filter(has_text="Svar 4").inner_text()
    web.check_axe(bp, "drift with the tables open")

    # Delivery failures: the list has no number or text; opening one message's history is audited.
    failures = api.admin("/api/v1/delivery-failures", **{"from": start.isoformat(), "to": end.isoformat()})
    assert page.locator("[data-ops-failures] tbody tr").count() == len(failures["items"])
    row = page.locator(f'[data-failure-id="{world["failed_message_id"]}"]')
    assert "Borgeren er ikke tilmeldt NemSMS" in row.inner_text() and "Kørekort" in row.inner_text()
    row.get_by_role("button", name="Vis forløb").click()
    detail = page.locator("[data-ops-message]")
    detail.wait_for(state="visible")
    assert page.evaluate("() => document.activeElement.hasAttribute('data-ops-message-heading')")
    assert "Borgeren er ikke tilmeldt NemSMS" in detail.inner_text()
    assert row.get_by_role("button", name="Vis forløb").get_attribute("aria-expanded") == "true"
    session.expire_all()
    read = session.scalars(select(AuditEvent).where(AuditEvent.action == "sms_ydelse.message.read")).all()
    assert [(a.actor_sub, a.object_id) for a in read] == [("admin", world["failed_message_id"])]
    web.check_axe(bp, "drift with a message's history")
    if size == "desktop":
        web.screenshot(bp, SERVICE, "drift-forloeb")
    page.get_by_role("button", name="Luk forløbet").click()
    assert detail.is_hidden()

    # The dead letter: koerekort was down. Heal it, "Send igen", and the citizen gets the SMS.
    dead = page.locator("[data-ops-dead] [data-dead-letter-id]")
    assert dead.count() == 1 and "503" in dead.inner_text()
    koerekort_down.state.fail = False
    page.locator("[data-ops-replay]").click()
    page.locator("#kk-status").filter(has_text="er sendt igen").wait_for()
    dead.locator(".tag--ok").filter(has_text="Sendt igen").wait_for()
    run_tasks()
    session.expire_all()
    sent = session.scalars(select(SimulatedSms).where(SimulatedSms.to_msisdn == "+4520445566")).all()
    assert len(sent) == 1 and "Vi venter på lægeerklæringen" in sent[0].text

    # Auto-refresh: 30 seconds later the figures include the new SMS, without reloading the page.
    expected = _n(_sum(api.overview(), "sms_queued"))
    assert expected != _n(_sum(rows, "sms_queued"))
    page.evaluate("() => { window.__notReloaded = true; }")
    refreshes = len([u for u in bp.request_urls if "/statistics/overview" in u])
    page.clock.run_for(31_000)
    page.locator('[data-figure="sms"] .figure__value').filter(has_text=expected).wait_for()
    assert len([u for u in bp.request_urls if "/statistics/overview" in u]) > refreshes
    assert page.evaluate("() => window.__notReloaded === true")
    assert page.locator('[data-chart="daily"] details').get_attribute("open") is not None  # the open table stays

    # An impossible period: the API's Danish message appears next to "Til og med".
    page.get_by_label("Fra og med").fill(end.isoformat())
    page.get_by_label("Til og med").fill((end - timedelta(days=3)).isoformat())
    page.get_by_role("button", name="Vis statistik").click()
    error = page.locator("#f-to-error")
    error.wait_for(state="visible")
    problem = api.call(
        "GET",
        "/api/v1/statistics/overview",
        "admin",
        params={"from": end.isoformat(), "to": (end - timedelta(days=3)).isoformat()},
    ).json()
    assert [e["field"] for e in problem["errors"]] == ["/query/to"]
    assert error.text_content() == "Fejl: " + problem["errors"][0]["message"]
    assert page.get_by_label("Til og med").get_attribute("aria-invalid") == "true"
    web.check_axe(bp, "drift with a period error")

    # One product only.
    page.get_by_label("Fra og med").fill(start.isoformat())
    page.get_by_label("Til og med").fill(end.isoformat())
    page.get_by_label("Produkt (valgfrit)").select_option("koerekort_status")
    page.get_by_role("button", name="Vis statistik").click()
    page.locator("#kk-status").filter(has_text="Statistikken vises").wait_for()
    only = api.admin(
        "/api/v1/statistics/overview",
        **{"from": start.isoformat(), "to": end.isoformat(), "product": "koerekort_status"},
    )["products"]
    assert _figure(page, "calls") == _n(_sum(only, "calls"))
    assert page.locator("[data-ops-products] tbody tr").count() == 1
    secrets = (METTE, JONAS, FATIMA, "4520112233", "4520445566")
    assert not [u for u in bp.request_urls if any(s in u for s in secrets)]


@browser
def test_a_non_admin_is_refused_by_the_page_and_by_the_api(db: None, web: Web) -> None:
    bp = web.logged_in("phone", SERVICE, "ivr-telefoni", "/drift")
    page = bp.page
    page.locator("[data-kk-gate-forbidden]").wait_for(state="visible")
    assert page.locator("[data-kk-protected]").is_hidden()
    status = page.evaluate(
        "() => KK.api('/api/v1/statistics/daily', {query: {from: '2026-01-01', to: '2026-01-02'}})"
        ".then(() => 200, (e) => e.status)"
    )
    assert status == 403
    web.check_axe(bp, "drift refused")


# --- the start page ---------------------------------------------------------------------------------


@browser
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_start_page_explains_the_service_and_the_ivr_contract(size: str, db: None, web: Web) -> None:
    api = Api(web)
    bp = web.open_page(size)
    page = bp.page
    page.goto(web.url(SERVICE, "/"))
    assert page.locator("h1").inner_text() == "SMS om ydelse"
    assert "NemSMS" in page.locator(".lead").inner_text()

    # The menu items and spoken answers are the service's own (GET /api/v1/products as the IVR sees them).
    products = api.call("GET", "/api/v1/products", "ivr-telefoni").json()
    table = page.locator("[data-ivr-products]")
    assert table.locator("tbody tr").count() == len(products)
    for product in products:
        row = table.locator(f'tr[data-product="{product["key"]}"]')
        assert product["title"] in row.inner_text()
        for item in product["menu_items"]:
            assert item in row.inner_text()
    answers = page.locator("[data-ivr-answers]")
    accepted = api.call(
        "POST",
        "/api/v1/ivr-calls",
        "ivr-telefoni",
        json={"call_id": "CA-start-1", "caller_number": "+4531000301", "menu_item": "ydelse", "digits": "12"},
    ).json()
    assert accepted["status"] == "retry_cpr"
    assert accepted["say"] in answers.locator(f'tr[data-prompt="{accepted["prompt_id"]}"]').inner_text()
    docs_link = page.get_by_role("link", name="Se den tekniske API-dokumentation (OpenAPI)", exact=False)
    assert httpx.get(web.url(SERVICE, docs_link.get_attribute("href") or "")).status_code == 200
    web.check_axe(bp, "sms_ydelse start")
    no_sideways_scrolling(bp)
    web.screenshot(bp, SERVICE, "start")

    # Logged in as admin, the operations card is marked as yours and leads to the page.
    web.login_as(bp, SERVICE, "admin")
    card = page.locator(".card").filter(has_text="Drift og statistik")
    card.locator("[data-kk-yours]").wait_for(state="visible")
    card.get_by_role("link", name="Drift og statistik").click()
    page.wait_for_url("**/drift")
    page.locator("[data-ops-updated]").filter(has_text="Senest opdateret").wait_for()


# --- the read endpoint the page added ---------------------------------------------------------------


def _message(session: Session, *, day: date, status: str, product: str | None, reason: str | None) -> Message:
    message = Message(
        id=uuid.uuid4(),
        sender_service="sms_ydelse" if product else "koerekort",
        idempotency_key=str(uuid.uuid4()),
        request_fingerprint="t",
        product=product,
        to_msisdn="+4520112233",
        text="Hemmelig tekst",
        septets=14,
        status=status,
        failure_reason=reason,
        created_day=day,
        created_hour=9,
    )
    session.add(message)
    return message


def test_delivery_failures_list_no_number_or_text_and_check_the_period(
    session: Session, client_for: Callable[[str], Any], auth: Callable[[str, str], dict[str, str]]
) -> None:
    day = date(2026, 3, 2)
    kept = [
        _message(session, day=day, status="failed", product="kontanthjaelp", reason="not_delivered"),
        _message(session, day=day, status="failed", product=None, reason="no_nemsms_registration"),
        _message(session, day=day, status="failed", product="koerekort_status", reason="expired"),
    ]
    _message(session, day=day, status="delivered", product="kontanthjaelp", reason=None)
    _message(session, day=day + timedelta(days=10), status="failed", product="kontanthjaelp", reason="expired")
    session.commit()
    api = client_for(SERVICE)
    admin = auth("admin", SERVICE)
    period = {"from": day.isoformat(), "to": (day + timedelta(days=1)).isoformat()}

    answer = api.get("/api/v1/delivery-failures", params=period, headers=admin)
    assert answer.status_code == 200
    body = answer.json()
    assert body["total"] == 3 and {i["id"] for i in body["items"]} == {str(m.id) for m in kept}
    assert "+4520112233" not in answer.text and "Hemmelig" not in answer.text
    assert set(body["items"][0]) == {
        "id",
        "product",
        "sender_service",
        "failure_reason",
        "gateway",
        "attempts",
        "created_at",
        "failed_at",
    }
    assert {i["product"] for i in body["items"]} == {"kontanthjaelp", "notifikation", "koerekort_status"}

    limited = api.get(
        "/api/v1/delivery-failures", params={**period, "limit": 1, "product": "kontanthjaelp"}, headers=admin
    )
    assert limited.json()["total"] == 1 and len(limited.json()["items"]) == 1

    backwards = api.get("/api/v1/delivery-failures", params={"from": period["to"], "to": period["from"]}, headers=admin)
    assert backwards.status_code == 422
    assert backwards.headers["content-type"].startswith("application/problem+json")
    assert backwards.json()["errors"][0]["field"] == "/query/to"
    assert backwards.json()["errors"][0]["message"] == "Slutdatoen ligger før startdatoen."
    assert api.get("/api/v1/delivery-failures", params=period, headers=auth("ivr-telefoni", SERVICE)).status_code == 403
    assert api.get("/api/v1/delivery-failures", params=period).status_code == 401


# --- the benchmark, at tiny scale (the real run is bench/sms_ydelse_pages.py, outside the suite) --------------


@browser
def test_operations_page_benchmark_runs_at_tiny_scale(db: None, database: str, browser: Any) -> None:
    from bench.sms_ydelse_pages import measure

    # The session's chromium and the worker's (emptied, migrated) test database: no second migration here.
    figures = measure(requests=3, browser_loads=1, days=8, browser=browser, database_url=database)
    assert figures["ivr_calls_in_database"] > 100
    for name in ("overview_p50", "daily_p50", "hourly_p50", "delivery_failures_p50", "dead_letters_p50"):
        figure = figures[name]
        assert figure["value"] > 0 and figure["baseline"] > 0
        assert figure["ratio_to_baseline"] == round(figure["value"] / figure["baseline"], 2)
    assert figures["endpoints"]["overview"]["count"] == 3
    assert figures["browser"]["operations_page_ready"]["count"] == 1
