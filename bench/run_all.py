"""Run every benchmark, then write one summary table (Markdown and JSON) of every figure.

Usage: .venv/bin/python bench/run_all.py [--only NAME ...] [--summary-only]
Each benchmark script writes bench/results/<name>.json; a figure is any object in it with a "value"
(and, where it has them, "target", "baseline", "ratio_to_baseline", "met").
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
NOT_BENCHMARKS = {"common.py", "baseline_app.py", "run_all.py", "stack.py", "__init__.py"}


def scripts() -> list[Path]:
    return sorted(p for p in BENCH.glob("*.py") if p.name not in NOT_BENCHMARKS and not p.name.startswith("_"))


def figures(document: dict[str, Any], prefix: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every {"value": ...} object in a result document, with its dotted name."""
    found: list[tuple[str, dict[str, Any]]] = []
    for key, value in document.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            if "value" in value:
                found.append((name, value))
            else:
                found.extend(figures(value, name + "."))
    return found


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".")
    return "" if value is None else str(value)


def summarise() -> tuple[str, list[dict[str, Any]]]:
    rows: list[dict[str, Any]] = []
    for path in sorted(RESULTS.glob("*.json")):
        if path.name.startswith("summary") or path.stem.endswith("_smoke"):
            continue  # smoke runs only prove a script runs; their figures are not measurements
        document = json.loads(path.read_text())
        for name, figure in figures(document):
            rows.append(
                {
                    "benchmark": document.get("benchmark", path.stem),
                    "figure": name,
                    "value": figure.get("value"),
                    "unit": figure.get("unit", ""),
                    "target": figure.get("target"),
                    "baseline": figure.get("baseline"),
                    "ratio_to_baseline": figure.get("ratio_to_baseline"),
                    "met": figure.get("met"),
                    "measured_at": document.get("measured_at"),
                }
            )
    lines = [
        "# Benchmark summary",
        "",
        "Written by `bench/run_all.py` from `bench/results/*.json` (2-core shared machine; see each result file "
        "for its method and raw samples).",
        "",
        "| Benchmark | Figure | Value | Unit | Target | Baseline | Ratio to baseline | Met |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        met = {True: "yes", False: "**no**", None: ""}.get(row["met"], str(row["met"]))
        lines.append(
            f"| {row['benchmark']} | {row['figure']} | {_fmt(row['value'])} | {row['unit']} | {_fmt(row['target'])} "
            f"| {_fmt(row['baseline'])} | {_fmt(row['ratio_to_baseline'])} | {met} |"
        )
    return "\n".join(lines) + "\n", rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="*", default=None, help="benchmark script names (without .py)")
    parser.add_argument("--summary-only", action="store_true")
    options = parser.parse_args()
    failed = []
    if not options.summary_only:
        for script in scripts():
            if options.only and script.stem not in options.only:
                continue
            print(f"== {script.stem}", flush=True)
            started = time.monotonic()
            result = subprocess.run([sys.executable, "-m", f"bench.{script.stem}"], cwd=ROOT, check=False)
            print(f"== {script.stem}: exit {result.returncode} in {time.monotonic() - started:.0f} s", flush=True)
            if result.returncode != 0:
                failed.append(script.stem)
    markdown, rows = summarise()
    (RESULTS / "summary.md").write_text(markdown)
    (RESULTS / "summary.json").write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
    print(markdown)
    if failed:
        print("failed:", ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
