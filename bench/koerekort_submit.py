"""Benchmark: the doctor's validate-and-submit of a lægeerklæring under concurrent doctors, on PostgreSQL.

Measured in one run, against the bare FastAPI baseline (`/jwt-insert`: JWT check plus a durable two-row
insert) started the same way on the same machine:
1. open loop: submissions offered at a fixed rate (default 100/s) for a fixed time, spread over D doctors;
   latency is measured from each request's *scheduled* start (no coordinated omission);
2. closed loop: D doctors submit back to back for a fixed time; the achieved rate is the throughput.
Each submission runs the full path: auth, row lock, validation of every rule, content hash and signature,
encrypted snapshot, status change, two outbox events, audit records, commit.

Certificates are realistic (synthetic, from services/koerekort/plausibility/synthetic.py) and seeded through
the service functions (citizen fills and signs del A, doctor saves the draft) before the clock starts.

Usage: .venv/bin/python bench/koerekort_submit.py [--scale full|tiny] [--rate 100] [--seconds 10]
       [--doctors 10] [--workers 2] [--database-url URL] [--output PATH]
Without --database-url a fresh database kk_bench_koerekort is created (and left for inspection).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import figure, free_port, start_server, stop_server, summarise_ms, write_results  # noqa: E402

PG_ADMIN = os.environ.get("TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
SCALES = {
    "full": {"rate": 100.0, "seconds": 8.0, "closed_seconds": 5.0, "doctors": 10, "closed_cap": 700},
    "tiny": {"rate": 10.0, "seconds": 1.0, "closed_seconds": 1.0, "doctors": 2, "closed_cap": 10},
}
TARGET_P99_MS = 50.0


def _fresh_database(name: str) -> str:
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name


def _cpr(rng: random.Random, used: set[str]) -> str:
    while True:
        born = date(rng.randint(1950, 2005), rng.randint(1, 12), rng.randint(1, 28))
        serial = rng.randint(0, 3999) if born.year < 2000 else rng.randint(4000, 4999)
        value = born.strftime("%d%m%y") + f"{serial:04d}"
        if value not in used:
            used.add(value)
            return value


def _doctor(index: int) -> tuple[str, dict[str, Any]]:
    return f"B{index:04d}", {"sub": f"bench-doctor-{index}", "authorisation_id": f"B{index:04d}"}


def seed(database_url: str, *, certificates: int, doctors: int, seed_value: int = 7) -> list[dict[str, str]]:
    """Create doctors and certificates ready for submission; returns [{certificate_id, doctor}]."""
    os.environ["DATABASE_URL"] = database_url
    from shared.settings import get_settings

    get_settings.cache_clear()
    from shared.db import reset_engine

    reset_engine()
    from sqlalchemy import select

    from services.koerekort.applications import service as applications
    from services.koerekort.certificates import service as certificate_service
    from services.koerekort.documents import today_in_copenhagen
    from services.koerekort.models import Doctor, SimulatedGpListing
    from services.koerekort.plausibility.synthetic import plausible
    from shared import cpr as cpr_utils
    from shared.auth import Principal
    from shared.db import session_scope

    rng = random.Random(seed_value)
    today = today_in_copenhagen()
    with session_scope() as session:
        for index in range(doctors):
            authorisation_id, _ = _doctor(index)
            if session.scalar(select(Doctor).where(Doctor.authorisation_id == authorisation_id)) is None:
                session.add(
                    Doctor(
                        authorisation_id=authorisation_id,
                        name=f"Benchlæge {index}",
                        clinic_name="Benchklinikken",
                        certificate_fee_ore=0,
                        active=True,
                    )
                )
    ready: list[dict[str, str]] = []
    used: set[str] = set()
    batch_size = 50
    for start in range(0, certificates, batch_size):
        with session_scope() as session:
            for number in range(start, min(start + batch_size, certificates)):
                index = number % doctors
                authorisation_id, doctor_attributes = _doctor(index)
                synthetic = plausible(rng, today)
                while synthetic.context["attachments"]:  # keep the bench free of file uploads
                    synthetic = plausible(rng, today)
                cpr = _cpr(rng, used)
                if synthetic.context["is_own_gp"]:
                    session.add(
                        SimulatedGpListing(
                            citizen_pseudonym=cpr_utils.pseudonymise(cpr), gp_authorisation_id=authorisation_id
                        )
                    )
                    session.flush()
                citizen = Principal(f"bench-citizen-{number}", frozenset({"borger"}), "Benchborger", {"cpr": cpr})
                doctor = Principal(doctor_attributes["sub"], frozenset({"laege"}), "Benchlæge", doctor_attributes)
                application, _ = applications.create_application(
                    session,
                    principal=citizen,
                    acquisition_type="first_licence",
                    categories=synthetic.context["categories"],
                    student_cpr=None,
                    idempotency_key=None,
                )
                applications.save_del_a(
                    session,
                    principal=citizen,
                    application_id=application.id,
                    del_a=synthetic.document["del_a"],
                    if_match=None,
                )
                applications.choose_doctor(
                    session, principal=citizen, application_id=application.id, authorisation_id=authorisation_id
                )
                applications.sign_del_a(session, principal=citizen, application_id=application.id, if_match=None)
                from services.koerekort.access import certificate_of

                certificate = certificate_of(session, application)
                _saved, result = certificate_service.save_draft(
                    session,
                    principal=doctor,
                    certificate_id=certificate.id,
                    form_version=certificate.form_version,
                    parts={k: synthetic.document.get(k) for k in ("del_b", "supplementary", "conclusion")},
                    if_match=None,
                )
                assert result.valid, [(e.field, e.code) for e in result.errors]
                ready.append({"certificate_id": str(certificate.id), "doctor": str(index)})
    return ready


def _tokens(doctors: int) -> list[str]:
    from shared.auth import AUDIENCES, mint_token

    tokens = []
    for index in range(doctors):
        _authorisation_id, attributes = _doctor(index)
        tokens.append(
            mint_token(
                sub=attributes["sub"],
                roles=["laege"],
                audience=AUDIENCES["koerekort"],
                name=f"Benchlæge {index}",
                attributes={"authorisation_id": attributes["authorisation_id"]},
                ttl_seconds=3600,
            )
        )
    return tokens


async def _open_loop(
    base: str, requests: list[tuple[str, dict[str, str]]], rate: float
) -> tuple[list[float], dict[str, int], float]:
    """Fire request i at start + i/rate; latency counts from the scheduled moment."""
    import httpx

    latencies: list[float] = []
    statuses: dict[str, int] = {}
    # A bounded connection pool: requests beyond it wait in the client, and their wait still counts
    # (latency runs from the scheduled start), without a connection storm on a 2-core machine.
    limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        start = time.perf_counter() + 0.2

        async def one(index: int, path: str, headers: dict[str, str]) -> None:
            scheduled = start + index / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            response = await client.post(path, headers=headers)
            latencies.append(time.perf_counter() - scheduled)
            statuses[str(response.status_code)] = statuses.get(str(response.status_code), 0) + 1

        await asyncio.gather(*(one(i, p, h) for i, (p, h) in enumerate(requests)))
        elapsed = time.perf_counter() - start
    return latencies, statuses, elapsed


async def _closed_loop(
    base: str, queues: list[list[tuple[str, dict[str, str]]]], seconds: float
) -> tuple[list[float], dict[str, int], float]:
    """Each doctor submits back to back until the time is up or their certificates run out."""
    import httpx

    latencies: list[float] = []
    statuses: dict[str, int] = {}
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        start = time.perf_counter()
        deadline = start + seconds

        async def doctor(queue: list[tuple[str, dict[str, str]]]) -> None:
            for path, headers in queue:
                if time.perf_counter() >= deadline:
                    return
                began = time.perf_counter()
                response = await client.post(path, headers=headers)
                latencies.append(time.perf_counter() - began)
                statuses[str(response.status_code)] = statuses.get(str(response.status_code), 0) + 1

        await asyncio.gather(*(doctor(q) for q in queues))
        elapsed = time.perf_counter() - start
    return latencies, statuses, elapsed


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=sorted(SCALES), default="full")
    parser.add_argument("--rate", type=float)
    parser.add_argument("--seconds", type=float)
    parser.add_argument("--doctors", type=int)
    parser.add_argument("--closed-cap", type=int, help="certificates reserved for the closed-loop phase")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers for both apps")
    parser.add_argument("--database-url")
    parser.add_argument("--output", help="write the JSON here instead of bench/results/koerekort_submit.json")
    options = parser.parse_args(argv)
    scale = dict(SCALES[options.scale])
    rate = options.rate or scale["rate"]
    seconds = options.seconds or scale["seconds"]
    doctors = options.doctors or scale["doctors"]
    open_count = int(rate * seconds)
    closed_cap = options.closed_cap or int(scale["closed_cap"])

    database_url = options.database_url
    if not database_url:
        database_url = _fresh_database("kk_bench_koerekort")
        from shared.migrate import upgrade_to_head

        upgrade_to_head(database_url)
    began = time.perf_counter()
    ready = seed(database_url, certificates=open_count + closed_cap, doctors=doctors)
    seeding_seconds = time.perf_counter() - began
    print(f"seeded {len(ready)} certificates in {seeding_seconds:.1f} s", file=sys.stderr)

    tokens = _tokens(doctors)
    env = {"DATABASE_URL": database_url, "REDIS_URL": "", "LOG_LEVEL": "WARNING", "BASELINE_AUDIENCE": "koerekort"}
    app_port, baseline_port = free_port(), free_port()
    app = start_server("services.koerekort.app:create_app", port=app_port, env=env, workers=options.workers)
    baseline = start_server("bench.baseline_app:create_app", port=baseline_port, env=env, workers=options.workers)
    try:

        def submit_request(item: dict[str, str]) -> tuple[str, dict[str, str]]:
            headers = {
                "Authorization": f"Bearer {tokens[int(item['doctor'])]}",
                "Idempotency-Key": f"bench-{item['certificate_id']}",
            }
            return f"/api/v1/certificates/{item['certificate_id']}/submissions", headers

        def baseline_request(index: int) -> tuple[str, dict[str, str]]:
            return "/jwt-insert", {"Authorization": f"Bearer {tokens[index % doctors]}"}

        warm = min(20, len(ready) // 10)
        asyncio.run(_open_loop(f"http://127.0.0.1:{app_port}", [submit_request(r) for r in ready[:warm]], 20))
        asyncio.run(_open_loop(f"http://127.0.0.1:{baseline_port}", [baseline_request(i) for i in range(20)], 20))
        ready = ready[warm:]
        open_items, closed_items = ready[:open_count], ready[open_count:]

        base_open, base_open_status, base_open_elapsed = asyncio.run(
            _open_loop(f"http://127.0.0.1:{baseline_port}", [baseline_request(i) for i in range(open_count)], rate)
        )
        app_open, app_open_status, app_open_elapsed = asyncio.run(
            _open_loop(f"http://127.0.0.1:{app_port}", [submit_request(r) for r in open_items], rate)
        )
        baseline_queues = [[baseline_request(i) for i in range(closed_cap)] for _ in range(doctors)]
        base_closed, _base_closed_status, base_closed_elapsed = asyncio.run(
            _closed_loop(f"http://127.0.0.1:{baseline_port}", baseline_queues, scale["closed_seconds"])
        )
        app_queues = [[submit_request(r) for r in closed_items[d::doctors]] for d in range(doctors)]
        app_closed, app_closed_status, app_closed_elapsed = asyncio.run(
            _closed_loop(f"http://127.0.0.1:{app_port}", app_queues, scale["closed_seconds"])
        )
    finally:
        stop_server(app)
        stop_server(baseline)

    app_open_ms, base_open_ms = summarise_ms(app_open), summarise_ms(base_open)
    app_closed_ms, base_closed_ms = summarise_ms(app_closed), summarise_ms(base_closed)
    achieved = len(app_open) / app_open_elapsed
    base_achieved = len(base_open) / base_open_elapsed
    closed_rps = len(app_closed) / app_closed_elapsed
    base_closed_rps = len(base_closed) / base_closed_elapsed
    ok = app_open_status.get("201", 0) == len(open_items) and set(app_closed_status) <= {"201"}
    figures: dict[str, Any] = {
        "method": {
            "scale": options.scale,
            "offered_rate_per_s": rate,
            "open_loop_seconds": seconds,
            "closed_loop_seconds": scale["closed_seconds"],
            "doctors": doctors,
            "uvicorn_workers": options.workers,
            "database": "PostgreSQL (same machine)",
            "note": "2-core machine shared with other engineers' test runs and benchmarks; the load generator "
            "runs on the same cores. Latency counts from each request's scheduled start.",
            "seeding_seconds": round(seeding_seconds, 1),
        },
        "submit_p99_ms_at_offered_rate": figure(app_open_ms["p99_ms"], "ms", TARGET_P99_MS, base_open_ms["p99_ms"]),
        "submit_p50_ms_at_offered_rate": figure(app_open_ms["p50_ms"], "ms", None, base_open_ms["p50_ms"]),
        # 3 % slack: the open loop's last requests may still be in flight when the clock stops.
        "submit_achieved_rate_per_s": figure(achieved, "req/s", rate, base_achieved, met=achieved >= 0.97 * rate),
        "submit_max_throughput_per_s": figure(closed_rps, "req/s", rate, base_closed_rps, lower_is_better=False),
        "submit_p99_ms_closed_loop": figure(app_closed_ms["p99_ms"], "ms", None, base_closed_ms["p99_ms"]),
        "all_submissions_accepted": {"value": ok, "unit": "bool", "target": True, "met": ok},
        "raw": {
            "open_loop": {"koerekort": app_open_ms, "baseline_jwt_insert": base_open_ms},
            "closed_loop": {"koerekort": app_closed_ms, "baseline_jwt_insert": base_closed_ms},
            "status_codes": {"open": app_open_status, "closed": app_closed_status, "baseline_open": base_open_status},
        },
    }
    if options.output:
        document = {"benchmark": "koerekort_submit", "measured_at": datetime.now(UTC).isoformat(), **figures}
        Path(options.output).write_text(json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n")
    else:
        write_results("koerekort_submit", figures)
    return figures


if __name__ == "__main__":
    main()
