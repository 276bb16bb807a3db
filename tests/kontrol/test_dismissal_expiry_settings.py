"""Candidates leave the pool without a case (dismissed with a reason, or expired by age); settings changes are
audited and kept as versions; the notes search can use its GIN index. All on PostgreSQL through the API."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects import postgresql

from services.kontrol.models import Candidate, CandidateDismissal, Case, CaseNote, SettingsVersion
from shared.audit.models import AuditEvent
from shared.db import utcnow


def _pool(client, auth, run_tasks, import_list, cprs, *, list_id="UDK-2026-001") -> None:
    """Import, gather and score the people, and release everything (capacity 500)."""
    assert import_list(cprs, list_id=list_id).status_code == 201
    client.post("/api/v1/gathering-runs", headers=auth("sb-anne", "kontrol"))
    run_tasks()
    admin = auth("admin", "kontrol")
    settings = client.get("/api/v1/settings", headers=admin)
    if settings.json()["capacity_per_period"] != 500:
        patched = client.patch(
            "/api/v1/settings",
            json={"capacity_per_period": 500},
            headers={**admin, "If-Match": settings.headers["etag"]},
        )
        assert patched.status_code == 200, patched.text


def _queue_ids(client, auth) -> set[str]:
    return {i["candidate_id"] for i in client.get("/api/v1/queue", headers=auth("sb-anne", "kontrol")).json()["items"]}


def test_a_candidate_is_dismissed_with_a_reason_audited_and_idempotent(
    world, session, client_for, auth, run_tasks, import_list
) -> None:
    client = client_for("kontrol")
    anne, admin = auth("sb-anne", "kontrol"), auth("admin", "kontrol")
    cprs = world.outsider_cprs[:8]
    _pool(client, auth, run_tasks, import_list, cprs)
    queued = _queue_ids(client, auth)
    assert len(queued) == 8
    target, opened_id, *_ = sorted(queued)
    url = f"/api/v1/candidates/{target}/dismissals"

    # The reasons come from a fixed list; "andet" needs a written reason; the messages are Danish.
    reasons = client.get("/api/v1/dismissal-reasons", headers=anne).json()
    assert [r["code"] for r in reasons] == ["ikke_relevant", "allerede_kontrolleret", "fejl_i_data", "andet"]
    assert [r["code"] for r in reasons if r["note_required"]] == ["andet"]
    unknown_reason = client.post(url, json={"reason": "keder_mig"}, headers=anne)
    assert unknown_reason.status_code == 422
    assert unknown_reason.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in unknown_reason.json()["errors"]] == ["/reason"]
    assert unknown_reason.json()["errors"][0]["message"].startswith("Ugyldig værdi")
    no_note = client.post(url, json={"reason": "andet", "note": "  "}, headers=anne)
    assert no_note.status_code == 422
    assert no_note.json()["errors"] == [
        {"field": "/note", "code": "required", "message": no_note.json()["errors"][0]["message"]}
    ]
    assert "begrundelse" in no_note.json()["errors"][0]["message"]
    missing = client.post(f"/api/v1/candidates/{uuid.uuid4()}/dismissals", json={"reason": "fejl_i_data"}, headers=anne)
    assert missing.status_code == 404 and missing.json()["detail"] == "Kandidaten findes ikke."
    assert session.scalar(select(func.count()).select_from(CandidateDismissal)) == 0

    # Dismissed once; a retry with the same key returns the first answer; any other attempt is 409.
    note = "Adressen er allerede undersøgt af Borgerservice i oktober"
    key = {"Idempotency-Key": "henlaeg-1"}
    first = client.post(url, json={"reason": "andet", "note": note}, headers={**anne, **key})
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["status"] == "dismissed" and body["reason"] == "andet" and body["note"] == note
    assert body["reason_label"] == "Andet (begrundelse skrives)" and body["dismissed_by"] == "sb-anne"
    retry = client.post(url, json={"reason": "andet", "note": note}, headers={**anne, **key})
    assert retry.status_code == 200 and retry.json() == body
    again = client.post(url, json={"reason": "ikke_relevant"}, headers={**anne, "Idempotency-Key": "henlaeg-2"})
    assert again.status_code == 409 and again.json()["type"].endswith("candidate_already_dismissed")
    assert client.post(url, json={"reason": "ikke_relevant"}, headers=admin).status_code == 409
    assert session.scalar(select(func.count()).select_from(CandidateDismissal)) == 1

    # The candidate has left the queue and can no longer be opened or gathered again.
    session.expire_all()
    candidate = session.get(Candidate, uuid.UUID(target))
    assert candidate.status == "dismissed" and candidate.closed_at is not None
    assert target not in _queue_ids(client, auth)
    refused = client.post(f"/api/v1/cases/{target}/openings", json={"purpose": "Kontrol"}, headers=anne)
    assert refused.status_code == 409 and refused.json()["type"].endswith("candidate_closed")
    assert client.post(f"/api/v1/candidates/{target}/gatherings", headers=anne).status_code == 409
    assert client.get(f"/api/v1/candidates/{target}", headers=anne).json()["status"] == "dismissed"

    # Audited with the pseudonym only; the free text is stored encrypted, not in the audit record.
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "kontrol.candidate.dismissed")).all()
    assert len(events) == 1
    event = events[0]
    assert (event.actor_sub, event.actor_role, event.object_id) == ("sb-anne", "sagsbehandler", target)
    assert event.citizen_pseudonym == candidate.cpr_pseudonym
    assert event.details == {
        "reference": candidate.reference,
        "reason": "andet",
        "arm": candidate.arm,
        "has_note": True,
    }
    raw = session.execute(
        text("SELECT note FROM kontrol.candidate_dismissals WHERE candidate_id = :id"), {"id": target}
    ).scalar_one()
    assert b"Borgerservice" not in bytes(raw)

    # An opened case cannot be dismissed (it ends with a decision); an admin may dismiss a candidate.
    opened = client.post(f"/api/v1/cases/{opened_id}/openings", json={"purpose": "Kontrol"}, headers=anne)
    assert opened.status_code == 201, opened.text
    not_allowed = client.post(
        f"/api/v1/candidates/{opened_id}/dismissals", json={"reason": "fejl_i_data"}, headers=anne
    )
    assert not_allowed.status_code == 409 and not_allowed.json()["type"].endswith("case_already_opened")
    assert "afgørelse" in not_allowed.json()["detail"]
    third = sorted(queued)[2]
    by_admin = client.post(f"/api/v1/candidates/{third}/dismissals", json={"reason": "fejl_i_data"}, headers=admin)
    assert by_admin.status_code == 201 and by_admin.json()["dismissed_by"] == "admin"

    # The outcome counts (no personal data) per arm and reason.
    outcomes = client.get("/api/v1/reports/candidate-outcomes", headers=anne).json()
    assert outcomes["dismissed"]["total"] == 2 and outcomes["opened"]["total"] == 1
    assert outcomes["in_pool"]["total"] == 5 and outcomes["expired"]["total"] == 0
    by_reason = {r["reason"]: r["total"] for r in outcomes["dismissed_by_reason"]}
    assert by_reason == {"ikke_relevant": 0, "allerede_kontrolleret": 0, "fejl_i_data": 1, "andet": 1}
    assert not any(c in str(outcomes) for c in cprs)

    # A later signal about the dismissed person starts a new candidate.
    dismissed_cpr = next(c for c in cprs if _pseudonym(c) == candidate.cpr_pseudonym)
    later = import_list([dismissed_cpr], list_id="UDK-2026-002")
    assert later.status_code == 201 and later.json()["created_count"] == 1


def _pseudonym(cpr: str) -> str:
    from shared import cpr as cpr_utils

    return cpr_utils.pseudonymise(cpr)


def test_candidates_not_opened_in_time_expire_through_the_periodic_job(
    world, session, client_for, auth, run_tasks, import_list, monkeypatch
) -> None:
    from services.kontrol import tasks
    from services.kontrol.sources.service import gather
    from shared.queue.celery_app import celery_app
    from shared.queue.scheduler import _JOBS
    from shared.settings import get_settings

    client = client_for("kontrol")
    cprs = world.outsider_cprs[10:16]
    _pool(client, auth, run_tasks, import_list, cprs)
    assert import_list(world.outsider_cprs[20:22], list_id="UDK-2026-003").status_code == 201  # received, not gathered
    gathered = sorted(session.scalars(select(Candidate.id).where(Candidate.status == "gathered")))
    received = sorted(session.scalars(select(Candidate.id).where(Candidate.status == "received")))
    assert (len(gathered), len(received)) == (6, 2)
    old_gathered, young, old_received = gathered[0], gathered[1], received[0]
    session.execute(
        update(Candidate)
        .where(Candidate.id.in_([old_gathered, old_received]))
        .values(received_at=utcnow() - timedelta(days=181))
    )
    session.execute(update(Candidate).where(Candidate.id == young).values(received_at=utcnow() - timedelta(days=179)))
    session.commit()
    assert str(old_gathered) in _queue_ids(client, auth)

    # The job is registered with beat (hourly) and runs with the configured age (default 180 days).
    assert _JOBS["kontrol.expire_candidates"].every_seconds == 3600
    assert celery_app.conf.beat_schedule["kontrol.expire_candidates"]["task"] == "kontrol.expire_candidates"
    monkeypatch.setenv("KONTROL_CANDIDATE_MAX_AGE_DAYS", "0")
    get_settings.cache_clear()
    try:
        assert tasks.expire_candidates_job() == 0, "0 turns expiry off"
        monkeypatch.delenv("KONTROL_CANDIDATE_MAX_AGE_DAYS")
        get_settings.cache_clear()
        assert get_settings().kontrol_candidate_max_age_days == 180
        assert tasks.expire_candidates_job() == 2
        assert tasks.expire_candidates_job() == 0, "nothing left to expire"
    finally:
        get_settings.cache_clear()

    session.expire_all()
    statuses = dict(session.execute(select(Candidate.id, Candidate.status)).all())
    assert statuses[old_gathered] == "expired" and statuses[old_received] == "expired"
    assert statuses[young] != "expired"
    assert sum(1 for s in statuses.values() if s == "expired") == 2
    assert str(old_gathered) not in _queue_ids(client, auth)
    assert not gather(session, candidate_id=old_received), "an expired candidate is not gathered any more"
    session.commit()
    assert session.get(Candidate, old_received).status == "expired"

    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "kontrol.candidate.expired")).all()
    assert sorted(e.object_id for e in events) == sorted([str(old_gathered), str(old_received)])
    assert all(e.actor_role == "system" and e.citizen_pseudonym and "180 dage" in e.purpose for e in events)

    anne = auth("sb-anne", "kontrol")
    refused = client.post(
        f"/api/v1/candidates/{old_gathered}/dismissals", json={"reason": "ikke_relevant"}, headers=anne
    )
    assert refused.status_code == 409 and refused.json()["type"].endswith("candidate_expired")
    outcomes = client.get("/api/v1/reports/candidate-outcomes", headers=anne).json()
    assert outcomes["expired"]["total"] == 2 and outcomes["max_age_days"] == 180
    assert outcomes["expired"]["model"] + outcomes["expired"]["control"] == 2


def test_every_settings_change_is_audited_and_kept_as_a_version(world, session, client_for, auth) -> None:
    client = client_for("kontrol")
    admin, anne = auth("admin", "kontrol"), auth("sb-anne", "kontrol")
    etag = client.get("/api/v1/settings", headers=admin).headers["etag"]
    changed = client.patch(
        "/api/v1/settings",
        json={"capacity_per_period": 20, "control_share": 0.4, "reason": "Ny medarbejder fra 1. december"},
        headers={**admin, "If-Match": etag},
    )
    assert changed.status_code == 200, changed.text
    version = changed.json()["version"]

    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "kontrol.settings.changed")).all()
    assert len(events) == 1
    event = events[0]
    assert (event.actor_sub, event.actor_role, event.object_type) == ("admin", "admin", "settings")
    assert event.purpose == "Ændring af enhedens indstillinger: Ny medarbejder fra 1. december"
    assert event.details == {
        "version": version,
        "changes": {"capacity_per_period": {"old": 12, "new": 20}, "control_share": {"old": 0.5, "new": 0.4}},
    }

    # Nothing changes: no new version, nothing audited. A stale ETag: 412, nothing recorded.
    same = client.patch(
        "/api/v1/settings", json={"capacity_per_period": 20}, headers={**admin, "If-Match": changed.headers["etag"]}
    )
    assert same.status_code == 200 and same.json()["version"] == version
    stale = client.patch("/api/v1/settings", json={"control_share": 0.3}, headers={**admin, "If-Match": etag})
    assert stale.status_code == 412
    invalid = client.patch(
        "/api/v1/settings", json={"control_share": 1.5}, headers={**admin, "If-Match": changed.headers["etag"]}
    )
    assert invalid.status_code == 422
    assert invalid.json()["errors"] == [
        {
            "field": "/control_share",
            "code": "value_error",
            "message": "Skal være et tal fra 0 til 1, f.eks. 0,5 for halvdelen.",
        }
    ]
    second = client.patch(
        "/api/v1/settings",
        json={"capacity_period": "month", "gathering_paused": True},
        headers={**admin, "If-Match": changed.headers["etag"]},
    )
    assert second.status_code == 200
    assert session.scalar(select(func.count()).select_from(SettingsVersion)) == 2
    assert session.scalar(select(func.count()).where(AuditEvent.action == "kontrol.settings.changed")) == 2

    # The history, newest first, for the administrator only; cursor pagination.
    assert client.get("/api/v1/settings/versions", headers=anne).status_code == 403
    history = client.get("/api/v1/settings/versions", headers=admin).json()
    assert [i["version"] for i in history["items"]] == [version + 1, version]
    newest, oldest = history["items"]
    assert newest["changes"] == {
        "capacity_period": {"old": "week", "new": "month"},
        "gathering_paused": {"old": False, "new": True},
    }
    assert newest["reason"] is None and newest["changed_by"] == "admin" and newest["changed_by_role"] == "admin"
    assert oldest["reason"] == "Ny medarbejder fra 1. december"
    assert oldest["snapshot"]["capacity_per_period"] == 20 and oldest["snapshot"]["capacity_period"] == "week"
    assert newest["snapshot"]["capacity_period"] == "month" and newest["snapshot"]["control_share"] == 0.4
    page = client.get("/api/v1/settings/versions", params={"limit": 1}, headers=admin).json()
    assert [i["version"] for i in page["items"]] == [version + 1] and page["next_cursor"] == str(version + 1)
    rest = client.get(
        "/api/v1/settings/versions", params={"limit": 1, "cursor": page["next_cursor"]}, headers=admin
    ).json()
    assert [i["version"] for i in rest["items"]] == [version]


def test_the_notes_search_can_use_its_gin_index(session) -> None:
    from services.kontrol.cases.service import note_search_statement

    definition = session.execute(
        text("SELECT indexdef FROM pg_indexes WHERE schemaname = 'kontrol' AND indexname = 'ix_case_notes_body_fts'")
    ).scalar_one()
    assert "USING gin" in definition and "to_tsvector('danish'::regconfig, body)" in definition

    # Enough notes in one caseworker's case that the planner prefers the index over reading them all.
    candidate_id = uuid.uuid4()
    session.add(
        Candidate(
            id=candidate_id,
            reference="KS-2026-900001",
            cpr_pseudonym="p" * 64,
            cpr="0101901234",
            status="opened",
            arm="model",
            arm_draw=0.9,
            control_share_at_assignment=0.5,
            first_channel="manuel",
            gather_count=1,
        )
    )
    session.flush()
    session.add(
        Case(
            id=candidate_id,
            reference="KS-2026-900001",
            assigned_to="sb-anne",
            assigned_name="Anne Holm",
            opened_by="sb-anne",
            opening_purpose="Test af indeks",
            arm="model",
            person={"cpr": "0101901234", "name": "", "address": ""},
            forklaringsark={},
        )
    )
    session.flush()
    words = ["borgeren", "møder", "jobcenter", "lejlighed", "kæreste", "barnet", "institution", "opholder"]
    session.execute(
        CaseNote.__table__.insert(),
        [
            {
                "id": uuid.uuid4(),
                "case_id": candidate_id,
                "written_on": utcnow().date(),
                "author_unit": "Jobcenter",
                "body": f"Note {i}: {words[i % 8]} {words[(i * 3) % 8]} {words[(i * 5) % 8]} samtale nummer {i}.",
            }
            for i in range(4000)
        ]
        + [
            {
                "id": uuid.uuid4(),
                "case_id": candidate_id,
                "written_on": utcnow().date(),
                "author_unit": "Borgerservice",
                "body": "Borgeren er flyttet til Vanløse hos sin søster.",
            }
        ],
    )
    session.execute(text("ANALYZE kontrol.case_notes"))
    statement = note_search_statement(actor_sub="sb-anne", query="flytter", case_id=None, limit=20, postgres=True)
    sql = str(statement.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    plan = "\n".join(session.execute(text("EXPLAIN " + sql)).scalars())
    assert "ix_case_notes_body_fts" in plan, plan
    hits = session.execute(statement).all()
    assert [h.author_unit for h in hits] == ["Borgerservice"], "Danish stemming: flytter finds flyttet"
    session.rollback()
