"""The scoring benchmark runs end to end at tiny scale (figures are not asserted: timing belongs to bench/)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_kontrol_score_bench_runs_at_tiny_scale() -> None:
    run = os.environ.get("KK_TEST_ID", "main")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    env = {**os.environ, "KONTROL_BENCH_DB": f"kk_bench_{run}_{worker}", "VAR_DIR": f"/tmp/kk-bench-{run}-{worker}"}
    result = subprocess.run(
        [
            sys.executable,
            "bench/kontrol_score.py",
            "--people",
            "3000",
            "--history-years",
            "1",
            "--requests",
            "5",
            "--no-results",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "end to end:" in result.stdout and "queue_page_p99_ms" in result.stdout
