"""A submission survives a crash after it was acknowledged: a real uvicorn process is killed (SIGKILL) right after
answering 201, and the submission, its signature and its outbox events are all in PostgreSQL; after the restart a
retry returns the same submission and the pending events are delivered (the citizen is notified)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
from sqlalchemy import select

from services.koerekort.models import Application, Signature, Submission
from shared.notifications.models import SimulatedSms
from shared.queue.models import OutboxEvent
from tests.koerekort.conftest import doctor_parts


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_server(port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "services.koerekort.app:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("koerekort did not start")


def test_an_acknowledged_submission_survives_a_killed_process(flow, hansen, run_tasks, db_session) -> None:
    f = flow().ready_for_doctor()
    assert f.draft(hansen, doctor_parts()).status_code == 200
    port = _free_port()
    server = _start_server(port)
    try:
        response = httpx.post(
            f"http://127.0.0.1:{port}/api/v1/certificates/{f.certificate_id}/submissions",
            headers={**hansen, "Idempotency-Key": "crash-test-000001"},
            timeout=30,
        )
        assert response.status_code == 201, response.text
        server.send_signal(signal.SIGKILL)  # no shutdown hooks, no flushing: a crash
        server.wait(timeout=10)
    finally:
        if server.poll() is None:
            server.kill()
    acknowledged = response.json()

    db_session.expire_all()
    submission = db_session.get(Submission, acknowledged["id"])
    assert submission is not None and submission.content_sha256 == acknowledged["content_sha256"]
    assert db_session.get(Signature, submission.signature_id).signer_authorisation_id == "0A1B2"
    assert db_session.get(Application, f.application_id).status == "submitted"
    pending = [
        e
        for e in db_session.scalars(select(OutboxEvent).where(OutboxEvent.status == "pending"))
        if e.payload.get("status") == "submitted" or e.event_type == "koerekort.certificate.submitted"
    ]
    assert {e.event_type for e in pending} == {
        "koerekort.application.status_changed",
        "koerekort.certificate.submitted",
    }

    # After the restart (a fresh app instance) the doctor's retry gets the same submission back,
    # and the relay delivers what was left in the outbox.
    retry = f.submit(hansen, key="crash-test-000001")
    assert retry.status_code == 200 and retry.json()["id"] == acknowledged["id"]
    run_tasks()
    texts = [m.text for m in db_session.scalars(select(SimulatedSms))]
    assert any(t.startswith("Din læge har sendt lægeerklæringen") for t in texts)
