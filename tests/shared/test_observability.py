"""Every service answers /health, /ready and /metrics, and publishes its OpenAPI document."""

from __future__ import annotations

import pytest

from shared.db import session_scope
from shared.queue import publish

SERVICES = ["kontrol", "koerekort", "viceværtsopgaver", "sms_ydelse"]


@pytest.mark.parametrize("service", SERVICES)
def test_health_ready_metrics_and_docs(client_for, service: str) -> None:
    client = client_for(service)
    assert client.get("/health").json() == {"status": "ok", "service": service}
    ready = client.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["database"] == "ok" and ready.json()["broker"] == "ok"
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert spec["info"]["title"]
    assert response_headers_are_hardened(client.get("/health").headers)


def response_headers_are_hardened(headers) -> bool:
    return headers["x-content-type-options"] == "nosniff" and headers["cache-control"] == "no-store"


def test_metrics_count_requests_and_report_outbox_depth(client_for) -> None:
    client = client_for("kontrol")
    client.get("/health")
    with session_scope() as session:
        publish(session, "shared.probe.metrics", {"n": 1})
    text = client.get("/metrics").text
    assert 'http_requests_total{method="GET",route="/health",service="kontrol",status="200"}' in text
    assert "outbox_pending_events 1.0" in text
    assert "outbox_lag_seconds" in text


def test_ready_reports_an_unreachable_broker(client_for, monkeypatch) -> None:
    from shared.settings import get_settings

    client = client_for("kontrol")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    get_settings.cache_clear()
    try:
        ready = client.get("/ready")
    finally:
        get_settings.cache_clear()
    assert ready.status_code == 503
    assert ready.json()["broker"] == "unreachable"
