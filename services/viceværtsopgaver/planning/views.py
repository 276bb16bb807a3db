"""HTTP routes for planning: templates, planned-task generation, learned durations, day plans and fill-ins."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response
from sqlalchemy import select

from services.viceværtsopgaver.common import access
from services.viceværtsopgaver.common.deps import CaretakerUser, Leader, Overview
from services.viceværtsopgaver.common.etag import check_if_match, set_etag
from services.viceværtsopgaver.common.workhours import local_date
from services.viceværtsopgaver.planning import dayplan, durations, fill, templates
from services.viceværtsopgaver.planning.models import DayPlan
from services.viceværtsopgaver.planning.schemas import (
    DayPlanOut,
    DayPlanRequest,
    DayPlanRun,
    DayPlanSummary,
    DurationEstimateOut,
    FillInOut,
    PlanningRun,
    RecomputeOut,
    TemplateIn,
    TemplateOut,
    TemplatePatch,
)
from services.viceværtsopgaver.registry import service as registry
from services.viceværtsopgaver.registry.models import Caretaker
from shared.auth import Principal, Role
from shared.db import DbSession, utcnow
from shared.errors import FieldError, NotFound, Unprocessable

router = APIRouter(prefix="/api/v1", tags=["planlægning"])
IfMatch = Annotated[str | None, Header(alias="If-Match")]


def _plannable(day: date, pointer: str) -> date:
    today = local_date(utcnow())
    if not today - timedelta(days=31) <= day <= today + timedelta(days=366):
        raise Unprocessable(
            "Dagen ligger uden for planlægningsperioden.",
            errors=[FieldError(pointer, "day_out_of_range", "Vælg en dag fra en måned tilbage til et år frem.")],
        )
    return day


def _plan_out(plan: DayPlan) -> DayPlanOut:
    out = DayPlanOut.model_validate(plan)
    if plan.naive_km > 0:
        out.saving_percent = round(100 * (1 - plan.total_km / plan.naive_km), 1)
    return out


def _led_caretaker(session: DbSession, principal: Principal, caretaker_id: uuid.UUID) -> Caretaker:
    caretaker = registry.get_caretaker(session, caretaker_id=caretaker_id)
    if not principal.has(Role.admin) and caretaker.team_id not in access.led_team_ids(session, principal):
        raise NotFound("Viceværten findes ikke.", code="caretaker_not_found")
    return caretaker


@router.get("/task-templates", response_model=list[TemplateOut], summary="Faste og forebyggende opgaver")
def list_templates(_: Overview, session: DbSession, building_id: uuid.UUID | None = None) -> list[object]:
    return list(templates.list_templates(session, building_id=building_id))


@router.post("/task-templates", response_model=TemplateOut, status_code=201, summary="Opret fast/forebyggende opgave")
def create_template(body: TemplateIn, principal: Leader, session: DbSession) -> object:
    return templates.create(session, data=body.model_dump(), created_by=principal.sub)


@router.patch("/task-templates/{template_id}", response_model=TemplateOut, summary="Ret skabelon (kræver If-Match)")
def update_template(
    template_id: uuid.UUID,
    body: TemplatePatch,
    _: Leader,
    session: DbSession,
    response: Response,
    if_match: IfMatch = None,
) -> object:
    template = templates.get(session, template_id=template_id)
    check_if_match(if_match, template.version)
    template = templates.update(session, template=template, changes=body.model_dump(exclude_unset=True))
    set_etag(response, template.version)
    return template


@router.post("/planning-runs", response_model=PlanningRun, status_code=201, summary="Opret planlagte opgaver nu")
def run_planning(_: Leader, session: DbSession) -> PlanningRun:
    created = templates.generate(session)
    return PlanningRun(created=len(created), task_ids=[t.id for t in created])


@router.get("/duration-estimates", response_model=list[DurationEstimateOut], summary="Lærte varigheder")
def list_estimates(_: Overview, session: DbSession) -> list[object]:
    return list(durations.list_estimates(session))


@router.post(
    "/duration-estimates/recomputations", response_model=RecomputeOut, status_code=201, summary="Genberegn varigheder"
)
def recompute_estimates(_: Leader, session: DbSession) -> RecomputeOut:
    return RecomputeOut(estimates=durations.recompute(session))


@router.get("/me/day-plan", response_model=DayPlanOut, summary="Min dagsplan (rækkefølge og tider)")
def my_day_plan(principal: CaretakerUser, session: DbSession, day: date | None = Query(None)) -> DayPlanOut:
    caretaker = access.require_caretaker(session, principal)
    day = _plannable(day, "/query/day") if day else local_date(utcnow())
    return _plan_out(dayplan.plan_for(session, caretaker=caretaker, day=day))


@router.get("/caretakers/{caretaker_id}/day-plans/{day}", response_model=DayPlanOut, summary="En vicevært dagsplan")
def caretaker_day_plan(caretaker_id: uuid.UUID, day: date, principal: Leader, session: DbSession) -> DayPlanOut:
    caretaker = _led_caretaker(session, principal, caretaker_id)
    return _plan_out(dayplan.plan_for(session, caretaker=caretaker, day=_plannable(day, "/path/day")))


@router.post("/day-plans", response_model=DayPlanRun, status_code=201, summary="Planlæg dagen for et team")
def plan_team(body: DayPlanRequest, principal: Leader, session: DbSession) -> DayPlanRun:
    _plannable(body.day, "/day")
    if principal.has(Role.admin):
        teams = {body.team_id} if body.team_id else None
    else:
        led = access.led_team_ids(session, principal)
        if body.team_id is not None and body.team_id not in led:
            raise NotFound("Teamet findes ikke.", code="team_not_found")
        teams = {body.team_id} if body.team_id else led
    statement = select(Caretaker.id).where(Caretaker.active.is_(True))
    if teams is not None:
        statement = statement.where(Caretaker.team_id.in_(teams))
    results = dayplan.plan_days(session, day=body.day, caretaker_ids=list(session.scalars(statement)))
    total, naive = sum(r.total_km for r in results), sum(r.naive_km for r in results)
    return DayPlanRun(
        day=body.day,
        plans=[
            DayPlanSummary(
                caretaker_id=r.caretaker_id,
                stops=len(r.stops),
                total_km=r.total_km,
                naive_km=r.naive_km,
                overflow_minutes=r.overflow_minutes,
            )
            for r in results
        ],
        total_km=round(total, 2),
        naive_km=round(naive, 2),
        saving_percent=round(100 * (1 - total / naive), 1) if naive else None,
    )


@router.post(
    "/caretakers/{caretaker_id}/fill-ins",
    response_model=FillInOut,
    status_code=201,
    summary="Fyld ledig tid med puljeopgaver",
)
def fill_in(caretaker_id: uuid.UUID, principal: Leader, session: DbSession) -> FillInOut:
    caretaker = _led_caretaker(session, principal, caretaker_id)
    assignments = fill.fill(session, caretaker=caretaker)
    return FillInOut(assigned_task_ids=[a.task_id for a in assignments], reasons=[a.reason for a in assignments])
