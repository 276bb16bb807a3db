"""Ordering: bad input gives a clear Danish problem+json and changes nothing; orderers see only their own tasks."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import func, select
from vv_helpers import jpeg_with_gps, png_bytes


def _tasks() -> int:
    from services.viceværtsopgaver.task.models import Task
    from shared.db import session_scope

    with session_scope() as s:
        return int(s.scalar(select(func.count()).select_from(Task)) or 0)


def _problem(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    if code is not None:
        assert body["type"].endswith("/" + code), body
    return body


def test_unknown_building_and_type_are_field_errors(api, h, world):
    body = {"building_id": str(uuid.uuid4()), "task_type_id": str(world["type:vandhane"]), "description": "Drypper."}
    problem = _problem(api.post("/api/v1/tasks", json=body, headers=h("best-amagerbro")), 422)
    assert problem["errors"] == [{"field": "/building_id", "code": "not_found", "message": "Bygningen findes ikke."}]
    body = {"building_id": str(world["school"]), "task_type_id": str(uuid.uuid4()), "description": "Drypper."}
    problem = _problem(api.post("/api/v1/tasks", json=body, headers=h("best-amagerbro")), 422)
    assert problem["errors"][0]["field"] == "/task_type_id"
    # Missing location and too short a description: pydantic errors in Danish.
    problem = _problem(
        api.post(
            "/api/v1/tasks",
            json={"task_type_id": str(world["type:vandhane"]), "description": "x"},
            headers=h("best-amagerbro"),
        ),
        422,
    )
    assert "Angiv bygningen eller scan QR-koden" in problem["errors"][0]["message"]
    problem = _problem(
        api.post(
            "/api/v1/tasks",
            json={"building_id": "nej", "priority": "meget", "description": "ok ok"},
            headers=h("best-amagerbro"),
        ),
        422,
    )
    fields = {e["field"]: e["message"] for e in problem["errors"]}
    assert fields["/building_id"] == "Skal være et gyldigt id (UUID)."
    assert fields["/task_type_id"] == "Feltet skal udfyldes."
    assert fields["/priority"].startswith("Ugyldig værdi")
    assert _tasks() == 0


def test_task_type_without_any_qualified_caretaker_is_refused(api, h, world):
    from services.viceværtsopgaver.registry.models import Skill, TaskType
    from shared.db import session_scope

    with session_scope() as s:
        s.add(Skill(code="sikring", name="Sikringsanlæg"))
        s.flush()
        s.add(TaskType(code="sikring", name="ABA-anlæg", required_skills=["sikring"], expected_minutes=60))
    with session_scope() as s:
        type_id = s.scalar(select(TaskType.id).where(TaskType.code == "sikring"))
    body = {"building_id": str(world["school"]), "task_type_id": str(type_id), "description": "Brandalarmen bipper."}
    problem = _problem(api.post("/api/v1/tasks", json=body, headers=h("best-amagerbro")), 422, "no_qualified_caretaker")
    assert problem["errors"][0]["field"] == "/task_type_id"
    assert "Sikringsanlæg" in problem["errors"][0]["message"]
    assert _tasks() == 0


def test_orderers_order_and_see_only_their_own_institution(api, h, world, order):
    mine = order("vandhane", building="school", user="best-amagerbro")
    theirs = order("vandhane", building="sol", user="best-solsikken")
    # Ordering for another institution's building is refused.
    body = {"building_id": str(world["sol"]), "task_type_id": str(world["type:vandhane"]), "description": "Drypper."}
    problem = _problem(api.post("/api/v1/tasks", json=body, headers=h("best-amagerbro")), 422, "building_not_yours")
    assert problem["errors"][0]["field"] == "/building_id"
    listed = api.get("/api/v1/tasks", headers=h("best-amagerbro")).json()["items"]
    assert [t["id"] for t in listed] == [mine["id"]]
    assert api.get(f"/api/v1/tasks/{theirs['id']}", headers=h("best-amagerbro")).status_code == 404
    assert api.get(f"/api/v1/tasks/{theirs['id']}/status-changes", headers=h("best-amagerbro")).status_code == 404
    own = api.get(f"/api/v1/tasks/{mine['id']}", headers=h("best-amagerbro")).json()
    assert own["assignments"] is None and own["time_entries"] is None  # no dispatch internals for orderers
    # Buildings: only the institution's own.
    buildings = api.get("/api/v1/buildings", headers=h("best-amagerbro")).json()["items"]
    assert {b["id"] for b in buildings} == {str(world["school"]), str(world["gym"])}
    assert api.get(f"/api/v1/buildings/{world['sol']}", headers=h("best-amagerbro")).status_code == 404
    # Service desk sees both; caretakers no list of others' tasks.
    assert len(api.get("/api/v1/tasks", headers=h("sd-keid")).json()["items"]) == 2


def test_qr_tokens_forged_expired_revoked_and_unknown(api, h, world):
    from services.viceværtsopgaver.qr import service as qr
    from shared.db import utcnow

    code = api.post(f"/api/v1/buildings/{world['school']}/qr-codes", json={}, headers=h("sd-keid")).json()
    token = code["token"]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    _problem(api.post("/api/v1/qr-scans", json={"token": forged}, headers=h("best-amagerbro")), 422, "qr_token_invalid")
    _problem(
        api.post("/api/v1/qr-scans", json={"token": "v1.bm90LWEtdG9rZW4"}, headers=h("best-amagerbro")),
        422,
        "qr_token_invalid",
    )
    _problem(
        api.post("/api/v1/qr-scans", json={"token": str(world["school"])}, headers=h("best-amagerbro")),
        422,
        "qr_token_invalid",
    )
    # A correctly signed token that was never issued.
    unknown = qr.make_token(nonce=b"\x01" * 12, expires_at=None)
    _problem(
        api.post("/api/v1/qr-scans", json={"token": unknown}, headers=h("best-amagerbro")), 404, "qr_token_unknown"
    )
    # An expired one (signed with an expiry in the past).
    expired = qr.make_token(nonce=b"\x02" * 12, expires_at=utcnow() - timedelta(minutes=5))
    _problem(
        api.post("/api/v1/qr-scans", json={"token": expired}, headers=h("best-amagerbro")), 410, "qr_token_expired"
    )
    # Revoked: scans are refused from then on.
    assert api.post(f"/api/v1/qr-codes/{code['id']}/revocations", headers=h("sd-keid")).status_code == 201
    _problem(api.post("/api/v1/qr-scans", json={"token": token}, headers=h("best-amagerbro")), 410, "qr_token_revoked")
    # An expiring code works until it expires.
    later = api.post(
        f"/api/v1/buildings/{world['school']}/qr-codes",
        json={"expires_at": (utcnow() + timedelta(days=30)).isoformat()},
        headers=h("sd-keid"),
    ).json()
    assert api.post("/api/v1/qr-scans", json={"token": later["token"]}, headers=h("best-amagerbro")).status_code == 201
    assert _tasks() == 0


def test_scan_from_another_institution_cannot_order(api, h, world):
    code = api.post(f"/api/v1/buildings/{world['sol']}/qr-codes", json={}, headers=h("sd-keid")).json()
    scan = api.post("/api/v1/qr-scans", json={"token": code["token"]}, headers=h("best-amagerbro")).json()
    assert scan["may_order"] is False and "servicedesk" in scan["order_hint"]
    body = {"qr_scan_id": scan["scan_id"], "task_type_id": str(world["type:vandhane"]), "description": "Drypper."}
    _problem(api.post("/api/v1/tasks", json=body, headers=h("best-amagerbro")), 422, "building_not_yours")
    # Someone else's scan cannot be used.
    body = {"qr_scan_id": scan["scan_id"], "task_type_id": str(world["type:vandhane"]), "description": "Drypper."}
    problem = _problem(api.post("/api/v1/tasks", json=body, headers=h("best-solsikken")), 422)
    assert problem["errors"][0]["field"] == "/qr_scan_id"
    assert _tasks() == 0


def test_qr_images_png_and_svg(api, h, world):
    code = api.post(
        f"/api/v1/buildings/{world['school']}/qr-codes",
        json={"label": "Amagerbro Skole – hovedindgang"},
        headers=h("sd-keid"),
    ).json()
    png = api.get(code["image_png_url"], headers=h("best-amagerbro"))
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    from io import BytesIO

    from PIL import Image

    with Image.open(BytesIO(png.content)) as image:
        assert image.width >= 250 and image.height > image.width
    svg = api.get(code["image_svg_url"], headers=h("best-amagerbro"))
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert "<path" in svg.text and "Amagerbro Skole – hovedindgang" in svg.text
    # Another institution's orderer cannot fetch this building's codes.
    assert api.get(code["image_png_url"], headers=h("best-solsikken")).status_code == 404


def test_photos_checked_cleaned_and_attached(api, h, world, order):
    too_big = b"\xff\xd8" + b"0" * (10 * 1024 * 1024 + 10)
    _problem(
        api.post("/api/v1/photos", files={"file": ("big.jpg", too_big, "image/jpeg")}, headers=h("best-amagerbro")),
        413,
        "file_too_large",
    )
    _problem(
        api.post(
            "/api/v1/photos",
            files={"file": ("x.jpg", b"%PDF-1.4 not an image", "image/jpeg")},
            headers=h("best-amagerbro"),
        ),
        422,
        "unsupported_image",
    )
    _problem(
        api.post("/api/v1/photos", files={"file": ("x.gif", b"GIF89a....", "image/gif")}, headers=h("best-amagerbro")),
        422,
    )
    uploaded = api.post(
        "/api/v1/photos", files={"file": ("tap.jpg", jpeg_with_gps(), "image/jpeg")}, headers=h("best-amagerbro")
    )
    assert uploaded.status_code == 201, uploaded.text
    photo = uploaded.json()
    stored = api.get(photo["url"], headers=h("best-amagerbro")).content
    from io import BytesIO

    from PIL import Image

    with Image.open(BytesIO(stored)) as image:
        assert not image.getexif()  # GPS and device data removed
    # Another orderer cannot use or see it.
    body = {
        "building_id": str(world["sol"]),
        "task_type_id": str(world["type:vandhane"]),
        "description": "Drypper.",
        "photo_ids": [photo["id"]],
    }
    problem = _problem(api.post("/api/v1/tasks", json=body, headers=h("best-solsikken")), 422)
    assert problem["errors"][0]["field"] == "/photo_ids/0"
    assert api.get(photo["url"], headers=h("best-solsikken")).status_code == 404
    task = order("vandhane", photo_ids=[photo["id"]])
    detail = api.get(f"/api/v1/tasks/{task['id']}", headers=h("vv-lars")).json()
    assert [p["id"] for p in detail["photos"]] == [photo["id"]]
    assert api.get(photo["url"], headers=h("vv-lars")).status_code == 200  # the assignee sees it
    # A photo already used cannot be attached to a second task.
    problem = _problem(
        api.post(
            "/api/v1/tasks",
            json={
                "building_id": str(world["school"]),
                "task_type_id": str(world["type:vandhane"]),
                "description": "Igen.",
                "photo_ids": [photo["id"]],
            },
            headers=h("best-amagerbro"),
        ),
        422,
    )
    assert problem["errors"][0]["code"] == "photo_in_use"
    png = api.post(
        f"/api/v1/tasks/{task['id']}/photos", files={"file": ("a.png", png_bytes(), "image/png")}, headers=h("vv-lars")
    )
    assert png.status_code == 201 and png.json()["content_type"] == "image/png"


def test_idempotency_key_reuse_with_other_body_is_refused(api, h, world):
    headers = {**h("best-amagerbro"), "Idempotency-Key": "k-1"}
    body = {"building_id": str(world["school"]), "task_type_id": str(world["type:vandhane"]), "description": "Drypper."}
    first = api.post("/api/v1/tasks", json=body, headers=headers)
    assert first.status_code == 201
    again = api.post("/api/v1/tasks", json=body, headers=headers)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    other = api.post("/api/v1/tasks", json={**body, "description": "Noget andet."}, headers=headers)
    _problem(other, 422, "idempotency_key_reused")
    assert _tasks() == 1


def test_roles_and_authentication(api, h, world):
    body = {"building_id": str(world["school"]), "task_type_id": str(world["type:vandhane"]), "description": "Drypper."}
    _problem(api.post("/api/v1/tasks", json=body), 401)
    _problem(api.post("/api/v1/tasks", json=body, headers=h("vv-lars")), 403)
    _problem(api.get("/api/v1/board", headers=h("best-amagerbro")), 403)
    _problem(api.post("/api/v1/buildings", json={}, headers=h("best-amagerbro")), 403)
    _problem(api.get("/api/v1/kasa/sync-state", headers=h("tl-susanne")), 403)
    # A bestiller whose institution is not registered gets a clear 403.
    from shared.auth.tokens import mint_token

    token = mint_token(
        sub="best-x", roles=["bestiller"], audience="kk:vicevaert", attributes={"institution_code": "NOPE-1"}
    )
    _problem(
        api.post("/api/v1/tasks", json=body, headers={"Authorization": f"Bearer {token}"}), 403, "unknown_institution"
    )


def test_cancellation_by_orderer_tells_the_caretaker(api, h, world, order, run_tasks):
    task = order("vandhane")
    response = api.post(
        f"/api/v1/tasks/{task['id']}/cancellations",
        json={"reason": "Fejlen var en misforståelse."},
        headers=h("best-amagerbro"),
    )
    assert response.status_code == 201 and response.json()["status"] == "annulleret"
    run_tasks()
    inbox = api.get("/api/v1/me/notifications", headers=h("vv-lars")).json()["items"]
    assert any(n["kind"] == "cancelled" and "misforståelse" in n["body"] for n in inbox)
    again = api.post(f"/api/v1/tasks/{task['id']}/cancellations", json={"reason": "Igen."}, headers=h("best-amagerbro"))
    _problem(again, 409, "invalid_transition")
    # Another institution cannot cancel it.
    other = order("vandhane", building="sol", user="best-solsikken")
    _problem(
        api.post(f"/api/v1/tasks/{other['id']}/cancellations", json={"reason": "Nej nej"}, headers=h("best-amagerbro")),
        404,
    )


def test_notification_settings_upsert(api, h, world):
    first = api.put(
        "/api/v1/me/notification-settings",
        json={"phone": "20 11 22 33", "email": "ole@solsikken.kk.dk"},
        headers=h("best-solsikken"),
    )
    assert first.status_code == 200 and first.json()["phone"] == "+4520112233"
    second = api.put(
        "/api/v1/me/notification-settings",
        json={"phone": "+45 20112244", "notify_sms": False},
        headers=h("best-solsikken"),
    )
    assert second.status_code == 200 and second.json() == {
        "phone": "+4520112244",
        "email": None,
        "notify_sms": False,
        "notify_email": True,
    }
    bad = api.put(
        "/api/v1/me/notification-settings", json={"phone": "123", "email": "nej"}, headers=h("best-solsikken")
    )
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"/phone", "/email"}
    assert api.get("/api/v1/me/notification-settings", headers=h("best-solsikken")).json()["phone"] == "+4520112244"
