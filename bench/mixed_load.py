"""Mixed load on all four services at once, on a private production-shaped stack (loopback only, bounded).

User populations (asyncio + httpx, open loop: each user acts on a schedule, so a slow server does not slow the
offered load down):
- caseworkers (kontrol): read the prioritised queue and their own cases; now and then open the top case;
- doctors (koerekort): list their certificates, read one, submit a prepared lægeerklæring;
- caretakers (viceværtsopgaver): read their day's tasks and a task, post status updates (på vej → i gang → løst);
- IVR (sms_ydelse): a steady trickle of calls plus a payday burst (a multiple of the rate) every few minutes.
A bare FastAPI baseline (`bench/baseline_app.py`, `/plain`) is measured in the same run at the start.

Reported: throughput, p50/p99 and errors per endpoint; RSS (psutil) of every stack process (API processes,
Celery workers with their pool children, relay, PostgreSQL, Redis) sampled every `--sample-seconds`.
Memory check: for each process, growth ratio = mean RSS of the last quarter / mean RSS of the second quarter
of the run; the check passes when every ratio is ≤ 1.25 (bounded growth: caches and pools warm up in the first
quarter, which is excluded).

Run: .venv/bin/python -m bench.mixed_load [--minutes 10] | --smoke (about 30 s of load)
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench.common import ROOT, free_port, percentile, start_server, stop_server, write_results
from bench.faults import (
    Traffic,
    _problem_code,
    build_stack,
    options_parser,
    prepare_koerekort,
    prepare_kontrol,
    prepare_vicevaert,
)
from bench.stack import Stack

GROWTH_LIMIT = 1.25
_INFLIGHT: set[asyncio.Future[Any]] = set()


def _spawn(coroutine: Any) -> None:
    """Start a request without waiting for it (open loop), keeping a reference until it is done."""
    future = asyncio.ensure_future(coroutine)
    _INFLIGHT.add(future)
    future.add_done_callback(_INFLIGHT.discard)


class Recorder:
    def __init__(self) -> None:
        self.samples: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.count: dict[str, int] = defaultdict(int)

    def add(self, endpoint: str, seconds: float, status: int, code: str = "") -> None:
        self.count[endpoint] += 1
        if status >= 400 or status == 0:
            self.errors[endpoint][f"{status} {code}".strip()] += 1
        else:
            self.samples[endpoint].append(seconds)


async def _call(
    client: httpx.AsyncClient, rec: Recorder, label: str, method: str, url: str, **kwargs: Any
) -> httpx.Response | None:
    t0 = time.perf_counter()
    try:
        r = await client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        rec.add(label, time.perf_counter() - t0, 0, type(exc).__name__)
        return None
    rec.add(label, time.perf_counter() - t0, r.status_code, "" if r.status_code < 400 else _problem_code(r))
    return r


async def _every(seconds: float, stop: asyncio.Event, action: Any, jitter: random.Random) -> None:
    await asyncio.sleep(jitter.random() * seconds)
    while not stop.is_set():
        started = time.monotonic()
        _spawn(action())
        await asyncio.sleep(max(0.0, seconds - (time.monotonic() - started)))


async def drive(stack: Stack, traffic: Traffic, rec: Recorder, seconds: float, options: Any) -> None:
    """All populations at once for `seconds`."""
    from shared.auth import AUDIENCES, mint_demo_token

    rng = random.Random(5)
    stop = asyncio.Event()
    anne = {"Authorization": f"Bearer {traffic.anne}"}
    lars = {"Authorization": f"Bearer {traffic.lars}"}
    ivr = {"Authorization": f"Bearer {traffic.ivr_token}"}
    bo = {"Authorization": f"Bearer {mint_demo_token('sb-bo', AUDIENCES['kontrol'], ttl_seconds=7200)}"}
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=32)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        kontrol, koerekort = stack.url("kontrol"), stack.url("koerekort")
        vv, sms = stack.url("viceværtsopgaver"), stack.url("sms_ydelse")
        opened: set[str] = set()
        call_no = [0]
        vv_step: dict[str, int] = {}

        async def caseworker() -> None:
            who = anne if rng.random() < 0.5 else bo
            r = await _call(client, rec, "GET kontrol /queue", "GET", f"{kontrol}/api/v1/queue", headers=who)
            await _call(client, rec, "GET kontrol /cases", "GET", f"{kontrol}/api/v1/cases", headers=who)
            if r is not None and r.status_code == 200 and rng.random() < options.open_share:
                items = [i for i in r.json().get("items", []) if i["candidate_id"] not in opened]
                if items:
                    opened.add(items[0]["candidate_id"])
                    await _call(
                        client,
                        rec,
                        "POST kontrol /cases/{id}/openings",
                        "POST",
                        f"{kontrol}/api/v1/cases/{items[0]['candidate_id']}/openings",
                        json={"purpose": "Belastningstest: øverste sag i køen"},
                        headers={**who, "Idempotency-Key": f"mixed-{items[0]['candidate_id']}"},
                    )

        async def doctor() -> None:
            if not traffic.certificates:
                return
            item = traffic.certificates.pop(0)
            headers = {"Authorization": f"Bearer {traffic.doctor_tokens[int(item['doctor'])]}"}
            await _call(
                client, rec, "GET koerekort /certificates", "GET", f"{koerekort}/api/v1/certificates", headers=headers
            )
            cid = item["certificate_id"]
            await _call(
                client,
                rec,
                "GET koerekort /certificates/{id}",
                "GET",
                f"{koerekort}/api/v1/certificates/{cid}",
                headers=headers,
            )
            await _call(
                client,
                rec,
                "POST koerekort /certificates/{id}/submissions",
                "POST",
                f"{koerekort}/api/v1/certificates/{cid}/submissions",
                headers={**headers, "Idempotency-Key": f"mixed-{cid}"},
            )

        async def caretaker() -> None:
            await _call(client, rec, "GET vicevaert /me/tasks", "GET", f"{vv}/api/v1/me/tasks", headers=lars)
            open_tasks = [t for t in traffic.vv_tasks if vv_step.get(t, 0) < 3]
            if not open_tasks:
                return
            task = rng.choice(open_tasks)
            await _call(client, rec, "GET vicevaert /tasks/{id}", "GET", f"{vv}/api/v1/tasks/{task}", headers=lars)
            step = vv_step.get(task, 0)
            vv_step[task] = step + 1
            await _call(
                client,
                rec,
                "POST vicevaert /tasks/{id}/status-changes",
                "POST",
                f"{vv}/api/v1/tasks/{task}/status-changes",
                json={"status": ("på vej", "i gang", "løst")[step], "client_update_id": f"mixed-{task}-{step}"},
                headers=lars,
            )

        async def ivr_call() -> None:
            call_no[0] += 1
            citizen = traffic.citizens[call_no[0] % len(traffic.citizens)]
            await _call(
                client,
                rec,
                "POST sms_ydelse /ivr-calls",
                "POST",
                f"{sms}/api/v1/ivr-calls",
                json={
                    "call_id": f"mixed-{call_no[0]}",
                    "caller_number": f"+4572{call_no[0]:06d}",
                    "menu_item": "info_om_ydelse",
                    "digits": citizen["cpr"],
                },
                headers=ivr,
            )

        async def payday_bursts() -> None:
            while not stop.is_set():
                await asyncio.sleep(options.burst_every)
                if stop.is_set():
                    return
                end = time.monotonic() + options.burst_seconds
                while time.monotonic() < end and not stop.is_set():
                    _spawn(ivr_call())
                    await asyncio.sleep(1 / options.burst_rate)

        tasks = [
            asyncio.ensure_future(_every(options.caseworker_every, stop, caseworker, rng)),
            asyncio.ensure_future(_every(options.doctor_every, stop, doctor, rng)),
            asyncio.ensure_future(_every(options.caretaker_every, stop, caretaker, rng)),
            asyncio.ensure_future(_every(1 / options.ivr_rate, stop, ivr_call, rng)),
            asyncio.ensure_future(payday_bursts()),
        ]
        await asyncio.sleep(seconds)
        stop.set()
        for t in tasks:
            t.cancel()
        await asyncio.sleep(5)  # let requests in flight finish


def stack_processes(stack: Stack) -> dict[str, list[psutil.Process]]:
    """Name → processes (a worker counts with its pool children)."""
    named: dict[str, list[psutil.Process]] = {}
    for service, instances in stack.apis.items():
        for i, (_, p) in enumerate(instances):
            if p is not None:
                named[f"api {service} #{i}"] = [psutil.Process(p.pid)]
    for i, p in enumerate(stack.worker_processes):
        parent = psutil.Process(p.pid)
        named[f"celery worker #{i} (+pool)"] = [parent]
    if stack.relay is not None:
        named["outbox relay"] = [psutil.Process(stack.relay.pid)]
    for proc in psutil.process_iter(["cmdline", "username"]):
        cmd = " ".join(proc.info["cmdline"] or [])
        if f"-D {stack.postgres.directory}" in cmd:
            named["postgresql (postmaster+backends, USS)"] = [proc]
        if "redis-server" in cmd and f":{stack.redis.port}" in cmd:
            named["redis"] = [proc]
    return named


def rss_mb(procs: list[psutil.Process], with_children: bool, unique: bool = False) -> float:
    """RSS in MB (with children); `unique` sums USS instead, for PostgreSQL, whose backends all map shared_buffers."""

    def one(p: psutil.Process) -> int:
        return int(p.memory_full_info().uss) if unique else int(p.memory_info().rss)

    total = 0
    for p in procs:
        try:
            total += one(p)
            if with_children:
                total += sum(one(c) for c in p.children(recursive=True))
        except psutil.Error:
            continue
    return round(total / 2**20, 1)


def sample_memory(stack: Stack, every: float, stop: threading.Event, out: dict[str, list[tuple[float, float]]]) -> None:
    t0 = time.monotonic()
    while not stop.is_set():
        named = stack_processes(stack)
        now = round(time.monotonic() - t0, 1)
        for name, procs in named.items():
            children = "worker" in name or "postgres" in name
            out.setdefault(name, []).append((now, rss_mb(procs, with_children=children, unique="postgres" in name)))
        stop.wait(every)


def memory_verdict(series: dict[str, list[tuple[float, float]]]) -> dict[str, Any]:
    verdict: dict[str, Any] = {}
    for name, points in series.items():
        values = [v for _, v in points]
        n = len(values)
        if n < 8:
            verdict[name] = {"samples": n, "note": "too few samples"}
            continue
        second_q = values[n // 4 : n // 2]
        last_q = values[3 * n // 4 :]
        ratio = statistics.fmean(last_q) / statistics.fmean(second_q)
        half = points[n // 2 :]
        xs, ys = [t for t, _ in half], [v for _, v in half]
        slope = statistics.linear_regression(xs, ys).slope * 60 if len(set(xs)) > 1 else 0.0
        verdict[name] = {
            "samples": n,
            "first_mb": values[0],
            "max_mb": max(values),
            "last_mb": values[-1],
            "growth_ratio_last_vs_second_quarter": round(ratio, 3),
            "slope_second_half_mb_per_min": round(slope, 3),
            "bounded": ratio <= GROWTH_LIMIT,
        }
    return verdict


def baseline_figures(seconds: float, rate: float) -> dict[str, Any]:
    """The bare FastAPI `/plain` endpoint at a steady rate, same machine, same run."""
    port = free_port()
    process = start_server("bench.baseline_app:create_app", port=port)
    rec = Recorder()

    async def go() -> None:
        async with httpx.AsyncClient(timeout=30) as client:
            stop = asyncio.Event()
            task = asyncio.ensure_future(
                _every(
                    1 / rate,
                    stop,
                    lambda: _call(client, rec, "GET /plain", "GET", f"http://127.0.0.1:{port}/plain"),
                    random.Random(1),
                )
            )
            await asyncio.sleep(seconds)
            stop.set()
            task.cancel()
            await asyncio.sleep(2)

    try:
        asyncio.run(go())
    finally:
        stop_server(process)
    lat = [s * 1000 for s in rec.samples["GET /plain"]]
    return {"p50_ms": round(percentile(lat, 50), 2), "p99_ms": round(percentile(lat, 99), 2), "count": len(lat)}


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = options_parser(__doc__)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--caseworker-every", type=float, default=2.0, help="seconds between caseworker actions")
    parser.add_argument("--open-share", type=float, default=0.1, help="share of caseworker actions that open a case")
    parser.add_argument("--doctor-every", type=float, default=2.0)
    parser.add_argument("--caretaker-every", type=float, default=2.0)
    parser.add_argument("--burst-every", type=float, default=120.0, help="seconds between payday bursts")
    parser.add_argument("--burst-seconds", type=float, default=30.0)
    parser.add_argument("--burst-rate", type=float, default=20.0, help="IVR calls/s during a burst")
    parser.add_argument("--sample-seconds", type=float, default=10.0)
    options = parser.parse_args()
    seconds = options.minutes * 60
    if options.smoke:
        seconds, options.burst_every, options.burst_seconds, options.sample_seconds = 30.0, 10.0, 5.0, 2.0
        options.citizens, options.certificates, options.vv_tasks = 300, 30, 10
    else:
        options.certificates = max(options.certificates, int(seconds / options.doctor_every) + 10)
        options.vv_tasks = max(options.vv_tasks, int(seconds / options.caretaker_every / 3) + 10)
    options.ivr_rate = 2.0 if options.ivr_rate == 4.0 else options.ivr_rate
    load_at_start = os.getloadavg()
    workdir = Path(tempfile.mkdtemp(prefix="kk-mixed-"))
    stack, harness = build_stack(options, workdir)
    figures: dict[str, Any] = {}
    try:
        base = baseline_figures(10 if options.smoke else 30, 20)
        print(f"baseline /plain at 20/s: {base}", flush=True)
        stack.start()
        print(f"kontrol queue items: {prepare_kontrol(stack)}", flush=True)
        citizens = json.loads((workdir / "citizens.json").read_text())
        traffic = Traffic(stack, citizens, ivr_rate=options.ivr_rate, open_every=1)
        print(f"koerekort certificates ready: {prepare_koerekort(stack, traffic, options.certificates)}", flush=True)
        print(f"vicevaert tasks assigned: {prepare_vicevaert(stack, traffic, options.vv_tasks)}", flush=True)
        rec = Recorder()
        memory: dict[str, list[tuple[float, float]]] = {}
        stop_sampling = threading.Event()
        sampler = threading.Thread(
            target=sample_memory, args=(stack, options.sample_seconds, stop_sampling, memory), daemon=True
        )
        sampler.start()
        loads = []
        t0 = time.monotonic()
        load_thread_stop = threading.Event()

        def load_sampler() -> None:
            while not load_thread_stop.is_set():
                loads.append(os.getloadavg()[0])
                load_thread_stop.wait(30)

        threading.Thread(target=load_sampler, daemon=True).start()
        asyncio.run(drive(stack, traffic, rec, seconds, options))
        elapsed = time.monotonic() - t0
        stop_sampling.set()
        load_thread_stop.set()
        sampler.join(timeout=30)
        endpoints = {}
        for label in sorted(rec.count):
            lat = [s * 1000 for s in rec.samples[label]]
            endpoints[label] = {
                "requests": rec.count[label],
                "ok": len(lat),
                "errors": dict(rec.errors.get(label, {})),
                "throughput_per_s": round(rec.count[label] / elapsed, 3),
                "p50_ms": round(percentile(lat, 50), 1) if lat else None,
                "p99_ms": round(percentile(lat, 99), 1) if lat else None,
                "p99_ratio_to_baseline_plain": round(percentile(lat, 99) / base["p99_ms"], 1) if lat else None,
            }
        mem = memory_verdict(memory)
        total = sum(rec.count.values())
        errors = sum(sum(v.values()) for v in rec.errors.values())
        bounded = all(v.get("bounded", True) for v in mem.values())
        print(f"\n{'endpoint':48} {'req':>6} {'err':>5} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8}")
        for label, e in endpoints.items():
            print(
                f"{label:48} {e['requests']:>6} {sum(e['errors'].values()):>5} {e['throughput_per_s']:>7} "
                f"{e['p50_ms']!s:>8} {e['p99_ms']!s:>8}"
            )
        print(f"\n{'process':40} {'first':>7} {'max':>7} {'last':>7} {'growth':>7} {'MB/min':>7}")
        for name, v in mem.items():
            if "growth_ratio_last_vs_second_quarter" in v:
                print(
                    f"{name:40} {v['first_mb']:>7} {v['max_mb']:>7} {v['last_mb']:>7} "
                    f"{v['growth_ratio_last_vs_second_quarter']:>7} {v['slope_second_half_mb_per_min']:>7}"
                )
        figures = {
            "duration_seconds": round(elapsed, 1),
            "baseline_plain": base,
            "endpoints": endpoints,
            "memory": mem,
            "memory_series_mb": memory,
            "load_average_samples": loads,
            "throughput": {
                "value": round(total / elapsed, 2),
                "unit": "requests/s (offered open-loop mix, not capacity)",
                "target": None,
                "baseline": None,
                "ratio_to_baseline": None,
                "met": None,
            },
            "error_rate": {
                "value": round(errors / total, 5) if total else None,
                "unit": "share of requests",
                "target": 0.01,
                "baseline": None,
                "ratio_to_baseline": None,
                "met": (errors / total) <= 0.01 if total else None,
            },
            "memory_bounded": {
                "value": max((v.get("growth_ratio_last_vs_second_quarter", 0) for v in mem.values()), default=None),
                "unit": "max RSS growth ratio (last vs second quarter)",
                "target": GROWTH_LIMIT,
                "baseline": None,
                "ratio_to_baseline": None,
                "met": bounded,
            },
        }
    finally:
        stack.stop()
        if harness is not None:
            harness.stop()
    figures.update(load_average_at_start=load_at_start, load_average_at_end=os.getloadavg(), options=vars(options))
    write_results("mixed_load_smoke" if options.smoke else "mixed_load", figures)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
