"""Queue consumers and periodic jobs of the sms_ydelse service."""

from __future__ import annotations

import uuid

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from services.sms_ydelse import flows
from services.sms_ydelse.models import IvrCall
from shared.db import session_scope
from shared.queue import Event, consumer, periodic


@consumer("sms_ydelse.call.accepted")
def look_up_call(session: Session, event: Event) -> None:
    """Run the register lookup behind an accepted IVR call, then hand its SMS to the gateway once committed."""
    call_uuid = uuid.UUID(event.payload["call"])
    flows.run_lookup(session, call_uuid=call_uuid)
    call = session.get(IvrCall, call_uuid)
    if call is not None and call.message_id is not None:
        message_id = call.message_id
        sa_event.listen(session, "after_commit", lambda _s: flows.dispatch_after_commit(message_id), once=True)


@consumer("sms_ydelse.message.queued")
def send_queued_message(session: Session, event: Event) -> None:
    """Hand a newly queued SMS to the gateway."""
    flows.dispatch(uuid.UUID(event.payload["message"]))


@consumer("sms_ydelse.message.retry_due")
def send_retried_message(session: Session, event: Event) -> None:
    """Try a queued SMS again after a gateway failure."""
    flows.dispatch(uuid.UUID(event.payload["message"]))


@consumer("sms_ydelse.message.confirmation_due")
def confirm_message(session: Session, event: Event) -> None:
    """After an unanswered hand-over: resend unless a delivery report arrived."""
    flows.confirm_or_resend(session, message_id=uuid.UUID(event.payload["message"]))


@periodic("sms_ydelse.reconcile_messages", every_seconds=20)
def reconcile_messages() -> dict[str, int]:
    """Requeue messages a stopped worker left behind."""
    with session_scope() as session:
        return flows.reconcile(session)


@periodic("sms_ydelse.purge_personal_data", every_seconds=3600)
def purge_personal_data() -> dict[str, int]:
    """Erase SMS texts, numbers and pseudonyms past their retention."""
    with session_scope() as session:
        return flows.purge_personal_data(session)
