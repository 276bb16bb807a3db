"""Statistics for the operations page: calls and SMS by product, day and hour; delivery times; satisfaction."""

from __future__ import annotations

from services.sms_ydelse.service import today_in_copenhagen
from tests.sms_ydelse.conftest import FATIMA, JONAS, METTE


def test_statistics_count_calls_sms_and_satisfaction(call, run_tasks, api, auth) -> None:
    call("CA-s1", METTE, caller="+4531000101")
    call("CA-s2", JONAS, caller="+4531000102")
    call("CA-s3", FATIMA, caller="+4531000103")
    call("CA-s4", "999", caller="+4531000104")
    run_tasks()
    reply = api.post(
        "/api/v1/inbound-messages/kannel",
        params={"token": __import__("services.sms_ydelse.gateway.base", fromlist=["x"]).inbound_token()},
        content=b"5",
        headers={"X-Kannel-From": "+4520112233"},
    )
    assert reply.status_code == 200
    admin = auth("admin", "sms_ydelse")
    today = today_in_copenhagen().isoformat()

    overview = api.get("/api/v1/statistics/overview", params={"from": today, "to": today}, headers=admin).json()
    (row,) = overview["products"]
    assert row["product"] == "kontanthjaelp"
    assert (row["calls"], row["accepted"], row["invalid_cpr"]) == (4, 3, 1)
    assert (row["sms_queued"], row["sms_sent"], row["sms_delivered"], row["sms_failed"]) == (2, 2, 2, 0)
    assert row["seconds_call_to_delivered"]["count"] == 2 and row["seconds_call_to_delivered"]["p50"] >= 0
    assert row["satisfaction"]["responses"] == 1 and row["satisfaction"]["average"] == 5

    hourly = api.get("/api/v1/statistics/hourly", params={"day": today}, headers=admin).json()["items"]
    assert sum(h["calls"] for h in hourly) == 4 and all(0 <= h["hour"] <= 23 for h in hourly)
    daily = api.get("/api/v1/statistics/daily", params={"from": today, "to": today}, headers=admin).json()["items"]
    assert daily[0]["sms_delivered"] == 2


def test_statistics_need_admin_and_a_sane_period(api, auth) -> None:
    params = {"from": "2026-02-01", "to": "2026-01-01"}
    assert (
        api.get("/api/v1/statistics/overview", params=params, headers=auth("ivr-telefoni", "sms_ydelse")).status_code
        == 403
    )
    response = api.get("/api/v1/statistics/overview", params=params, headers=auth("admin", "sms_ydelse"))
    assert response.status_code == 422 and response.json()["errors"][0]["code"] == "invalid_period"
    bad = api.get("/api/v1/statistics/hourly", params={"day": "igår"}, headers=auth("admin", "sms_ydelse"))
    assert bad.status_code == 422
