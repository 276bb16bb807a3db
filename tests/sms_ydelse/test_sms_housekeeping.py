"""Demo seed, retention purge, and the benchmark script at tiny scale."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from services.sms_ydelse import flows
from services.sms_ydelse.models import IvrCall, Message
from services.sms_ydelse.seed import seed
from services.sms_ydelse.service import today_in_copenhagen
from shared.db import session_scope, utcnow
from tests.sms_ydelse.conftest import METTE


def test_seed_is_idempotent_and_feeds_the_statistics(session, api, auth) -> None:
    seed(session)
    session.commit()
    first = session.scalar(select(func.count()).select_from(IvrCall))
    seed(session)
    session.commit()
    assert session.scalar(select(func.count()).select_from(IvrCall)) == first > 100
    day = (today_in_copenhagen() - timedelta(days=2)).isoformat()
    hours = api.get("/api/v1/statistics/hourly", params={"day": day}, headers=auth("admin", "sms_ydelse")).json()[
        "items"
    ]
    by_hour = {h["hour"]: h["calls"] for h in hours}
    assert max(by_hour, key=lambda h: by_hour[h]) in range(7, 12)  # the payday morning peak


def test_purge_erases_old_texts_numbers_and_pseudonyms(call, run_tasks, session) -> None:
    call("CA-old", METTE)
    run_tasks()
    with session_scope() as s:
        s.execute(update(Message).values(created_at=utcnow() - timedelta(days=31)))
        s.execute(update(IvrCall).values(received_at=utcnow() - timedelta(days=91)))
        assert flows.purge_personal_data(s) == {"messages": 1, "calls": 1}
    session.expire_all()
    message = session.scalar(select(Message))
    assert message.text == "" and message.to_msisdn is None and message.msisdn_hash is None
    assert message.status == "delivered"  # the figures stay
    assert session.scalar(select(IvrCall.cpr_pseudonym)) is None


@pytest.mark.slow
@pytest.mark.kannel
def test_payday_benchmark_runs_at_tiny_scale() -> None:
    from services.sms_ydelse.kannel.harness import binaries_missing

    if binaries_missing():
        pytest.skip("Kannel is not installed; scripts/ensure-services.sh installs it")
    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "VAR_DIR", "APP_ENV")}
    env["BENCH_REDIS_DB"] = os.environ["REDIS_URL"].rsplit("/", 1)[1]  # the Redis db this test run owns
    result = subprocess.run(
        [sys.executable, "bench/sms_payday.py", "--smoke"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert '"lost_sms"' in result.stdout
    lost = result.stdout.split('"lost_sms"', 1)[1]
    assert '"value": 0' in lost.split("}", 1)[0]


def test_ivr_answers_and_keeps_the_work_while_redis_is_down(settings_env, call, session, run_tasks, sms_outbox) -> None:
    from shared.queue.models import OutboxEvent

    # The hot path never touches Redis: the call and its event are in PostgreSQL before the answer. (That the
    # relay keeps events in the outbox while the broker is down is the platform's, tested in tests/shared.)
    settings_env(redis_url="redis://127.0.0.1:1/0")  # nothing listens there
    assert call("CA-noredis", METTE).json()["status"] == "accepted"
    event = session.scalar(select(OutboxEvent).where(OutboxEvent.event_type == "sms_ydelse.call.accepted"))
    assert event.status == "pending"
    run_tasks()  # the broker is back (here: delivered in-process)
    assert len(sms_outbox()) == 1


def test_seed_runs_on_the_embedded_sqlite_default(tmp_path) -> None:
    from sqlalchemy.orm import Session

    from shared.db import build_engine
    from shared.migrate import upgrade_to_head

    url = f"sqlite:///{(tmp_path / 'db' / 'main.sqlite').as_posix()}"
    upgrade_to_head(url)
    engine = build_engine(url)
    with Session(engine) as s:
        seed(s)
        s.commit()
        seed(s)
        s.commit()
        assert s.scalar(select(func.count()).select_from(IvrCall)) > 100
    engine.dispose()
