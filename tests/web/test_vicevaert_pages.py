"""The viceværtsopgaver pages in Debian's chromium against the running services on PostgreSQL.

Each user's main journey at desktop and phone size, with the axe check on every state shown and the
screenshots in docs/screenshots/: the orderer's portal, the QR page, the caretaker's day and task page,
the team leader's board and the reports. Data goes in through the service functions; events are
delivered with run_tasks (the servers run no worker).
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

import services.viceværtsopgaver.tasks  # noqa: F401  - registers the consumers run_tasks() delivers to
from tests.web.helpers import Web, no_sideways_scrolling

pytestmark = pytest.mark.browser

SERVICE = "viceværtsopgaver"
SIZES = ["desktop", "phone"]
ALWAYS = {"work_days": [1, 2, 3, 4, 5, 6, 7], "work_start_minute": 0, "work_end_minute": 24 * 60}
ORDERER = {"sub": "best-amagerbro", "name": "Lis Petersen (Amagerbro Skole)", "code": "AMS-001"}


def _png(colour: str = "red") -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "PNG")
    return out.getvalue()


def _photo(name: str = "foto.png") -> dict[str, Any]:
    return {"name": name, "mimeType": "image/png", "buffer": _png()}


def _principal(sub: str, role: str, name: str, **attributes: str) -> Any:
    from shared.auth import Principal

    return Principal(sub=sub, roles=frozenset({role}), name=name, attributes=attributes)


def _orderer() -> Any:
    return _principal(ORDERER["sub"], "bestiller", ORDERER["name"], institution_code=ORDERER["code"])


def _world(session: Session) -> dict[str, Any]:
    """Team Øst (automatic dispatch) with Amagerbro Skole; Team Manuel (by hand) with a library; four caretakers."""
    from services.viceværtsopgaver.demo_data import ensure_catalogue
    from services.viceværtsopgaver.location import service as location
    from services.viceværtsopgaver.registry import service as registry
    from services.viceværtsopgaver.registry.models import Building, Caretaker, Component, Institution, Room, Team

    types = ensure_catalogue(session)
    east = Team(name="Team Øst", area="Amager Øst", leader_sub="tl-susanne", auto_dispatch=True)
    manual = Team(name="Team Manuel", area="Christianshavn", leader_sub="tl-susanne", auto_dispatch=False)
    session.add_all([east, manual])
    session.flush()
    ams = Institution(code="AMS-001", name="Amagerbro Skole", institution_type="skole", department="BUF")
    chr_ = Institution(code="CHR-003", name="Christianshavns Bibliotek", institution_type="bibliotek", department="KFF")
    session.add_all([ams, chr_])
    session.flush()

    def building(name: str, inst: Institution, team: Team, lat: float, lon: float, address: str, no: int) -> Building:
        row = Building(
            institution_id=inst.id,
            team_id=team.id,
            name=name,
            address=address,
            postal_code="2300",
            city="København S",
            latitude=lat,
            longitude=lon,
            department=inst.department,
            institution_type=inst.institution_type,
            keid_property_number=f"KEID-{no:06d}",
            notes="Nøgle i nøgleboksen ved hovedindgangen.",
        )
        session.add(row)
        session.flush()
        return row

    school = building("Amagerbro Skole", ams, east, 55.6641, 12.6052, "Norgesgade 20", 900001)
    gym = building("Amagerbro Skole – Gymnastiksal", ams, east, 55.6643, 12.6060, "Norgesgade 22", 900002)
    library = building("Christianshavns Bibliotek", chr_, manual, 55.6727, 12.5930, "Dronningensgade 52", 900020)
    room = Room(building_id=school.id, name="Toilet stueetagen", floor="st.")
    session.add(room)
    session.flush()
    tap = Component(
        building_id=school.id, room_id=room.id, kind="blandingsbatteri", name="Vandhane drengetoilet", model="Silhouet"
    )
    session.add(tap)

    def caretaker(sub: str | None, name: str, team: Team, skills: list[str], lat: float, lon: float) -> Caretaker:
        row = Caretaker(
            user_sub=sub, name=name, team_id=team.id, skills=skills, home_latitude=lat, home_longitude=lon, **ALWAYS
        )
        session.add(row)
        session.flush()
        return row

    lars = caretaker("vv-lars", "Lars Viceværter", east, ["generel", "el", "vvs", "laase"], 55.6660, 12.6070)
    ali = caretaker("vv-ali", "Ali Hassan", east, ["generel", "toemrer", "maler"], 55.6450, 12.6200)
    kim = caretaker(None, "Kim Nattevagt", east, ["generel", "varme"], 55.6600, 12.6000)
    mia = caretaker(None, "Mia Manuel", manual, ["generel", "el", "vvs"], 55.6720, 12.5900)
    # Lars shares his position (opt-in, working hours): the board shows it.
    location.set_sharing(session, caretaker=lars, enabled=True)
    from shared.db import utcnow

    location.report(session, caretaker=lars, latitude=55.6650, longitude=12.6065, accuracy_m=10, recorded_at=utcnow())
    registry.add_document(
        session,
        building=school,
        title="Plantegning stueetage med VVS",
        kind="plantegning",
        filename="plantegning.png",
        content_type="image/png",
        data=_png("white"),
        uploaded_by="sd-keid",
    )
    session.commit()
    return {
        "types": {code: t.id for code, t in types.items()},
        "school": school.id,
        "gym": gym.id,
        "library": library.id,
        "room": room.id,
        "tap": tap.id,
        "lars": lars.id,
        "ali": ali.id,
        "kim": kim.id,
        "mia": mia.id,
    }


def _order(session: Session, world: dict[str, Any], *, building: str = "school", type_code: str = "vandhane") -> Any:
    """An order placed through the service (as the portal would); returns the task."""
    from services.viceværtsopgaver.task import service as task_service

    principal = _orderer() if building != "library" else _principal("sd-keid", "servicedesk", "KEID Servicedesk")
    task, _ = task_service.create_task(
        session,
        principal=principal,
        data={
            "building_id": world[building],
            "task_type_id": world["types"][type_code],
            "description": "Vandhanen på drengetoilettet drypper konstant.",
            "priority": None,
            "photo_ids": [],
        },
        idempotency_key=None,
    )
    session.commit()
    return task


def _task(session: Session, task_id: Any) -> Any:
    from services.viceværtsopgaver.task.models import Task

    session.expire_all()
    return session.get(Task, uuid.UUID(str(task_id)))


def _phone_checks(bp: Any, *targets: Any) -> None:
    """No sideways scrolling; at phone size the given controls are big touch targets (48 px high)."""
    no_sideways_scrolling(bp)
    if bp.size != "phone":
        return
    for target in targets:
        box = target.bounding_box()
        assert box is not None and box["height"] >= 48, f"small touch target: {box}"


# --------------------------------------------------------------------------------------------- orderer


@pytest.mark.parametrize("size", SIZES)
def test_orderer_orders_with_a_photo_and_follows_the_status_live(
    size: str, session: Session, run_tasks: Callable[[], int], web: Web
) -> None:
    from services.viceværtsopgaver.notify.models import Notification
    from services.viceværtsopgaver.task.models import Task, TaskPhoto

    world = _world(session)
    bp = web.open_page(size)
    page = bp.page
    web.login_on_the_way(bp, SERVICE, "/bestilling", ORDERER["sub"])
    page.locator("[data-vv-institution]").filter(has_text="Amagerbro Skoles").wait_for()
    buildings = page.get_by_label("Bygning")
    assert buildings.locator("option").count() == 3  # the placeholder and the institution's two buildings
    page.locator("[data-vv-tasks] .empty").wait_for()

    # Nothing filled in: the API's Danish messages appear next to the fields.
    page.get_by_role("button", name="Bestil opgaven").click()
    type_error = page.locator("#f-task_type_id-error")
    type_error.wait_for(state="visible")
    assert page.get_by_label("Hvad drejer det sig om?").get_attribute("aria-invalid") == "true"
    assert page.locator("[data-kk-error-summary]").first.is_visible()
    web.check_axe(bp, "portal with field errors")

    # A real order: building, room, type, description, a photo from the camera input.
    page.get_by_label("Bygning").select_option(label="Amagerbro Skole, Norgesgade 20")
    page.locator("[data-vv-place-details]").wait_for(state="visible")
    page.locator("#f-room_id").select_option(label="Toilet stueetagen (st.)")
    page.get_by_label("Hvad drejer det sig om?").select_option(label="Dryppende vandhane/blandingsbatteri")
    page.get_by_label("Beskriv problemet").fill("Vandhanen på drengetoilettet drypper konstant.")
    camera = page.locator("#f-photos")
    assert camera.get_attribute("accept") == "image/*" and camera.get_attribute("capture") == "environment"
    camera.set_input_files(_photo())
    page.locator("[data-vv-preview] img").wait_for()
    page.get_by_role("button", name="Bestil opgaven").click()
    page.locator("#kk-status").filter(has_text="Opgaven er bestilt").wait_for()
    assert type_error.is_hidden()

    task = session.scalars(select(Task).where(Task.building_id == world["school"])).one()
    assert task.source == "portal" and task.room_id == world["room"]
    assert task.status == "tildelt" and task.assigned_caretaker_id == world["lars"]  # nearest with VVS, on duty
    assert session.scalars(select(TaskPhoto).where(TaskPhoto.task_id == task.id)).one().content_type == "image/png"
    row = page.locator(f'[data-vv-tasks] tr[data-task-id="{task.id}"]')
    row.wait_for()
    assert "Tildelt" in row.inner_text() and "Lars Viceværter" in row.inner_text()
    _phone_checks(bp, page.get_by_role("button", name="Bestil opgaven"))
    web.check_axe(bp, "portal after ordering")
    web.screenshot(bp, SERVICE, "bestilling")

    # The caretaker says he is on his way (through the API); the portal shows it and the message.
    answer = web.api(
        "vv-lars",
        SERVICE,
        f"/api/v1/tasks/{task.id}/status-changes",
        "POST",
        json={"status": "paa_vej", "note": "Kommer om 10 minutter."},
    )
    assert answer.status_code == 201, answer.text
    run_tasks()
    page.get_by_role("button", name="Opdatér nu").click()
    row.locator('[data-vv-status="paa_vej"]').wait_for()
    page.locator("#kk-status").filter(has_text="er nu på vej").wait_for()
    unread = session.scalars(
        select(Notification).where(Notification.recipient_sub == ORDERER["sub"], Notification.read_at.is_(None))
    ).all()
    on_the_way = next(n for n in unread if "på vej" in n.title)
    note = page.locator(f'[data-vv-notifications] li.vv-unread[data-notification-id="{on_the_way.id}"]')
    note.wait_for()
    assert on_the_way.title in note.inner_text() and "på vej" in note.inner_text().lower()
    badge = page.locator("[data-vv-unread]")
    assert badge.inner_text() == (f"{len(unread)} ulæste" if len(unread) > 1 else "1 ulæst")
    web.check_axe(bp, "portal with a message")
    note.get_by_role("button", name="Markér som læst").click()
    page.locator("#kk-status").filter(has_text="markeret som læst").wait_for()
    page.locator(f'[data-vv-notifications] li[data-notification-id="{on_the_way.id}"]:not(.vv-unread)').wait_for()
    session.expire_all()
    assert session.get(Notification, on_the_way.id).read_at is not None  # type: ignore[union-attr]


# --------------------------------------------------------------------------------------------- QR page


@pytest.mark.parametrize("size", SIZES)
def test_qr_code_opens_a_prefilled_order_page_that_survives_login(size: str, session: Session, web: Web) -> None:
    from services.viceværtsopgaver.qr import service as qr
    from services.viceværtsopgaver.registry.models import Building
    from services.viceværtsopgaver.task.models import Task, TaskPhoto

    world = _world(session)
    code = qr.issue(
        session,
        building=session.get(Building, world["school"]),  # type: ignore[arg-type]
        room_id=world["room"],
        component_id=world["tap"],
        label=None,
        expires_at=None,
        created_by="sd-keid",
    )
    session.commit()
    link = qr.order_url(qr.token_for(code))
    token = link.split("?t=", 1)[1]
    bp = web.open_page(size)
    page = bp.page

    # The phone's camera opens the printed link; the orderer logs in and lands back on the page, token kept.
    web.login_on_the_way(bp, SERVICE, f"/bestil?t={token}", ORDERER["sub"], lands_on="/bestil")
    page.locator("[data-vv-qr-ready]").wait_for(state="visible")
    assert "t=" not in page.url  # the token left the address bar
    assert page.locator("[data-vv-place-name]").inner_text() == "Amagerbro Skole"
    assert page.locator("[data-vv-place-room]").inner_text() == "Toilet stueetagen"
    assert page.locator("[data-vv-place-component]").inner_text() == "Vandhane drengetoilet"
    assert page.locator("[data-vv-place-institution]").inner_text() == "Amagerbro Skole"
    web.check_axe(bp, "QR order page")
    web.screenshot(bp, SERVICE, "bestil-qr")

    # A task in three steps: type, description, photo – then one tap.
    page.get_by_label("Hvad drejer det sig om?").select_option(label="Dryppende vandhane/blandingsbatteri")
    page.get_by_label("Beskriv problemet").fill("Drypper konstant.")
    page.locator("#f-photos").set_input_files(_photo())
    submit = page.get_by_role("button", name="Bestil opgaven")
    _phone_checks(bp, submit, page.get_by_label("Hvad drejer det sig om?"))
    submit.click()
    receipt = page.locator("[data-vv-qr-receipt]")
    receipt.wait_for(state="visible")
    task = session.scalars(select(Task).where(Task.source == "qr")).one()
    assert task.building_id == world["school"] and task.room_id == world["room"] and task.component_id == world["tap"]
    assert session.scalars(select(TaskPhoto).where(TaskPhoto.task_id == task.id)).one() is not None
    assert page.locator("[data-vv-receipt-case]").inner_text() == task.case_number
    assert page.locator("[data-vv-receipt-link]").get_attribute("href") == f"/opgaver/{task.id}"
    assert page.evaluate("() => document.activeElement.hasAttribute('data-vv-qr-receipt')")
    web.check_axe(bp, "QR receipt")
    if size == "phone":
        web.screenshot(bp, SERVICE, "bestil-qr-kvittering")
    assert not [u for u in bp.request_urls if token in u and "/bestil?" not in u]  # only the link itself

    # A forged code: the API's message, and the way to the portal.
    page.goto(web.url(SERVICE, "/bestil?t=v1.forfalsket"))
    page.locator("[data-vv-qr-failed]").wait_for(state="visible")
    assert page.locator("[data-vv-qr-failed-text]").inner_text() != ""
    web.check_axe(bp, "QR page with an invalid code")


# --------------------------------------------------------------------------------------------- caretaker


@pytest.mark.parametrize("size", SIZES)
def test_caretaker_works_a_task_from_my_day_with_status_buttons_photo_and_timer(
    size: str, session: Session, run_tasks: Callable[[], int], web: Web
) -> None:
    from services.viceværtsopgaver.task.models import StatusChange, TaskPhoto, TimeEntry

    world = _world(session)
    task = _order(session, world)
    assert task.assigned_caretaker_id == world["lars"]
    run_tasks()  # the assignment message to Lars
    bp = web.logged_in(size, SERVICE, "vv-lars", "/min-dag")
    page = bp.page
    card = page.locator(f'[data-vv-tasks] a[data-task-id="{task.id}"]')
    card.wait_for()
    assert "Stop 1" in card.inner_text() and "Amagerbro Skole" in card.inner_text()
    page.locator("[data-vv-sharing-state]").filter(has_text="Du deler din position").wait_for()
    page.locator(f'[data-vv-notifications] li.vv-unread a[href="/opgaver/{task.id}"]').wait_for()
    _phone_checks(bp, card)
    web.check_axe(bp, "my day")
    web.screenshot(bp, SERVICE, "min-dag")

    # The task page: building information, the floor plan, and the status buttons the API allows now.
    card.click()
    page.wait_for_url(f"**/opgaver/{task.id}")
    page.locator("[data-vv-task]").wait_for(state="visible")
    assert page.locator("[data-vv-title]").inner_text() == task.title
    page.locator("[data-vv-documents]").filter(has_text="Plantegning stueetage med VVS").wait_for()
    assert "Nøgle i nøgleboksen" in page.locator("[data-vv-building-facts]").inner_text()
    allowed = set(web.api("vv-lars", SERVICE, f"/api/v1/tasks/{task.id}").json()["allowed_next_statuses"])
    buttons = page.locator("[data-vv-status-button]")
    assert buttons.count() == 7
    enabled = {b.get_attribute("value") for b in buttons.all() if b.is_enabled()}
    assert enabled == allowed and "loest" not in enabled  # one copy of the rules: the API's list
    _phone_checks(bp, page.get_by_role("button", name="På vej"), page.locator("[data-vv-timer-button]"))

    # "På vej" with a note.
    page.get_by_label("Note til bestiller og teamleder").fill("Kommer om 10 minutter.")
    page.get_by_role("button", name="På vej").click()
    page.locator("#kk-status").filter(has_text="Status er meldt: På vej").wait_for()
    page.locator('[data-vv-history] [data-status-change="paa_vej"]').filter(
        has_text="Kommer om 10 minutter."
    ).wait_for()
    assert _task(session, task.id).status == "paa_vej"

    # Start and stop the timer.
    timer = page.locator("[data-vv-timer-button]")
    timer.click()
    page.locator("#kk-status").filter(has_text="Uret er startet").wait_for()
    page.locator('[data-vv-timer-button][data-vv-running="true"]').wait_for()
    running = session.scalars(select(TimeEntry).where(TimeEntry.task_id == task.id)).one()
    assert running.ended_at is None and running.source == "timer"
    web.check_axe(bp, "task page with the timer running")
    web.screenshot(bp, SERVICE, "opgave-vicevaert")
    page.wait_for_timeout(1100)  # a stop must come after the start
    timer.click()
    page.locator("#kk-status").filter(has_text="Uret er stoppet").wait_for()
    session.expire_all()
    assert session.get(TimeEntry, running.id).ended_at is not None  # type: ignore[union-attr]

    # "Kan ikke løses" without a reason: the API's message appears next to the note.
    page.get_by_role("button", name="Kan ikke løses").click()
    note_error = page.locator("#f-note-error")
    note_error.wait_for(state="visible")
    assert "hvorfor" in note_error.inner_text().lower()
    assert _task(session, task.id).status == "paa_vej"
    web.check_axe(bp, "task page with a field error")

    # "I gang" with a photo, then "Løst": the timer from "i gang" is stopped by "løst".
    page.locator("#f-photos").set_input_files(_photo("foer.png"))
    page.get_by_role("button", name="I gang").click()
    page.locator("#kk-status").filter(has_text="Status er meldt: I gang").wait_for()
    assert note_error.is_hidden()
    page.get_by_role("button", name="Løst").click()
    page.locator("#kk-status").filter(has_text="Status er meldt: Løst").wait_for()
    page.locator("[data-vv-status-panel]").wait_for(state="hidden")  # nothing may follow "løst"
    done = _task(session, task.id)
    assert done.status == "loest" and done.resolved_at is not None
    in_progress = session.scalars(
        select(StatusChange).where(StatusChange.task_id == task.id, StatusChange.status == "i_gang")
    ).one()
    photo = session.scalars(select(TaskPhoto).where(TaskPhoto.status_change_id == in_progress.id)).one()
    assert photo.task_id == task.id
    entries = session.scalars(select(TimeEntry).where(TimeEntry.task_id == task.id)).all()
    assert len(entries) == 2 and all(e.ended_at is not None for e in entries)
    assert page.locator("[data-vv-photos-list] li").count() == 1
    web.check_axe(bp, "task page after løst")


# --------------------------------------------------------------------------------------------- team leader


@pytest.mark.parametrize("size", SIZES)
def test_team_leader_assigns_and_reassigns_from_the_board_with_reasons(
    size: str, session: Session, run_tasks: Callable[[], int], web: Web
) -> None:
    from services.viceværtsopgaver.task.models import Assignment

    world = _world(session)
    waiting = _order(session, world, building="library")  # Team Manuel dispatches by hand: it waits on the board
    assert waiting.on_board and waiting.status == "ny"
    busy = _order(session, world, type_code="lyskilde")  # Lars gets this one automatically
    assert busy.assigned_caretaker_id == world["lars"]
    run_tasks()  # the "lagt på tavlen" message to the team leader
    bp = web.logged_in(size, SERVICE, "tl-susanne", "/tavle")
    page = bp.page
    card = page.locator(f'[data-vv-waiting] li[data-task-id="{waiting.id}"]')
    card.wait_for()
    assert "Hvorfor her:" in card.inner_text()
    page.locator(f'[data-vv-notifications] li.vv-unread a[href="/opgaver/{waiting.id}"]').wait_for()
    page.locator(f'[data-vv-map] [data-map-caretaker="{world["lars"]}"]').wait_for(state="attached")
    page.locator(f'[data-vv-map] [data-map-task="{waiting.id}"]').wait_for(state="attached")
    lars_row = page.locator(f'[data-vv-caretakers] tr[data-caretaker-id="{world["lars"]}"]')
    assert "Delt kl." in lars_row.inner_text() and "På arbejde" in lars_row.inner_text()
    assert "Deles ikke" in page.locator(f'[data-vv-caretakers] tr[data-caretaker-id="{world["mia"]}"]').inner_text()
    _phone_checks(bp, card.get_by_role("button", name="Tildel"))
    web.check_axe(bp, "board")
    web.screenshot(bp, SERVICE, "tavle")

    # Assign the waiting task to Mia, with a reason.
    card.get_by_role("button", name="Tildel").click()
    dialog = page.locator("[data-vv-assign-dialog]")
    dialog.wait_for(state="visible")
    dialog.get_by_label("Mia Manuel").check()
    dialog.get_by_label("Begrundelse").fill("Mia er i forvejen på biblioteket.")
    web.check_axe(bp, "assignment dialog")
    if size == "phone":  # the dialog fills the phone's screen: a screenshot of what is on screen, not the page
        web.screenshot(bp, SERVICE, "tavle-tildel", full_page=False)
    dialog.get_by_role("button", name="Tildel").click()
    page.locator("#kk-status").filter(has_text=f"{waiting.case_number} er givet til Mia Manuel").wait_for()
    assert dialog.is_hidden()
    moved = _task(session, waiting.id)
    assert moved.assigned_caretaker_id == world["mia"] and not moved.on_board
    first = session.scalars(
        select(Assignment).where(Assignment.task_id == waiting.id, Assignment.caretaker_id == world["mia"])
    ).one()
    assert first.reason_code == "teamleder_assign" and "Mia er i forvejen på biblioteket." in first.reason
    card.wait_for(state="detached")

    # Reassign it to Kim, who lacks VVS: the API's message names the missing skill next to the choice.
    row = page.locator(f'[data-vv-assigned] tr[data-task-id="{waiting.id}"]')
    row.get_by_role("button", name=f"Flyt {waiting.case_number}").click()
    dialog.wait_for(state="visible")
    assert dialog.get_by_label("Mia Manuel").count() == 0  # the current assignee is not offered
    dialog.get_by_label("Kim Nattevagt").check()
    dialog.get_by_role("button", name="Flyt opgaven").click()
    caretaker_error = page.locator("#f-caretaker-error")
    caretaker_error.wait_for(state="visible")
    assert "VVS" in caretaker_error.inner_text()
    web.check_axe(bp, "assignment dialog with a field error")

    # …so to Lars instead, with the reason.
    dialog.get_by_label("Lars Viceværter").check()
    dialog.get_by_label("Begrundelse").fill("Mia er syg.")
    dialog.get_by_role("button", name="Flyt opgaven").click()
    page.locator("#kk-status").filter(has_text=f"{waiting.case_number} er givet til Lars Viceværter").wait_for()
    assert _task(session, waiting.id).assigned_caretaker_id == world["lars"]
    latest = session.scalars(
        select(Assignment).where(Assignment.task_id == waiting.id).order_by(Assignment.created_at.desc())
    ).first()
    assert latest is not None and latest.reason_code == "teamleder_reassign" and "Mia er syg." in latest.reason
    row.filter(has_text="Lars Viceværter").wait_for()


# --------------------------------------------------------------------------------------------- reports


@pytest.mark.parametrize("size", SIZES)
def test_reports_show_charts_with_tables_csv_and_the_apis_period_check(size: str, session: Session, web: Web) -> None:
    from services.viceværtsopgaver.task.models import Assignment
    from services.viceværtsopgaver.work import status as work_status
    from shared.db import utcnow

    world = _world(session)
    task = _order(session, world)
    # Ordered an hour ago (so the caretaker's reports below are not older than the task's current status).
    hour = timedelta(hours=1)
    for attr in ("created_at", "reported_at", "status_at", "assigned_at"):
        setattr(task, attr, getattr(task, attr) - hour)
    for assignment in session.scalars(select(Assignment).where(Assignment.task_id == task.id)):
        assignment.created_at -= hour
    lars = _principal("vv-lars", "vicevaert", "Lars Viceværter")
    now = utcnow()
    for status, minutes_ago in (("i_gang", 50), ("loest", 5)):
        work_status.report(
            session, task_id=task.id, principal=lars, status=status, occurred_at=now - timedelta(minutes=minutes_ago)
        )
    session.commit()
    bp = web.logged_in(size, SERVICE, "tl-susanne", "/rapporter")
    page = bp.page
    section = page.locator('[data-vv-report="hours-per-building"]')
    chart = section.locator("img[data-vv-chart]")
    chart.wait_for()
    page.wait_for_function(
        "() => document.querySelectorAll('img[data-vv-chart]').length > 0 && "
        "[...document.querySelectorAll('img[data-vv-chart]')].every((i) => i.complete && i.naturalWidth > 0)"
    )
    assert chart.get_attribute("alt", timeout=1000).startswith("Søjlediagram: Timer pr. bygning")
    assert section.locator("[data-vv-report-summary]").inner_text().startswith("0,75")  # 45 minutes
    section.get_by_text("Vis tallene i en tabel").click()
    table_row = section.locator("[data-vv-report-table] tbody tr").first
    assert "Amagerbro Skole" in table_row.inner_text() and "0,75" in table_row.inner_text()
    assert page.locator("[data-vv-report] [data-vv-report-period]").filter(has_text="Periode:").count() == 6
    _phone_checks(bp, page.get_by_role("button", name="Vis rapporterne"))
    web.check_axe(bp, "reports")
    web.screenshot(bp, SERVICE, "rapporter")

    # The spreadsheet.
    with page.expect_download() as download:
        section.get_by_role("button", name="Hent som regneark (CSV)").click()
    with open(download.value.path(), encoding="utf-8-sig") as csv_file:
        text = csv_file.read()
    assert text.startswith("Bygning;Adresse") and "Amagerbro Skole" in text

    # A period that ends before it starts: the API's message next to "Fra dato".
    page.get_by_label("Fra dato").fill("2026-03-10")
    page.get_by_label("Til dato").fill("2026-03-01")
    page.get_by_role("button", name="Vis rapporterne").click()
    error = page.locator("#f-from_date-error")
    error.wait_for(state="visible")
    assert "før til-datoen" in error.inner_text()
    web.check_axe(bp, "reports with a period error")


# --------------------------------------------------------------------------------------------- access


def test_pages_only_hide_the_api_refuses(session: Session, web: Web) -> None:
    world = _world(session)
    other = _order(session, world, building="library")  # another institution's task
    bp = web.logged_in("desktop", SERVICE, "vv-lars", "/tavle")
    page = bp.page
    page.locator("[data-kk-gate-forbidden]").wait_for(state="visible")
    assert page.evaluate("() => KK.api('/api/v1/board').then(() => 200, (e) => e.status)") == 403
    web.check_axe(bp, "board refused")

    web.login_as(bp, SERVICE, ORDERER["sub"])
    page.goto(web.url(SERVICE, f"/opgaver/{other.id}"))
    page.locator("[data-vv-loading]").filter(has_text="Opgaven findes ikke").wait_for()
    assert page.locator("[data-vv-task]").is_hidden()
    web.check_axe(bp, "task page refused")
