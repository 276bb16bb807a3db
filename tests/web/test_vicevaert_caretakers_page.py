"""The team leader's caretakers page (/vicevaerter) in chromium, phone first (375 px).

Data goes in through the models and service functions; the page talks to the service running as a real uvicorn
process on the test PostgreSQL database (tests/web/conftest.py). Dispatch is checked through the API: an absence
registered on the page must make the next order go to somebody else. axe-core on every state shown.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

import services.viceværtsopgaver.tasks  # noqa: F401  - registers the consumers run_tasks() delivers to
from tests.web.helpers import BrowserPage, Web
from tests.web.vicevaert_fixtures import ALWAYS, SERVICE, team_east_with_lars

pytestmark = pytest.mark.browser

PHONE_375 = {"width": 375, "height": 812}


def _world(session: Session) -> dict[str, Any]:
    """Team Øst (led by tl-susanne): Lars 300 m from the school, Bo 2.5 km away, both with VVS.
    Team Valby (led by someone else) with Vera."""
    from services.viceværtsopgaver.registry.models import Caretaker, Team

    east = team_east_with_lars(session)
    valby = Team(name="Team Valby", area="Valby", leader_sub="tl-someone-else", auto_dispatch=True)
    session.add(valby)
    session.flush()
    bo = Caretaker(
        user_sub=None,
        name="Bo Bertelsen",
        team_id=east["team"].id,
        skills=["generel", "vvs"],
        home_latitude=55.6450,
        home_longitude=12.6200,
        **ALWAYS,
    )
    vera = Caretaker(
        user_sub=None,
        name="Vera Valby",
        team_id=valby.id,
        skills=["generel", "vvs"],
        home_latitude=55.66,
        home_longitude=12.50,
        **ALWAYS,
    )
    session.add_all([bo, vera])
    session.commit()
    return {
        "types": {code: t.id for code, t in east["types"].items()},
        "school": east["building"].id,
        "east": east["team"].id,
        "valby": valby.id,
        "lars": east["lars"].id,
        "bo": bo.id,
        "vera": vera.id,
    }


def _phone_page(web: Web, user: str = "tl-susanne") -> BrowserPage:
    """A phone at 375 px (the smallest common width), logged in on the way to the page."""
    bp = web.open_page("phone")
    bp.page.set_viewport_size(PHONE_375)
    web.login_on_the_way(bp, SERVICE, "/vicevaerter", user)
    bp.page.locator("[data-vv-caretaker]").first.wait_for()
    return bp


def _fits_a_phone(bp: BrowserPage) -> None:
    """No sideways scrolling at 375 px, and the caretaker cards' controls are big touch targets."""
    page = bp.page
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE_375["width"]
    controls = page.locator("[data-vv-caretakers] button:visible, [data-vv-caretakers] .choice:visible")
    for i in range(controls.count()):
        box = controls.nth(i).bounding_box()
        assert box is not None and box["height"] >= 48, f"small touch target: {controls.nth(i).inner_text()} {box}"


def _order(web: Web, world: dict[str, Any]) -> dict[str, Any]:
    """The school orders a dripping tap through the API; dispatch assigns it at once."""
    response = web.api(
        "best-amagerbro",
        SERVICE,
        "/api/v1/tasks",
        "POST",
        json={
            "building_id": str(world["school"]),
            "task_type_id": str(world["types"]["vandhane"]),
            "description": "Det drypper.",
        },
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_sick_today_registered_on_the_phone_makes_dispatch_skip_the_caretaker(session: Session, web: Web) -> None:
    from services.viceværtsopgaver.registry.models import Absence

    world = _world(session)
    bp = _phone_page(web)
    page = bp.page
    lars = page.locator(f'[data-vv-caretaker="{world["lars"]}"]')
    assert "Lars Viceværter" in lars.inner_text() and "Alle ugens dage, 00:00–24:00" in lars.inner_text()
    assert "VVS" in lars.locator("[data-vv-skills]").inner_text()
    assert page.locator("[data-vv-caretaker]").count() == 2  # Lars and Bo; Vera is not in her team
    assert page.get_by_text("Vera Valby").count() == 0
    web.check_axe(bp, "caretakers page")
    _fits_a_phone(bp)

    # "Registrér fravær": an end before the start gets the API's message by "Til og med".
    lars.get_by_role("button", name="Registrér fravær for Lars Viceværter").click()
    form = page.locator(f'[data-vv-absence-form="{world["lars"]}"]')
    form.wait_for()
    assert form.get_by_label("Sygdom").is_checked()  # the common case is one tap away
    today = form.get_by_label("Fra og med").input_value()
    form.get_by_label("Fra og med").fill("2030-01-08")
    form.get_by_label("Til og med").fill("2030-01-07")
    form.get_by_role("button", name="Registrér fravær").click()
    error = form.locator(f"#a-{world['lars']}-to-error")
    error.filter(has_text="Fraværet skal slutte samme dag eller efter det begynder.").wait_for()
    assert form.get_by_label("Til og med").get_attribute("aria-invalid") == "true"
    web.check_axe(bp, "absence form with a field error")
    _fits_a_phone(bp)

    # Sick today.
    form.get_by_label("Fra og med").fill(today)
    form.get_by_label("Til og med").fill(today)
    form.get_by_role("button", name="Registrér fravær").click()
    page.locator("#kk-status").filter(has_text="Fravær registreret for Lars Viceværter: Sygdom").wait_for()
    lars.locator("[data-vv-absent-today]").filter(has_text="Fravær i dag: Sygdom").wait_for()
    session.expire_all()
    (absence,) = session.scalars(select(Absence).where(Absence.caretaker_id == world["lars"])).all()
    assert absence.kind == "syg" and str(absence.starts_on) == today == str(absence.ends_on)
    assert absence.created_by == "tl-susanne"
    web.check_axe(bp, "caretakers page with an absence")
    web.screenshot(bp, SERVICE, "vicevaerter")

    # Dispatch skips Lars (the nearest) today: the school's order goes to Bo.
    assert _order(web, world)["assigned_caretaker"]["id"] == str(world["bo"])

    # Registered in error: "Slet" asks once more, then the absence is gone and Lars gets the next order again.
    delete = lars.locator(f'[data-vv-delete-absence="{absence.id}"]')
    delete.click()
    page.locator("#kk-status").filter(has_text="Tryk igen").wait_for()
    lars.get_by_role("button", name="Bekræft: slet fravær: Sygdom").click()
    page.locator("#kk-status").filter(has_text="er slettet").wait_for()
    lars.locator("[data-vv-absent-today]").wait_for(state="detached")
    session.expire_all()
    assert session.scalars(select(Absence).where(Absence.caretaker_id == world["lars"])).all() == []
    assert _order(web, world)["assigned_caretaker"]["id"] == str(world["lars"])


def test_working_hours_with_a_bad_value_get_the_danish_field_error(session: Session, web: Web) -> None:
    from services.viceværtsopgaver.registry.models import Caretaker

    world = _world(session)
    bp = _phone_page(web)
    page = bp.page
    bo = page.locator(f'[data-vv-caretaker="{world["bo"]}"]')
    bo.get_by_role("button", name="Ret kompetencer og arbejdstid for Bo Bertelsen").click()
    form = page.locator(f'[data-vv-edit="{world["bo"]}"]')
    form.wait_for()
    assert form.get_by_label("VVS").is_checked() and not form.get_by_label("Maler").is_checked()

    # 25:00 is no time of day: the API's Danish message by "Møder kl.".
    form.get_by_label("Møder kl.").fill("25:00")
    form.get_by_role("button", name="Gem ændringer").click()
    start_error = form.locator(f"#e-{world['bo']}-start-error")
    start_error.filter(has_text="Tidspunktet skal skrives TT:MM, fx 07:00.").wait_for()
    assert form.get_by_label("Møder kl.").get_attribute("aria-invalid") == "true"
    form.locator("[data-kk-error-summary]").filter(has_text="Møder kl.").wait_for()
    web.check_axe(bp, "working hours with a field error")
    _fits_a_phone(bp)
    web.screenshot(bp, SERVICE, "vicevaerter-ret")

    # The end before the start: the message goes by "Går kl.".
    form.get_by_label("Møder kl.").fill("15:00")
    form.get_by_label("Går kl.").fill("07:00")
    form.get_by_role("button", name="Gem ændringer").click()
    form.locator(f"#e-{world['bo']}-end-error").filter(has_text="Arbejdstiden skal slutte efter").wait_for()
    assert not start_error.is_visible()

    # Weekdays 07:00–15:00 and painting: saved.
    form.get_by_label("Møder kl.").fill("07:00")
    form.get_by_label("Går kl.").fill("15:00")
    form.get_by_label("Lørdag").uncheck()
    form.get_by_label("Søndag").uncheck()
    form.get_by_label("Maler").check()
    form.get_by_role("button", name="Gem ændringer").click()
    page.locator("#kk-status").filter(has_text="Ændringerne for Bo Bertelsen er gemt").wait_for()
    bo.locator("[data-vv-hours]").filter(has_text="man–fre, 07:00–15:00").wait_for()
    assert "Maler" in bo.locator("[data-vv-skills]").inner_text()
    session.expire_all()
    saved = session.get(Caretaker, world["bo"])
    assert saved is not None
    assert saved.work_days == [1, 2, 3, 4, 5] and (saved.work_start_minute, saved.work_end_minute) == (420, 900)
    assert sorted(saved.skills) == ["generel", "maler", "vvs"]

    # Somebody else changes Bo meanwhile: the stale form gets 412 and the Danish conflict message.
    bo.get_by_role("button", name="Ret kompetencer og arbejdstid for Bo Bertelsen").click()
    form.wait_for()
    saved.work_end_minute = 16 * 60
    session.commit()
    form.get_by_label("Går kl.").fill("14:00")
    form.get_by_role("button", name="Gem ændringer").click()
    form.locator("[data-kk-error-summary]").filter(has_text="ændret af en anden").wait_for()
    assert form.get_by_label("Går kl.").input_value() == "16:00"  # the fresh values, nothing overwritten
    session.expire_all()
    assert session.get(Caretaker, world["bo"]).work_end_minute == 16 * 60  # type: ignore[union-attr]
    web.check_axe(bp, "working hours after a conflict")


def test_a_team_leader_sees_only_their_teams_and_an_admin_filters_all_teams(session: Session, web: Web) -> None:
    world = _world(session)
    # The team leader: not on the page, and not from the API either (list by team id, or one by id).
    bp = _phone_page(web)
    names = bp.page.locator("[data-vv-caretakers] h3").all_inner_texts()
    assert sorted(names) == ["Bo Bertelsen", "Lars Viceværter"]
    assert bp.page.locator("[data-vv-team-form]").is_hidden()  # one team: no filter
    other_team = web.api("tl-susanne", SERVICE, f"/api/v1/caretakers?team_id={world['valby']}")
    assert other_team.status_code == 200 and other_team.json() == []
    assert web.api("tl-susanne", SERVICE, f"/api/v1/caretakers/{world['vera']}").status_code == 404
    assert web.api("tl-susanne", SERVICE, f"/api/v1/caretakers/{world['vera']}/absences").status_code == 404

    # The administrator sees every team and can filter by team.
    admin = web.logged_in("desktop", SERVICE, "admin", "/vicevaerter")
    page = admin.page
    page.locator(f'[data-vv-caretaker="{world["vera"]}"]').wait_for()
    assert page.locator(f'[data-vv-caretaker="{world["lars"]}"]').count() == 1
    page.get_by_label("Team").select_option(label="Team Valby – Valby")
    page.locator(f'[data-vv-caretaker="{world["lars"]}"]').wait_for(state="detached")
    assert page.locator("[data-vv-caretakers] h3").all_inner_texts() == ["Vera Valby"]
    web.check_axe(admin, "caretakers page for an administrator")
    web.screenshot(admin, SERVICE, "vicevaerter")

    # A caretaker gets the page's gate.
    caretaker = web.logged_in("phone", SERVICE, "vv-lars", "/vicevaerter")
    caretaker.page.locator("[data-kk-gate-forbidden]").wait_for(state="visible")
