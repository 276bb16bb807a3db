"""The prioritised, pseudonymised queue: randomised arms, capacity per period, ranked release.

Model arm: ranked by expected saving (probability × estimated saving). Control arm (the old process):
first-come by arrival, no score shown. Each period releases `capacity` cases, split between the arms by the
control share; what does not fit waits. No CPR number, name or address ever appears here.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.kontrol.models import Candidate, Case, KontrolSettings, Score
from services.kontrol.priority.config import load_settings
from shared.db import utcnow

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def assign_arm(session: Session, candidate: Candidate) -> None:
    """Randomise a new candidate to the model or control arm, reproducibly (HMAC of salt and id), and record it."""
    settings = load_settings(session)
    digest = hmac.new(settings.assignment_salt.encode(), str(candidate.id).encode(), hashlib.sha256).digest()
    draw = int.from_bytes(digest[:8], "big") / 2**64
    candidate.arm_draw = draw
    candidate.control_share_at_assignment = settings.control_share
    candidate.arm = "control" if draw < settings.control_share else "model"


def period_start(settings: KontrolSettings, now: datetime | None = None) -> datetime:
    """Start of the current capacity period (Monday or the 1st, midnight Copenhagen time) in UTC."""
    local = (now or utcnow()).astimezone(COPENHAGEN)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    day = day.replace(day=1) if settings.capacity_period == "month" else day - timedelta(days=day.weekday())
    return day.astimezone(ZoneInfo("UTC"))


@dataclass
class Capacity:
    period: str
    period_start: datetime
    total: int
    per_arm: dict[str, int]
    opened: dict[str, int]

    def remaining(self, arm: str) -> int:
        return max(self.per_arm[arm] - self.opened.get(arm, 0), 0)


def capacity(session: Session, settings: KontrolSettings | None = None) -> Capacity:
    """This period's capacity per arm and how much of it is used by opened cases."""
    settings = settings or load_settings(session)
    start = period_start(settings)
    control = round(settings.capacity_per_period * settings.control_share)
    opened = dict(
        session.execute(select(Case.arm, func.count()).where(Case.opened_at >= start).group_by(Case.arm)).all()
    )
    return Capacity(
        period=settings.capacity_period,
        period_start=start,
        total=settings.capacity_per_period,
        per_arm={"model": settings.capacity_per_period - control, "control": control},
        opened={str(k): int(v) for k, v in opened.items()},
    )


def _model_rows(session: Session, run_id: uuid.UUID, min_probability: float, limit: int) -> list[Any]:
    return list(
        session.execute(
            select(
                Score.candidate_id,
                Score.probability,
                Score.expected_saving_ore,
                Score.estimated_saving_ore,
                Score.reasons,
                Candidate.reference,
                Candidate.received_at,
                Candidate.first_channel,
                Candidate.first_criterion,
            )
            .join(Candidate, Candidate.id == Score.candidate_id)
            .where(
                Score.run_id == run_id,
                Score.arm == "model",
                Candidate.status == "gathered",
                Score.probability >= min_probability,
            )
            .order_by(Score.expected_saving_ore.desc(), Score.candidate_id)
            .limit(limit)
        ).all()
    )


def _control_rows(session: Session, run_id: uuid.UUID, limit: int) -> list[Any]:
    return list(
        session.execute(
            select(
                Candidate.id.label("candidate_id"),
                Candidate.reference,
                Candidate.received_at,
                Candidate.first_channel,
                Candidate.first_criterion,
            )
            .join(Score, (Score.candidate_id == Candidate.id) & (Score.run_id == run_id))
            .where(Candidate.arm == "control", Candidate.status == "gathered")
            .order_by(Candidate.received_at, Candidate.id)
            .limit(limit)
        ).all()
    )


def released(session: Session, *, upto: int | None = None) -> tuple[list[dict[str, Any]], Capacity]:
    """The candidates released this period: model arm by rank, then control arm first-come.

    `upto` stops after that many items (a page needs only its own rows and one more, not the whole release).
    """
    settings = load_settings(session)
    cap = capacity(session, settings)
    if settings.current_run_id is None:
        return [], cap
    model_limit = cap.remaining("model") if upto is None else min(cap.remaining("model"), upto)
    items: list[dict[str, Any]] = []
    for position, row in enumerate(
        _model_rows(session, settings.current_run_id, settings.min_probability, model_limit), start=1
    ):
        items.append(
            {
                "candidate_id": row.candidate_id,
                "reference": row.reference,
                "arm": "model",
                "position": position,
                "probability": round(float(row.probability), 4),
                "expected_saving_ore": int(row.expected_saving_ore),
                "estimated_saving_ore": int(row.estimated_saving_ore),
                "reasons": row.reasons,
                "received_at": row.received_at,
                "channel": row.first_channel,
                "criterion": row.first_criterion,
            }
        )
    control_limit = cap.remaining("control") if upto is None else min(cap.remaining("control"), upto - len(items))
    if control_limit <= 0:
        return items, cap
    for position, row in enumerate(_control_rows(session, settings.current_run_id, control_limit), start=1):
        items.append(
            {
                "candidate_id": row.candidate_id,
                "reference": row.reference,
                "arm": "control",
                "position": position,
                "probability": None,
                "expected_saving_ore": None,
                "estimated_saving_ore": None,
                "reasons": None,
                "received_at": row.received_at,
                "channel": row.first_channel,
                "criterion": row.first_criterion,
            }
        )
    return items, cap


def is_released(session: Session, candidate_id: uuid.UUID) -> bool:
    """Whether the candidate is among this period's released cases."""
    items, _ = released(session)
    return any(i["candidate_id"] == candidate_id for i in items)


def waiting_counts(session: Session) -> dict[str, int]:
    """How many gathered, scored candidates wait per arm (all of them, released or not)."""
    settings = load_settings(session)
    if settings.current_run_id is None:
        return {"model": 0, "control": 0}
    rows = session.execute(
        select(Candidate.arm, func.count())
        .join(Score, (Score.candidate_id == Candidate.id) & (Score.run_id == settings.current_run_id))
        .where(Candidate.status == "gathered")
        .group_by(Candidate.arm)
    ).all()
    counts = {"model": 0, "control": 0}
    counts.update({str(a): int(c) for a, c in rows})
    return counts
