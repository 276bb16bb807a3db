"""The team leader's administration pages in chromium: QR codes to print and time corrections.

Data goes in through the service functions; the pages talk to the service running as a real uvicorn process on
the test PostgreSQL database (tests/web/conftest.py). axe-core on every state shown.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

import services.viceværtsopgaver.tasks  # noqa: F401  - registers the consumers run_tasks() delivers to
from tests.web.helpers import BrowserPage, Web
from tests.web.vicevaert_fixtures import ALWAYS, SERVICE, order_from_the_school, team_east_with_lars

pytestmark = pytest.mark.browser

SIZES = ["desktop", "phone"]


def _world(session: Session) -> dict[str, Any]:
    """Team Øst (led by tl-susanne) with Amagerbro Skole (a room and a tap) and Lars; a library in another team."""
    from services.viceværtsopgaver.registry.models import Caretaker, Component, Room, Team

    east = team_east_with_lars(session)
    school = east["building"]
    other = Team(name="Team Valby", area="Valby", leader_sub="tl-someone-else", auto_dispatch=True)
    room = Room(building_id=school.id, name="Toilet stueetagen", floor="st.")
    session.add_all([other, room])
    session.flush()
    tap = Component(building_id=school.id, room_id=room.id, kind="blandingsbatteri", name="Vandhane drengetoilet")
    vera = Caretaker(
        user_sub=None,
        name="Vera Valby",
        team_id=other.id,
        skills=["generel"],
        home_latitude=55.66,
        home_longitude=12.50,
        **ALWAYS,
    )
    session.add_all([tap, vera])
    session.commit()
    return {
        "types": {code: t.id for code, t in east["types"].items()},
        "school": school.id,
        "room": room.id,
        "tap": tap.id,
        "lars": east["lars"].id,
    }


def _page_as(web: Web, bp: BrowserPage, path: str) -> Any:
    """Open `path` logged out, log in as the team leader on the way, and land on it."""
    web.login_on_the_way(bp, SERVICE, path, "tl-susanne")
    return bp.page


# --------------------------------------------------------------------------------------------- QR codes


def test_team_leader_creates_and_prints_qr_codes_for_a_building(
    session: Session,
    web: Web,
) -> None:
    from services.viceværtsopgaver.qr import service as qr
    from services.viceværtsopgaver.qr.models import QrCode
    from services.viceværtsopgaver.registry.models import Building

    world = _world(session)
    building = session.get(Building, world["school"])
    assert building is not None
    qr.issue(
        session, building=building, room_id=None, component_id=None, label=None, expires_at=None, created_by="sd-keid"
    )
    old = qr.issue(
        session,
        building=building,
        room_id=world["room"],
        component_id=None,
        label=None,
        expires_at=None,
        created_by="x",
    )
    qr.revoke(session, code=old)
    session.commit()

    bp = web.open_page("desktop")
    page = _page_as(web, bp, "/qr-koder")
    web.check_axe(bp, "QR page before a search")
    page.get_by_label("Bygningens navn eller adresse").fill("Norgesgade")
    page.get_by_role("button", name="Søg").click()
    page.locator("[data-vv-building]").wait_for(state="visible")  # one match: chosen at once
    sheet = page.locator("[data-vv-sheet]")
    labels = sheet.locator("li.vv-qr-label")
    labels.first.wait_for()
    assert labels.count() == 1  # the revoked code is not on the sheet ...
    page.locator("[data-vv-inactive]").filter(has_text="Trukket tilbage").wait_for()  # ... but listed below

    # A code for the room and its tap.
    page.get_by_label("Rum").select_option(label="Toilet stueetagen (st.)")
    page.get_by_label("Installation").select_option(label="Vandhane drengetoilet")
    page.get_by_role("button", name="Opret QR-kode").click()
    page.locator("#kk-status").filter(has_text="QR-koden er oprettet").wait_for()
    assert labels.count() == 2
    session.expire_all()
    created = session.scalars(
        select(QrCode).where(QrCode.building_id == world["school"], QrCode.component_id == world["tap"])
    ).one()
    assert created.room_id == world["room"] and created.revoked_at is None and created.created_by == "tl-susanne"
    label = sheet.locator(f'li[data-vv-code="{created.id}"]')
    assert "Amagerbro Skole" in label.inner_text()
    assert "Toilet stueetagen (st.) · Vandhane drengetoilet" in label.inner_text()
    assert "Scan koden for at bestille en opgave" in label.inner_text()
    # The picture is the API's PNG, fetched with the token; it decodes to a real image.
    page.wait_for_function(
        "id => { const i = document.querySelector(`li[data-vv-code='${id}'] img`); return i && i.complete && i.naturalWidth > 100; }",
        arg=str(created.id),
    )
    assert label.locator("img").get_attribute("alt").startswith("QR-kode: Amagerbro Skole")
    web.check_axe(bp, "QR page with a sheet")
    web.screenshot(bp, SERVICE, "qr-koder")

    # Printed: only the sheet (no menu, forms or buttons).
    page.emulate_media(media="print")
    assert page.locator(".site-nav").is_hidden() and page.locator("[data-vv-revoke]").first.is_hidden()
    assert page.locator("[data-vv-new-code]").is_hidden() and page.locator("[data-vv-print]").is_hidden()
    assert label.is_visible() and label.locator("img").is_visible()
    web.screenshot(bp, SERVICE, "qr-koder-udskrift")
    page.emulate_media(media="screen")

    # Revoking asks once more; the code leaves the sheet and is listed with the revoked ones.
    revoke = label.get_by_role("button", name="Træk tilbage")
    revoke.click()
    page.locator("#kk-status").filter(has_text="Tryk igen").wait_for()
    label.get_by_role("button", name="Bekræft: træk tilbage").click()
    page.locator("#kk-status").filter(has_text="trukket tilbage og taget af arket").wait_for()
    label.wait_for(state="detached")
    assert labels.count() == 1
    assert page.locator("[data-vv-inactive] tbody tr").count() == 2
    session.expire_all()
    assert session.get(QrCode, created.id).revoked_at is not None  # type: ignore[union-attr]
    web.check_axe(bp, "QR page after revoking a code")

    # A caretaker may not use the page; the API refuses creating codes too.
    other = web.open_page("desktop")
    web.login_as(other, SERVICE, "vv-lars")
    other.page.goto(web.url(SERVICE, "/qr-koder"))
    other.page.locator("[data-kk-gate-forbidden]").wait_for(state="visible")


# --------------------------------------------------------------------------------------------- time corrections


@pytest.mark.parametrize("size", SIZES)
def test_team_leader_corrects_a_caretakers_time_inline_with_a_reason(
    size: str,
    session: Session,
    web: Web,
) -> None:
    from services.viceværtsopgaver.common.workhours import local_date
    from services.viceværtsopgaver.registry.models import Caretaker
    from services.viceværtsopgaver.task.models import TimeEntry, TimeEntryCorrection
    from services.viceværtsopgaver.work import timekeeping
    from shared.audit.models import AuditEvent
    from shared.db import utcnow

    world = _world(session)
    task = order_from_the_school(
        session, building_id=world["school"], task_type_id=world["types"]["vandhane"], description="Det drypper."
    )
    lars = session.get(Caretaker, world["lars"])
    assert lars is not None and task.assigned_caretaker_id == lars.id
    now = utcnow().replace(second=0, microsecond=0)
    entry, _ = timekeeping.record_entry(
        session, caretaker=lars, task=task, started_at=now - timedelta(minutes=90), ended_at=now - timedelta(minutes=10)
    )
    session.commit()

    bp = web.open_page(size)
    page = _page_as(web, bp, "/tidsregistreringer")
    caretakers = page.get_by_label("Vicevært")
    caretakers.locator("option", has_text="Lars Viceværter").wait_for(state="attached")
    assert caretakers.locator("option", has_text="Vera Valby").count() == 0  # not her team
    page.get_by_role("button", name="Vis registreringer").click()
    page.locator("#f-caretaker-error").filter(has_text="Vælg den vicevært").wait_for()
    caretakers.select_option(label="Lars Viceværter")
    # "Denne uge" fills Monday–Sunday of this week and shows it.
    page.get_by_role("button", name="Denne uge").click()
    page.locator("[data-vv-entries-heading]").filter(has_text="Lars Viceværter").wait_for()
    monday = date.fromisoformat(page.get_by_label("Fra dato").input_value())
    assert monday.weekday() == 0 and page.get_by_label("Til dato").input_value() == str(monday + timedelta(days=6))
    # The entry's own day (Copenhagen time), whatever the time of day the test runs.
    day = local_date(entry.started_at).isoformat()
    page.get_by_label("Fra dato").fill(day)
    page.get_by_label("Til dato").fill(day)
    page.get_by_role("button", name="Vis registreringer").click()
    row = page.locator(f'tr[data-vv-entry="{entry.id}"]')
    row.wait_for()
    assert task.case_number in row.inner_text() and "1 t 20 min" in row.inner_text()
    web.check_axe(bp, "time registrations of a caretaker")

    # Inline correction: a reason that is too short gets the API's message next to the field.
    row.get_by_role("button", name="Ret").click()
    form = page.locator(f'[data-vv-correct="{entry.id}"]')
    form.wait_for()
    end_field = form.get_by_label("Slut")
    end_value = end_field.input_value()
    assert end_value  # the current end, in Copenhagen time
    earlier = page.evaluate(
        "v => { const d = new Date(v); d.setMinutes(d.getMinutes() - 30); "
        "const p = n => String(n).padStart(2, '0'); "
        "return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`; }",
        end_value,
    )
    end_field.fill(earlier)
    form.get_by_label("Begrundelse").fill("kort")
    form.get_by_role("button", name="Gem rettelse").click()
    reason_error = form.locator(f"#c-reason-{entry.id}-error")
    reason_error.wait_for(state="visible")
    assert form.get_by_label("Begrundelse").get_attribute("aria-invalid") == "true"
    web.check_axe(bp, "correction with a field error")
    if size == "desktop":
        web.screenshot(bp, SERVICE, "tidsregistreringer-ret")

    form.get_by_label("Begrundelse").fill("Glemte at stoppe uret ved frokost.")
    form.get_by_role("button", name="Gem rettelse").click()
    page.locator("#kk-status").filter(has_text="er rettet").wait_for()
    row.locator("[data-vv-corrected]").wait_for()
    assert "50 min" in row.inner_text()
    session.expire_all()
    corrected = session.get(TimeEntry, entry.id)
    assert corrected is not None and corrected.corrected
    assert corrected.ended_at == now - timedelta(minutes=40)
    (correction,) = session.scalars(
        select(TimeEntryCorrection).where(TimeEntryCorrection.time_entry_id == entry.id)
    ).all()
    assert correction.corrected_by_sub == "tl-susanne" and correction.reason == "Glemte at stoppe uret ved frokost."
    assert correction.old_ended_at == now - timedelta(minutes=10)
    assert session.scalars(select(AuditEvent).where(AuditEvent.action == "time_entry.corrected")).one()

    # The corrections of the entry, with the reason.
    row.get_by_role("button", name="Vis rettelser").click()
    page.locator(f'[data-vv-history="{entry.id}"]').filter(has_text="Glemte at stoppe uret ved frokost.").wait_for()
    web.check_axe(bp, "time registrations after a correction")
    web.screenshot(bp, SERVICE, "tidsregistreringer")
