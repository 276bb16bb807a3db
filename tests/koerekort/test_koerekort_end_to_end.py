"""End to end on PostgreSQL: citizen starts and signs → doctor drafts, sees errors, fixes, submits →
Borgerservice requests information → doctor answers and resubmits → approved → the citizen's status,
timeline and notifications match, and every state change is recorded with who and when."""

from __future__ import annotations

from sqlalchemy import LargeBinary, select, type_coerce

from services.koerekort.models import (
    Application,
    Certificate,
    Notification,
    SimulatedAuthorityReceipt,
    StatusChange,
    Submission,
)
from shared import cpr as cpr_utils
from shared.audit.models import AuditEvent
from shared.notifications.models import SimulatedLetter, SimulatedSms
from tests.koerekort.conftest import METTE_CPR, del_a, doctor_parts


def test_citizen_to_doctor_to_borgerservice_and_back(flow, hansen, karin, run_tasks, db_session) -> None:
    f = flow(METTE_CPR)

    # 1. The citizen starts; the own GP (Hansen) is proposed but must be confirmed before signing.
    started = f.start(categories=["C"], acquisition_type="renewal_group2")
    assert started["status"] == "draft" and started["licence_group"] == "2"
    assert started["own_gp"]["authorisation_id"] == "0A1B2" and started["doctor_confirmed"] is False

    # Del A with a missing answer: saved as a draft, all errors back at once with field paths.
    incomplete = del_a(["C"], diabetes=True)
    del incomplete["health"]["sleep"]
    del incomplete["remarks"]
    saved = f.fill_del_a(incomplete)
    fields = {e["field"]: e["code"] for e in saved["validation"]["errors"]}
    assert fields == {"/del_a/health/sleep": "required", "/del_a/remarks": "citizen_yes_needs_remarks"}
    refused = f.client.post(
        f"/api/v1/applications/{f.application_id}/signatures", json={"confirm": True}, headers=f.citizen
    )
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json()["errors"]} == {"/del_a/health/sleep", "/del_a/remarks", "/doctor"}

    f.fill_del_a(del_a(["C"], diabetes=True))
    f.choose_doctor("0A1B2")
    signature = f.sign()
    assert len(signature["content_sha256"]) == 64

    # 2. The doctor sees it, drafts with errors, gets them all, fixes and submits.
    listed = f.client.get("/api/v1/certificates", headers=hansen).json()["items"]
    assert [item["certificate_id"] for item in listed] == [f.certificate_id]
    assert listed[0]["citizen_cpr_masked"] == "150285-****"
    parts = doctor_parts(["C"])
    parts["del_b"]["diabetes"] = {
        "present": True,
        "hypoglycaemia_risk_medication": True,
        "severe_hypoglycaemia_12m": False,
        "unstable_or_complications": False,
    }
    parts["del_b"]["vision"]["acuity_left"] = "6/6"
    draft = f.draft(hansen, parts)
    assert draft.status_code == 200
    errors = {e["code"] for e in draft.json()["validation"]["errors"]}
    assert {
        "invalid_type",
        "yes_needs_supplementary",
        "yes_needs_complete_conclusion",
        "citizen_yes_needs_doctor_comment",
        "diabetes_certificate_missing",
    } <= errors
    blocked = f.submit(hansen, key="submit-first-try")
    assert blocked.status_code == 422
    assert blocked.json()["type"].endswith("certificate_invalid")
    assert db_session.scalar(select(Submission).where(Submission.certificate_id == f.certificate_id)) is None

    parts["del_b"]["vision"]["acuity_left"] = 0.9
    parts["supplementary"] = {"text": "Type 1-diabetes, insulinbehandlet, velreguleret."}
    parts["conclusion"] = {
        "result": "time_limited",
        "categories": ["C"],
        "assessment": "Velreguleret diabetes; fornyet vurdering om 3 år.",
        "valid_until": "2029-11-01",
    }
    pdf = b"%PDF-1.4\n% diabeteserklaering\n%%EOF\n"
    uploaded = f.client.post(
        f"/api/v1/certificates/{f.certificate_id}/attachments",
        headers=hansen,
        data={"kind": "diabetes_certificate", "description": "Diabeteserklæring"},
        files={"file": ("diabetes.pdf", pdf, "application/pdf")},
    )
    assert uploaded.status_code == 201, uploaded.text
    draft = f.draft(hansen, parts)
    assert draft.json()["validation"]["valid"] is True, draft.json()["validation"]
    first = f.submit(hansen, key="submit-0001-abcdef")
    assert first.status_code == 201, first.text
    again = f.submit(hansen, key="submit-0001-abcdef")  # a retried request: same submission, nothing new
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]

    # 3. Borgerservice takes it and asks the doctor for more (the citizen is not involved).
    inbox = f.client.get("/api/v1/certificates", headers=karin).json()["items"]
    assert [item["certificate_id"] for item in inbox] == [f.certificate_id]
    assert f.client.post(f"/api/v1/certificates/{f.certificate_id}/assignments", headers=karin).status_code == 201
    asked = f.client.post(
        f"/api/v1/certificates/{f.certificate_id}/information-requests",
        json={"message": "Angiv seneste HbA1c og om der har været føling.", "fields": ["/supplementary/text"]},
        headers=karin,
    )
    assert asked.status_code == 201, asked.text
    request_id = asked.json()["id"]
    assert f.status()["status"] == "information_requested"
    early = f.client.post(f"/api/v1/certificates/{f.certificate_id}/approvals", headers=karin)
    assert early.status_code == 409

    # 4. The doctor sees the request, answers, corrects and resubmits.
    mine = f.client.get(f"/api/v1/certificates/{f.certificate_id}", headers=hansen).json()
    assert mine["information_requests"][0]["open"] is True
    not_yet = f.submit(hansen, key="submit-0002-abcdef")
    assert not_yet.status_code == 409 and not_yet.json()["type"].endswith("information_request_unanswered")
    answered = f.client.post(
        f"/api/v1/certificates/{f.certificate_id}/information-requests/{request_id}/answers",
        json={"message": "HbA1c 52 mmol/mol; ingen føling det seneste år."},
        headers=hansen,
    )
    assert answered.status_code == 201
    parts["supplementary"]["text"] += " HbA1c 52 mmol/mol, ingen føling."
    assert f.draft(hansen, parts).status_code == 200
    second = f.submit(hansen, key="submit-0002-abcdef")
    assert second.status_code == 201 and second.json()["sequence"] == 2

    # 5. Borgerservice approves; forwarding to the licence authority happens through the queue.
    approved = f.client.post(f"/api/v1/certificates/{f.certificate_id}/approvals", headers=karin)
    assert approved.status_code == 201 and approved.json()["status"] == "approved"
    run_tasks()

    # The citizen's status and timeline.
    status = f.status()
    assert status["status"] == "approved"
    assert status["forwarded_at"] is not None
    steps = [(s["key"], s["state"]) for s in status["timeline"]]
    assert steps == [
        ("started", "done"),
        ("del_a_signed", "done"),
        ("with_doctor", "done"),
        ("submitted", "done"),
        ("at_borgerservice", "done"),
        ("information_requested", "done"),
        ("submitted", "done"),
        ("decided", "done"),
    ]
    assert status["timeline"][-1]["label"] == "Godkendt"

    # Every state change with who and when; one notification per change the citizen should hear about.
    application = db_session.get(Application, f.application_id)
    changes = list(
        db_session.scalars(
            select(StatusChange).where(StatusChange.application_id == application.id).order_by(StatusChange.occurred_at)
        )
    )
    assert [(c.to_status, c.actor_role) for c in changes] == [
        ("draft", "borger"),
        ("with_doctor", "borger"),
        ("submitted", "laege"),
        ("in_review", "borgerservice"),
        ("information_requested", "borgerservice"),
        ("submitted", "laege"),
        ("approved", "borgerservice"),
    ]
    assert changes[3].actor_sub == "bs-karin" and changes[2].actor_sub == "laege-hansen"
    sms = list(
        db_session.scalars(
            select(SimulatedSms)
            .where(SimulatedSms.recipient_pseudonym == cpr_utils.pseudonymise(METTE_CPR))
            .order_by(SimulatedSms.sent_at)
        )
    )
    assert [m.text.split(".")[0] for m in sms] == [
        "Vi har modtaget din del af lægeerklæringen til kørekort",
        "Din læge har sendt lægeerklæringen til Borgerservice",
        "Borgerservice er gået i gang med din lægeerklæring til kørekort",
        "Borgerservice har bedt din læge om flere oplysninger til lægeerklæringen",
        "Din læge har sendt lægeerklæringen til Borgerservice",
        "Din lægeerklæring til kørekort er godkendt og sendt videre",
    ]
    assert all(len(m.text) <= 160 and "diabetes" not in m.text.lower() for m in sms)
    notifications = list(db_session.scalars(select(Notification).where(Notification.application_id == application.id)))
    assert {n.channel for n in notifications} == {"sms"} and len(notifications) == 6
    assert db_session.scalars(select(SimulatedLetter)).all() == []

    # Forwarded once, with the conclusion but not the clinical details.
    receipt = db_session.scalars(select(SimulatedAuthorityReceipt)).one()
    assert receipt.payload["conclusion"]["result"] == "time_limited"
    assert "del_b" not in receipt.payload and application.authority_reference == receipt.reference

    # Plausibility ran on the submission; the certificate content is encrypted at rest.
    certificate = db_session.get(Certificate, f.certificate_id)
    assert certificate.plausibility["submission_sequence"] == 2
    raw = db_session.scalar(
        select(type_coerce(Certificate.__table__.c.doctor_part, LargeBinary())).where(
            Certificate.__table__.c.id == certificate.id
        )
    )
    assert raw.startswith(b"gAAAAA") and b"HbA1c" not in raw and b"diabetes" not in raw

    # Every read and write of the citizen's data is in the audit log, under the pseudonym only.
    actions = {
        (e.actor_sub, e.action)
        for e in db_session.scalars(
            select(AuditEvent).where(AuditEvent.citizen_pseudonym == cpr_utils.pseudonymise(METTE_CPR))
        )
    }
    assert {
        ("borger-1502851236", "certificate.del_a.sign"),
        ("laege-hansen", "certificate.list"),
        ("laege-hansen", "certificate.read"),
        ("laege-hansen", "certificate.submit"),
        ("bs-karin", "certificate.information_request"),
        ("bs-karin", "certificate.approve"),
        ("koerekort-worker", "certificate.forward"),
    } <= actions
