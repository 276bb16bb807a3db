"""Data-gathering outages on the kontrol pages, in Debian's chromium against the running services on PostgreSQL.

The world: a few candidates gathered and scored as usual, two whose run waits for BBR (down; the retry is an
hour away) and two incomplete after E-flyt refused every try (dead letters). The outages are the simulators'
fault switch (KONTROL_SOURCE_FAULTS, set on this process's settings: the gathering runs here, through the
outbox, as in tests/kontrol/test_source_outages.py; the web servers never gather).

- the caseworker's queue shows how many candidates wait for a register and how many are incomplete, as the
  API counts them, with no CPR number or name;
- a candidate's address (/sager/{id}, not opened) shows the API's Danish gathering message;
- the administrator's /indstillinger lists the incomplete candidates by reference with the missing register,
  and "Prøv igen" replays the dead letter: once E-flyt is back the candidate is gathered and scored, and
  leaves the list;
- the caseworker's "Indhent oplysninger igen" on /sager/{id} orders one new run (a double click sends one request)
  and redraws the gathering state; a candidate dismissed meanwhile shows the API's 409, a missing role its 403.

axe-core on every state shown, at desktop and phone size.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from threadpoolctl import threadpool_limits

from tests.web.helpers import BrowserPage, Web, focus_moves_to, no_sideways_scrolling
from tests.web.kontrol_fixtures import kontrol_api, world_session

pytestmark = pytest.mark.browser

SIZES = ("desktop", "phone")
ADMIN = "admin"
CASEWORKER = "sb-anne"
CANDIDATES = 10


@dataclass
class World:
    waiting: list[str] = field(default_factory=list)  # candidate ids waiting for BBR
    incomplete: list[str] = field(default_factory=list)  # candidate ids incomplete (E-flyt)
    cprs: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def world(database: str) -> Iterator[World]:
    """History, model v1, ten candidates: two incomplete, two waiting for BBR, the rest gathered and scored."""
    import services.kontrol.tasks  # noqa: F401 - registers the kontrol consumers for drain()
    from services.kontrol.models import Candidate, SimRegisterPerson
    from services.kontrol.priority.config import load_settings
    from services.kontrol.sources.service import dispatch_gathering, request_gathering
    from services.kontrol.synth import demo
    from shared.db import session_factory
    from shared.queue.relay import drain
    from shared.settings import get_settings
    from tests.conftest import truncate_all

    truncate_all()
    session = session_factory()()
    result = World()
    try:
        load_settings(session).capacity_per_period = 4 * CANDIDATES  # everything gathered is released
        with threadpool_limits(limits=1), pytest.MonkeyPatch.context() as patch:
            demo.build(session, seed=5, history_years=2, candidates=CANDIDATES, outsiders=0, city_size=150_000)
            session.commit()
            received = list(session.scalars(select(Candidate).order_by(Candidate.received_at, Candidate.id)))

            # E-flyt refuses every call and the first try is the last: incomplete, a dead letter each.
            patch.setattr(get_settings(), "kontrol_source_faults", "eflyt=down")
            patch.setattr(get_settings(), "task_max_retries", 1)
            for candidate in received[:2]:
                request_gathering(session, candidate=candidate)
                result.incomplete.append(str(candidate.id))
            session.commit()
            drain()

            # BBR refuses every call; the retry is an hour away, so these wait for the whole module.
            patch.setattr(get_settings(), "kontrol_source_faults", "bbr=down")
            patch.setattr(get_settings(), "task_max_retries", 8)
            patch.setattr(get_settings(), "task_retry_base_seconds", 3600.0)
            for candidate in received[2:4]:
                request_gathering(session, candidate=candidate)
                result.waiting.append(str(candidate.id))
            session.commit()
            drain()

            # Every register is up for the rest.
            patch.setattr(get_settings(), "kontrol_source_faults", "")
            dispatch_gathering(session)
            session.commit()
            drain()

        session.expire_all()
        statuses = {row.id: row.status for row in session.execute(select(Candidate.id, Candidate.status))}
        assert {statuses[uuid.UUID(i)] for i in result.incomplete} == {"incomplete"}
        assert {statuses[uuid.UUID(i)] for i in result.waiting} == {"received"}
        assert sum(1 for s in statuses.values() if s == "gathered") == CANDIDATES - 4
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
def api(web: Web) -> Callable[..., httpx.Response]:
    """api(user, path, method="GET", **kwargs): the kontrol API's answer (to compare with the page)."""
    return kontrol_api(web)


def _assert_pseudonymised(bp: BrowserPage, world: World) -> None:
    text = bp.page.locator("body").inner_text()
    for number in world.cprs:
        assert number not in text and f"{number[:6]}-" not in text, "a CPR number is on the page"
    leaked = [name for name in world.names if name in text]
    assert not leaked, f"names on a pseudonymised page: {leaked}"
    assert not [u for u in bp.request_urls if any(number in u for number in world.cprs)]


# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_the_queue_counts_candidates_waiting_for_a_register_and_incomplete_ones(
    size: str, world: World, web: Web, api: Callable[..., httpx.Response]
) -> None:
    bp = web.logged_in(size, "kontrol", CASEWORKER, "/koe")
    page = bp.page
    waiting = page.locator('[data-gathering] [data-figure="waiting-for-source"]')
    incomplete = page.locator('[data-gathering] [data-figure="incomplete"]')
    waiting.wait_for()
    page.locator("[data-queue] tbody tr").first.wait_for()

    summary = api(CASEWORKER, "/api/v1/queue/summary").json()
    assert summary["waiting_for_source"] == len(world.waiting) == 2
    assert summary["incomplete"] == len(world.incomplete)
    assert waiting.locator(".figure__label").inner_text() == "Venter på en datakilde"
    assert waiting.locator(".figure__value").inner_text() == str(summary["waiting_for_source"])
    assert "prøves igen automatisk" in waiting.inner_text()
    assert incomplete.locator(".figure__label").inner_text() == "Ufuldstændige"
    assert incomplete.locator(".figure__value").inner_text() == str(summary["incomplete"])
    assert "heller ikke efter alle genforsøg" in incomplete.inner_text()
    assert "administrator" in incomplete.inner_text()
    # The waiting and incomplete candidates are not in the queue (never released on partial data).
    shown = page.locator("[data-queue] tbody tr").evaluate_all("rows => rows.map(r => r.dataset.candidateId)")
    assert not set(shown) & set(world.waiting + world.incomplete)
    _assert_pseudonymised(bp, world)
    no_sideways_scrolling(bp)
    web.check_axe(bp, "kø med dataindsamling")
    web.screenshot(bp, "kontrol", "koe-dataindsamling")


@pytest.mark.parametrize("size", SIZES)
def test_a_candidate_shows_which_register_it_waits_for_or_that_it_is_incomplete(
    size: str, world: World, web: Web, api: Callable[..., httpx.Response]
) -> None:
    bp = web.logged_in(size, "kontrol", CASEWORKER)
    page = bp.page
    for candidate_id, state in ((world.waiting[0], "waiting_for_source"), (world.incomplete[-1], "incomplete")):
        detail = api(CASEWORKER, f"/api/v1/candidates/{candidate_id}").json()
        page.goto(web.url("kontrol", f"/sager/{candidate_id}"))
        panel = page.locator(f'[data-case-problem] [data-candidate="{detail["reference"]}"]')
        panel.wait_for()
        assert "endnu ikke åbnet" in page.locator("[data-case-problem]").inner_text()
        assert page.locator("[data-case-body]").is_hidden()
        assert panel.get_by_role("heading", name=f"Kandidat {detail['reference']}").is_visible()
        message = panel.locator("[data-gathering-state]")
        assert detail["gathering"]["state"] == state
        assert message.get_attribute("data-gathering-state") == state
        assert message.inner_text() == detail["gathering"]["message"]
        if state == "waiting_for_source":
            assert message.inner_text().startswith("Venter på BBR (Bygnings- og Boligregistret): kilden svarede ikke.")
            assert "prøves igen automatisk" in message.inner_text()
            assert panel.locator('[data-missing-sources] [data-source="bbr"]').is_visible()
        else:
            assert message.inner_text().startswith("Oplysningerne er ufuldstændige: E-flyt (flytninger) svarede ikke")
            assert "Ufuldstændige kandidater" in message.inner_text()
            assert "Ufuldstændig" in panel.locator("[data-candidate-status]").inner_text()
            assert "E-flyt" in panel.locator('[data-missing-sources] [data-source="eflyt"]').inner_text()
        _assert_pseudonymised(bp, world)
        no_sideways_scrolling(bp)
        web.check_axe(bp, f"kandidat, {state}")
        if state == "incomplete":
            web.screenshot(bp, "kontrol", "kandidat-ufuldstaendig")


@pytest.mark.parametrize("size", SIZES)
def test_the_admin_lists_incomplete_candidates_and_prov_igen_completes_one_once_the_register_is_back(
    size: str, world: World, db_session: Session, web: Web, api: Callable[..., httpx.Response], run_tasks: Any
) -> None:
    from services.kontrol.models import Candidate, Score
    from services.kontrol.priority.config import load_settings
    from shared.queue.models import DeadLetter

    bp = web.open_page(size)
    web.login_on_the_way(bp, "kontrol", "/indstillinger", ADMIN)
    page = bp.page
    section = page.locator("[data-incomplete]")
    section.locator("table, .empty").first.wait_for()

    listed = api(ADMIN, "/api/v1/incomplete-candidates").json()
    assert api(CASEWORKER, "/api/v1/incomplete-candidates").status_code == 403
    still = db_session.scalars(select(Candidate.id).where(Candidate.status == "incomplete")).all()
    assert {i["candidate_id"] for i in listed} == {str(c) for c in still} <= set(world.incomplete)
    assert listed, "an incomplete candidate is left for this size (desktop replays one, phone the other)"
    rows = section.locator("[data-incomplete-candidate]")
    assert rows.count() == len(listed)
    for item in listed:
        row = section.locator(f'[data-incomplete-candidate="{item["reference"]}"]')
        assert item["gathering"]["state"] == "incomplete"
        assert [m["source"] for m in item["gathering"]["missing_sources"]] == ["eflyt"]
        assert "E-flyt (flytninger)" in row.locator('[data-source="eflyt"]').inner_text()
        assert item["dead_letter"] is not None and item["dead_letter"]["replayed_at"] is None
        assert row.get_by_role("button", name=f"Prøv igen for {item['reference']}").is_visible()
    _assert_pseudonymised(bp, world)
    no_sideways_scrolling(bp)
    web.check_axe(bp, "ufuldstændige kandidater")
    web.screenshot(bp, "kontrol", "ufuldstaendige")

    # E-flyt is back (this process gathers with no faults). Replay the first one from the page.
    target = listed[0]
    incomplete_before = api(ADMIN, "/api/v1/queue/summary").json()["incomplete"]
    section.get_by_role("button", name=f"Prøv igen for {target['reference']}").click()
    page.locator("#kk-status").filter(has_text=f"Indhentningen for {target['reference']} er sendt igen").wait_for()
    row = section.locator(f'[data-incomplete-candidate="{target["reference"]}"]')
    row.locator("[data-replayed]").wait_for()
    assert "Sendt igen" in row.inner_text() and "af admin" in row.inner_text()
    assert row.get_by_role("button", name="Prøv igen").count() == 0
    letter = db_session.get(DeadLetter, uuid.UUID(target["dead_letter"]["id"]))
    assert letter is not None and letter.replayed_by == ADMIN
    web.check_axe(bp, "prøv igen sendt")

    run_tasks()  # the worker: asks E-flyt again, completes the run, scores the candidate
    db_session.expire_all()
    candidate = db_session.get(Candidate, uuid.UUID(target["candidate_id"]))
    assert candidate is not None and candidate.status == "gathered"
    run = load_settings(db_session).current_run_id
    assert db_session.scalar(select(func.count()).where(Score.candidate_id == candidate.id, Score.run_id == run)) == 1
    assert api(ADMIN, "/api/v1/queue/summary").json()["incomplete"] == incomplete_before - 1
    detail = api(CASEWORKER, f"/api/v1/candidates/{target['candidate_id']}").json()
    assert detail["gathering"]["state"] == "complete"

    section.page.get_by_role("button", name="Opdatér listen").click()
    page.locator("#kk-status").filter(has_text="er opdateret").wait_for()
    assert section.locator(f'[data-incomplete-candidate="{target["reference"]}"]').count() == 0
    assert rows.count() == len(listed) - 1
    if rows.count() == 0:
        assert "Der er ingen ufuldstændige kandidater" in section.inner_text()
    no_sideways_scrolling(bp)
    web.check_axe(bp, "ufuldstændige kandidater efter prøv igen")


# Last in the module: ordering a gathering changes the world (the candidate no longer waits for BBR).
@pytest.mark.parametrize("size", SIZES)
def test_the_caseworker_orders_a_new_gathering_for_a_candidate_waiting_for_a_register(
    size: str, world: World, db_session: Session, web: Web, api: Callable[..., httpx.Response]
) -> None:
    from services.kontrol.models import Candidate

    candidate_id = world.waiting[SIZES.index(size)]
    before = db_session.get(Candidate, uuid.UUID(candidate_id))
    assert before is not None
    count, requested = before.gather_count, before.gathering_requested_at
    bp = web.logged_in(size, "kontrol", CASEWORKER, f"/sager/{candidate_id}")
    page = bp.page
    panel = page.locator("[data-case-problem] [data-candidate]")
    panel.locator('[data-gathering-state="waiting_for_source"]').wait_for()
    button = panel.get_by_role("button", name="Indhent oplysninger igen")

    # A double click sends one request: the button is disabled while it is in flight.
    button.dblclick()
    page.locator("#kk-status").filter(has_text="Der indhentes nye oplysninger om kandidaten").wait_for()
    assert "Der indhentes nye oplysninger" in panel.locator("[data-regather-queued]").inner_text()
    state = panel.locator('[data-gathering-state="in_progress"]')
    state.wait_for()
    detail = api(CASEWORKER, f"/api/v1/candidates/{candidate_id}").json()
    assert detail["gathering"]["state"] == "in_progress"
    assert state.inner_text() == detail["gathering"]["message"]
    assert panel.locator("[data-missing-sources]").count() == 0
    assert [u for u in bp.request_urls if u.endswith("/gatherings")] == [
        web.url("kontrol", f"/api/v1/candidates/{candidate_id}/gatherings")
    ]
    db_session.expire_all()
    after = db_session.get(Candidate, uuid.UUID(candidate_id))
    assert after is not None and after.gather_count == count + 1
    assert after.gathering_requested_at is not None and (requested is None or after.gathering_requested_at > requested)
    # The button stays for another order, enabled and with the focus.
    assert button.is_enabled() and button.get_attribute("aria-busy") is None
    focus_moves_to(bp, "regather-button")
    _assert_pseudonymised(bp, world)
    no_sideways_scrolling(bp)
    web.check_axe(bp, "kandidat, ny indhentning bestilt")


def test_a_candidate_dismissed_meanwhile_shows_the_apis_answer_and_a_refused_role_the_apis_403(
    world: World, db_session: Session, web: Web, api: Callable[..., httpx.Response]
) -> None:
    from services.kontrol.models import Candidate

    candidate = db_session.scalars(
        select(Candidate).where(Candidate.status == "gathered").order_by(Candidate.received_at, Candidate.id)
    ).first()
    assert candidate is not None
    candidate_id, count = str(candidate.id), candidate.gather_count
    bp = web.logged_in("desktop", "kontrol", CASEWORKER, f"/sager/{candidate_id}")
    page = bp.page
    panel = page.locator("[data-case-problem] [data-candidate]")
    button = panel.get_by_role("button", name="Indhent oplysninger igen")
    button.wait_for()
    result = panel.locator("[data-regather-result]")

    # The session's token no longer carries the role (as when it was taken away): the API refuses in its words.
    token = page.evaluate("() => KK.session.get().token")
    page.evaluate(
        "(token) => KK.session.set(Object.assign(KK.session.get(), {token: token}))", web.token(ADMIN, "kontrol")
    )
    button.click()
    page.locator("#kk-alert").filter(has_text="Din rolle giver ikke adgang til denne handling.").wait_for()
    assert result.inner_text() == "Din rolle giver ikke adgang til denne handling."
    page.evaluate("(token) => KK.session.set(Object.assign(KK.session.get(), {token: token}))", token)

    # A colleague dismisses the candidate while the page is shown: the API's 409, the status redrawn.
    dismissed = api("sb-bo", f"/api/v1/candidates/{candidate_id}/dismissals", "POST", json={"reason": "ikke_relevant"})
    assert dismissed.status_code == 201, dismissed.text
    button.click()
    refused = api(CASEWORKER, f"/api/v1/candidates/{candidate_id}/gatherings", "POST")
    assert refused.status_code == 409
    page.locator("#kk-alert").filter(has_text=refused.json()["detail"]).wait_for()
    assert result.inner_text() == refused.json()["detail"]
    panel.locator('[data-candidate-status="dismissed"]').wait_for()
    assert button.count() == 0
    focus_moves_to(bp, "candidate-heading")
    db_session.expire_all()
    after = db_session.get(Candidate, candidate.id)
    assert after is not None and after.gather_count == count  # neither the 403 nor the 409 ordered anything
    no_sideways_scrolling(bp)
    web.check_axe(bp, "kandidat, henlagt imens")
