"""Run the plausibility model on a submitted certificate and keep the result for Borgerservice."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.koerekort.documents import today_in_copenhagen
from services.koerekort.models import Application, Certificate, Submission
from services.koerekort.plausibility.model import Assessment, get_model
from shared import cpr as cpr_utils
from shared.audit import service as audit
from shared.db import utcnow


def check_submission(session: Session, *, certificate_id: uuid.UUID, submission_id: uuid.UUID) -> Assessment | None:
    """Assess the submitted content; a later submission's result replaces an earlier one, never the reverse."""
    certificate = session.get(Certificate, certificate_id)
    submission = session.get(Submission, submission_id)
    if certificate is None or submission is None:
        raise LookupError("certificate or submission not found")
    latest = session.scalar(
        select(Submission.sequence)
        .where(Submission.certificate_id == certificate.id)
        .order_by(Submission.sequence.desc())
        .limit(1)
    )
    if latest != submission.sequence:
        return None  # a newer submission exists; its own event assesses it
    application = session.get(Application, certificate.application_id)
    assert application is not None
    today = today_in_copenhagen()
    assessment = get_model().assess(
        submission.snapshot["document"],
        age=cpr_utils.age_on(application.citizen_cpr, today),
        group=application.licence_group,
        today=today,
    )
    certificate.plausibility = {
        **assessment.as_dict(),
        "checked_at": utcnow().isoformat(),
        "submission_sequence": submission.sequence,
    }
    certificate.plausibility_flagged = assessment.flagged
    audit.record(
        session,
        service="koerekort",
        actor=None,
        actor_sub="koerekort-worker",
        actor_role="system",
        action="certificate.plausibility",
        purpose="Automatisk plausibilitetstjek til Borgerservice (vejledende)",
        citizen_pseudonym=application.citizen_pseudonym,
        object_type="certificate",
        object_id=str(certificate.id),
        details={"flagged": assessment.flagged, "sequence": submission.sequence},
    )
    return assessment
