"""The caretaker's offline queue in chromium: changes made without coverage survive a reload, are sent once
through the sync endpoint with the phone's own time when the phone is online again, and what the server
refuses is shown in Danish on the task.

The browser context is taken offline with Playwright's `context.set_offline(True)`; the service runs as a
real uvicorn process on the test PostgreSQL database (tests/web/conftest.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

import services.viceværtsopgaver.tasks  # noqa: F401  - registers the consumers run_tasks() delivers to
from tests.web.helpers import BrowserPage, Web
from tests.web.vicevaert_fixtures import SERVICE, order_from_the_school, team_east_with_lars

pytestmark = pytest.mark.browser

QUEUE_KEY = "vv.offline.v1.vv-lars"


def _world(session: Session) -> dict[str, Any]:
    """Team Øst (automatic dispatch, led by tl-susanne), Amagerbro Skole, and Lars on duty around the clock."""
    world = team_east_with_lars(session, building_notes="Nøgle i nøgleboksen ved hovedindgangen.")
    session.commit()
    types = world["types"]
    return {
        "types": {code: t.id for code, t in types.items()},
        "school": world["building"].id,
        "lars": world["lars"].id,
    }


def _order(session: Session, world: dict[str, Any]) -> Any:
    """An order from the school's orderer, dispatched to Lars (the only caretaker)."""
    task = order_from_the_school(
        session,
        building_id=world["school"],
        task_type_id=world["types"]["vandhane"],
        description="Vandhanen i kælderen drypper.",
    )
    session.commit()
    assert task.assigned_caretaker_id == world["lars"]
    return task


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _task_open_on_the_phone(session: Session, run_tasks: Callable[[], int], web: Web) -> tuple[Any, BrowserPage]:
    """An order dispatched to Lars; Lars logged in on a phone with Min dag and the task opened with coverage
    (the pages and the task are kept on the phone)."""
    task = _order(session, _world(session))
    run_tasks()
    bp = web.open_page("phone")
    page = bp.page
    web.login_as(bp, SERVICE, "vv-lars")
    page.goto(web.url(SERVICE, "/min-dag"))
    card = page.locator(f'[data-vv-tasks] a[data-task-id="{task.id}"]')
    card.wait_for()
    page.locator("[data-vv-offline][data-vv-offline-ready]").wait_for(state="attached")
    card.click()
    page.wait_for_url(f"**/opgaver/{task.id}")
    page.locator("[data-vv-task]").wait_for(state="visible")
    page.locator("[data-vv-offline][data-vv-offline-ready]").wait_for(state="attached")
    return task, bp


def test_changes_made_offline_survive_a_reload_and_land_once_with_the_phones_time(
    session: Session,
    run_tasks: Callable[[], int],
    web: Web,
) -> None:
    from services.viceværtsopgaver.task.models import StatusChange, Task, TimeEntry

    task, bp = _task_open_on_the_phone(session, run_tasks, web)
    page = bp.page
    count = page.locator("[data-vv-offline-count]")
    assert count.get_attribute("role") == "status"
    assert count.inner_text() == ""  # nothing waits

    # In the basement: no coverage. "På vej" with a note, then the timer started and stopped.
    page.context.set_offline(True)
    count.filter(has_text="Du er uden forbindelse").wait_for()
    page.get_by_label("Note til bestiller og teamleder").fill("I kælderen nu.")
    page.get_by_role("button", name="På vej").click()
    count.filter(has_text="1 ændring venter på forbindelse").wait_for()
    page.locator('[data-vv-history] [data-status-change="paa_vej"]').filter(has_text="Venter på forbindelse").wait_for()
    # The buttons now follow the API's own flow after "på vej" (sent with the task): "I gang" yes, "Løst" no.
    assert page.get_by_role("button", name="I gang").is_enabled()
    assert page.get_by_role("button", name="Løst").is_disabled()
    timer = page.locator("[data-vv-timer-button]")
    timer.click()
    page.locator('[data-vv-timer-button][data-vv-running="true"]').wait_for()
    count.filter(has_text="2 ændringer venter på forbindelse").wait_for()
    page.wait_for_timeout(1100)  # the stop must come after the start
    timer.click()
    page.locator('[data-vv-timer-button][data-vv-running="false"]').wait_for()
    count.filter(has_text="2 ændringer venter på forbindelse").wait_for()  # start + stop became one period
    web.check_axe(bp, "task page offline with changes waiting")
    assert _status(session, task.id) == "tildelt"  # nothing has reached the server

    # Reload while still offline: the page opens from the phone, and the queue is still there.
    page.reload()
    page.locator("[data-vv-task]").wait_for(state="visible")
    count.filter(has_text="2 ændringer venter på forbindelse").wait_for()
    page.locator('[data-vv-history] [data-status-change="paa_vej"]').filter(has_text="Venter på forbindelse").wait_for()
    # One more change after the reload.
    page.get_by_role("button", name="I gang").click()
    count.filter(has_text="3 ændringer venter på forbindelse").wait_for()
    web.screenshot(bp, SERVICE, "opgave-offline")
    queued = page.evaluate(f"() => JSON.parse(localStorage.getItem('{QUEUE_KEY}')).queue")
    assert [q["kind"] for q in queued] == ["status", "time_period", "status"]
    on_the_way, period, working = queued
    assert on_the_way["status"] == "paa_vej" and working["status"] == "i_gang"
    assert _status(session, task.id) == "tildelt"

    # Coverage again: the queue is sent in order through the sync endpoint, once.
    page.context.set_offline(False)
    page.locator("#kk-status").filter(has_text="3 ændringer er sendt").wait_for()
    page.wait_for_function("() => document.querySelector('[data-vv-offline-count]').textContent === ''")
    page.locator('[data-vv-history] [data-status-change="i_gang"]').wait_for()
    assert page.locator("[data-vv-history]").get_by_text("Venter på forbindelse").count() == 0

    history = web.api("vv-lars", SERVICE, f"/api/v1/tasks/{task.id}/status-changes").json()
    by_status = {s: [c for c in history if c["status"] == s] for s in ("paa_vej", "i_gang")}
    assert len(by_status["paa_vej"]) == 1 and len(by_status["i_gang"]) == 1
    for change, sent in ((by_status["paa_vej"][0], on_the_way), (by_status["i_gang"][0], working)):
        assert change["client_update_id"] == sent["id"] and change["outcome"] == "applied"
        assert _when(change["occurred_at"]) == _when(sent["occurred_at"])  # the phone's time, not the arrival
        assert _when(change["received_at"]) > _when(change["occurred_at"])
    assert by_status["paa_vej"][0]["note"] == "I kælderen nu."
    session.expire_all()
    assert session.get(Task, task.id).status == "i_gang"  # type: ignore[union-attr]
    entries = session.scalars(
        select(TimeEntry).where(TimeEntry.task_id == task.id).order_by(TimeEntry.started_at)
    ).all()
    manual = [e for e in entries if e.client_entry_id == period["id"]]
    assert len(manual) == 1
    assert manual[0].started_at == _when(period["started_at"]) and manual[0].ended_at == _when(period["ended_at"])
    assert [e.source for e in entries] == ["manual", "status"]  # "i gang" started the timer at the phone's time
    assert entries[1].started_at == _when(working["occurred_at"]) and entries[1].ended_at is None

    # Reloading online sends nothing again.
    page.reload()
    page.locator("[data-vv-task]").wait_for(state="visible")
    page.locator("[data-vv-offline][data-vv-offline-ready]").wait_for(state="attached")
    assert page.evaluate(f"() => JSON.parse(localStorage.getItem('{QUEUE_KEY}')).queue.length") == 0
    session.expire_all()
    changes = session.scalars(select(StatusChange).where(StatusChange.task_id == task.id)).all()
    assert sorted(c.status for c in changes if c.status in ("paa_vej", "i_gang")) == ["i_gang", "paa_vej"]


def _status(session: Session, task_id: Any) -> str:
    from services.viceværtsopgaver.task.models import Task

    session.expire_all()
    task = session.get(Task, uuid.UUID(str(task_id)))
    assert task is not None
    return task.status


def test_a_change_the_server_refuses_is_shown_in_danish_on_the_task(
    session: Session,
    run_tasks: Callable[[], int],
    web: Web,
) -> None:
    task, bp = _task_open_on_the_phone(session, run_tasks, web)
    page = bp.page

    page.context.set_offline(True)
    page.get_by_role("button", name="På vej").click()
    count = page.locator("[data-vv-offline-count]")
    count.filter(has_text="1 ændring venter på forbindelse").wait_for()

    # Meanwhile the orderer cancels the task.
    cancelled = web.api(
        "best-amagerbro",
        SERVICE,
        f"/api/v1/tasks/{task.id}/cancellations",
        "POST",
        json={"reason": "Vi har selv fået det ordnet."},
    )
    assert cancelled.status_code == 201, cancelled.text

    page.context.set_offline(False)
    conflict = page.locator(f'[data-vv-conflicts] [data-vv-conflict="{task.id}"]')
    conflict.wait_for()
    text = conflict.inner_text()
    assert "Status ‘på vej’" in text
    # Either refused (the task is cancelled) or kept only in the history (a newer status stands): said in Danish.
    assert "annulleret" in text or "nyere status" in text
    page.wait_for_function("() => document.querySelector('[data-vv-offline-count]').textContent === ''")
    assert _status(session, task.id) == "annulleret"
    web.check_axe(bp, "task page with a refused offline change")

    # The message stays (also after a reload) until the caretaker removes it.
    page.reload()
    conflict.wait_for()
    conflict.get_by_role("button", name="Fjern besked").click()
    conflict.wait_for(state="detached")
    assert page.evaluate(f"() => JSON.parse(localStorage.getItem('{QUEUE_KEY}')).conflicts.length") == 0


# --- photos taken without coverage ------------------------------------------------------------------------------

PHOTO_INPUT = "[data-vv-status-form] [data-vv-photos]"
READ_PHOTOS = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open("vv-offline", 1);
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const all = open.result.transaction("photos").objectStore("photos").getAll();
    all.onsuccess = async () => resolve(await Promise.all(all.result.map(async (r) => ({
      key: r.key, user: r.user, update_id: r.update_id, kept_at: r.kept_at, type: r.type, size: r.size,
      is_blob: r.blob instanceof Blob, bytes: Array.from(new Uint8Array(await r.blob.arrayBuffer())),
    }))));
  };
})"""


def _png(colour: str) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (120, 90), colour).save(out, "PNG")
    return out.getvalue()


def _lose_first_answer(page: Any, path: str) -> list[int]:
    """The first request to `path` reaches the server, but its answer never reaches the phone (as when the
    coverage goes again right after sending). Returns the statuses the server gave, for the test to check."""
    served: list[int] = []

    def handle(route: Any) -> None:
        if served:
            route.continue_()
            return
        response = route.fetch()
        served.append(response.status)
        route.abort("connectionreset")

    page.route(f"**{path}", handle)
    return served


def test_a_photo_taken_offline_waits_on_the_phone_and_reaches_the_server_once(
    session: Session,
    run_tasks: Callable[[], int],
    web: Web,
) -> None:
    from services.viceværtsopgaver.common.files import clean_photo
    from services.viceværtsopgaver.task.models import StatusChange, TaskPhoto

    task, bp = _task_open_on_the_phone(session, run_tasks, web)
    page = bp.page
    count = page.locator("[data-vv-offline-count]")
    picture = _png("orange")

    page.context.set_offline(True)
    count.filter(has_text="Du er uden forbindelse").wait_for()
    page.get_by_label("Note til bestiller og teamleder").fill("Billede af den utætte hane.")
    page.set_input_files(PHOTO_INPUT, files=[{"name": "hane.png", "mimeType": "image/png", "buffer": picture}])
    page.get_by_role("button", name="På vej").click()
    count.filter(has_text="1 ændring med 1 billede venter på forbindelse").wait_for()
    assert "Billedet sendes, når du er online igen." in count.inner_text()
    page.locator("#kk-status").filter(has_text="Billedet sendes, når du er online igen").wait_for()
    waiting = page.locator('[data-vv-history] [data-status-change="paa_vej"]').filter(has_text="Venter på forbindelse")
    waiting.filter(has_text="1 billede").wait_for()
    assert page.locator(PHOTO_INPUT).evaluate("input => input.files.length") == 0  # the form is ready again

    # On the phone: the report in the queue names the photo; the photo itself is a Blob in IndexedDB with its own
    # key and time.
    (queued,) = page.evaluate(f"() => JSON.parse(localStorage.getItem('{QUEUE_KEY}')).queue")
    (kept,) = page.evaluate(READ_PHOTOS)
    assert queued["kind"] == "status" and queued["photo_ids"] == []
    assert [p["key"] for p in queued["photos"]] == [kept["key"]] and queued["photos"][0]["id"] is None
    assert kept["is_blob"] and bytes(kept["bytes"]) == picture and kept["type"] == "image/png"
    assert kept["user"] == "vv-lars" and kept["update_id"] == queued["id"] and kept["size"] == len(picture)
    assert _when(kept["kept_at"]) >= _when(queued["occurred_at"])

    # It survives a reload without coverage.
    page.reload()
    page.locator("[data-vv-task]").wait_for(state="visible")
    count.filter(has_text="1 ændring med 1 billede venter på forbindelse").wait_for()
    assert count.get_attribute("data-vv-pending-photos") == "1"
    web.check_axe(bp, "task page offline with a photo waiting")
    assert _status(session, task.id) == "tildelt"

    # Coverage again, but the first answers to the upload and to the report are lost on the way back: the
    # queue tries again with the same keys, and the server gives the same photo and the same report.
    photo_answers = _lose_first_answer(page, "/api/v1/photos")
    sync_answers = _lose_first_answer(page, "/api/v1/sync/status-changes")
    page.context.set_offline(False)
    # Each lost answer stops the send until the next try (on its own every 30 s; here at once).
    for _ in range(6):
        if page.evaluate(f"() => JSON.parse(localStorage.getItem('{QUEUE_KEY}')).queue.length") == 0:
            break
        page.evaluate("() => VV.offline.flush()")
    page.wait_for_function("() => document.querySelector('[data-vv-offline-count]').textContent === ''")
    page.locator('[data-vv-history] [data-status-change="paa_vej"]').filter(has_text="1 billede").wait_for()
    # One answer of each was lost. (Seldom the photo's first answer is already a 200: with the page's service
    # worker in between, Chromium may have delivered the request once before the route fetched it. Either way
    # the key gives one photo.)
    assert len(photo_answers) == 1 and photo_answers[0] in (200, 201) and sync_answers == [200]
    uploads = [u for u in bp.request_urls if u.endswith("/api/v1/photos")]
    assert len(uploads) >= 2  # the lost one and the retry

    session.expire_all()
    changes = session.scalars(
        select(StatusChange).where(StatusChange.task_id == task.id, StatusChange.status == "paa_vej")
    ).all()
    assert len(changes) == 1
    change = changes[0]
    assert change.client_update_id == queued["id"] and change.outcome == "applied"
    assert change.occurred_at == _when(queued["occurred_at"]) and change.note == "Billede af den utætte hane."
    photos = session.scalars(select(TaskPhoto).where(TaskPhoto.uploaded_by_sub == "vv-lars")).all()
    assert len(photos) == 1
    (photo,) = photos
    assert photo.status_change_id == change.id and photo.task_id == task.id
    assert photo.content_type == "image/png" and photo.data == clean_photo(picture).data
    assert page.evaluate(READ_PHOTOS) == []  # the Blob is gone from the phone once the server has the report

    # A further send finds nothing to send, and nothing is doubled.
    assert page.evaluate("() => VV.offline.flush()") == 0
    session.expire_all()
    assert len(session.scalars(select(TaskPhoto).where(TaskPhoto.uploaded_by_sub == "vv-lars")).all()) == 1
    assert (
        len(
            session.scalars(
                select(StatusChange).where(StatusChange.task_id == task.id, StatusChange.status == "paa_vej")
            ).all()
        )
        == 1
    )


def test_a_photo_the_phone_or_the_server_refuses_is_said_in_danish_and_never_dropped_silently(
    session: Session,
    run_tasks: Callable[[], int],
    web: Web,
) -> None:
    from services.viceværtsopgaver.task.models import StatusChange, TaskPhoto

    task, bp = _task_open_on_the_phone(session, run_tasks, web)
    page = bp.page
    count = page.locator("[data-vv-offline-count]")
    error = page.locator("#f-photos-error")
    page.context.set_offline(True)
    count.filter(has_text="Du er uden forbindelse").wait_for()

    # Refused on the phone, before anything is kept: too large, and not a picture at all (whatever its name).
    too_big = b"\x89PNG\r\n\x1a\n" + b"\0" * (10 * 1024 * 1024)
    page.set_input_files(PHOTO_INPUT, files=[{"name": "stort.png", "mimeType": "image/png", "buffer": too_big}])
    page.get_by_role("button", name="På vej").click()
    error.filter(has_text="Billede 1 (stort.png): Billedet er for stort; det må højst fylde 10 MB.").wait_for()
    page.set_input_files(
        PHOTO_INPUT, files=[{"name": "hane.jpg", "mimeType": "image/jpeg", "buffer": b"ikke et billede"}]
    )
    page.get_by_role("button", name="På vej").click()
    error.filter(has_text="Filen er ikke et billede. Billedet skal være JPEG, PNG eller WebP.").wait_for()
    web.check_axe(bp, "photo refused on the phone")
    assert count.get_attribute("data-vv-pending") == "0"
    assert page.evaluate(f"() => (JSON.parse(localStorage.getItem('{QUEUE_KEY}') || '{{}}').queue || []).length") == 0
    assert page.evaluate(READ_PHOTOS) == []

    # Looks like a PNG to the phone, but the server cannot read it: kept, sent, refused – and said so.
    broken = b"\x89PNG\r\n\x1a\n" + b"ikke et rigtigt billede"
    page.set_input_files(PHOTO_INPUT, files=[{"name": "hane.png", "mimeType": "image/png", "buffer": broken}])
    page.get_by_role("button", name="På vej").click()
    count.filter(has_text="1 ændring med 1 billede venter på forbindelse").wait_for()
    page.context.set_offline(False)
    conflict = page.locator(f'[data-vv-conflicts] [data-vv-conflict="{task.id}"]')
    conflict.wait_for()
    text = conflict.inner_text()
    assert "Billede til status ‘på vej’" in text
    assert (
        "Billedet blev afvist" in text and "JPEG, PNG eller WebP" in text and "Statusen er sendt uden billedet." in text
    )
    page.wait_for_function("() => document.querySelector('[data-vv-offline-count]').textContent === ''")
    page.locator("#kk-status").filter(has_text="Se beskeden").wait_for()
    web.check_axe(bp, "task page with a photo the server refused")
    session.expire_all()
    (change,) = session.scalars(
        select(StatusChange).where(StatusChange.task_id == task.id, StatusChange.status == "paa_vej")
    ).all()
    assert change.outcome == "applied"
    assert session.scalars(select(TaskPhoto).where(TaskPhoto.uploaded_by_sub == "vv-lars")).all() == []
    assert page.evaluate(READ_PHOTOS) == []
