"""The benchmark scripts run end to end at tiny scale (real servers, real PostgreSQL); figures are not asserted."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_submit_benchmark_runs_at_tiny_scale(directory, tmp_path) -> None:
    sys.path.insert(0, str(ROOT))
    from bench import koerekort_submit

    output = tmp_path / "submit.json"
    figures = koerekort_submit.main(
        ["--scale", "tiny", "--workers", "1", "--database-url", os.environ["DATABASE_URL"], "--output", str(output)]
    )
    document = json.loads(output.read_text())
    assert document["benchmark"] == "koerekort_submit"
    assert figures["all_submissions_accepted"]["value"] is True
    for name in ("submit_p99_ms_at_offered_rate", "submit_max_throughput_per_s"):
        assert {"value", "unit", "target", "baseline", "ratio_to_baseline", "met"} <= set(document[name])


def test_quality_measurement_runs_at_tiny_scale(tmp_path) -> None:
    sys.path.insert(0, str(ROOT))
    from bench import koerekort_quality

    output = tmp_path / "quality.json"
    figures = koerekort_quality.main(["--size", "200", "--output", str(output)])
    assert json.loads(output.read_text())["errors_stopped_share"]["target"] == 0.8
    assert 0 < figures["errors_stopped_share"]["value"] <= 1
