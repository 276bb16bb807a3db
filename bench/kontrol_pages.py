"""Benchmark: the kontrol pages – the caseworker's queue (/koe), one case and the reports – and the API calls
behind them, against a bare FastAPI baseline measured in the same run.

Data: a simulated world like the demo seed (history, model v1, registers, candidates gathered and scored;
capacity 12 a week as the unit's) plus decided cases for the reports, in a private PostgreSQL database.
Figures:
- the HTML shell of /koe (Jinja2 render, no data), against the baseline's `/plain`;
- each API call the pages make, as sequential GETs: the queue (20 rows with reasons), the queue summary,
  one case (an audited read: one audit insert) and the five reports; against the baseline's `/jwt-insert`
  (JWT check + a durable two-row PostgreSQL insert) – the closest bare equivalent of an authorised, audited read;
- in Debian's chromium: /koe until the queue rows are drawn, and /rapporter (as admin) until all charts are
  drawn, each in a fresh context (cold cache, logged in through sessionStorage), against navigating to `/plain`.
Targets (10 ms p50 for the HTML as docs/web.md, 150 ms p50 per API call, 1.5 s until /koe is usable and 2.5 s
for /rapporter) are our own choices, not from the brief.

Usage: .venv/bin/python bench/kontrol_pages.py [--requests 100] [--browser-loads 10] [--candidates 150]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import pages_common as pages
from bench.common import figure, summarise_ms, write_results

REPORTS = ("precision", "savings", "control-group", "fairness", "criteria")


def _seed(*, candidates: int, history_years: int, city_size: int) -> dict[str, Any]:
    """World, gathering and scoring, then decided cases (opened and decided by sb-bo) for the reports."""
    from threadpoolctl import threadpool_limits

    import services.kontrol.tasks  # noqa: F401 - registers the consumers the drain runs
    from services.kontrol.cases.flows import open_case
    from services.kontrol.cases.service import AmountIn, record_decision, record_hearing
    from services.kontrol.priority.config import load_settings
    from services.kontrol.priority.service import released
    from services.kontrol.sources.service import dispatch_gathering
    from services.kontrol.synth import demo
    from shared.auth.tokens import Principal
    from shared.db import session_scope
    from shared.queue.relay import drain

    bo = Principal(sub="sb-bo", roles=frozenset({"sagsbehandler"}), name="Bo Nielsen", attributes={})
    with threadpool_limits(limits=1):
        with session_scope() as session:
            settings = load_settings(session)
            settings.capacity_per_period = candidates  # release everything while the history cases are decided
            settings.gathering_rate_per_hour = 100_000
            demo.build(
                session, seed=11, history_years=history_years, candidates=candidates, outsiders=0, city_size=city_size
            )
        with session_scope() as session:
            dispatch_gathering(session)
        drain(max_rounds=1000)
        decided = 0
        with session_scope() as session:
            items, _ = released(session)
            model = [i["candidate_id"] for i in items if i["arm"] == "model"]
            control = [i["candidate_id"] for i in items if i["arm"] == "control"]
            mixed = [c for pair in zip(model, control, strict=False) for c in pair]  # both arms, for the effect
            benefits = ("boligsikring", "kontanthjaelp", "oekonomisk_friplads", "boligydelse")
            for index, candidate_id in enumerate(mixed[: max(candidates // 5, 4)]):
                case, _ = open_case(
                    session, candidate_id=candidate_id, actor=bo, purpose="Benchmark", idempotency_key=None
                )
                decided_on = date.today() - timedelta(days=20 * (index % 6))
                record_hearing(
                    session,
                    case=case,
                    actor=bo,
                    sent_on=decided_on - timedelta(days=20),
                    response_deadline=decided_on - timedelta(days=6),
                    note=None,
                )
                hit = index % 4 != 3
                record_decision(
                    session,
                    case=case,
                    actor=bo,
                    outcome="samfundsbesparelse" if hit else "ingen_samfundsbesparelse",
                    cpr_corrected=hit,
                    decided_on=decided_on,
                    summary=None,
                    amounts=[AmountIn(benefits[index % 4], None, 600_000, 1_200_000)] if hit else [],
                )
                decided += 1
            load_settings(session).capacity_per_period = decided + 12  # the unit's 12 a week remain to be opened
        drain(max_rounds=1000)
    return {"candidates": candidates, "decided_cases": decided}


QUEUE_READY = "() => document.querySelectorAll('[data-queue] tbody tr').length > 0"
REPORTS_READY = (
    "() => document.querySelectorAll('.chart svg[role=img]').length >= 6 && "
    "!!document.querySelector('[data-table=criteria] table')"
)


def measure(
    *,
    requests: int,
    browser_loads: int,
    candidates: int = 150,
    history_years: int = 3,
    city_size: int = 300_000,
    browser: Any = None,
) -> dict[str, Any]:
    """Seed a private database, start the baseline and kontrol, measure, stop and drop everything."""
    with pages.private_environment(f"kk_bench_kontrol_pages_{os.getpid()}", BASELINE_AUDIENCE="kontrol") as env:
        from shared.auth import AUDIENCES, mint_demo_token

        started = time.perf_counter()
        world = _seed(candidates=candidates, history_years=history_years, city_size=city_size)
        seed_seconds = round(time.perf_counter() - started, 1)
        anne = mint_demo_token("sb-anne", AUDIENCES["kontrol"], ttl_seconds=7200)
        admin = mint_demo_token("admin", AUDIENCES["kontrol"], ttl_seconds=7200)
        with pages.baseline_and_service("services.kontrol.app:create_app", env) as (base, svc):
            as_anne = {"Authorization": f"Bearer {anne}"}
            as_admin = {"Authorization": f"Bearer {admin}"}
            with httpx.Client(timeout=60) as client:
                queue = client.get(svc + "/api/v1/queue", params={"limit": 20}, headers=as_anne).json()
                top = queue["items"][0]["candidate_id"]
                opened = client.post(
                    f"{svc}/api/v1/cases/{top}/openings", json={"purpose": "Benchmark"}, headers=as_anne
                ).raise_for_status()
                case_id = opened.json()["case_id"]
                plain = summarise_ms(pages.time_requests(client, "GET", base + "/plain", requests))
                jwt_insert = summarise_ms(
                    pages.time_requests(client, "POST", base + "/jwt-insert", requests, headers=as_anne)
                )
                html = summarise_ms(pages.time_requests(client, "GET", svc + "/koe", requests))
                calls: dict[str, tuple[str, dict[str, Any], dict[str, str]]] = {
                    "queue": ("/api/v1/queue", {"limit": 20}, as_anne),
                    "queue_summary": ("/api/v1/queue/summary", {}, as_anne),
                    "case": (f"/api/v1/cases/{case_id}", {}, as_anne),
                    **{f"report_{r.replace('-', '_')}": (f"/api/v1/reports/{r}", {}, as_admin) for r in REPORTS},
                }
                endpoints = {
                    key: summarise_ms(
                        pages.time_requests(client, "GET", svc + path, requests, params=params, headers=headers)
                    )
                    for key, (path, params, headers) in calls.items()
                }
            figures = pages.html_and_api_figures(
                f"{requests} sequential requests per URL after 10 warm-up requests, one uvicorn worker "
                f"each, PostgreSQL; {world['candidates']} candidates ({len(queue['items'])} released on the queue's "
                f"first page), {world['decided_cases']} decided cases; seeding took {seed_seconds} s. 2-core machine "
                "shared with other engineers' test runs (expect noise).",
                plain=plain,
                jwt_insert=jwt_insert,
                html_name="koe_html",
                html=html,
                endpoints=endpoints,
                api_target=150.0,
            )
            if browser_loads > 0:
                anne_session = pages.session_value(svc, "sb-anne", "Anne Holm (sagsbehandler)")
                admin_session = pages.session_value(svc, "admin", "Systemadministrator")

                def run(instance: Any) -> dict[str, Any]:
                    koe = pages.cold_loads(
                        instance,
                        svc + "/koe",
                        base + "/plain",
                        browser_loads,
                        ready=pages.until(QUEUE_READY),
                        session=anne_session,
                    )
                    reports = pages.cold_loads(
                        instance,
                        svc + "/rapporter",
                        base + "/plain",
                        browser_loads,
                        ready=pages.until(REPORTS_READY),
                        session=admin_session,
                    )
                    koe_s, reports_s = summarise_ms(koe["page"]), summarise_ms(reports["page"])
                    bare_s = summarise_ms(koe["baseline"] + reports["baseline"])
                    return {
                        "method": f"{browser_loads} loads each in Debian's chromium, each in a fresh context (cold "
                        "cache): /koe until the queue rows are drawn, /rapporter until its charts and tables are "
                        "drawn, against navigating to the baseline's /plain.",
                        "koe_ready": koe_s,
                        "rapporter_ready": reports_s,
                        "baseline_navigation": bare_s,
                        "koe_ready_p50": figure(koe_s["p50_ms"], "ms", 1500.0, bare_s["p50_ms"]),
                        "rapporter_ready_p50": figure(reports_s["p50_ms"], "ms", 2500.0, bare_s["p50_ms"]),
                    }

                figures["browser"] = pages.with_browser(browser, run)
            return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--browser-loads", type=int, default=10)
    parser.add_argument("--candidates", type=int, default=150)
    options = parser.parse_args()
    figures = measure(requests=options.requests, browser_loads=options.browser_loads, candidates=options.candidates)
    pages.print_figures(figures)
    write_results("kontrol_pages", figures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
