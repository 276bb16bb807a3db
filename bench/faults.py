"""Fault scenarios on a private production-shaped stack: nothing accepted is lost, nothing happens twice.

Scenarios (each bounded in time, run one after the other on one private stack from bench/stack.py):
  redis_outage     Redis stopped for `--redis-outage-seconds` (default 60) during traffic, then started empty
  worker_kill      the Celery worker SIGKILLed (with its pool children) mid-task, a new one started 5 s later
  postgres_restart PostgreSQL stopped (fast) during traffic, started again 10 s later
  kannel_outage    Kannel (bearerbox, smsbox, fakesmsc) stopped for `--kannel-outage-seconds`, then started

Traffic (threads with httpx, loopback): IVR calls to sms_ydelse (each → one SMS at the fake SMS centre and one
messages row) and kontrol case openings (each → one underretning letter in Digital Post and the case's journal
documents in the e-Doc simulator). After the traffic the scenario waits until the effects settle (bounded),
then counts, per accepted request: effects found, missing, duplicates. Refused requests are counted apart,
with the status codes and problem codes the caller saw.

Run: .venv/bin/python -m bench.faults                 (about 15-20 minutes on a loaded 2-core machine)
     .venv/bin/python -m bench.faults --smoke         (tiny scale; results to a temporary file)
     .venv/bin/python -m bench.faults --scenarios redis_outage,worker_kill
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.common import ROOT, write_results
from bench.sms_payday import synthetic_citizens
from bench.stack import Stack

SCENARIOS = ("redis_outage", "worker_kill", "postgres_restart", "kannel_outage")  # and "none": no fault
KONTROL_JOURNAL_DOCS = 3  # opening journals the case: forklaringsark, opening note, underretning


@dataclass
class Outcome:
    kind: str
    key: str
    status: int
    code: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    instance: str = ""


def _problem_code(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:60]
    if not isinstance(body, dict):
        return ""
    code = body.get("code") or str(body.get("type", "")).rsplit("/", 1)[-1]
    return f"{code} ({body.get('title', '')})"[:120]


class Traffic:
    """Generates the request mix in background threads and records every outcome."""

    def __init__(self, stack: Stack, citizens: list[dict[str, Any]], *, ivr_rate: float, open_every: float) -> None:
        from shared.auth import AUDIENCES, mint_demo_token

        self.stack = stack
        self.citizens = citizens
        self.next_citizen = 0
        self.ivr_rate = ivr_rate
        self.open_every = open_every
        self.ivr_token = mint_demo_token("ivr-telefoni", AUDIENCES["sms_ydelse"], ttl_seconds=7200)
        self.anne = mint_demo_token("sb-anne", AUDIENCES["kontrol"], ttl_seconds=7200)
        self.outcomes: list[Outcome] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []
        self.counter = 0
        self.opened_candidates: set[str] = set()
        self.certificates: list[dict[str, str]] = []  # koerekort: ready to submit
        self.doctor_tokens: list[str] = []
        self.vv_tasks: list[str] = []  # viceværtsopgaver: tasks assigned to vv-lars, ordered by best-amagerbro
        self.vv_next: dict[str, int] = {}
        self.lars = mint_demo_token("vv-lars", AUDIENCES["viceværtsopgaver"], ttl_seconds=7200)
        self.submit_every = 1.5
        self.update_every = 1.0

    def _instance(self, service: str) -> str:
        self.counter += 1
        return self.stack.url(service, self.counter % len(self.stack.apis[service]))

    def _record(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)

    def _ivr_loop(self, tag: str) -> None:
        with httpx.Client(timeout=15) as client:
            i = 0
            while not self.stop.is_set():
                started = time.monotonic()
                with self.lock:
                    citizen = self.citizens[self.next_citizen % len(self.citizens)]
                    self.next_citizen += 1
                call_id = f"{tag}-{i}"
                caller = f"+4571{self.next_citizen:06d}"
                base = self._instance("sms_ydelse")
                try:
                    r = client.post(
                        f"{base}/api/v1/ivr-calls",
                        json={
                            "call_id": call_id,
                            "caller_number": caller,
                            "menu_item": "info_om_ydelse",
                            "digits": citizen["cpr"],
                        },
                        headers={"Authorization": f"Bearer {self.ivr_token}"},
                    )
                    accepted = r.status_code == 200 and '"accepted"' in r.text
                    self._record(
                        Outcome(
                            "ivr",
                            call_id,
                            r.status_code if accepted or r.status_code != 200 else 299,
                            "" if accepted else _problem_code(r),
                            {"nemsms": citizen["nemsms"], "caller": caller},
                            base,
                        )
                    )
                except httpx.HTTPError as exc:
                    self._record(Outcome("ivr", call_id, 0, type(exc).__name__))
                i += 1
                self.stop.wait(max(0.0, 1 / self.ivr_rate - (time.monotonic() - started)))

    def _candidates(self, client: httpx.Client) -> list[str]:
        r = client.get(f"{self._instance('kontrol')}/api/v1/queue", headers={"Authorization": f"Bearer {self.anne}"})
        if r.status_code != 200:
            return []
        return [i["candidate_id"] for i in r.json().get("items", []) if i["candidate_id"] not in self.opened_candidates]

    def _open_loop(self, tag: str) -> None:
        with httpx.Client(timeout=15) as client:
            i = 0
            while not self.stop.is_set():
                try:
                    candidates = self._candidates(client)
                except httpx.HTTPError:
                    candidates = []
                if candidates:
                    candidate = candidates[0]
                    key = f"{tag}-{i}"
                    base = self._instance("kontrol")
                    try:
                        r = client.post(
                            f"{base}/api/v1/cases/{candidate}/openings",
                            json={"purpose": "Fejlscenarie: åbn øverste sag i køen"},
                            headers={"Authorization": f"Bearer {self.anne}", "Idempotency-Key": key},
                        )
                        if r.status_code in (200, 201):
                            body = r.json()
                            self.opened_candidates.add(candidate)
                            self._record(
                                Outcome(
                                    "kontrol",
                                    key,
                                    r.status_code,
                                    "",
                                    {"case_id": body["case_id"], "cpr": body["person"]["cpr"]},
                                    base,
                                )
                            )
                        else:
                            if r.status_code == 409:
                                self.opened_candidates.add(candidate)
                            self._record(Outcome("kontrol", key, r.status_code, _problem_code(r)))
                    except httpx.HTTPError as exc:
                        self._record(Outcome("kontrol", key, 0, type(exc).__name__))
                    i += 1
                self.stop.wait(self.open_every)

    def _submit_loop(self, tag: str) -> None:
        with httpx.Client(timeout=15) as client:
            while not self.stop.is_set():
                with self.lock:
                    item = self.certificates.pop(0) if self.certificates else None
                if item is not None:
                    base = self._instance("koerekort")
                    key = f"{tag}-{item['certificate_id']}"
                    try:
                        r = client.post(
                            f"{base}/api/v1/certificates/{item['certificate_id']}/submissions",
                            headers={
                                "Authorization": f"Bearer {self.doctor_tokens[int(item['doctor'])]}",
                                "Idempotency-Key": key,
                            },
                        )
                        code = "" if r.status_code in (200, 201) else _problem_code(r)
                        self._record(Outcome("koerekort", key, r.status_code, code, dict(item), base))
                    except httpx.HTTPError as exc:
                        self._record(Outcome("koerekort", key, 0, type(exc).__name__, dict(item), base))
                self.stop.wait(self.submit_every)

    def _status_loop(self, tag: str) -> None:
        statuses = ("på vej", "i gang", "løst")
        with httpx.Client(timeout=15) as client:
            i = 0
            while not self.stop.is_set():
                open_tasks = [t for t in self.vv_tasks if self.vv_next.get(t, 0) < len(statuses)]
                if open_tasks:
                    task = open_tasks[i % len(open_tasks)]
                    status = statuses[self.vv_next.get(task, 0)]
                    base = self._instance("viceværtsopgaver")
                    key = f"{task}-{self.vv_next.get(task, 0)}"
                    try:
                        r = client.post(
                            f"{base}/api/v1/tasks/{task}/status-changes",
                            json={"status": status, "note": "Fejlscenarie", "client_update_id": key},
                            headers={"Authorization": f"Bearer {self.lars}"},
                        )
                        if r.status_code in (200, 201):
                            body = r.json()
                            self.vv_next[task] = self.vv_next.get(task, 0) + 1
                            data = {"status_change_id": body["id"], "outcome": body.get("outcome")}
                            self._record(Outcome("vicevaert", key, r.status_code, "", data, base))
                        else:
                            self._record(Outcome("vicevaert", key, r.status_code, _problem_code(r), {}, base))
                    except httpx.HTTPError as exc:
                        self._record(Outcome("vicevaert", key, 0, type(exc).__name__, {}, base))
                    i += 1
                self.stop.wait(self.update_every)

    def start(self, tag: str) -> None:
        self.stop.clear()
        self.threads = [
            threading.Thread(target=self._ivr_loop, args=(f"{tag}-ivr",), daemon=True),
            threading.Thread(target=self._open_loop, args=(f"{tag}-open",), daemon=True),
            threading.Thread(target=self._submit_loop, args=(f"{tag}-submit",), daemon=True),
            threading.Thread(target=self._status_loop, args=(f"{tag}-status",), daemon=True),
        ]
        for t in self.threads:
            t.start()

    def finish(self) -> list[Outcome]:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=30)
        with self.lock:
            taken, self.outcomes = self.outcomes, []
        return taken


def _digits(number: str) -> str:
    return re.sub(r"\D", "", number)[-8:]


def count_effects(
    stack: Stack, outcomes: list[Outcome], sms_received: Callable[[], list[Any]] | None
) -> dict[str, Any]:
    """Per kind: accepted, effects found (exactly once), missing, duplicates; refused by status/code."""
    from sqlalchemy import create_engine, text

    from shared import cpr as cpr_utils

    engine = create_engine(stack.postgres.url)
    table: dict[str, Any] = {}
    try:
        with engine.connect() as c:
            ivr = [o for o in outcomes if o.kind == "ivr" and o.status == 200]
            ids = [o.key for o in ivr]
            rows = dict(
                c.execute(
                    text(
                        "SELECT c.call_id, count(m.id) FROM sms_ydelse.ivr_calls c "
                        "LEFT JOIN sms_ydelse.messages m ON m.ivr_call_id = c.id "
                        "AND m.status IN ('sent','delivered') WHERE c.call_id = ANY(:ids) GROUP BY c.call_id"
                    ),
                    {"ids": ids},
                ).all()
            )
            table["ivr_sms_messages_sent"] = _tally(len(ivr), [rows.get(i, 0) for i in ids])
            if sms_received is not None:
                at_smsc = Counter(_digits(s.receiver) for s in sms_received())
                table["ivr_sms_at_smsc"] = _tally(len(ivr), [at_smsc.get(_digits(o.data["nemsms"]), 0) for o in ivr])
            opened = [o for o in outcomes if o.kind == "kontrol" and o.status in (200, 201)]
            letters, journals = [], []
            for o in opened:
                pseudonym = cpr_utils.pseudonymise(o.data["cpr"])
                letters.append(
                    int(
                        c.execute(
                            text(
                                "SELECT count(*) FROM shared.simulated_digital_post "
                                "WHERE recipient_pseudonym = :p AND sender_service = 'kontrol'"
                            ),
                            {"p": pseudonym},
                        ).scalar()
                        or 0
                    )
                )
                journal = c.execute(
                    text("SELECT journal_number FROM kontrol.cases WHERE id = :id"), {"id": o.data["case_id"]}
                ).scalar()
                docs = (
                    int(
                        c.execute(
                            text("SELECT count(*) FROM kontrol.sim_esdh_documents WHERE journal_number = :j"),
                            {"j": journal},
                        ).scalar()
                        or 0
                    )
                    if journal
                    else 0
                )
                journals.append(docs // KONTROL_JOURNAL_DOCS if docs % KONTROL_JOURNAL_DOCS == 0 else docs)
            table["kontrol_underretning_letters"] = _tally(len(opened), letters)
            table["kontrol_journal_sets"] = _tally(len(opened), journals)
            submitted = [o for o in outcomes if o.kind == "koerekort" and o.status in (200, 201)]
            notes = []
            for o in submitted:
                notes.append(
                    int(
                        c.execute(
                            text(
                                "SELECT count(n.id) FROM koerekort.certificates c "
                                "JOIN koerekort.status_changes s ON s.application_id = c.application_id "
                                "AND s.to_status = 'submitted' "
                                "JOIN koerekort.notifications n ON n.status_change_id = s.id WHERE c.id = :id"
                            ),
                            {"id": o.data["certificate_id"]},
                        ).scalar()
                        or 0
                    )
                )
            table["koerekort_citizen_notifications"] = _tally(len(submitted), notes)
            changed = [
                o
                for o in outcomes
                if o.kind == "vicevaert" and o.status in (200, 201) and o.data["outcome"] == "applied"
            ]
            vv = []
            for o in changed:
                vv.append(
                    int(
                        c.execute(
                            text("SELECT count(*) FROM vicevaert.notifications WHERE dedupe_key = :k"),
                            {"k": f"sc:{o.data['status_change_id']}:orderer"},
                        ).scalar()
                        or 0
                    )
                )
            table["vicevaert_orderer_notifications"] = _tally(len(changed), vv)
            dead = int(c.execute(text("SELECT count(*) FROM shared.dead_letters")).scalar() or 0)
            stuck = dict(
                c.execute(
                    text("SELECT status, count(*) FROM shared.outbox_events WHERE status <> 'done' GROUP BY status")
                ).all()
            )
    finally:
        engine.dispose()
    refused: dict[str, dict[str, int]] = {}
    for o in outcomes:
        if o.status not in (200, 201):
            refused.setdefault(o.kind, Counter())[f"{o.status} {o.code}".strip()] += 1  # type: ignore[index]
    return {
        "effects": table,
        "requests": dict(Counter(o.kind for o in outcomes)),
        "refused": {k: dict(v) for k, v in refused.items()},
        "dead_letters": dead,
        "outbox_not_done": stuck,
    }


def _tally(accepted: int, found_per_request: list[int]) -> dict[str, int]:
    return {
        "accepted": accepted,
        "found_exactly_once": sum(1 for n in found_per_request if n == 1),
        "missing": sum(1 for n in found_per_request if n == 0),
        "duplicates": sum(1 for n in found_per_request if n > 1),
    }


def settled(report: dict[str, Any]) -> bool:
    return all(v["missing"] == 0 for v in report["effects"].values())


def print_table(name: str, report: dict[str, Any]) -> None:
    print(f"\n== {name} ==")
    print(f"{'effect':34} {'accepted':>9} {'found':>7} {'missing':>8} {'dupl.':>6}")
    for effect, v in report["effects"].items():
        print(f"{effect:34} {v['accepted']:>9} {v['found_exactly_once']:>7} {v['missing']:>8} {v['duplicates']:>6}")
    print(
        f"refused: {report['refused']}  dead letters: {report['dead_letters']}  outbox not done: {report['outbox_not_done']}"
    )


def drain(
    stack: Stack, outcomes: list[Outcome], sms: Callable[[], list[Any]] | None, timeout: float
) -> tuple[dict[str, Any], float]:
    """Wait (bounded) until every accepted request's effects exist; return the final count and the wait."""
    t0 = time.monotonic()
    report = count_effects(stack, outcomes, sms)
    while not settled(report) and time.monotonic() - t0 < timeout:
        time.sleep(5)
        report = count_effects(stack, outcomes, sms)
    return report, round(time.monotonic() - t0, 1)


def run_scenario(
    name: str, stack: Stack, traffic: Traffic, harness: Any, options: argparse.Namespace
) -> dict[str, Any]:
    """Traffic on, the fault at `fault_at`, traffic off, bounded drain, count."""
    print(f"\n--- scenario {name} (load average {os.getloadavg()[0]:.1f}) ---", flush=True)
    fault_at = options.fault_at
    events: list[tuple[float, str]] = []
    t0 = time.monotonic()

    def mark(what: str) -> None:
        events.append((round(time.monotonic() - t0, 1), what))
        print(f"  t={events[-1][0]:6.1f}s {what}", flush=True)

    traffic.start(name)
    time.sleep(fault_at)
    if name == "redis_outage":
        stack.redis.stop()
        mark("redis stopped")
        time.sleep(options.redis_outage_seconds)
        stack.redis.start()
        mark("redis started (empty: no persistence)")
    elif name == "worker_kill":
        stack.kill_worker(0)
        stack.worker_processes.pop(0)
        mark("worker SIGKILLed (pool children too)")
        time.sleep(5)
        stack.start_worker()
        mark("new worker started")
    elif name == "postgres_restart":
        stack.postgres.stop("fast")
        mark("postgresql stopped")
        time.sleep(options.postgres_down_seconds)
        stack.postgres.start()
        mark("postgresql started")
    elif name == "none":
        mark("no fault (reference run)")
    elif name == "kannel_outage":
        harness.stop_gateway()
        mark("kannel stopped")
        time.sleep(options.kannel_outage_seconds)
        harness.start_gateway()
        mark("kannel started")
    time.sleep(options.after_seconds)
    outcomes = traffic.finish()
    mark(f"traffic stopped ({len(outcomes)} requests)")
    report, waited = drain(stack, outcomes, harness.received if harness else None, options.drain_timeout)
    mark(f"drained after {waited}s")
    print_table(name, report)
    lost = sum(v["missing"] for v in report["effects"].values())
    dupes = sum(v["duplicates"] for v in report["effects"].values())
    return {
        **report,
        "timeline": events,
        "drain_seconds": waited,
        "load_average_after": os.getloadavg(),
        "missing_total": {
            "value": lost,
            "unit": "effects",
            "target": 0,
            "baseline": None,
            "ratio_to_baseline": None,
            "met": lost == 0,
        },
        "duplicates_total": {
            "value": dupes,
            "unit": "effects",
            "target": 0,
            "baseline": None,
            "ratio_to_baseline": None,
            "met": dupes == 0,
        },
    }


def build_stack(
    options: argparse.Namespace, workdir: Path, *, api_instances: int = 1, workers: int = 1
) -> tuple[Stack, Any]:
    """Kannel harness (if installed) and the private stack wired to it and to the synthetic citizens."""
    citizens_file = workdir / "citizens.json"
    citizens = synthetic_citizens(options.citizens, seed=23)
    citizens_file.write_text(json.dumps(citizens))
    extra = {"SMS_YDELSE_CITIZENS_FILE": str(citizens_file), "DB_POOL_SIZE": "10", "TASK_RETRY_BASE_SECONDS": "2"}
    harness = None
    from services.sms_ydelse.kannel.harness import KannelHarness, binaries_missing

    if not binaries_missing():
        harness = KannelHarness(workdir / "kannel").start()
        extra.update(
            SMS_GATEWAY="kannel",
            KANNEL_SENDSMS_URL=harness.sendsms_url,
            KANNEL_USERNAME=harness.username,
            KANNEL_PASSWORD=harness.password,
        )
    stack = Stack(api_instances=api_instances, workers=workers, worker_concurrency=2, extra_env=extra)
    # This process mints the demo tokens: it must use the stack's dev signing key (under VAR_DIR).
    os.environ.update(APP_ENV="development", VAR_DIR=str(stack.var_dir))
    from shared.settings import get_settings

    get_settings.cache_clear()
    return stack, harness


def prepare_kontrol(stack: Stack, timeout: float = 240) -> int:
    """Raise the weekly capacity so the queue offers enough cases to open; wait until it has items."""
    from shared.auth import AUDIENCES, mint_demo_token

    admin = mint_demo_token("admin", AUDIENCES["kontrol"], ttl_seconds=3600)
    anne = mint_demo_token("sb-anne", AUDIENCES["kontrol"], ttl_seconds=3600)
    current = httpx.get(
        f"{stack.url('kontrol')}/api/v1/settings", headers={"Authorization": f"Bearer {admin}"}, timeout=30
    )
    r = httpx.patch(
        f"{stack.url('kontrol')}/api/v1/settings",
        json={"capacity_per_period": 1000, "control_share": 0.0},
        headers={"Authorization": f"Bearer {admin}", "If-Match": current.headers.get("ETag", "")},
        timeout=30,
    )
    if r.status_code != 200:
        print(f"kontrol settings not changed: {r.status_code} {r.text[:200]}", file=sys.stderr)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        q = httpx.get(f"{stack.url('kontrol')}/api/v1/queue", headers={"Authorization": f"Bearer {anne}"}, timeout=30)
        if q.status_code == 200 and q.json().get("items"):
            return len(q.json()["items"])
        time.sleep(3)
    return 0


def prepare_koerekort(stack: Stack, traffic: Traffic, certificates: int, doctors: int = 5) -> int:
    """Certificates ready for the doctor's submission (citizen's del A signed, doctor's draft saved)."""
    from bench.koerekort_submit import _tokens, seed

    traffic.certificates = seed(stack.postgres.url, certificates=certificates, doctors=doctors)
    traffic.doctor_tokens = _tokens(doctors)
    return len(traffic.certificates)


def prepare_vicevaert(stack: Stack, traffic: Traffic, tasks: int) -> int:
    """Tasks ordered by best-amagerbro and assigned to vv-lars, for caretaker status updates."""
    from shared.auth import AUDIENCES, mint_demo_token

    audience = AUDIENCES["viceværtsopgaver"]
    h = {
        u: {"Authorization": f"Bearer {mint_demo_token(u, audience, ttl_seconds=7200)}"}
        for u in ("best-amagerbro", "tl-susanne", "vv-lars")
    }
    base = stack.url("viceværtsopgaver")
    with httpx.Client(timeout=30) as client:
        buildings = client.get(f"{base}/api/v1/buildings", headers=h["best-amagerbro"]).json()
        building = (buildings["items"] if isinstance(buildings, dict) else buildings)[0]["id"]
        types = client.get(f"{base}/api/v1/task-types", headers=h["best-amagerbro"]).json()
        lars = client.get(f"{base}/api/v1/me/caretaker", headers=h["vv-lars"]).json()["id"]
        for i in range(tasks):
            created = client.post(
                f"{base}/api/v1/tasks",
                json={
                    "building_id": building,
                    "task_type_id": types[i % len(types)]["id"],
                    "priority": "normal",
                    "description": f"Fejlscenarie {i}: døren til depotet klemmer.",
                },
                headers={**h["best-amagerbro"], "Idempotency-Key": f"faults-order-{i}"},
            )
            if created.status_code not in (200, 201):
                print(f"vicevaert task not created: {created.status_code} {created.text[:300]}", file=sys.stderr)
                continue
            task = created.json()
            if (task.get("assigned_caretaker") or {}).get("id") != lars:
                assigned = client.post(
                    f"{base}/api/v1/tasks/{task['id']}/assignments",
                    json={"caretaker_id": lars, "note": "Fejlscenarie: tildelt Lars", "skills_override": True},
                    headers=h["tl-susanne"],
                )
                if assigned.status_code not in (200, 201):
                    print(f"vicevaert task not assigned: {assigned.status_code} {assigned.text[:300]}", file=sys.stderr)
                    continue
            traffic.vv_tasks.append(task["id"])
    return len(traffic.vv_tasks)


def options_parser(doc: str | None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--ivr-rate", type=float, default=4.0, help="IVR calls per second")
    parser.add_argument("--open-every", type=float, default=3.0, help="seconds between kontrol case openings")
    parser.add_argument("--fault-at", type=float, default=15.0, help="seconds of traffic before the fault")
    parser.add_argument("--after-seconds", type=float, default=15.0, help="seconds of traffic after recovery")
    parser.add_argument("--redis-outage-seconds", type=float, default=60.0)
    parser.add_argument("--postgres-down-seconds", type=float, default=10.0)
    parser.add_argument("--kannel-outage-seconds", type=float, default=40.0)
    parser.add_argument("--drain-timeout", type=float, default=240.0, help="a killed task is re-sent after 150 s")
    parser.add_argument("--citizens", type=int, default=3000)
    parser.add_argument("--certificates", type=int, default=180, help="koerekort certificates ready to submit")
    parser.add_argument("--vv-tasks", type=int, default=80, help="viceværtsopgaver tasks (3 status updates each)")
    parser.add_argument("--smoke", action="store_true", help="tiny scale; results to a temporary file")
    return parser


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so `finally` stops the stack and Kannel
    options = options_parser(__doc__).parse_args()
    if options.smoke:
        options.fault_at, options.after_seconds, options.redis_outage_seconds = 4.0, 4.0, 5.0
        options.kannel_outage_seconds, options.postgres_down_seconds, options.citizens = 5.0, 3.0, 200
        options.certificates, options.vv_tasks = 30, 10
    scenarios = [s for s in options.scenarios.split(",") if s]
    workdir = Path(tempfile.mkdtemp(prefix="kk-faults-"))
    load_at_start = os.getloadavg()
    stack, harness = build_stack(options, workdir)
    results: dict[str, Any] = {}
    try:
        t0 = time.monotonic()
        stack.start()
        print(f"stack up after {time.monotonic() - t0:.0f}s", flush=True)
        print(f"kontrol queue items: {prepare_kontrol(stack)}", flush=True)
        citizens = json.loads((workdir / "citizens.json").read_text())
        traffic = Traffic(stack, citizens, ivr_rate=options.ivr_rate, open_every=options.open_every)
        print(f"koerekort certificates ready: {prepare_koerekort(stack, traffic, options.certificates)}", flush=True)
        print(f"vicevaert tasks assigned: {prepare_vicevaert(stack, traffic, options.vv_tasks)}", flush=True)
        for name in scenarios:
            if name == "kannel_outage" and harness is None:
                results[name] = {"skipped": "Kannel is not installed"}
                continue
            results[name] = run_scenario(name, stack, traffic, harness, options)
    finally:
        stack.stop()
        if harness is not None:
            harness.stop()
    figures = {
        "load_average_at_start": load_at_start,
        "load_average_at_end": os.getloadavg(),
        "options": vars(options),
        "scenarios": results,
    }
    name = "faults_smoke" if options.smoke else "faults"
    write_results(name, figures)
    ok = all(
        r.get("missing_total", {}).get("met", True) and r.get("duplicates_total", {}).get("met", True)
        for r in results.values()
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
