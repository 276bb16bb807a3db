"""The kontrol settings page (/indstillinger) in Debian's chromium against the running services on PostgreSQL:
the administrator sees the unit's settings as the API has them, gets the API's Danish field errors next to the
fields, saves a change (version history on the page, settings version and audit record in the database), sees
the model versions with their metrics and which is in use, and queues a retraining. A caseworker is refused by
the page and by the API. Also the queue's "Henlæg" dialog (dismissing a candidate with a reason), which came with
the same change. axe-core on every state shown, at desktop and phone size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from threadpoolctl import threadpool_limits

from tests.web.helpers import BrowserPage, Web, focus_moves_to
from tests.web.kontrol_fixtures import kontrol_api, world_session

pytestmark = pytest.mark.browser

SIZES = ("desktop", "phone")
ADMIN = "admin"
CASEWORKER = "sb-anne"
CANDIDATES = 10


@pytest.fixture(scope="module")
def world(database: str) -> Iterator[None]:
    """History, model v1 and a few gathered, scored candidates, built once for the module."""
    import services.kontrol.tasks  # noqa: F401 - registers the kontrol consumers for run_tasks
    from services.kontrol.priority.config import load_settings
    from services.kontrol.sources.service import dispatch_gathering
    from services.kontrol.synth import demo
    from shared.db import session_factory
    from shared.queue.relay import drain
    from tests.conftest import truncate_all

    truncate_all()
    session = session_factory()()
    try:
        load_settings(session).capacity_per_period = 4 * CANDIDATES  # everything gathered is released
        # One thread for scikit-learn/OpenMP: on a busy 2-core machine its thread pool makes training much slower.
        with threadpool_limits(limits=1):
            demo.build(session, seed=3, history_years=2, candidates=CANDIDATES, outsiders=0, city_size=150_000)
            session.commit()
            dispatch_gathering(session)
            session.commit()
            drain()
        yield None
    finally:
        session.close()


@pytest.fixture
def db_session(world: None) -> Iterator[Session]:
    """A session on the module's world (the `session` fixture would empty the database)."""
    yield from world_session()


@pytest.fixture
def api(web: Web) -> Callable[..., httpx.Response]:
    """api(user, path, method="GET", **kwargs): the kontrol API's answer (to compare with the page)."""
    return kontrol_api(web)


def _no_sideways_scrolling(bp: Any) -> None:
    width = 390 if bp.size == "phone" else 1280
    assert bp.page.evaluate("() => document.documentElement.scrollWidth") <= width, "the page scrolls sideways"


def _open_settings(web: Web, bp: BrowserPage) -> Any:
    """Open /indstillinger logged out, log in as the administrator on the way, and land on it."""
    web.login_on_the_way(bp, "kontrol", "/indstillinger", ADMIN)
    return bp.page


@pytest.mark.parametrize("size", SIZES)
def test_admin_sees_the_settings_gets_field_errors_and_saves_a_change_with_history(
    size: str,
    world: None,
    db_session: Session,
    web: Web,
    api: Callable[..., httpx.Response],
) -> None:
    from services.kontrol.models import SettingsVersion
    from shared.audit.models import AuditEvent

    bp = web.open_page(size)
    page = _open_settings(web, bp)

    # The current values as the API has them, and in the form ready to change.
    current = api(ADMIN, "/api/v1/settings").json()
    version_cell = page.locator('[data-current] dd[data-setting="version"]')
    version_cell.wait_for()
    assert version_cell.inner_text() == str(current["version"])
    capacity = page.locator('[data-current] dd[data-setting="capacity_per_period"]').inner_text()
    assert capacity == str(current["capacity_per_period"])
    share = page.locator('[data-current] dd[data-setting="control_share"]').inner_text()
    assert share.startswith(str(current["control_share"]).replace(".", ","))
    form = page.locator('[data-kk-form="settings"]')
    assert form.get_by_label("Kapacitet pr. periode (antal sager)").input_value() == str(current["capacity_per_period"])
    period_label = "Måned" if current["capacity_period"] == "month" else "Uge"
    assert form.get_by_label(period_label, exact=True).is_checked()

    # The model versions with their held-out metrics, and which one is in use.
    versions = api(ADMIN, "/api/v1/model-versions").json()
    rows = page.locator("[data-models] tbody tr")
    rows.first.wait_for()
    assert rows.count() == len(versions)
    in_use = next(v for v in versions if v["status"] == "promoted")
    row = page.locator(f'[data-models] [data-model-version="{in_use["version"]}"]')
    assert "I brug" in row.inner_text()
    precision = round(in_use["metrics"]["precision_at_cut"] * 100, 1)
    assert f"{precision:.1f}".replace(".", ",") + " %" in row.inner_text()
    page.locator("[data-history]").filter(has_not_text="Henter").wait_for()
    _no_sideways_scrolling(bp)
    web.check_axe(bp, "indstillinger")
    web.screenshot(bp, "kontrol", "indstillinger")

    # Values the API refuses: its Danish messages land next to the fields, and nothing is saved.
    capacity_field = form.get_by_label("Kapacitet pr. periode (antal sager)")
    capacity_field.fill("-3")
    share_field = form.get_by_label("Andel til kontrolgruppen (0–1)")
    share_field.fill("1,5")
    form.get_by_role("button", name="Gem ændringerne").click()
    share_error = form.locator("#f-control_share-error")
    share_error.wait_for(state="visible")
    assert "Skal være et tal fra 0 til 1" in share_error.inner_text() and share_error.inner_text().startswith("Fejl:")
    assert "Skal være mindst 0." in form.locator("#f-capacity_per_period-error").inner_text()
    assert share_field.get_attribute("aria-invalid") == "true"
    assert capacity_field.get_attribute("aria-invalid") == "true"
    summary = form.locator("[data-kk-error-summary]")
    assert summary.is_visible() and summary.get_by_role("link").count() == 2
    assert api(ADMIN, "/api/v1/settings").json()["version"] == current["version"]
    _no_sideways_scrolling(bp)
    web.check_axe(bp, "indstillinger med fejl")
    web.screenshot(bp, "kontrol", "indstillinger-fejl")

    # A valid change with a reason: saved as a new version, shown in the history, audited.
    new_capacity = current["capacity_per_period"] + 5
    capacity_field.fill(str(new_capacity))
    share_field.fill("0,4" if current["control_share"] != 0.4 else "0,45")
    new_share = 0.4 if current["control_share"] != 0.4 else 0.45
    reason = f"Flere medarbejdere ({size})"
    form.get_by_label("Begrundelse for ændringen").fill(reason)
    form.get_by_role("button", name="Gem ændringerne").click()
    saved = current["version"] + 1
    page.locator("#kk-status").filter(has_text=f"gemt som version {saved}").wait_for()
    assert version_cell.inner_text() == str(saved)
    assert form.locator("#f-control_share-error").is_hidden()
    entry = page.locator(f'[data-history] [data-version="{saved}"]')
    entry.wait_for()
    text = entry.inner_text()
    assert reason in text and "admin" in text
    assert f"Kapacitet pr. periode: {current['capacity_per_period']} → {new_capacity}" in text
    assert "Andel til kontrolgruppen" in text
    db_session.expire_all()
    stored = db_session.scalars(select(SettingsVersion).where(SettingsVersion.version == saved)).one()
    assert stored.changed_by == ADMIN and stored.reason == reason
    assert stored.changes["capacity_per_period"] == {"old": current["capacity_per_period"], "new": new_capacity}
    assert stored.changes["control_share"] == {"old": current["control_share"], "new": new_share}
    audited = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "kontrol.settings.changed").order_by(AuditEvent.id.desc())
    ).first()
    assert audited is not None and audited.actor_sub == ADMIN and audited.details["version"] == saved
    assert reason in audited.purpose
    _no_sideways_scrolling(bp)
    web.check_axe(bp, "indstillinger gemt")


def test_someone_else_saved_first_the_page_says_so_and_shows_their_values(
    world: None,
    web: Web,
    api: Callable[..., httpx.Response],
) -> None:
    bp = web.open_page("desktop")
    page = _open_settings(web, bp)
    form = page.locator('[data-kk-form="settings"]')
    page.locator('[data-current] dd[data-setting="version"]').wait_for()

    answer = api(ADMIN, "/api/v1/settings")
    current = answer.json()
    theirs = current["gathering_rate_per_hour"] + 10
    other = api(
        ADMIN,
        "/api/v1/settings",
        method="PATCH",
        json={"gathering_rate_per_hour": theirs, "reason": "Kollega"},
        headers={"If-Match": answer.headers["etag"]},
    )
    assert other.status_code == 200, other.text

    form.get_by_label("Dataindsamlinger pr. time").fill(str(theirs + 100))
    form.get_by_role("button", name="Gem ændringerne").click()
    page.locator("#kk-alert").filter(has_text="ændret af en anden").wait_for()
    assert form.get_by_label("Dataindsamlinger pr. time").input_value() == str(theirs)
    assert api(ADMIN, "/api/v1/settings").json()["gathering_rate_per_hour"] == theirs
    web.check_axe(bp, "indstillinger: ændret af en anden")


def test_admin_queues_a_retraining_and_sees_the_new_version(
    world: None,
    db_session: Session,
    web: Web,
    api: Callable[..., httpx.Response],
    run_tasks: Callable[[], int],
) -> None:
    from services.kontrol.models import ModelVersion
    from shared.queue.models import OutboxEvent

    bp = web.open_page("desktop")
    page = _open_settings(web, bp)
    before = api(ADMIN, "/api/v1/model-versions").json()
    page.locator("[data-models] tbody tr").first.wait_for()

    page.get_by_role("button", name="Gentræn modellen").click()
    result = page.locator("[data-retrain-result] [data-retrain-request]")
    result.wait_for()
    assert "sat i kø" in result.inner_text()
    db_session.expire_all()
    queued = db_session.scalar(select(func.count()).where(OutboxEvent.event_type == "kontrol.model.training_requested"))
    assert queued and queued >= 1
    web.check_axe(bp, "gentræning sat i kø")

    with threadpool_limits(limits=1):
        run_tasks()
    page.reload()
    rows = page.locator("[data-models] tbody tr")
    rows.first.wait_for()
    assert rows.count() == len(before) + 1
    newest = db_session.scalar(select(ModelVersion).order_by(ModelVersion.version.desc()).limit(1))
    assert newest is not None and newest.trained_by == ADMIN
    label = {"promoted": "I brug", "rejected": "Afvist"}[newest.status]
    assert label in page.locator(f'[data-models] [data-model-version="{newest.version}"]').inner_text()


def test_a_caseworker_is_refused_by_the_page_and_by_the_api(
    world: None,
    web: Web,
) -> None:
    bp = web.open_page("phone")
    page = bp.page
    page.goto(web.url("kontrol", "/log-ind"))
    web.login_as(bp, "kontrol", "sb-anne")
    page.goto(web.url("kontrol", "/indstillinger"))
    gate = page.locator("[data-kk-gate-forbidden]")
    gate.wait_for(state="visible")
    assert "Du har ikke adgang til siden" in gate.inner_text()
    assert page.locator("[data-kk-protected]").is_hidden()
    statuses = page.evaluate(
        """() => Promise.all([
            KK.api('/api/v1/settings/versions').then(() => 200, (e) => e.status),
            KK.api('/api/v1/model-versions/trainings', {method: 'POST'}).then(() => 202, (e) => e.status),
        ])"""
    )
    assert statuses == [403, 403]
    web.check_axe(bp, "indstillinger nægtet")


@pytest.mark.parametrize("size", SIZES)
def test_caseworker_dismisses_a_candidate_from_the_queue_with_a_reason(
    size: str,
    world: None,
    db_session: Session,
    web: Web,
    api: Callable[..., httpx.Response],
) -> None:
    import uuid

    from services.kontrol.models import Candidate, CandidateDismissal
    from shared.audit.models import AuditEvent

    bp = web.open_page(size)
    web.login_on_the_way(bp, "kontrol", "/koe", CASEWORKER)
    page = bp.page
    rows = page.locator("[data-queue] tbody tr")
    rows.first.wait_for()
    queue = api(CASEWORKER, "/api/v1/queue", params={"limit": 20}).json()["items"]
    assert rows.count() == len(queue)
    item = queue[0]
    candidate_id = uuid.UUID(item["candidate_id"])
    row = page.locator(f'[data-candidate-id="{item["candidate_id"]}"]')
    button = row.locator("[data-dismiss-candidate]")

    # The dialog says what happens; "Fortryd" dismisses nothing and returns focus to the button.
    button.click()
    dialog = page.locator("[data-dismiss-dialog]")
    dialog.wait_for(state="visible")
    assert item["reference"] in dialog.inner_text() and "Borgeren får ikke besked" in dialog.inner_text()
    web.check_axe(bp, "henlæg (dialog)")
    dialog.get_by_role("button", name="Fortryd").click()
    dialog.wait_for(state="hidden")
    assert page.evaluate("() => document.activeElement.dataset.dismissCandidate") == item["candidate_id"]

    # No reason, then "Andet" without a note: the API's Danish messages next to the fields; nothing dismissed.
    button.click()
    dialog.get_by_role("button", name="Henlæg kandidaten").click()
    reason_error = dialog.locator("#f-reason-error")
    reason_error.wait_for(state="visible")
    assert "Feltet skal udfyldes." in reason_error.inner_text()
    dialog.get_by_label("Andet (begrundelse skrives)").check()
    dialog.get_by_role("button", name="Henlæg kandidaten").click()
    note_error = dialog.locator("#f-note-error")
    note_error.wait_for(state="visible")
    assert "begrundelse" in note_error.inner_text() and reason_error.is_hidden()
    assert dialog.get_by_role("textbox", name="Begrundelse").get_attribute("aria-invalid") == "true"
    assert db_session.scalar(select(func.count()).where(CandidateDismissal.candidate_id == candidate_id)) == 0
    web.check_axe(bp, "henlæg (fejl)")
    page.evaluate("() => window.scrollTo(0, 0)")
    page.screenshot(path=str(web.screenshot(bp, "kontrol", "henlaeg")), full_page=False, animations="disabled")

    # Dismissed: the row leaves the queue, the page says so, the focus moves to the queue heading.
    note = f"Borgeren er allerede kontrolleret af Ydelseskontrollen ({size})"
    dialog.get_by_role("textbox", name="Begrundelse").fill(note)
    dialog.get_by_role("button", name="Henlæg kandidaten").click()
    dialog.wait_for(state="hidden")
    page.locator("#kk-status").filter(has_text=f"Kandidaten {item['reference']} er henlagt").wait_for()
    row.wait_for(state="detached")
    focus_moves_to(bp, "queue-heading")
    db_session.expire_all()
    candidate = db_session.get(Candidate, candidate_id)
    assert candidate is not None and candidate.status == "dismissed"
    stored = db_session.scalars(select(CandidateDismissal).where(CandidateDismissal.candidate_id == candidate_id)).one()
    assert (stored.reason, stored.note, stored.dismissed_by) == ("andet", note, CASEWORKER)
    audited = db_session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "kontrol.candidate.dismissed", AuditEvent.object_id == str(candidate_id)
        )
    ).one()
    assert audited.actor_sub == CASEWORKER and audited.citizen_pseudonym == candidate.cpr_pseudonym
    _no_sideways_scrolling(bp)
    web.check_axe(bp, "henlagt")
