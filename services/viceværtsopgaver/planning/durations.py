"""Expected durations learned from time registrations, per task type and institution type.

The estimate for a (type, institution type) pair shrinks the median of measured task totals
towards the task type's configured default while there are few samples:
estimate = (n·median + K·default) / (n + K), K = 3. With no samples the default is used; with a
general estimate for the type ('' institution type) that is used before the default.
"""

from __future__ import annotations

import statistics
import uuid
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from services.viceværtsopgaver.planning.models import DurationEstimate
from services.viceværtsopgaver.registry.models import Building, TaskType
from services.viceværtsopgaver.task.models import Task, TimeEntry
from shared.db import utcnow

SHRINK_K = 3
WINDOW = timedelta(days=365)
MIN_MINUTES, MAX_MINUTES = 5, 8 * 60


def expected_minutes_for(session: Session, *, task_type: TaskType, institution_type: str | None) -> int:
    """Best estimate of a new task's duration in minutes."""
    keys = [institution_type or "", ""] if institution_type else [""]
    rows = {
        r.institution_type: r
        for r in session.scalars(
            select(DurationEstimate).where(
                DurationEstimate.task_type_id == task_type.id, DurationEstimate.institution_type.in_(keys)
            )
        )
    }
    for key in keys:
        if key in rows:
            return rows[key].estimate_minutes
    return task_type.expected_minutes


def _estimate(samples: list[float], default: int) -> tuple[float, float, float, int]:
    median = statistics.median(samples)
    mean = statistics.fmean(samples)
    ordered = sorted(samples)
    p80 = ordered[min(len(ordered) - 1, int(0.8 * (len(ordered) - 1) + 0.5))]
    n = len(samples)
    value = (n * median + SHRINK_K * default) / (n + SHRINK_K)
    return mean, median, p80, round(min(max(value, MIN_MINUTES), MAX_MINUTES))


def recompute(session: Session, *, now: datetime | None = None) -> int:
    """Recompute every estimate from the last year's solved tasks; returns how many estimates exist."""
    now = now or utcnow()
    # Serialise concurrent recomputations (periodic job and a team leader's request) on the task types.
    session.execute(select(TaskType.id).order_by(TaskType.id).with_for_update())
    totals = _task_totals(session, now)
    samples: dict[tuple[uuid.UUID, str], list[float]] = defaultdict(list)
    for _task_id, type_id, institution_type, seconds in totals:
        minutes = float(seconds or 0) / 60
        if minutes <= 0:
            continue
        samples[(type_id, institution_type)].append(minutes)
        samples[(type_id, "")].append(minutes)
    defaults = dict(session.execute(select(TaskType.id, TaskType.expected_minutes)).all())
    session.execute(delete(DurationEstimate))
    for (type_id, institution_type), values in samples.items():
        mean, median, p80, estimate = _estimate(values, defaults.get(type_id, 60))
        session.add(
            DurationEstimate(
                task_type_id=type_id,
                institution_type=institution_type,
                sample_count=len(values),
                mean_minutes=round(mean, 1),
                median_minutes=round(median, 1),
                p80_minutes=round(p80, 1),
                estimate_minutes=estimate,
                updated_at=now,
            )
        )
    session.flush()
    return len(samples)


def _task_totals(session: Session, now: datetime) -> list[tuple[uuid.UUID, uuid.UUID, str, float]]:
    """Seconds registered per solved task (summed in Python; portable across PostgreSQL and SQLite)."""
    rows = session.execute(
        select(Task.id, Task.task_type_id, Building.institution_type, TimeEntry.started_at, TimeEntry.ended_at)
        .join(TimeEntry, TimeEntry.task_id == Task.id)
        .join(Building, Building.id == Task.building_id)
        .where(Task.status == "loest", Task.resolved_at >= now - WINDOW, TimeEntry.ended_at.is_not(None))
    ).all()
    sums: dict[tuple[uuid.UUID, uuid.UUID, str], float] = defaultdict(float)
    for task_id, type_id, institution_type, started, ended in rows:
        if ended is not None:
            sums[(task_id, type_id, institution_type)] += (ended - started).total_seconds()
    return [(k[0], k[1], k[2], v) for k, v in sums.items()]


def list_estimates(session: Session) -> list[DurationEstimate]:
    """All learned estimates."""
    return list(
        session.scalars(
            select(DurationEstimate).order_by(DurationEstimate.task_type_id, DurationEstimate.institution_type)
        )
    )
