"""Attachments (type, size, encryption, audited reads) and application-level encryption with key rotation."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import LargeBinary, select, type_coerce

from services.koerekort.models import Application, Attachment, Certificate, Submission
from shared.audit.models import AuditEvent
from shared.settings import get_settings
from tests.koerekort.conftest import doctor_parts

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\nspeciallaegeerklaering oejenlaege\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _upload(f, doctor, content: bytes, *, kind="specialist_statement", name="erklaering.pdf", ctype="application/pdf"):
    return f.client.post(
        f"/api/v1/certificates/{f.certificate_id}/attachments",
        headers=doctor,
        data={"kind": kind, "description": "Øjenlægens erklæring"},
        files={"file": (name, content, ctype)},
    )


def test_a_pdf_is_stored_encrypted_signed_and_readable_by_borgerservice(flow, hansen, karin, db_session) -> None:
    f = flow().ready_for_doctor()
    response = _upload(f, hansen, PDF, name="Mette Jensen øjenlæge.pdf")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["content_type"] == "application/pdf" and body["sha256"] == hashlib.sha256(PDF).hexdigest()
    raw = db_session.scalar(
        select(type_coerce(Attachment.__table__.c.content, LargeBinary())).where(
            Attachment.__table__.c.id == body["id"]
        )
    )
    assert raw.startswith(b"gAAAAA") and b"speciallaegeerklaering" not in raw
    raw_name = db_session.scalar(
        select(type_coerce(Attachment.__table__.c.filename, LargeBinary())).where(
            Attachment.__table__.c.id == body["id"]
        )
    )
    assert b"Mette" not in raw_name

    f.submitted(hansen)
    submission = db_session.scalars(select(Submission)).one()
    assert submission.snapshot["attachments"] == [
        {"id": body["id"], "kind": "specialist_statement", "sha256": body["sha256"]}
    ]
    download = f.client.get(f"/api/v1/certificates/{f.certificate_id}/attachments/{body['id']}", headers=karin)
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["x-content-type-options"] == "nosniff"
    assert "Mette" not in download.headers["content-disposition"]
    reads = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "certificate.attachment.read")).all()
    assert [(e.actor_sub, e.object_id) for e in reads] == [("bs-karin", body["id"])]
    # Submitted attachments are part of the signed record.
    delete = f.client.delete(f"/api/v1/certificates/{f.certificate_id}/attachments/{body['id']}", headers=hansen)
    assert delete.status_code == 409


@pytest.mark.parametrize(
    ("content", "ctype", "status", "code"),
    [
        (b"MZ\x90\x00 windows executable", "application/pdf", 415, "attachment_type_not_allowed"),
        (b"<html><script>alert(1)</script>", "text/html", 415, "attachment_type_not_allowed"),
        (PNG, "application/pdf", 415, "attachment_type_mismatch"),
        (b"", "application/pdf", 422, "validation_error"),
    ],
)
def test_wrong_types_and_empty_files_are_refused(flow, hansen, db_session, content, ctype, status, code) -> None:
    f = flow().ready_for_doctor()
    response = _upload(f, hansen, content, ctype=ctype)
    assert response.status_code == status and response.json()["type"].endswith(code), response.text
    assert db_session.scalars(select(Attachment)).all() == []


def test_too_large_files_and_unknown_kinds_are_refused(flow, hansen, db_session) -> None:
    from services.koerekort.certificates.attachments import MAX_ATTACHMENT_BYTES

    f = flow().ready_for_doctor()
    big = _upload(f, hansen, b"%PDF-" + b"0" * MAX_ATTACHMENT_BYTES)
    assert big.status_code == 413 and big.json()["errors"][0]["field"] == "/file"
    kind = _upload(f, hansen, PDF, kind="xray")
    assert kind.status_code == 422 and kind.json()["errors"][0]["field"] == "/kind"
    assert db_session.scalars(select(Attachment)).all() == []


def test_an_unsubmitted_attachment_can_be_removed_and_then_no_longer_counts(flow, hansen) -> None:
    f = flow().ready_for_doctor(categories=["C"])
    parts = doctor_parts(["C"])
    parts["del_b"]["diabetes"] = {
        "present": True,
        "hypoglycaemia_risk_medication": True,
        "severe_hypoglycaemia_12m": False,
        "unstable_or_complications": False,
    }
    parts["supplementary"] = {"text": "Insulinbehandlet diabetes."}
    parts["conclusion"]["assessment"] = "Velreguleret."
    f.draft(hansen, parts)
    attachment = _upload(f, hansen, PNG, kind="diabetes_certificate", name="scan.png", ctype="image/png").json()
    assert f.draft(hansen, parts).json()["validation"]["valid"] is True
    removed = f.client.delete(f"/api/v1/certificates/{f.certificate_id}/attachments/{attachment['id']}", headers=hansen)
    assert removed.status_code == 200
    codes = {e["code"] for e in f.draft(hansen, parts).json()["validation"]["errors"]}
    assert codes == {"diabetes_certificate_missing"}


def test_key_rotation_keeps_every_value_readable(flow, hansen, karin, db_session, monkeypatch) -> None:
    from services.koerekort.maintenance import rotate_encryption_keys
    from shared.db import session_scope

    f = flow().ready_for_doctor()
    _upload(f, hansen, PDF)
    f.submitted(hansen)
    old_key = get_settings().data_encryption_keys
    new_key = Fernet.generate_key().decode()

    def use_keys(keys: str) -> None:
        monkeypatch.setenv("DATA_ENCRYPTION_KEYS", keys)
        get_settings.cache_clear()

    try:
        use_keys(f"{new_key},{old_key}")
        with session_scope() as session:
            counts = rotate_encryption_keys(session, batch_size=2)
        assert counts["certificates"] == 1 and counts["attachments"] == 1 and counts["applications"] == 1
        use_keys(new_key)  # the old key is gone: everything must still read
        view = f.client.get(f"/api/v1/certificates/{f.certificate_id}", headers=karin)
        assert view.status_code == 200 and view.json()["document"]["conclusion"]["result"] == "fit"
        db_session.expire_all()
        assert db_session.scalars(select(Application)).one().citizen_cpr == "1502851236"
        assert db_session.scalars(select(Attachment)).one().content == PDF
        assert db_session.scalars(select(Certificate)).one().del_a["declaration"] is True
    finally:
        use_keys(old_key)
