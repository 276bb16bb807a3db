"""The hot path's PostgreSQL fast path writes what `publish` writes; the portable path works on SQLite."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.sms_ydelse import flows, service
from services.sms_ydelse.models import IvrCall, Message
from shared.auth.tokens import Principal
from shared.db import build_engine
from shared.migrate import upgrade_to_head
from shared.queue import publish
from shared.queue.models import OutboxEvent
from tests.sms_ydelse.conftest import FATIMA, METTE

IVR = Principal(sub="ivr-telefoni", roles=frozenset({"ivr"}), name="IVR", attributes={})
_COLUMNS = ("event_type", "dedupe_key", "queue", "status", "attempts", "dispatched_at", "completed_at", "last_error")


def test_fast_path_outbox_row_matches_publish(session) -> None:
    service.receive_call(
        session, call_id="F-1", caller_number="+4531000001", menu_item="ydelse", digits=METTE, principal=IVR
    )
    reference = publish(session, "sms_ydelse.call.accepted", {"call": "x"})
    session.commit()
    fast = session.scalar(select(OutboxEvent).where(OutboxEvent.id != reference.id))
    call = session.scalar(select(IvrCall))
    assert {c: getattr(fast, c) for c in _COLUMNS} == {c: getattr(reference, c) for c in _COLUMNS}
    assert fast.payload == {"call": str(call.id)}
    assert fast.available_at == fast.created_at == call.received_at
    assert call.cpr_encrypted == METTE  # readable through the model's encrypted column type


def test_hot_path_and_lookup_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{(tmp_path / 'db' / 'main.sqlite').as_posix()}"
    upgrade_to_head(url)
    engine = build_engine(url)
    with Session(engine) as s:
        first = service.receive_call(
            s, call_id="Q-1", caller_number="+4531000001", menu_item="ydelse", digits=METTE, principal=IVR
        )
        again = service.receive_call(
            s, call_id="Q-1", caller_number="+4531000001", menu_item="ydelse", digits=METTE, principal=IVR
        )
        other = service.receive_call(
            s, call_id="Q-2", caller_number="+4531000002", menu_item="ydelse", digits=FATIMA, principal=IVR
        )
        s.commit()
        assert first.status == "accepted" and again.replayed and again.id == first.id
        assert first.prompt == other.prompt
        events = s.scalars(select(OutboxEvent).where(OutboxEvent.event_type == "sms_ydelse.call.accepted")).all()
        assert len(events) == 2
        for call in s.scalars(select(IvrCall)).all():
            flows.run_lookup(s, call_uuid=call.id)
        s.commit()
        outcomes = dict(s.execute(select(IvrCall.call_id, IvrCall.outcome)).all())
        assert outcomes == {"Q-1": "sms_queued", "Q-2": "no_nemsms"}
        (message,) = s.scalars(select(Message)).all()
        assert message.to_msisdn == "+4520112233" and "5.432,10 kr." in message.text
        assert service.take_cpr_quota(s, cpr_pseudonym="p", day=message.created_day)
    engine.dispose()
