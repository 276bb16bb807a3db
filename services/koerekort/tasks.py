"""Queue consumers of the koerekort service (the worker imports this module)."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from services.koerekort.certificates.flows import forward_to_authority
from services.koerekort.notifications import check_delivery, notify_status_change
from services.koerekort.plausibility.service import check_submission
from shared.queue import Event, consumer


@consumer("koerekort.application.status_changed")
def notify_citizen(session: Session, event: Event) -> None:
    """Tell the citizen about a state change (SMS, Digital Post as fallback)."""
    notify_status_change(session, status_change_id=uuid.UUID(event.payload["status_change_id"]), attempt=event.attempt)


@consumer("koerekort.certificate.submitted")
def assess_plausibility(session: Session, event: Event) -> None:
    """Run the plausibility model on the submitted certificate (a flag for Borgerservice, never a block)."""
    check_submission(
        session,
        certificate_id=uuid.UUID(event.payload["certificate_id"]),
        submission_id=uuid.UUID(event.payload["submission_id"]),
    )


@consumer("koerekort.certificate.approved")
def forward_approval(session: Session, event: Event) -> None:
    """Forward the approved certificate to the licence authority (idempotent by certificate)."""
    forward_to_authority(session, certificate_id=uuid.UUID(event.payload["certificate_id"]))


@consumer("koerekort.notification.delivery_check")
def follow_up_sms(session: Session, event: Event) -> None:
    """Check that the gateway delivered an SMS; send the Digital Post letter when it did not."""
    check_delivery(session, notification_id=uuid.UUID(event.payload["notification_id"]), attempt=event.attempt)
