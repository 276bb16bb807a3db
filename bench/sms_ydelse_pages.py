"""Benchmark: the sms_ydelse operations page (/drift) and the API calls behind its 30-second auto-refresh.

Data: the service's demo seed (a week with a payday peak) plus the same synthetic traffic for the
23 days before it – about a month of calls, roughly the brief's ~5,000 kontanthjælp calls a month –
in a private PostgreSQL database. Figures, against a bare FastAPI baseline in the same run:
- each API call the page makes for a 30-day period (sequential GETs as admin), against the
  baseline's `/jwt-insert` (JWT check + a durable PostgreSQL insert) and `/plain`;
- one refresh round (the five calls one after another, an upper bound: the page runs four in parallel);
- in Debian's chromium: /drift until the key figures and charts are drawn (fresh context, cold cache,
  logged in through sessionStorage), against navigating to the baseline's /plain.
Targets (100 ms p50 per call, 1 s for a refresh round, 1.5 s until the page is drawn) are our own choices.

Usage: .venv/bin/python bench/sms_ydelse_pages.py [--requests 200] [--browser-loads 15] [--days 30]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import pages_common as pages
from bench.common import figure, summarise_ms, write_results


def _seed(days: int) -> int:
    """The demo week, then the same synthetic traffic for the days before it; returns the number of calls."""
    from sqlalchemy import func, select

    from services.sms_ydelse import seed as demo_seed
    from services.sms_ydelse import service
    from services.sms_ydelse.models import IvrCall
    from services.sms_ydelse.registers.simulator import population
    from shared import cpr as cpr_utils
    from shared.db import session_scope, utcnow

    with session_scope() as session:
        demo_seed.seed(session)
    rng = random.Random(5)
    pseudonyms = [cpr_utils.pseudonymise(c) for c in population()]
    today = service.today_in_copenhagen()
    n = 1_000_000
    for days_ago in range(days, 7, -1):
        day = today - timedelta(days=days_ago)
        with session_scope() as session:
            for hour in range(24):
                base = 6 if 8 <= hour <= 16 else 1
                for _ in range(rng.randint(base, base * 3)):
                    local = datetime(day.year, day.month, day.day, hour, rng.randrange(60), tzinfo=service.COPENHAGEN)
                    demo_seed._demo_call(session, rng, n, local.astimezone(utcnow().tzinfo), pseudonyms)
                    n += 1
    with session_scope() as session:
        return int(session.scalar(select(func.count()).select_from(IvrCall)) or 0)


def _drawn(page: Any) -> None:
    page.locator("[data-ops-updated]").filter(has_text="Senest opdateret").wait_for(timeout=30_000)


def measure(
    *, requests: int, browser_loads: int, days: int, browser: Any = None, database_url: str | None = None
) -> dict[str, Any]:
    """Seed a private database, start the baseline and sms_ydelse, measure, stop and drop everything.

    `database_url` (an empty, migrated database, e.g. the test suite's) skips creating, migrating and dropping one.
    """
    with pages.private_environment(f"kk_bench_sms_pages_{os.getpid()}", database_url=database_url) as env:
        from shared.auth import AUDIENCES, mint_demo_token

        calls = _seed(days)
        from services.sms_ydelse.service import today_in_copenhagen

        end = today_in_copenhagen()
        period = {"from": (end - timedelta(days=days - 1)).isoformat(), "to": end.isoformat()}
        admin = mint_demo_token("admin", AUDIENCES["sms_ydelse"], ttl_seconds=7200)
        ivr = mint_demo_token("ivr-telefoni", AUDIENCES["sms_ydelse"], ttl_seconds=7200)
        with pages.baseline_and_service("services.sms_ydelse.app:create_app", env) as (base, svc):
            as_admin = {"Authorization": f"Bearer {admin}"}
            calls_made: dict[str, tuple[str, dict[str, Any]]] = {
                "overview": ("/api/v1/statistics/overview", period),
                "daily": ("/api/v1/statistics/daily", period),
                "hourly": ("/api/v1/statistics/hourly", {"day": (end - timedelta(days=2)).isoformat()}),
                "delivery_failures": ("/api/v1/delivery-failures", {**period, "limit": 50}),
                "dead_letters": ("/api/v1/dead-letters", {"limit": 1000}),
            }
            with httpx.Client(timeout=30) as client:
                plain = summarise_ms(pages.time_requests(client, "GET", base + "/plain", requests))
                jwt_insert = summarise_ms(
                    pages.time_requests(
                        client, "POST", base + "/jwt-insert", requests, headers={"Authorization": f"Bearer {ivr}"}
                    )
                )
                endpoints = {
                    key: summarise_ms(
                        pages.time_requests(client, "GET", svc + path, requests, params=params, headers=as_admin)
                    )
                    for key, (path, params) in calls_made.items()
                }
                rounds = []
                for _ in range(max(5, requests // 10)):
                    started = time.perf_counter()
                    for path, params in calls_made.values():
                        client.get(svc + path, params=params, headers=as_admin).raise_for_status()
                    rounds.append(time.perf_counter() - started)
                refresh = summarise_ms(rounds)
            figures: dict[str, Any] = {
                "method": f"{requests} sequential GETs per URL after 10 warm-up requests, one uvicorn worker each, "
                f"PostgreSQL; {calls} IVR calls over {days} days, period = {days} days. 2-core machine shared with "
                "other engineers' test runs (expect noise).",
                "ivr_calls_in_database": calls,
                "baseline_plain": plain,
                "baseline_jwt_insert": jwt_insert,
                "endpoints": endpoints,
                "refresh_round": refresh,
                "refresh_round_p50": figure(refresh["p50_ms"], "ms", 1000.0, None),
            }
            for key, summary in endpoints.items():
                figures[f"{key}_p50"] = figure(summary["p50_ms"], "ms", 100.0, jwt_insert["p50_ms"])
            if browser_loads > 0:
                session = pages.session_value(svc, "admin", "Systemadministrator")
                samples = pages.with_browser(
                    browser,
                    lambda instance: pages.cold_loads(
                        instance, svc + "/drift", base + "/plain", browser_loads, ready=_drawn, session=session
                    ),
                )
                ready, bare = summarise_ms(samples["page"]), summarise_ms(samples["baseline"])
                figures["browser"] = {
                    "method": f"{browser_loads} loads in Debian's chromium, each in a fresh context (cold cache): "
                    "/drift (default 7-day period) until the figures and charts are drawn, against navigating to "
                    "/plain.",
                    "operations_page_ready": ready,
                    "baseline_navigation": bare,
                    "operations_page_ready_p50": figure(ready["p50_ms"], "ms", 1500.0, bare["p50_ms"]),
                }
            return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--browser-loads", type=int, default=15)
    parser.add_argument("--days", type=int, default=30)
    options = parser.parse_args()
    figures = measure(requests=options.requests, browser_loads=options.browser_loads, days=options.days)
    pages.print_figures(figures)
    write_results("sms_ydelse_pages", figures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
