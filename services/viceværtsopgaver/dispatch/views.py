"""HTTP routes for the team leader's board: waiting tasks with reasons, the pool, and the team's load."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import select

from services.viceværtsopgaver.common import access
from services.viceværtsopgaver.common.deps import Leader
from services.viceværtsopgaver.common.workhours import local_date, on_duty
from services.viceværtsopgaver.dispatch import service
from services.viceværtsopgaver.dispatch.engine import absent_ids, loads
from services.viceværtsopgaver.registry.models import Caretaker, Team
from services.viceværtsopgaver.registry.schemas import TeamOut
from services.viceværtsopgaver.task.models import Assignment, Task
from services.viceværtsopgaver.task.present import task_outs
from services.viceværtsopgaver.task.schemas import TaskOut
from services.viceværtsopgaver.task.vocabulary import ACTIVE_WORK, PRIORITY_RANK
from shared.auth import Role
from shared.db import DbSession, utcnow
from shared.errors import NotFound

router = APIRouter(prefix="/api/v1", tags=["tavle"])


class BoardTask(TaskOut):
    reason: str


class CaretakerLoad(BaseModel):
    id: uuid.UUID
    name: str
    team_id: uuid.UUID
    skills: list[str]
    on_duty: bool
    absent: bool
    open_tasks: int
    load_minutes: float


class Board(BaseModel):
    teams: list[TeamOut]
    waiting: list[BoardTask]
    pool: list[BoardTask]
    planned_upcoming: int
    cannot_solve: list[BoardTask]
    caretakers: list[CaretakerLoad]


def _with_reasons(session: DbSession, tasks: list[Task]) -> list[BoardTask]:
    reasons: dict[uuid.UUID, str] = {}
    if tasks:
        rows = session.execute(
            select(Assignment.task_id, Assignment.reason)
            .where(Assignment.task_id.in_([t.id for t in tasks]))
            .order_by(Assignment.created_at)
        ).all()
        reasons = {task_id: reason for task_id, reason in rows}
    return [BoardTask(**out.model_dump(), reason=reasons.get(out.id, "")) for out in task_outs(session, tasks)]


@router.get("/board", response_model=Board, summary="Teamlederens tavle")
def board(principal: Leader, session: DbSession, team_id: uuid.UUID | None = Query(None)) -> Board:
    led = access.led_team_ids(session, principal)
    if principal.has(Role.admin):
        team_ids = {team_id} if team_id else set(session.scalars(select(Team.id)))
    elif team_id is not None:
        if team_id not in led:
            raise NotFound("Teamet findes ikke.", code="team_not_found")
        team_ids = {team_id}
    else:
        team_ids = led
    now = utcnow()
    today = local_date(now)
    teams = list(session.scalars(select(Team).where(Team.id.in_(team_ids)).order_by(Team.name)))
    waiting_rows = list(
        session.scalars(select(Task).where(Task.team_id.in_(team_ids), Task.status == "ny", Task.on_board.is_(True)))
    )
    pool = [t for t in waiting_rows if t.board_reason == "pool_low_priority"]
    planned_later = [t for t in waiting_rows if t.planned_for is not None and t.planned_for > today]
    waiting = [t for t in waiting_rows if t not in pool and t not in planned_later]
    order: Any = lambda t: (PRIORITY_RANK.get(t.priority, 2), t.created_at)  # noqa: E731
    cannot = list(
        session.scalars(
            select(Task)
            .where(
                Task.team_id.in_(team_ids),
                Task.status == "kan_ikke_loeses",
                Task.status_at >= now - timedelta(days=14),
            )
            .order_by(Task.status_at.desc())
            .limit(50)
        )
    )
    caretakers = list(
        session.scalars(
            select(Caretaker)
            .where(Caretaker.team_id.in_(team_ids), Caretaker.active.is_(True))
            .order_by(Caretaker.name)
        )
    )
    ids = [c.id for c in caretakers]
    absent = absent_ids(session, ids, now)
    load = loads(session, ids, now)
    counts: dict[uuid.UUID, int] = dict.fromkeys(ids, 0)
    for (caretaker_id,) in session.execute(
        select(Task.assigned_caretaker_id).where(Task.assigned_caretaker_id.in_(ids), Task.status.in_(ACTIVE_WORK))
    ).all():
        if caretaker_id is not None:
            counts[caretaker_id] += 1
    return Board(
        teams=[TeamOut.model_validate(t) for t in teams],
        waiting=_with_reasons(session, sorted(waiting, key=order)),
        pool=_with_reasons(session, sorted(pool, key=order)[:100]),
        planned_upcoming=len(planned_later),
        cannot_solve=_with_reasons(session, cannot),
        caretakers=[
            CaretakerLoad(
                id=c.id,
                name=c.name,
                team_id=c.team_id,
                skills=list(c.skills or []),
                on_duty=c.id not in absent and on_duty(c, now),
                absent=c.id in absent,
                open_tasks=counts[c.id],
                load_minutes=round(load[c.id], 1),
            )
            for c in caretakers
        ],
    )


class DispatchRun(BaseModel):
    assigned: int


@router.post("/dispatch-runs", response_model=DispatchRun, status_code=201, summary="Fordel ventende opgaver nu")
def run_dispatch(_: Leader, session: DbSession) -> DispatchRun:
    return DispatchRun(assigned=service.redispatch_waiting(session))
