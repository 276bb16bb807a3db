"""Bad input and safety: each case is a clear error and nothing changes."""

from __future__ import annotations

import threading
import uuid

from sqlalchemy import func, select

from services.koerekort.models import Application, Certificate, Submission
from shared.audit.models import AuditEvent
from tests.koerekort.conftest import FATIMA_CPR, JONAS_CPR, METTE_CPR, citizen_headers, del_a, doctor_parts


def _count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def _problem(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    if code:
        assert body["type"].endswith(code), body
    return body


def test_invalid_cpr_is_refused_with_a_danish_field_error(kk, soren, system, db_session) -> None:
    response = kk.post(
        "/api/v1/applications",
        json={"acquisition_type": "first_licence", "categories": ["B"], "cpr": "3102991234"},
        headers=soren,
    )
    body = _problem(response, 422)
    assert body["errors"][0]["field"] == "/cpr" and body["errors"][0]["code"] == "invalid_cpr"
    assert "fødselsdato" in body["errors"][0]["message"]
    assert "3102991234" not in response.text
    _problem(kk.post("/api/v1/status-lookups", json={"cpr": "12345"}, headers=system), 422)
    assert _count(db_session, Application) == 0


def test_another_doctor_cannot_touch_the_certificate(flow, hansen, berg, db_session) -> None:
    f = flow().ready_for_doctor()
    assert f.draft(hansen, doctor_parts()).status_code == 200
    before = db_session.get(Certificate, f.certificate_id).version
    url = f"/api/v1/certificates/{f.certificate_id}"
    _problem(f.client.get(url, headers=berg), 404)
    _problem(f.client.put(f"{url}/draft", json=doctor_parts(), headers=berg), 404)
    _problem(f.client.post(f"{url}/submissions", headers=berg), 404)
    _problem(f.client.post(f"{url}/validations", json=doctor_parts(), headers=berg), 404)
    _problem(f.client.get(f"{url}/questionnaire-response", headers=berg), 404)
    _problem(
        f.client.post(
            f"{url}/attachments", headers=berg, data={"kind": "other"}, files={"file": ("a.pdf", b"%PDF-1.4")}
        ),
        404,
    )
    assert f.client.get("/api/v1/certificates", headers=berg).json()["items"] == []
    db_session.expire_all()
    assert db_session.get(Certificate, f.certificate_id).version == before
    assert _count(db_session, Submission) == 0


def test_the_doctor_sees_nothing_before_the_citizen_has_signed(flow, hansen) -> None:
    f = flow()
    f.start()
    f.fill_del_a()
    f.choose_doctor("0A1B2")
    _problem(f.client.get(f"/api/v1/certificates/{f.certificate_id}", headers=hansen), 404)
    assert f.client.get("/api/v1/certificates", headers=hansen).json()["items"] == []


def test_a_citizen_cannot_read_someone_elses_application(flow, db_session) -> None:
    f = flow(METTE_CPR).ready_for_doctor()
    other = citizen_headers(JONAS_CPR)
    for path in ("", "/del-a", "/certificate"):
        _problem(f.client.get(f"/api/v1/applications/{f.application_id}{path}", headers=other), 404)
    _problem(
        f.client.put(f"/api/v1/applications/{f.application_id}/del-a", json={"del_a": del_a()}, headers=other), 404
    )
    _problem(f.client.post(f"/api/v1/applications/{f.application_id}/withdrawals", headers=other), 404)
    assert f.client.get("/api/v1/applications", headers=other).json()["items"] == []
    # Certificates are not a citizen's resource at all.
    _problem(f.client.get(f"/api/v1/certificates/{f.certificate_id}", headers=other), 403)
    assert f.status()["status"] == "with_doctor"


def test_submitting_twice_never_creates_two(flow, hansen, db_session) -> None:
    f = flow().ready_for_doctor()
    assert f.draft(hansen, doctor_parts()).status_code == 200
    first = f.submit(hansen, key="same-key-123456")
    replay = f.submit(hansen, key="same-key-123456")
    assert first.status_code == 201 and replay.status_code == 200
    assert replay.headers["Idempotency-Replayed"] == "true" and replay.json() == first.json()
    _problem(f.submit(hansen, key="other-key-123456"), 409, "already_submitted")
    _problem(f.submit(hansen), 409, "already_submitted")
    assert _count(db_session, Submission) == 1


def test_concurrent_retries_of_one_submission_make_one(flow, hansen, db_session) -> None:
    from services.koerekort.certificates.flows import submit
    from shared.auth import AUDIENCES, verify_token
    from shared.db import session_scope

    f = flow().ready_for_doctor()
    assert f.draft(hansen, doctor_parts()).status_code == 200
    principal = verify_token(hansen["Authorization"].split()[1], audience=AUDIENCES["koerekort"])
    results: list[str] = []
    barrier = threading.Barrier(2)

    def attempt() -> None:
        barrier.wait()
        with session_scope() as session:
            submission, _created = submit(
                session,
                principal=principal,
                certificate_id=uuid.UUID(f.certificate_id),
                idempotency_key="racing-key-123456",
                if_match=None,
            )
            results.append(str(submission.id))

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 2 and results[0] == results[1]
    assert _count(db_session, Submission) == 1


def test_nothing_can_be_edited_after_submission(flow, hansen, db_session) -> None:
    f = flow().ready_for_doctor()
    f.submitted(hansen)
    version = db_session.get(Certificate, f.certificate_id).version
    changed = doctor_parts()
    changed["conclusion"]["result"] = "not_fit"
    _problem(f.draft(hansen, changed), 409, "certificate_locked")
    _problem(
        f.client.post(
            f"/api/v1/certificates/{f.certificate_id}/attachments",
            headers=hansen,
            data={"kind": "other"},
            files={"file": ("a.pdf", b"%PDF-1.4 x", "application/pdf")},
        ),
        409,
        "certificate_locked",
    )
    _problem(
        f.client.put(f"/api/v1/applications/{f.application_id}/del-a", json={"del_a": del_a()}, headers=f.citizen),
        409,
        "del_a_locked",
    )
    _problem(
        f.client.put(
            f"/api/v1/applications/{f.application_id}/doctor", json={"authorisation_id": "7C8D9"}, headers=f.citizen
        ),
        409,
        "doctor_locked",
    )
    db_session.expire_all()
    certificate = db_session.get(Certificate, f.certificate_id)
    assert certificate.version == version and certificate.doctor_part["conclusion"]["result"] == "fit"


def test_an_unknown_form_version_is_refused(flow, kk, hansen, db_session) -> None:
    f = flow().ready_for_doctor()
    old = doctor_parts()
    old["form_version"] = "2019.1"
    body = _problem(f.draft(hansen, old), 422)
    assert body["errors"][0] == {
        "field": "/form_version",
        "code": "unknown_form_version",
        "message": "Blanketversionen findes ikke.",
    }
    assert db_session.get(Certificate, f.certificate_id).doctor_part == {}
    start = kk.post(
        "/api/v1/applications",
        json={"acquisition_type": "first_licence", "categories": ["B"], "form_version": "2019.1"},
        headers=citizen_headers(FATIMA_CPR),
    )
    assert _problem(start, 422)["errors"][0]["code"] == "unknown_form_version"
    _problem(kk.get("/api/v1/forms/2019.1", headers=hansen), 404, "unknown_form_version")


def test_a_stale_write_is_refused_with_412(flow, hansen) -> None:
    f = flow().ready_for_doctor()
    first = f.draft(hansen, doctor_parts())
    etag = first.headers["ETag"]
    assert f.draft(hansen, doctor_parts(), **{"If-Match": etag}).status_code == 200
    _problem(f.draft(hansen, doctor_parts(), **{"If-Match": etag}), 412, "stale_version")


def test_instructor_starts_for_a_student_and_sees_status_only(kk, soren, hansen, run_tasks, db_session) -> None:
    created = kk.post(
        "/api/v1/applications",
        json={"acquisition_type": "first_licence", "categories": ["B"], "cpr": JONAS_CPR},
        headers={**soren, "Idempotency-Key": "instructor-0001"},
    )
    assert created.status_code == 201, created.text
    view = created.json()
    assert view["citizen_cpr_masked"] == "241104-****" and view["started_by_role"] == "koerelaerer"
    assert view["certificate_id"] is None and view["doctor"] is None and view["payment"] is None
    retry = kk.post(
        "/api/v1/applications",
        json={"acquisition_type": "first_licence", "categories": ["B"], "cpr": JONAS_CPR},
        headers={**soren, "Idempotency-Key": "instructor-0001"},
    )
    assert retry.status_code == 200 and retry.json()["id"] == view["id"]
    assert _count(db_session, Application) == 1

    # The student finds it, fills in del A and signs; the instructor follows the status only.
    jonas = citizen_headers(JONAS_CPR)
    mine = kk.get("/api/v1/applications", headers=jonas).json()["items"]
    assert [a["id"] for a in mine] == [view["id"]]
    certificate_id = kk.get(f"/api/v1/applications/{view['id']}", headers=jonas).json()["certificate_id"]
    kk.put(f"/api/v1/applications/{view['id']}/del-a", json={"del_a": del_a()}, headers=jonas)
    kk.put(f"/api/v1/applications/{view['id']}/doctor", json={"authorisation_id": "0A1B2"}, headers=jonas)
    assert (
        kk.post(f"/api/v1/applications/{view['id']}/signatures", json={"confirm": True}, headers=jonas).status_code
        == 201
    )
    status = kk.get(f"/api/v1/applications/{view['id']}", headers=soren).json()
    assert status["status"] == "with_doctor" and status["timeline"][-1]["state"] == "pending"
    assert status["certificate_id"] is None
    _problem(kk.get(f"/api/v1/applications/{view['id']}/del-a", headers=soren), 403)
    _problem(kk.get(f"/api/v1/applications/{view['id']}/certificate", headers=soren), 403)
    _problem(kk.get(f"/api/v1/certificates/{certificate_id}", headers=soren), 403)
    _problem(kk.get("/api/v1/certificates", headers=soren), 403)
    listed = kk.get("/api/v1/applications", headers=soren).json()["items"]
    assert ([a["status"] for a in listed] == ["with_doctor"] and "doctor" not in listed[0]) or listed[0][
        "doctor"
    ] is None

    # The citizen was told an instructor started it (SMS without health data).
    run_tasks()
    from shared.notifications.models import SimulatedSms

    texts = [m.text for m in db_session.scalars(select(SimulatedSms).order_by(SimulatedSms.sent_at))]
    assert texts[0].startswith("Din kørelærer har oprettet en ansøgning")
    reads = db_session.scalars(select(AuditEvent).where(AuditEvent.actor_sub == "kl-soren")).all()
    assert {e.action for e in reads} >= {"application.create", "application.read", "application.status.read"}


def test_one_open_application_per_citizen_and_certificate_only_when_needed(flow, kk) -> None:
    f = flow(FATIMA_CPR)
    f.start()
    again = kk.post(
        "/api/v1/applications", json={"acquisition_type": "first_licence", "categories": ["B"]}, headers=f.citizen
    )
    assert _problem(again, 409, "active_application_exists")["application_id"] == f.application_id
    renewal = kk.post(
        "/api/v1/applications",
        json={"acquisition_type": "renewal_group1", "categories": ["B"]},
        headers=citizen_headers(JONAS_CPR),
    )
    assert _problem(renewal, 422)["errors"][0]["code"] == "certificate_not_required"
    unknown = kk.post(
        "/api/v1/applications",
        json={"acquisition_type": "first_licence", "categories": ["Q"]},
        headers=citizen_headers(JONAS_CPR),
    )
    assert _problem(unknown, 422)["errors"][0]["field"] == "/categories"


def test_borgerservice_sees_nothing_before_the_doctor_submits(flow, karin, hansen) -> None:
    f = flow().ready_for_doctor()
    f.draft(hansen, doctor_parts())
    _problem(f.client.get(f"/api/v1/certificates/{f.certificate_id}", headers=karin), 404)
    assert f.client.get("/api/v1/certificates", headers=karin).json()["items"] == []
    f.submit(hansen, key="submit-abc-123456")
    assert f.client.get(f"/api/v1/certificates/{f.certificate_id}", headers=karin).status_code == 200


def test_borgerservice_cannot_approve_a_not_fit_conclusion_but_can_return_it(
    flow, hansen, karin, run_tasks, db_session
) -> None:
    f = flow().ready_for_doctor()
    parts = doctor_parts()
    parts["del_b"]["mental"]["illness"] = True
    parts["supplementary"] = {"text": "Ubehandlet psykose."}
    parts["conclusion"] = {"result": "not_fit", "categories": ["B"], "assessment": "Uegnet for nuværende."}
    f.submitted(hansen, parts)
    _problem(
        f.client.post(f"/api/v1/certificates/{f.certificate_id}/approvals", headers=karin), 409, "conclusion_not_fit"
    )
    short = f.client.post(f"/api/v1/certificates/{f.certificate_id}/returns", json={"reason": "kort"}, headers=karin)
    assert _problem(short, 422)["errors"][0]["field"] == "/reason"
    returned = f.client.post(
        f"/api/v1/certificates/{f.certificate_id}/returns",
        json={"reason": "Lægen vurderer, at du ikke opfylder helbredskravene lige nu."},
        headers=karin,
    )
    assert returned.status_code == 201 and returned.json()["status"] == "returned"
    run_tasks()
    from shared.notifications.models import SimulatedLetter

    letter = db_session.scalars(select(SimulatedLetter)).one()
    assert "ikke opfylder helbredskravene" in letter.body and letter.sender_service == "koerekort"
    assert f.status()["timeline"][-1]["label"] == "Returneret"
