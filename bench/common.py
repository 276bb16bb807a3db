"""Helpers shared by the benchmark scripts: percentiles, a bare FastAPI baseline, result files.

Every benchmark prints its figures and writes them to bench/results/<name>.json, each figure
with its target and, where it has one, its ratio to a baseline measured in the same run.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    k = (len(ordered) - 1) * q / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def summarise_ms(samples_seconds: Sequence[float]) -> dict[str, float]:
    """p50/p90/p99/max/mean in milliseconds."""
    ms = [s * 1000 for s in samples_seconds]
    return {
        "count": len(ms),
        "p50_ms": round(percentile(ms, 50), 3),
        "p90_ms": round(percentile(ms, 90), 3),
        "p99_ms": round(percentile(ms, 99), 3),
        "max_ms": round(max(ms), 3) if ms else float("nan"),
        "mean_ms": round(statistics.fmean(ms), 3) if ms else float("nan"),
    }


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def uvicorn_command(app_factory: str, *, port: int, workers: int | None = None) -> list[str]:
    """`python -m uvicorn --factory <module:function>` on loopback, quiet (no access log, warnings only)."""
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        app_factory,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    return command if workers is None else [*command, "--workers", str(workers)]


def start_server(
    app_factory: str, *, port: int, env: dict[str, str] | None = None, workers: int = 1
) -> subprocess.Popen[bytes]:
    """Start `uvicorn --factory <module:function>` on loopback and wait until /health answers."""
    process = subprocess.Popen(
        uvicorn_command(app_factory, port=port, workers=workers),
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{app_factory} did not start on port {port}")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def figure(
    value: float,
    unit: str,
    target: float | None = None,
    baseline: float | None = None,
    *,
    lower_is_better: bool = True,
    met: bool | None = None,
) -> dict[str, Any]:
    """One reported figure; the ratio is taken from the rounded value and baseline, so readers can recompute it."""
    value = round(value, 3)
    baseline = round(baseline, 3) if baseline is not None else None
    if met is None and target is not None:
        met = value <= target if lower_is_better else value >= target
    return {
        "value": value,
        "unit": unit,
        "target": target,
        "baseline": baseline,
        "ratio_to_baseline": round(value / baseline, 2) if baseline else None,
        "met": met,
    }


def write_results(name: str, figures: dict[str, Any]) -> Path:
    """Print the figures and write bench/results/<name>.json with machine facts."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    document = {
        "benchmark": name,
        "measured_at": datetime.now(UTC).isoformat(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        **figures,
    }
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n")
    print(json.dumps(document, indent=2, ensure_ascii=False, default=str))
    return path
