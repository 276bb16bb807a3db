"""Benchmark: how fast the shared pages are served and become usable, against a bare FastAPI baseline.

Figures (sequential requests on loopback, one uvicorn worker each, measured in the same run):
- HTML of /admin (Jinja2 layout render) and /static/kk/kk.js, against the baseline app's /plain;
- in Debian's chromium: /log-ind until its demo users are listed (HTML + CSS + JS + one API call),
  against navigating to the baseline's /plain.

Usage: .venv/bin/python bench/web_pages.py [--requests 400] [--browser-loads 20]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import figure, summarise_ms, write_results
from bench.pages_common import DESKTOP, baseline_and_service, cold_loads, time_requests, with_browser


def measure(*, requests: int, browser_loads: int, browser: Any = None) -> dict[str, Any]:
    """Start the baseline and the kontrol service (embedded SQLite), measure, stop them; return the figures."""
    var_dir = tempfile.mkdtemp(prefix="kk-bench-web-")
    env = {"DATABASE_URL": "", "REDIS_URL": "", "VAR_DIR": var_dir, "LOG_LEVEL": "WARNING", "APP_ENV": "development"}
    with baseline_and_service("services.kontrol.app:create_app", env) as (base, svc):
        with httpx.Client(timeout=10) as client:
            plain = summarise_ms(time_requests(client, "GET", base + "/plain", requests, warm_up=20))
            admin = summarise_ms(time_requests(client, "GET", svc + "/admin", requests, warm_up=20))
            script = summarise_ms(time_requests(client, "GET", svc + "/static/kk/kk.js", requests, warm_up=20))
        figures: dict[str, Any] = {
            "method": f"{requests} sequential GETs per URL after 20 warm-up requests; one uvicorn worker each; "
            "2-core machine shared with other engineers' test runs (expect noise).",
            "baseline_plain": plain,
            "admin_html": admin,
            "kk_js": script,
            "admin_html_p50": figure(admin["p50_ms"], "ms", 10.0, plain["p50_ms"]),
            "admin_html_p99": figure(admin["p99_ms"], "ms", 50.0, plain["p99_ms"]),
            "kk_js_p50": figure(script["p50_ms"], "ms", 10.0, plain["p50_ms"]),
        }
        if browser_loads > 0:
            samples = with_browser(
                browser,
                lambda instance: cold_loads(
                    instance,
                    svc + "/log-ind",
                    base + "/plain",
                    browser_loads,
                    ready=lambda page: page.locator("[data-kk-users]").wait_for(state="visible"),
                    context={"viewport": DESKTOP["viewport"]},
                ),
            )
            page_ready = summarise_ms(samples["page"])
            bare = summarise_ms(samples["baseline"])
            figures["browser"] = {
                "method": f"{browser_loads} loads in Debian's chromium, each in a fresh context (cold cache): "
                "/log-ind until the demo users are listed, against navigating to the baseline's /plain.",
                "login_page_ready": page_ready,
                "baseline_navigation": bare,
                "login_page_ready_p50": figure(page_ready["p50_ms"], "ms", 500.0, bare["p50_ms"]),
            }
        return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--browser-loads", type=int, default=20)
    options = parser.parse_args()
    write_results("web_pages", measure(requests=options.requests, browser_loads=options.browser_loads))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
