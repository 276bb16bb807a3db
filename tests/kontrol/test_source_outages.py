"""Data-source outages: retries with backoff, kept answers, incomplete candidates, dead letters and replay.

The outage is the simulators' fault switch (KONTROL_SOURCE_FAULTS), read at every call like a real
register going down and coming back; delivery is the outbox relay, one round at a time where it matters.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from services.kontrol.models import Candidate, CandidateSource, Score, candidate_facts
from services.kontrol.sources.registry import adapters
from services.kontrol.sources.service import GATHERED, GATHERING_REQUESTED
from services.kontrol.sources.simulators import SimulatedOutage, parse_faults
from shared.audit.models import AuditEvent
from shared.db import utcnow
from shared.queue.models import DeadLetter, OutboxEvent, ProcessedEvent
from shared.queue.relay import relay_once
from shared.settings import get_settings

SCORER = "services.kontrol.tasks.score_candidate"


@pytest.fixture
def outage(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Switch simulated faults (and queue/timeout settings) for the rest of the test."""

    def _set(faults: str, **settings: Any) -> None:
        monkeypatch.setattr(get_settings(), "kontrol_source_faults", faults)
        for name, value in settings.items():
            monkeypatch.setattr(get_settings(), name, value)

    return _set


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """How often each source was asked (outages included)."""
    counter: Counter[str] = Counter()
    original = SimulatedOutage.fetch

    def counting(self: SimulatedOutage, session: Any, *, cpr: str) -> Any:
        counter[self.name] += 1
        return original(self, session, cpr=cpr)

    monkeypatch.setattr(SimulatedOutage, "fetch", counting)
    yield counter


def _queue_candidates(client: Any, auth: Any, import_list: Any, cprs: list[str]) -> None:
    assert import_list(cprs).status_code == 201
    assert client.post("/api/v1/gathering-runs", headers=auth("sb-anne", "kontrol")).json() == {"queued": len(cprs)}


def _candidates(session: Any) -> list[Candidate]:
    session.expire_all()
    return list(session.scalars(select(Candidate).order_by(Candidate.reference)))


def _gathering_events(session: Any) -> list[OutboxEvent]:
    session.expire_all()
    return list(session.scalars(select(OutboxEvent).where(OutboxEvent.event_type == GATHERING_REQUESTED)))


def _make_due(session: Any) -> None:
    """Let the backoff pass without waiting for it."""
    session.execute(update(OutboxEvent).where(OutboxEvent.status == "pending").values(available_at=utcnow()))
    session.commit()


def _count(session: Any, statement: Any) -> int:
    return int(session.scalar(statement) or 0)


def _assert_complete_and_scored_once(session: Any, candidate: Candidate) -> None:
    """Every source's answer is stored and in the facts, and the candidate was scored exactly once."""
    session.expire_all()
    assert candidate.status == "gathered"
    rows = {
        s.source: s
        for s in session.scalars(select(CandidateSource).where(CandidateSource.candidate_id == candidate.id))
    }
    assert set(rows) == set(adapters()) and all(r.status in ("ok", "unavailable") for r in rows.values())
    stored = session.execute(select(candidate_facts).where(candidate_facts.c.candidate_id == candidate.id)).one()
    for adapter in adapters().values():
        simulator = adapter.inner if isinstance(adapter, SimulatedOutage) else adapter  # not counted in `calls`
        for fact, value in simulator.fetch(session, cpr=candidate.cpr).facts().items():
            assert getattr(stored, fact) == value, fact
    gathered_events = select(func.count()).where(
        OutboxEvent.event_type == GATHERED, OutboxEvent.payload["candidate_id"].as_string() == str(candidate.id)
    )
    assert _count(session, gathered_events) == 1
    scored = (
        select(func.count())
        .select_from(ProcessedEvent)
        .join(OutboxEvent, OutboxEvent.id == ProcessedEvent.event_id)
        .where(ProcessedEvent.consumer == SCORER, OutboxEvent.payload["candidate_id"].as_string() == str(candidate.id))
    )
    assert _count(session, scored) == 1
    assert _count(session, select(func.count()).where(Score.candidate_id == candidate.id)) == 1


def test_source_down_for_a_while_is_retried_with_backoff_then_gathered_and_scored_once(
    world, session, client_for, auth, import_list, outage, calls
) -> None:
    client = client_for("kontrol")
    anne = auth("sb-anne", "kontrol")
    _queue_candidates(client, auth, import_list, world.outsider_cprs[:3])
    outage("bbr=down", task_retry_base_seconds=30.0)

    relay_once(send=False)
    events = _gathering_events(session)
    assert [(e.status, e.attempts) for e in events] == [("pending", 1)] * 3
    for event in events:  # first retry after the base delay
        assert timedelta(seconds=25) < event.available_at - utcnow() <= timedelta(seconds=30)
        assert "BBR" in (event.last_error or "") and "svarer ikke" in (event.last_error or "")
    for candidate in _candidates(session):
        assert candidate.status == "received"  # waiting, not scored on partial data
        detail = client.get(f"/api/v1/candidates/{candidate.id}", headers=anne).json()
        assert detail["gathering"]["state"] == "waiting_for_source"
        assert detail["gathering"]["message"].startswith("Venter på BBR (Bygnings- og Boligregistret)")
        assert [m["source"] for m in detail["gathering"]["missing_sources"]] == ["bbr"]
        statuses = {s["source"]: s["status"] for s in detail["sources"]}
        assert statuses.pop("bbr") == "unreachable" and set(statuses.values()) <= {"ok", "unavailable"}
    assert client.get("/api/v1/queue/summary", headers=anne).json()["waiting_for_source"] == 3
    assert relay_once(send=False) == 0, "nothing is retried before the backoff has passed"
    assert _count(session, select(func.count()).where(OutboxEvent.event_type == GATHERED)) == 0
    assert _count(session, select(func.count()).select_from(Score)) == 0

    _make_due(session)
    relay_once(send=False)
    for event in _gathering_events(session):  # exponential: twice the base the second time
        assert event.attempts == 2
        assert timedelta(seconds=55) < event.available_at - utcnow() <= timedelta(seconds=60)

    outage("")  # BBR is back
    _make_due(session)
    while relay_once(send=False):  # the retry, then scoring
        pass

    assert [e.status for e in _gathering_events(session)] == ["done"] * 3
    assert calls["bbr"] == 3 * 3
    assert all(calls[name] == 3 for name in adapters() if name != "bbr"), "answers already got are not asked again"
    for candidate in _candidates(session):
        _assert_complete_and_scored_once(session, candidate)
        detail = client.get(f"/api/v1/candidates/{candidate.id}", headers=anne).json()
        assert detail["gathering"] == {
            "state": "complete",
            "message": "Oplysningerne er indhentet.",
            "missing_sources": [],
        }
    assert client.get("/api/v1/queue/summary", headers=anne).json()["waiting_for_source"] == 0
    assert _count(session, select(func.count()).select_from(DeadLetter)) == 0
    actions = Counter(
        session.scalars(select(AuditEvent.action).where(AuditEvent.actor_sub == "kontrol-dataindsamling"))
    )
    assert actions == {"kontrol.candidate.gathering_waiting": 6, "kontrol.candidate.gathered": 3}


def test_source_down_past_all_retries_is_a_dead_letter_and_an_incomplete_candidate_until_replayed(
    world, session, client_for, auth, import_list, run_tasks, outage, calls
) -> None:
    client = client_for("kontrol")
    anne, admin = auth("sb-anne", "kontrol"), auth("admin", "kontrol")
    _queue_candidates(client, auth, import_list, world.outsider_cprs[:1])
    outage("eflyt=down", task_max_retries=3)

    run_tasks()
    [candidate] = _candidates(session)
    [event] = _gathering_events(session)
    assert (event.status, event.attempts) == ("dead", 3)
    assert candidate.status == "incomplete"
    assert calls["eflyt"] == 3 and calls["cpr"] == 1

    letters = client.get("/api/v1/dead-letters", headers=admin)
    assert letters.status_code == 200
    [letter] = letters.json()
    assert letter["event_id"] == str(event.id) and letter["attempts"] == 3 and letter["replayed_at"] is None
    assert candidate.reference in letter["error"] and "E-flyt" in letter["error"] and "mangler eflyt" in letter["error"]
    assert candidate.cpr not in letter["error"] and candidate.cpr not in letters.text

    detail = client.get(f"/api/v1/candidates/{candidate.id}", headers=anne).json()
    assert detail["status"] == "incomplete"
    assert detail["gathering"]["state"] == "incomplete"
    assert "ufuldstændige: E-flyt (flytninger) svarede ikke" in detail["gathering"]["message"]
    assert "prioriteres ikke" in detail["gathering"]["message"]
    [eflyt] = [s for s in detail["sources"] if s["source"] == "eflyt"]
    assert eflyt["status"] == "unreachable" and "E-flyt" in eflyt["reason"]
    # Not scored, not in the queue, cannot be opened; counted as incomplete for the admin.
    assert _count(session, select(func.count()).where(OutboxEvent.event_type == GATHERED)) == 0
    assert _count(session, select(func.count()).select_from(Score)) == 0
    summary = client.get("/api/v1/queue/summary", headers=anne).json()
    assert summary["incomplete"] == 1 and summary["waiting"] == {"model": 0, "control": 0}
    assert summary["waiting_for_source"] == 0  # incomplete is not waiting: nothing retries it by itself
    # The admin's list (the "Ufuldstændige kandidater" page section) ties the candidate to its dead letter.
    assert client.get("/api/v1/incomplete-candidates", headers=anne).status_code == 403
    [listed] = client.get("/api/v1/incomplete-candidates", headers=admin).json()
    assert listed["reference"] == candidate.reference and listed["dead_letter"]["id"] == letter["id"]
    assert listed["gathering"]["state"] == "incomplete" and listed["dead_letter"]["replayed_at"] is None
    assert [m["source"] for m in listed["gathering"]["missing_sources"]] == ["eflyt"]
    opening = client.post(f"/api/v1/cases/{candidate.id}/openings", json={"purpose": "test"}, headers=anne)
    assert opening.status_code == 409 and opening.json()["type"].endswith("candidate_incomplete")

    outage("", task_max_retries=3)  # E-flyt is back; the admin replays the dead letter
    assert client.post(f"/api/v1/dead-letters/{letter['id']}/replays", headers=anne).status_code == 403
    replayed = client.post(f"/api/v1/dead-letters/{letter['id']}/replays", headers=admin)
    assert replayed.status_code == 202 and replayed.json()["replayed_by"] == "admin"
    run_tasks()

    [event] = _gathering_events(session)
    assert event.status == "done"
    assert calls["eflyt"] == 4 and calls["cpr"] == 1, "the replay asks only the source that was missing"
    [candidate] = _candidates(session)
    _assert_complete_and_scored_once(session, candidate)
    assert client.get(f"/api/v1/candidates/{candidate.id}", headers=anne).json()["gathering"]["state"] == "complete"
    assert client.get("/api/v1/incomplete-candidates", headers=admin).json() == []

    # A second replay (a double click) applies nothing twice.
    assert client.post(f"/api/v1/dead-letters/{letter['id']}/replays", headers=admin).status_code == 202
    run_tasks()
    assert calls["eflyt"] == 4
    _assert_complete_and_scored_once(session, candidate)


def test_a_new_run_ordered_for_an_incomplete_candidate_is_in_progress_until_it_ends(
    world, session, client_for, auth, import_list, run_tasks, outage, calls
) -> None:
    client = client_for("kontrol")
    anne, admin = auth("sb-anne", "kontrol"), auth("admin", "kontrol")
    _queue_candidates(client, auth, import_list, world.outsider_cprs[:1])
    outage("eflyt=down", task_max_retries=3)
    run_tasks()
    [candidate] = _candidates(session)
    assert candidate.status == "incomplete"

    # The caseworker orders a new run ("Indhent oplysninger igen"): no longer incomplete, not yet gathered.
    assert client.post(f"/api/v1/candidates/{candidate.id}/gatherings", headers=anne).status_code == 202
    detail = client.get(f"/api/v1/candidates/{candidate.id}", headers=anne).json()
    assert detail["status"] == "received"
    assert detail["gathering"] == {
        "state": "in_progress",
        "message": "Oplysningerne er bestilt og indhentes.",
        "missing_sources": [],
    }
    assert client.get("/api/v1/incomplete-candidates", headers=admin).json() == []

    outage("", task_max_retries=3)
    run_tasks()
    [candidate] = _candidates(session)
    _assert_complete_and_scored_once(session, candidate)
    assert calls["eflyt"] == 4


def test_a_slow_source_times_out_and_counts_as_unavailable(
    world, session, client_for, auth, import_list, outage, calls
) -> None:
    client = client_for("kontrol")
    _queue_candidates(client, auth, import_list, world.outsider_cprs[:1])
    outage("fasit=slow:30", kontrol_source_timeout_seconds=0.05)

    relay_once(send=False)
    [event] = _gathering_events(session)
    assert (event.status, event.attempts) == ("pending", 1)
    assert "Fasit (fremmøde i jobcentret) svarede ikke inden for 0.05 sekunder" in (event.last_error or "")
    [candidate] = _candidates(session)
    assert candidate.status == "received"
    fasit = session.get(CandidateSource, (candidate.id, "fasit"))
    assert fasit.status == "unreachable"

    # Slow but within the timeout is an ordinary answer.
    outage("fasit=slow:0.01", kontrol_source_timeout_seconds=5.0)
    _make_due(session)
    while relay_once(send=False):
        pass
    assert calls["fasit"] == 2 and calls["cpr"] == 1
    _assert_complete_and_scored_once(session, _candidates(session)[0])


def test_fault_switch_rejects_what_it_does_not_understand() -> None:
    assert parse_faults(" bbr=down , fasit=slow:2.5 ") == {
        "bbr": parse_faults("bbr=down")["bbr"],
        "fasit": parse_faults("fasit=slow:2.5")["fasit"],
    }
    assert parse_faults("fasit=slow:2.5")["fasit"].latency_seconds == 2.5
    assert parse_faults("") == {}
    with pytest.raises(ValueError, match="ukendt kilde"):
        parse_faults("skat=down")
    with pytest.raises(ValueError, match="ukendt fejltype"):
        parse_faults("bbr=flaky")


def test_a_new_run_that_meets_an_outage_takes_the_candidate_out_of_scoring_until_complete(
    world, session, client_for, auth, import_list, run_tasks, outage, calls
) -> None:
    client = client_for("kontrol")
    anne = auth("sb-anne", "kontrol")
    _queue_candidates(client, auth, import_list, world.outsider_cprs[:1])
    run_tasks()
    [candidate] = _candidates(session)
    _assert_complete_and_scored_once(session, candidate)

    outage("buf=down")
    assert client.post(f"/api/v1/candidates/{candidate.id}/gatherings", headers=anne).status_code == 202
    relay_once(send=False)
    [candidate] = _candidates(session)
    # Part of the data is newer than the stored facts: not scored (nor released) on the mix.
    assert candidate.status == "received" and candidate.gather_count == 2
    detail = client.get(f"/api/v1/candidates/{candidate.id}", headers=anne).json()
    assert detail["gathering"]["state"] == "waiting_for_source" and "BUF-data" in detail["gathering"]["message"]

    outage("")
    _make_due(session)
    run_tasks()
    [candidate] = _candidates(session)
    assert candidate.status == "gathered"
    assert calls["buf"] == 3 and calls["cpr"] == 2, "one fetch per run, plus the retry of the missing source"
    runs = select(func.count()).where(
        OutboxEvent.event_type == GATHERED, OutboxEvent.payload["candidate_id"].as_string() == str(candidate.id)
    )
    assert _count(session, runs) == 2  # one scoring per completed run
