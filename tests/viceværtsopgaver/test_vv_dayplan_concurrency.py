"""Concurrent replanning of the same caretaker's day (a phone asking for day plan and tasks at once) is safe."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from shared.db import session_scope


def test_concurrent_day_plan_requests_do_not_fail(client_for, auth) -> None:
    with session_scope() as session:
        from services.viceværtsopgaver.seed import seed

        seed(session)
    client = client_for("viceværtsopgaver")
    headers = auth("vv-lars", "viceværtsopgaver")

    def call(path: str) -> int:
        return client.get(path, headers=headers).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(call, ["/api/v1/me/day-plan", "/api/v1/me/tasks"] * 6))
    assert statuses == [200] * 12
