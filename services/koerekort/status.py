"""Application statuses: allowed transitions, Danish texts, the recorded state change and the citizen's timeline."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.koerekort.models import Application, ApplicationStatus, StatusChange
from shared.auth import Principal
from shared.db import utcnow
from shared.errors import Conflict
from shared.queue import publish

S = ApplicationStatus

TRANSITIONS: dict[str, frozenset[str]] = {
    S.draft: frozenset({S.with_doctor, S.withdrawn}),
    S.with_doctor: frozenset({S.submitted, S.withdrawn}),
    S.submitted: frozenset({S.in_review, S.information_requested, S.approved, S.returned, S.withdrawn}),
    S.in_review: frozenset({S.information_requested, S.approved, S.returned, S.withdrawn}),
    S.information_requested: frozenset({S.submitted, S.returned, S.withdrawn}),
    S.approved: frozenset(),
    S.returned: frozenset(),
    S.withdrawn: frozenset(),
}

# Short Danish phrases for citizens, instructors and the sms_ydelse status product (no health data).
STATUS_TEXT: dict[str, str] = {
    S.draft: "Ansøgningen er oprettet. Du mangler at udfylde og underskrive din del af lægeerklæringen.",
    S.with_doctor: "Din del er underskrevet. Lægeerklæringen er nu hos lægen.",
    S.submitted: "Lægen har indsendt lægeerklæringen til Borgerservice.",
    S.in_review: "Borgerservice behandler din lægeerklæring.",
    S.information_requested: "Borgerservice har bedt lægen om flere oplysninger. Du skal ikke gøre noget.",
    S.approved: "Lægeerklæringen er godkendt og sendt videre til kørekortmyndigheden.",
    S.returned: "Ansøgningen er returneret. Du har fået et brev i Digital Post med begrundelsen.",
    S.withdrawn: "Ansøgningen er trukket tilbage.",
}

STATUS_LABEL: dict[str, str] = {
    S.draft: "Del A i gang",
    S.with_doctor: "Hos lægen",
    S.submitted: "Indsendt af lægen",
    S.in_review: "Hos Borgerservice",
    S.information_requested: "Flere oplysninger efterspurgt hos lægen",
    S.approved: "Godkendt",
    S.returned: "Returneret",
    S.withdrawn: "Trukket tilbage",
}

ACTOR_LABEL = {
    "borger": "Dig",
    "koerelaerer": "Kørelæreren",
    "laege": "Lægen",
    "borgerservice": "Borgerservice",
    "system": "Systemet",
}


def change_status(
    session: Session,
    application: Application,
    to_status: ApplicationStatus,
    *,
    actor: Principal | None,
    actor_role: str,
    note: str | None = None,
    apply: bool = True,
) -> StatusChange:
    """Move the application to a new status, record who and when, and publish the event for notifications.

    With apply=False the caller writes the new status itself (the submit hot path's single UPDATE).
    """
    if to_status not in TRANSITIONS[application.status]:
        raise Conflict(
            f"Ansøgningen kan ikke gå fra '{STATUS_LABEL[application.status]}' til '{STATUS_LABEL[to_status]}'.",
            code="invalid_transition",
        )
    change = StatusChange(
        id=uuid.uuid4(),
        application_id=application.id,
        from_status=application.status,
        to_status=to_status,
        actor_sub=actor.sub if actor else "system",
        actor_role=actor_role,
        note=note,
        occurred_at=utcnow(),
    )
    if apply:
        application.status = to_status
    session.add(change)
    publish(  # the change id is new, so no dedupe key (and no extra round trip) is needed
        session,
        "koerekort.application.status_changed",
        {"application_id": str(application.id), "status_change_id": str(change.id), "status": str(to_status)},
    )
    return change


def record_creation(session: Session, application: Application, *, actor: Principal, actor_role: str) -> StatusChange:
    """The first entry of an application's history (notifies the citizen when an instructor started it)."""
    change = StatusChange(
        id=uuid.uuid4(),
        application_id=application.id,
        from_status=None,
        to_status=S.draft,
        actor_sub=actor.sub,
        actor_role=actor_role,
        occurred_at=utcnow(),
    )
    session.add(change)
    publish(
        session,
        "koerekort.application.status_changed",
        {"application_id": str(application.id), "status_change_id": str(change.id), "status": "draft"},
    )
    return change


def history(session: Session, application: Application) -> list[StatusChange]:
    """All recorded state changes, oldest first."""
    return list(
        session.scalars(
            select(StatusChange)
            .where(StatusChange.application_id == application.id)
            .order_by(StatusChange.occurred_at, StatusChange.id)
        )
    )


@dataclass(frozen=True)
class TimelineStep:
    key: str
    label: str
    state: str  # done | current | pending
    at: datetime | None
    by: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "state": self.state, "at": self.at, "by": self.by}


STEP_LABEL = {
    "started": "Ansøgning oprettet",
    "del_a_signed": "Del A udfyldt og underskrevet",
    "with_doctor": "Hos lægen",
    "submitted": "Indsendt af lægen",
    "at_borgerservice": "Hos Borgerservice",
    "information_requested": "Flere oplysninger efterspurgt hos lægen",
    "decided": "Afgørelse",
}
_STEP_FOR_STATUS: dict[str, str] = {
    S.draft: "started",
    S.with_doctor: "with_doctor",
    S.submitted: "submitted",
    S.in_review: "at_borgerservice",
    S.information_requested: "information_requested",
    S.approved: "decided",
    S.returned: "decided",
    S.withdrawn: "decided",
}
_STILL_TO_COME: dict[str, tuple[str, ...]] = {
    S.draft: ("del_a_signed", "with_doctor", "submitted", "at_borgerservice", "decided"),
    S.with_doctor: ("submitted", "at_borgerservice", "decided"),
    S.submitted: ("at_borgerservice", "decided"),
    S.in_review: ("decided",),
    S.information_requested: ("submitted", "decided"),
}
FINAL = frozenset({S.approved, S.returned, S.withdrawn})


def timeline(application: Application, changes: list[StatusChange]) -> list[TimelineStep]:
    """The citizen's step-by-step view: what happened (when, by whom), where it is now, and what is left."""
    happened: list[TimelineStep] = []
    for change in changes:
        by = ACTOR_LABEL.get(change.actor_role, change.actor_role)
        if change.to_status == S.with_doctor:
            happened.append(TimelineStep("del_a_signed", STEP_LABEL["del_a_signed"], "done", change.occurred_at, by))
        key = _STEP_FOR_STATUS[change.to_status]
        label = STATUS_LABEL[change.to_status] if key == "decided" else STEP_LABEL[key]
        if key == "submitted" and change.from_status == S.information_requested:
            label = "Lægen har svaret og indsendt igen"
        happened.append(TimelineStep(key, label, "done", change.occurred_at, by))
    if happened and application.status not in FINAL:
        last = happened[-1]
        happened[-1] = TimelineStep(last.key, last.label, "current", last.at, last.by)
    pending = [
        TimelineStep(key, STEP_LABEL[key], "pending", None, None) for key in _STILL_TO_COME.get(application.status, ())
    ]
    return happened + pending
