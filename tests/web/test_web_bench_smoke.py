"""The web pages benchmark runs end to end at tiny scale (the real run is bench/web_pages.py, outside the suite)."""

from __future__ import annotations

from typing import Any

import pytest

from bench.web_pages import measure

pytestmark = pytest.mark.browser  # it launches chromium: keep it on the browser worker


def test_web_pages_benchmark_runs_at_tiny_scale(browser: Any) -> None:
    figures = measure(requests=5, browser_loads=1, browser=browser)  # the session's chromium: one per process
    for name in ("admin_html_p50", "admin_html_p99", "kk_js_p50"):
        figure = figures[name]
        assert figure["value"] > 0 and figure["baseline"] > 0
        assert figure["ratio_to_baseline"] == round(figure["value"] / figure["baseline"], 2)
    assert figures["admin_html"]["count"] == 5
    assert figures["browser"]["login_page_ready"]["count"] == 1
