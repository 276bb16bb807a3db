"""Scale-out: two instances of every API process and two Celery workers against one PostgreSQL and one Redis.

Traffic (the same mix as bench/faults.py: IVR calls → SMS, kontrol case openings → letters and journal documents)
is spread round-robin across both instances of each API. Afterwards the script shows that
- both API instances answered requests (counted per instance by the load generator),
- both workers executed tasks (Celery `inspect stats`, per worker),
- every accepted request's effect exists exactly once (no duplicates although two workers compete).

Run: .venv/bin/python -m bench.scale_out [--seconds 90] [--smoke]
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.common import ROOT, write_results
from bench.faults import (
    Traffic,
    build_stack,
    drain,
    options_parser,
    prepare_koerekort,
    prepare_kontrol,
    prepare_vicevaert,
    print_table,
)
from bench.stack import Stack


def worker_stats(stack: Stack) -> dict[str, dict[str, int]]:
    """Tasks executed per worker, from `celery inspect stats`."""
    result = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "shared.queue.celery_app", "inspect", "stats", "--json", "-t", "10"],
        env=stack.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    start = result.stdout.find("{")
    if start < 0:
        return {"error": {"stdout": len(result.stdout), "stderr_tail": result.stderr[-300:]}}  # type: ignore[dict-item]
    stats = json.loads(result.stdout[start:])
    return {worker: dict(info.get("total", {})) for worker, info in stats.items()}


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so `finally` stops the stack and Kannel
    parser = options_parser(__doc__)
    parser.add_argument("--seconds", type=float, default=90.0, help="seconds of traffic")
    parser.add_argument("--instances", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()
    if options.smoke:
        options.seconds, options.citizens = 10.0, 200
    options.ivr_rate = options.ivr_rate * 2  # two instances: twice the fault scenarios' rate
    workdir = Path(tempfile.mkdtemp(prefix="kk-scale-"))
    load_at_start = os.getloadavg()
    stack, harness = build_stack(options, workdir, api_instances=options.instances, workers=options.workers)
    figures: dict[str, Any] = {}
    try:
        t0 = time.monotonic()
        stack.start()
        print(f"stack up after {time.monotonic() - t0:.0f}s", flush=True)
        print(f"kontrol queue items: {prepare_kontrol(stack)}", flush=True)
        citizens = json.loads((workdir / "citizens.json").read_text())
        traffic = Traffic(stack, citizens, ivr_rate=options.ivr_rate, open_every=options.open_every)
        print(f"koerekort certificates ready: {prepare_koerekort(stack, traffic, options.certificates)}", flush=True)
        print(f"vicevaert tasks assigned: {prepare_vicevaert(stack, traffic, options.vv_tasks)}", flush=True)
        before = worker_stats(stack)
        traffic.start("scale")
        time.sleep(options.seconds)
        outcomes = traffic.finish()
        report, waited = drain(stack, outcomes, harness.received if harness else None, options.drain_timeout)
        after = worker_stats(stack)
        print_table("scale_out", report)
        per_instance = Counter(f"{o.kind} {o.instance}" for o in outcomes if o.status in (200, 201))
        executed = {
            w: sum(after[w].values()) - sum(before.get(w, {}).values()) for w in after if isinstance(after[w], dict)
        }
        print(f"requests answered per API instance: {dict(per_instance)}")
        print(f"tasks executed per worker during the run: {executed}")
        lost = sum(v["missing"] for v in report["effects"].values())
        dupes = sum(v["duplicates"] for v in report["effects"].values())
        accepted = sum(1 for o in outcomes if o.status in (200, 201))
        shares = sorted(executed.values())
        figures = {
            **report,
            "drain_seconds": waited,
            "api_instances": options.instances,
            "workers": options.workers,
            "requests_per_instance": dict(per_instance),
            "tasks_per_worker": executed,
            "workers_sharing": {
                "value": sum(1 for n in executed.values() if n > 0),
                "unit": "workers that executed tasks",
                "target": options.workers,
                "baseline": None,
                "ratio_to_baseline": None,
                "met": sum(1 for n in executed.values() if n > 0) == options.workers,
            },
            "smallest_worker_share": {
                "value": round(shares[0] / sum(shares), 3) if shares and sum(shares) else None,
                "unit": "fraction of tasks",
                "target": None,
                "baseline": None,
                "ratio_to_baseline": None,
                "met": None,
            },
            "accepted_throughput": {
                "value": round(accepted / options.seconds, 2),
                "unit": "accepted requests/s (offered rate, not capacity)",
                "target": None,
                "baseline": None,
                "ratio_to_baseline": None,
                "met": None,
            },
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
    finally:
        stack.stop()
        if harness is not None:
            harness.stop()
    figures.update(load_average_at_start=load_at_start, load_average_at_end=os.getloadavg(), options=vars(options))
    write_results("scale_out_smoke" if options.smoke else "scale_out", figures)
    return 0 if figures.get("missing_total", {}).get("met") and figures.get("duplicates_total", {}).get("met") else 1


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
