"""Admission control: a lane caps how many of a process's request slots a group of paths may take."""

from __future__ import annotations

from typing import Any

import anyio

from shared.admission import AdmissionMiddleware


async def _let_everyone_run() -> None:
    """Yield to the event loop until every task that can run has run as far as it can (no clock involved)."""
    for _ in range(100):
        await anyio.sleep(0)


def test_a_lane_caps_its_share_and_leaves_the_rest_to_everyone_else() -> None:
    running = {"callback": 0, "other": 0}
    peak = {"callback": 0, "other": 0}
    answered: list[str] = []

    async def main() -> None:
        release = anyio.Event()

        async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            kind = "callback" if scope["path"].startswith("/cb/") else "other"
            running[kind] += 1
            peak[kind] = max(peak[kind], running[kind])
            if kind == "callback":
                await release.wait()  # stands in for a callback waiting on a worker's row lock
            running[kind] -= 1
            answered.append(scope["path"])

        admission = AdmissionMiddleware(app, limit=3, lanes={"/cb/": 1})
        async with anyio.create_task_group() as tasks:
            for n in range(4):
                tasks.start_soon(admission, {"type": "http", "path": f"/cb/{n}"}, None, None)
            await _let_everyone_run()
            assert peak["callback"] == 1  # the waiting callbacks hold one shared slot, not three
            for n in range(2):
                tasks.start_soon(admission, {"type": "http", "path": f"/api/v1/ivr-calls/{n}"}, None, None)
            await _let_everyone_run()
            assert sorted(answered) == ["/api/v1/ivr-calls/0", "/api/v1/ivr-calls/1"]  # answered meanwhile
            release.set()
        assert peak["callback"] == 1
        assert len(answered) == 6  # every callback ran in the end

    anyio.run(main)


def test_without_lanes_every_request_shares_one_limit() -> None:
    peak = [0]
    running = [0]

    async def main() -> None:
        async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
            await _let_everyone_run()
            running[0] -= 1

        admission = AdmissionMiddleware(app, limit=2)
        async with anyio.create_task_group() as tasks:
            for n in range(6):
                tasks.start_soon(admission, {"type": "http", "path": f"/x/{n}"}, None, None)

    anyio.run(main)
    assert peak[0] == 2
