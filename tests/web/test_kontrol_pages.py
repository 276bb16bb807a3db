"""The kontrol pages in Debian's chromium, against the running services on PostgreSQL: the caseworker's
pseudonymised queue, "Åbn sag" with its underretning warning, the case, the forklaringsark, partshøring and
decision entry, the reports with charts, and the import of a register-match list; axe on every state shown,
at desktop and phone size, screenshots to docs/screenshots/kontrol-*.png.

One simulated world (history, model v1, registers, gathered and scored candidates, some decided cases) is built
once for this module through the service's own functions; each test opens its own cases, so they do not collide.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from threadpoolctl import threadpool_limits

from tests.web.helpers import Web, focus_moves_to, no_sideways_scrolling
from tests.web.kontrol_fixtures import kontrol_api, world_session

pytestmark = pytest.mark.browser

CANDIDATES = 48
SIZES = ("desktop", "phone")
CASEWORKER = "sb-anne"

# Decisions recorded by another caseworker over the last months, so the reports have something to show:
# (months back, arm, samfundsbesparelse?, benefit type). Month 2 back is below the 78 % line on purpose.
HISTORY = (
    (5, "model", True, "boligsikring"),
    (4, "model", True, "kontanthjaelp"),
    (4, "model", True, "oekonomisk_friplads"),
    (3, "model", True, "foertidspension_gl"),
    (2, "model", False, ""),
    (2, "model", False, ""),
    (1, "model", True, "boligydelse"),
    (0, "model", True, "boligsikring"),
    (4, "control", True, "boligsikring"),
    (3, "control", False, ""),
    (2, "control", False, ""),
    (1, "control", True, "kontanthjaelp"),
    (0, "control", False, ""),
)


@dataclass
class World:
    cprs: list[str]
    names: list[str]
    outsiders: list[str]
    decision_cases: dict[str, uuid.UUID] = field(default_factory=dict)
    opened_from_queue: set[uuid.UUID] = field(default_factory=set)


def _months_back(months: int) -> date:
    today = date.today()
    year, month = today.year, today.month - months
    while month < 1:
        year, month = year - 1, month + 12
    return min(date(year, month, 10), today)


def _principal(sub: str, name: str) -> Any:
    from shared.auth.tokens import Principal

    return Principal(sub=sub, roles=frozenset({"sagsbehandler"}), name=name, attributes={})


def _decide(
    session: Session, *, candidate_id: uuid.UUID, actor: Any, decided_on: date, hit: bool, benefit: str
) -> None:
    from services.kontrol.cases.flows import open_case
    from services.kontrol.cases.service import AmountIn, record_decision, record_hearing

    case, _ = open_case(session, candidate_id=candidate_id, actor=actor, purpose="Testhistorik", idempotency_key=None)
    record_hearing(
        session,
        case=case,
        actor=actor,
        sent_on=decided_on - timedelta(days=20),
        response_deadline=decided_on - timedelta(days=6),
        note=None,
    )
    seed = int(candidate_id.hex[:6], 16)
    amounts = [AmountIn(benefit, None, 500_000 + seed % 20 * 100_000, 1_000_000 + seed % 15 * 150_000)] if hit else []
    record_decision(
        session,
        case=case,
        actor=actor,
        outcome="samfundsbesparelse" if hit else "ingen_samfundsbesparelse",
        cpr_corrected=hit,
        decided_on=decided_on,
        summary=None,
        amounts=amounts,
    )


@pytest.fixture(scope="module")
def world(database: str) -> Iterator[World]:
    """A small simulated world on this worker's test database, built once for the module."""
    import services.kontrol.tasks  # noqa: F401 - registers the kontrol consumers for the drain below
    from services.kontrol.cases.flows import open_case
    from services.kontrol.models import SimRegisterPerson
    from services.kontrol.priority.config import load_settings
    from services.kontrol.priority.service import released
    from services.kontrol.sources.service import dispatch_gathering
    from services.kontrol.synth import demo
    from shared.db import session_factory
    from shared.queue.relay import drain
    from tests.conftest import truncate_all

    started = time.monotonic()
    truncate_all()
    session = session_factory()()
    try:
        settings = load_settings(session)
        settings.capacity_per_period = 2 * CANDIDATES  # everything gathered is released this week
        # One thread for scikit-learn/OpenMP: on a busy 2-core machine its thread pool makes training ~6x slower.
        with threadpool_limits(limits=1):
            built = demo.build(session, seed=7, history_years=2, candidates=CANDIDATES, outsiders=12, city_size=150_000)
            session.commit()
            dispatch_gathering(session)
            session.commit()
            drain()
        session.expire_all()  # the tasks scored the pool in their own transactions
        items, _ = released(session)
        by_arm = {arm: [i["candidate_id"] for i in items if i["arm"] == arm] for arm in ("model", "control")}
        model_needed = 2 + sum(1 for h in HISTORY if h[1] == "model") + len(SIZES)
        control_needed = 2 + sum(1 for h in HISTORY if h[1] == "control")
        assert len(by_arm["model"]) >= model_needed and len(by_arm["control"]) >= control_needed, {
            k: len(v) for k, v in by_arm.items()
        }
        bo = _principal("sb-bo", "Bo Nielsen (sagsbehandler)")
        picks = {"model": iter(by_arm["model"][2:]), "control": iter(by_arm["control"][2:])}
        for months, arm, hit, benefit in HISTORY:
            _decide(
                session,
                candidate_id=next(picks[arm]),
                actor=bo,
                decided_on=_months_back(months),
                hit=hit,
                benefit=benefit,
            )
        anne = _principal(CASEWORKER, "Anne Holm (sagsbehandler)")
        result = World(cprs=[], names=[], outsiders=built.outsider_cprs)
        for size in SIZES:
            case, _ = open_case(
                session, candidate_id=next(picks["model"]), actor=anne, purpose="Testsag", idempotency_key=None
            )
            result.decision_cases[size] = case.id
        session.commit()
        with threadpool_limits(limits=1):
            drain()
        print(f"kontrol world built in {time.monotonic() - started:.1f} s")
        people = session.execute(select(SimRegisterPerson.cpr, SimRegisterPerson.name)).all()
        result.cprs = [p.cpr for p in people]
        result.names = [p.name for p in people]
        yield result
    finally:
        session.close()


@pytest.fixture
def db_session(world: World) -> Iterator[Session]:
    """A session on the module's world (the `session` fixture would empty the database)."""
    yield from world_session()


@pytest.fixture
def api(web: Web) -> Callable[..., Any]:
    """api(user, path, method="GET", **kwargs): the kontrol API's answer (to compare with the page)."""
    return kontrol_api(web)


def _assert_pseudonymised(text: str, world: World) -> None:
    for number in world.cprs:
        assert number not in text and f"{number[:6]}-" not in text, "a CPR number is on a pseudonymised page"
    leaked = [name for name in world.names if name in text]
    assert not leaked, f"names on a pseudonymised page: {leaked}"


# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_caseworker_opens_a_case_from_the_queue_and_reads_its_forklaringsark(
    size: str, world: World, db_session: Session, web: Web, api: Callable[..., Any], run_tasks: Callable[[], int]
) -> None:
    from services.kontrol.models import Case
    from shared.audit.models import AuditEvent
    from shared.notifications.digital_post import letters_for

    bp = web.open_page(size)
    page = bp.page
    web.login_on_the_way(bp, "kontrol", "/koe", CASEWORKER)

    # The queue: capacity (released vs waiting) as the API counts it, reasons in plain Danish, no person.
    queue = api(CASEWORKER, "/api/v1/queue", params={"limit": 20}).json()
    summary = api(CASEWORKER, "/api/v1/queue/summary").json()
    rows = page.locator("[data-queue] tbody tr")
    rows.first.wait_for()
    assert rows.count() == len(queue["items"])
    released = summary["released"]["model"] + summary["released"]["control"]
    waiting = summary["waiting"]["model"] + summary["waiting"]["control"] - released
    assert page.locator('[data-figure="released"] .figure__value').inner_text() == str(released)
    assert page.locator('[data-figure="waiting"] .figure__value').inner_text() == str(max(waiting, 0))
    capacity = summary["capacity"]["model"] + summary["capacity"]["control"]
    opened = sum(summary["opened_this_period"].values())
    assert page.locator('[data-figure="opened"] .figure__value').inner_text() == f"{opened} af {capacity}"
    _assert_pseudonymised(page.locator("main").inner_text(), world)
    top = next(i for i in queue["items"] if i["arm"] == "model")
    row = page.locator(f'[data-candidate-id="{top["candidate_id"]}"]')
    assert top["expected_saving_text"] in row.inner_text()
    explained = next(i for i in queue["items"] if i["reasons"])
    explained_text = page.locator(f'[data-candidate-id="{explained["candidate_id"]}"]').inner_text()
    assert all(reason["text"] in explained_text for reason in explained["reasons"])
    # The queue lists the model arm by rank, then the control arm: whether a control candidate makes the first
    # page depends on how many model candidates are still unopened (pytest-xdist may run this size on a fresh
    # world, before or after another size opened one). When it does not, the page must be all model arm.
    control = next((i for i in queue["items"] if i["arm"] == "control"), None)
    if control is not None:
        assert "Ingen vurdering" in page.locator(f'[data-candidate-id="{control["candidate_id"]}"]').inner_text()
    else:
        assert len(queue["items"]) == 20 and all(i["arm"] == "model" for i in queue["items"])
        assert summary["released"]["control"] > 0
    no_sideways_scrolling(bp)
    web.check_axe(bp, "kø")
    web.screenshot(bp, "kontrol", "koe")

    # "Åbn sag" asks first and says that the citizen will be notified; "Fortryd" opens nothing.
    candidate_id = uuid.UUID(top["candidate_id"])
    open_button = row.locator("[data-open-case]")
    open_button.click()
    dialog = page.locator("[data-open-dialog]")
    dialog.wait_for(state="visible")
    warning = dialog.inner_text()
    assert "Borgeren får besked" in warning and "underretning i Digital Post" in warning and top["reference"] in warning
    web.check_axe(bp, "åbn sag (bekræftelse)")
    # The modal covers the viewport only, so this one is a viewport screenshot.
    page.evaluate("() => window.scrollTo(0, 0)")
    web.screenshot(bp, "kontrol", "aabn-sag", full_page=False)
    dialog.get_by_role("button", name="Fortryd").click()
    dialog.wait_for(state="hidden")
    assert page.evaluate("() => document.activeElement.dataset.openCase") == top["candidate_id"]
    assert db_session.get(Case, candidate_id) is None
    # The same with the keyboard: Enter on the focused button opens the dialog, Escape closes it again.
    page.keyboard.press("Enter")
    dialog.wait_for(state="visible")
    assert page.evaluate("() => document.activeElement.id") == "open-title"
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert page.evaluate("() => document.activeElement.dataset.openCase") == top["candidate_id"]

    # The purpose is required by the API: its Danish message lands next to the field, and nothing is opened.
    open_button.click()
    purpose = dialog.get_by_label("Formål med at åbne sagen")
    purpose.fill("")
    dialog.get_by_role("button", name="Åbn sagen og underret borgeren").click()
    purpose_error = dialog.locator("#f-purpose-error")
    purpose_error.wait_for(state="visible")
    assert purpose_error.inner_text().startswith("Fejl:") and purpose.get_attribute("aria-invalid") == "true"
    db_session.expire_all()
    assert db_session.get(Case, candidate_id) is None
    web.check_axe(bp, "åbn sag (fejl)")

    purpose.fill("Kontrol af bopælsforhold efter prioriteret kø")
    dialog.get_by_role("button", name="Åbn sagen og underret borgeren").click()
    page.wait_for_url(f"**/sager/{candidate_id}")
    world.opened_from_queue.add(candidate_id)
    page.locator("[data-person-name]").wait_for()
    db_session.expire_all()
    case = db_session.get(Case, candidate_id)
    assert case is not None and case.assigned_to == CASEWORKER
    cpr = case.person["cpr"]
    assert page.locator("[data-person-name]").inner_text() == case.person["name"]
    assert page.locator("[data-person-address]").inner_text() == case.person["address"]
    page.locator("#kk-status").filter(has_text="er åbnet").wait_for()
    cpr_value = page.locator("[data-cpr-value]")
    assert cpr_value.inner_text() == f"{cpr[:6]}-****" and cpr not in page.locator("main").inner_text()
    page.get_by_role("button", name="Vis CPR-nummer").click()
    assert cpr_value.inner_text() == f"{cpr[:6]}-{cpr[6:]}"
    opened_audit = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "kontrol.case.opened", AuditEvent.object_id == str(case.id))
    ).one()
    assert opened_audit.actor_sub == CASEWORKER and "Kontrol af bopælsforhold efter prioriteret kø" in (
        opened_audit.purpose or ""
    )
    assert not [u for u in bp.request_urls if cpr in u or cpr[:6] in u]

    # The underretning and the journaling run as queued tasks; "Opdatér" shows them.
    page.locator('[data-underretning="pending"]').wait_for()
    run_tasks()
    page.get_by_role("button", name="Opdatér").click()
    page.locator('[data-underretning="sent"]').wait_for()
    db_session.expire_all()
    assert len(letters_for(db_session, recipient_cpr=cpr)) == 1
    journal = db_session.get(Case, candidate_id).journal_number  # type: ignore[union-attr]
    assert journal and page.locator(f'[data-journal="{journal}"]').is_visible()
    no_sideways_scrolling(bp)
    web.check_axe(bp, "sag")
    web.screenshot(bp, "kontrol", "sag")

    # The forklaringsark: every datum with source and date, the model version, each feature's contribution.
    page.get_by_role("link", name="Se forklaringsarket").click()
    page.wait_for_url(f"**/sager/{candidate_id}/forklaringsark")
    sheet = case.forklaringsark
    data_rows = page.locator("[data-sheet-data] tbody tr")
    data_rows.first.wait_for()
    assert data_rows.count() == len(sheet["data"])
    first = sheet["data"][0]
    first_row = page.locator(f'[data-sheet-data] [data-fact="{first["fact"]}"]').inner_text()
    assert first["label"] in first_row and first["display"] in first_row and first["source_label"] in first_row
    assert page.locator("[data-model-version]").inner_text() == str(sheet["model"]["version"])
    chart = page.get_by_role("img", name="Bidrag til vurderingen")
    assert chart.is_visible()
    assert chart.locator("rect").count() >= 1
    page.get_by_text(f"Vis alle {len(sheet['assessment']['contributions'])} oplysninger som tabel").click()
    assert page.locator("[data-contribution-table] tbody tr").count() == len(sheet["assessment"]["contributions"]) + 2
    with page.expect_download() as download:
        page.get_by_role("button", name="Hent som PDF").click()
    assert download.value.suggested_filename == f"forklaringsark-{case.reference}.pdf"
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    no_sideways_scrolling(bp)
    web.check_axe(bp, "forklaringsark")
    web.screenshot(bp, "kontrol", "forklaringsark")
    assert not [u for u in bp.request_urls if cpr in u]


@pytest.mark.parametrize("size", SIZES)
def test_caseworker_records_partshoering_and_a_decision_with_amounts(
    size: str, world: World, db_session: Session, web: Web, api: Callable[..., Any]
) -> None:
    from services.kontrol.models import Case, Decision, DecisionAmount, Hearing

    case_id = world.decision_cases[size]
    reference = db_session.get(Case, case_id).reference  # type: ignore[union-attr]
    bp = web.logged_in(size, "kontrol", CASEWORKER)
    page = bp.page

    # The start page offers the caseworker's pages, none of the pages that need a case id.
    page.wait_for_url(web.url("kontrol", "/"))
    offered = page.locator(".card__title a").evaluate_all("(links) => links.map((a) => a.getAttribute('href'))")
    assert "/koe" in offered and "/rapporter" in offered and not [h for h in offered if "{" in h]

    # "Mine sager" lists the case without personal data; the reference leads to the case.
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Mine sager").click()
    page.wait_for_url("**/sager")
    link = page.get_by_role("link", name=reference)
    link.wait_for()
    _assert_pseudonymised(page.locator("main").inner_text(), world)
    web.check_axe(bp, "mine sager")
    web.screenshot(bp, "kontrol", "mine-sager")
    link.click()
    page.wait_for_url(f"**/sager/{case_id}")
    page.locator("[data-person-name]").wait_for()

    decision = page.locator('[data-kk-form="decision"]')
    summary = decision.locator("[data-kk-error-summary]")

    # A decision against the citizen before any partshøring: the API refuses, the page says why.
    decision.get_by_label("Samfundsbesparelse (CPR-registreringen er rettet").check()
    decision.get_by_label("Borgerens adresse er rettet i CPR").check()
    first = decision.locator("[data-amount-row]").first
    first.get_by_label("Ydelsestype", exact=True).select_option("boligsikring")
    first.get_by_label("Tilbagebetalingskrav (kr.)").fill("12.000,50")
    first.get_by_label("Fremadrettet besparelse, 12 mdr. (kr.)").fill("24000")
    decision.get_by_role("button", name="Registrér afgørelse").click()
    summary.filter(has_text="partshøring").wait_for()
    assert db_session.scalar(select(func.count()).where(Decision.case_id == case_id)) == 0

    # Partshøring: a deadline before the sending date is refused next to the field.
    hearing = page.locator('[data-kk-form="hearing"]')
    sent = hearing.get_by_label("Sendt den")
    deadline = hearing.get_by_label("Svarfrist")
    sent.fill(date.today().isoformat())
    deadline.fill((date.today() - timedelta(days=1)).isoformat())
    hearing.get_by_role("button", name="Registrér partshøring").click()
    deadline_error = hearing.locator("#f-response_deadline-error")
    deadline_error.wait_for(state="visible")
    assert "Svarfristen skal ligge efter afsendelsen." in deadline_error.inner_text()
    web.check_axe(bp, "partshøring med fejl")
    deadline.fill((date.today() + timedelta(days=14)).isoformat())
    hearing.get_by_label("Bemærkning").fill("Sendt med Digital Post")
    hearing.get_by_role("button", name="Registrér partshøring").click()
    page.locator("[data-hearings] tbody tr").first.wait_for()
    page.locator('[data-case-status="partshoering"]').wait_for()
    db_session.expire_all()
    assert db_session.scalars(select(Hearing).where(Hearing.case_id == case_id)).one().note == "Sendt med Digital Post"

    # The decision: the API's field errors land on the checkbox and on the second amount row.
    decision.get_by_label("Borgerens adresse er rettet i CPR").uncheck()
    decision.get_by_role("button", name="Tilføj ydelsestype").click()
    second = decision.locator("[data-amount-row]").nth(1)
    second.get_by_label("Ydelsestype", exact=True).select_option("kontanthjaelp")
    second.get_by_label("Tilbagebetalingskrav (kr.)").fill("0")
    second.get_by_label("Fremadrettet besparelse, 12 mdr. (kr.)").fill("0")
    decision.get_by_role("button", name="Registrér afgørelse").click()
    decision.locator("#f-cpr_corrected-error").wait_for(state="visible")
    assert "forudsætter en rettelse i CPR" in decision.locator("#f-cpr_corrected-error").inner_text()
    assert "skal være over 0" in second.locator("#f-amounts-1-error").inner_text()
    assert page.evaluate("() => document.activeElement.hasAttribute('data-kk-error-summary')")
    web.check_axe(bp, "afgørelse med fejl")

    decision.get_by_label("Borgerens adresse er rettet i CPR").check()
    second.get_by_role("button", name="Fjern ydelse 2").click()
    decision.get_by_label("Kort begrundelse").fill("Borgeren bor hos sin kæreste.")
    decision.get_by_role("button", name="Registrér afgørelse").click()
    page.locator('[data-decision-outcome="samfundsbesparelse"]').wait_for()
    assert page.locator("[data-decision-total]").inner_text() == "36.000,50 kr."
    assert decision.is_hidden()
    page.locator("#kk-status").filter(has_text="Afgørelsen er registreret").wait_for()
    db_session.expire_all()
    recorded = db_session.scalars(select(Decision).where(Decision.case_id == case_id)).one()
    assert (recorded.outcome, recorded.decided_by, recorded.total_ore) == ("samfundsbesparelse", CASEWORKER, 3_600_050)
    amounts = db_session.scalars(select(DecisionAmount).where(DecisionAmount.decision_id == recorded.id)).all()
    assert [(a.benefit_type, a.department, a.repayment_claim_ore, a.forward_saving_12m_ore) for a in amounts] == [
        ("boligsikring", "KFF", 1_200_050, 2_400_000)
    ]
    assert db_session.get(Case, case_id).status == "afgjort"  # type: ignore[union-attr]
    no_sideways_scrolling(bp)
    web.check_axe(bp, "afgjort sag")
    web.screenshot(bp, "kontrol", "afgoerelse")

    # Keyword search in the case's municipal notes shows what the API finds (hits marked, never parsed as HTML).
    hits = api(CASEWORKER, "/api/v1/note-searches", method="POST", json={"query": "adressen", "case_id": str(case_id)})
    notes = page.locator('[data-kk-form="notes"]')
    notes.get_by_label("Søgeord").fill("adressen")
    notes.get_by_role("button", name="Søg i notater").click()
    page.locator("#kk-status").filter(has_text="Søgningen gav").wait_for()
    found = len(hits.json()["items"])
    if found:
        assert page.locator("[data-notes] tbody tr").count() == found
        assert page.locator("[data-notes] mark").count() >= 1
    else:
        assert page.locator("[data-notes] .empty").is_visible()


@pytest.mark.parametrize("size", SIZES)
def test_reports_show_charts_with_data_tables(size: str, world: World, web: Web, api: Callable[..., Any]) -> None:
    bp = web.logged_in(size, "kontrol", "admin", "/rapporter")
    page = bp.page

    precision = api("admin", "/api/v1/reports/precision").json()
    chart = page.get_by_role("img", name="Træfsikkerhed pr. måned")
    chart.wait_for()
    assert chart.locator("path").count() >= 1 and "Mål 78 %" in (chart.text_content() or "")
    assert precision["alerts"], "the seeded history has a month under the 78 % line"
    alert = page.locator("[data-precision-alerts]")
    assert alert.get_attribute("data-precision-alerts") == " ".join(precision["alerts"])
    assert chart.locator(".chart__alert").count() == len(precision["alerts"])
    page.get_by_text("Vis tallene som tabel").first.click()
    assert page.locator('[data-table="precision"] tbody tr').count() == len(precision["months"])

    savings = api("admin", "/api/v1/reports/savings").json()
    page.locator('[data-figure="total"] .figure__value').filter(has_text=savings["total_text"]).wait_for()
    assert page.get_by_role("img", name="Besparelse pr. ydelsestype og forvaltning").locator("rect").count() >= len(
        savings["items"]
    )
    assert page.locator('[data-table="savings"] tbody tr').count() == len(savings["items"])

    effect = api("admin", "/api/v1/reports/control-group").json()
    assert effect["arms"]["model"]["decided"] > 0 and effect["arms"]["control"]["decided"] > 0
    effect_chart = page.get_by_role("img", name="Træfsikkerhed i de to grupper og forskellen")
    assert effect_chart.locator(".chart__whisker").count() == 9  # three intervals, three lines each
    assert page.locator('[data-figure="model"] .figure__value').inner_text().endswith("%")

    fairness = api("admin", "/api/v1/reports/fairness").json()
    page.locator('[data-chart="fairness-selection"] svg').wait_for()
    groups = sorted(fairness["selection"]["by_group"])
    assert page.locator("[data-fairness] tbody tr").count() == len(groups)
    assert page.locator('[data-chart="fairness-precision"] svg').is_visible()

    criteria = api("admin", "/api/v1/reports/criteria").json()
    criteria_chart = page.get_by_role("img", name="Træfsikkerhed pr. kriterie")
    assert criteria_chart.locator("rect").count() == len(criteria["items"])
    assert page.locator('[data-table="criteria"] tbody tr').count() == len(criteria["items"])

    no_sideways_scrolling(bp)
    web.check_axe(bp, "rapporter")
    web.screenshot(bp, "kontrol", "rapporter")

    # The savings filter goes to the API as query parameters (dates only, no personal data).
    first_of_month = date.today().replace(day=1).isoformat()
    filtered = api("admin", "/api/v1/reports/savings", params={"date_from": first_of_month}).json()
    page.get_by_label("Afgjort fra").fill(first_of_month)
    page.get_by_role("button", name="Vis besparelser").click()
    page.locator('[data-figure="decided"] .figure__value').filter(has_text=f"{filtered['decided_cases']}").wait_for()
    page.locator('[data-figure="total"] .figure__value').filter(has_text=filtered["total_text"]).wait_for()


def test_a_caseworker_sees_the_reports_but_not_the_fairness_audit(
    world: World, web: Web, api: Callable[..., Any]
) -> None:
    bp = web.logged_in("desktop", "kontrol", CASEWORKER, "/rapporter")
    page = bp.page
    page.get_by_role("img", name="Træfsikkerhed pr. kriterie").wait_for()
    page.locator("[data-fairness-refused]").wait_for()
    assert api(CASEWORKER, "/api/v1/reports/fairness").status_code == 403  # the API decides, the page explains
    web.check_axe(bp, "rapporter for sagsbehandler")


def test_a_colleague_opened_the_case_first_the_dialog_says_so_and_the_queue_refreshes(
    world: World, db_session: Session, web: Web, api: Callable[..., Any]
) -> None:
    from services.kontrol.models import Case

    bp = web.open_page("desktop")
    page = bp.page
    web.login_on_the_way(bp, "kontrol", "/koe", CASEWORKER)
    row = page.locator("[data-queue] tbody tr").first
    row.wait_for()
    candidate_id = row.get_attribute("data-candidate-id")
    row.locator("[data-open-case]").click()
    dialog = page.locator("[data-open-dialog]")
    dialog.wait_for(state="visible")

    taken = api("sb-bo", f"/api/v1/cases/{candidate_id}/openings", method="POST", json={"purpose": "Kollega"})
    assert taken.status_code == 201, taken.text
    dialog.get_by_role("button", name="Åbn sagen og underret borgeren").click()
    dialog.locator("[data-kk-error-summary]").filter(has_text="allerede åbnet").wait_for()
    page.locator(f'[data-queue] [data-candidate-id="{candidate_id}"]').wait_for(state="detached")
    web.check_axe(bp, "åbn sag: allerede åbnet")
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    focus_moves_to(bp, "queue-heading")
    db_session.expire_all()
    case = db_session.get(Case, uuid.UUID(str(candidate_id)))
    assert case is not None and case.assigned_to == "sb-bo"


def test_a_case_that_is_not_yours_or_not_opened_shows_the_apis_answer_and_no_person(
    world: World, db_session: Session, web: Web
) -> None:
    from services.kontrol.models import Candidate
    from shared.audit.models import AuditEvent

    bp = web.logged_in("desktop", "kontrol", "sb-bo", f"/sager/{world.decision_cases['desktop']}")
    page = bp.page
    problem = page.locator("[data-case-problem]")
    problem.filter(has_text="Sagen findes ikke.").wait_for()
    assert page.locator("[data-case-body]").is_hidden() and page.locator("[data-person-name]").count() == 0
    web.check_axe(bp, "sag, der ikke er din")
    reads = db_session.scalar(
        select(func.count()).where(
            AuditEvent.actor_sub == "sb-bo", AuditEvent.object_id == str(world.decision_cases["desktop"])
        )
    )
    assert reads == 0  # nothing about the citizen was read, so nothing to audit

    waiting = db_session.scalars(select(Candidate.id).where(Candidate.status == "gathered")).first()
    assert waiting is not None
    page.goto(web.url("kontrol", f"/sager/{waiting}"))
    problem.filter(has_text="endnu ikke åbnet").wait_for()
    assert page.locator("[data-case-body]").is_hidden()


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("size", SIZES)
def test_import_of_a_register_match_list_shows_line_errors_then_imports(
    size: str, world: World, db_session: Session, web: Web, api: Callable[..., Any]
) -> None:
    from services.kontrol.models import Candidate, ImportBatch
    from shared import cpr as cpr_utils

    extracted = (date.today() - timedelta(days=2)).isoformat()
    list_id = f"UDK-WEB-{size}"
    good = world.outsiders[:3] if size == "desktop" else world.outsiders[3:6]
    head = "liste_id;kriterie;udtraeksdato;cpr;bemaerkning"
    bad = _csv(
        head,
        f"{list_id};mange_paa_adressen;{extracted};{good[0]};",
        f"{list_id};mange_paa_adressen;{extracted};3201851234;",
        f"{list_id};mange_paa_adressen;{extracted};{good[0]};dublet",
        f"{list_id};mange_paa_adressen;{extracted}",
    )
    expected = api(
        CASEWORKER, "/api/v1/register-match-lists/files", method="POST", files={"file": ("liste.csv", bad, "text/csv")}
    ).json()
    assert expected["status"] == 422 and len(expected["errors"]) == 3

    bp = web.logged_in(size, "kontrol", CASEWORKER)
    page = bp.page
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Indlæs liste").click()
    page.wait_for_url("**/import")
    page.locator("[data-batches] tbody tr").first.wait_for()
    web.check_axe(bp, "indlæs liste")
    web.screenshot(bp, "kontrol", "import")

    file_input = page.get_by_label("Liste (CSV-fil)")
    file_input.set_input_files({"name": "liste.csv", "mimeType": "text/csv", "buffer": bad})
    page.get_by_role("button", name="Indlæs listen").click()
    error_rows = page.locator("[data-line-errors] tbody tr")
    error_rows.first.wait_for()
    shown = [(row.get_attribute("data-error-line"), row.locator("td").nth(2).inner_text()) for row in error_rows.all()]
    assert shown == [(e["field"].split("/")[3], e["message"]) for e in expected["errors"]]
    assert [row.locator("td").nth(1).inner_text() for row in error_rows.all()] == [
        "CPR-nummer",
        "CPR-nummer",
        "Hele linjen",
    ]
    assert "Filen har 3 fejl" in page.locator("#f-file-error").inner_text()
    assert page.evaluate("() => document.activeElement.hasAttribute('data-kk-error-summary')")
    assert db_session.scalar(select(func.count()).where(ImportBatch.list_id == list_id)) == 0
    no_sideways_scrolling(bp)
    web.check_axe(bp, "indlæs liste med fejl")
    web.screenshot(bp, "kontrol", "import-fejl")

    fixed = _csv(head, *[f"{list_id};mange_paa_adressen;{extracted};{number};" for number in good])
    file_input.set_input_files({"name": "liste.csv", "mimeType": "text/csv", "buffer": fixed})
    page.get_by_role("button", name="Indlæs listen").click()
    page.locator(f'[data-import-done="{list_id}"]').wait_for()
    assert page.locator("[data-line-errors-section]").is_hidden()
    page.locator(f'[data-batches] [data-batch="{list_id}"]').wait_for()
    db_session.expire_all()
    batch = db_session.scalars(select(ImportBatch).where(ImportBatch.list_id == list_id)).one()
    assert (batch.row_count, batch.created_count, batch.imported_by) == (3, 3, CASEWORKER)
    pseudonyms = [cpr_utils.pseudonymise(number) for number in good]
    imported = db_session.scalars(select(Candidate).where(Candidate.cpr_pseudonym.in_(pseudonyms))).all()
    assert sorted(c.first_criterion or "" for c in imported) == ["mange_paa_adressen"] * 3
    assert not [u for u in bp.request_urls if any(number in u for number in good)]
