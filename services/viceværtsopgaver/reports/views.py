"""HTTP routes for reports: JSON, CSV and charts (PNG/SVG)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel

from services.viceværtsopgaver.common import access
from services.viceværtsopgaver.common.deps import AnyUser
from services.viceværtsopgaver.common.validators import DEPARTMENTS
from services.viceværtsopgaver.common.workhours import local_date
from services.viceværtsopgaver.reports import charts
from services.viceværtsopgaver.reports.service import REPORTS, Filters, Report
from shared.auth import Principal, Role
from shared.db import DbSession, utcnow
from shared.errors import FieldError, NotFound, Unprocessable

router = APIRouter(prefix="/api/v1/reports", tags=["rapporter"])
ReportName = Literal[
    "hours-per-building",
    "hours-per-department",
    "tasks-by-type",
    "first-visit",
    "failing-components",
    "planned-vs-adhoc",
]


class Column(BaseModel):
    key: str
    title: str


class ReportOut(BaseModel):
    name: str
    title: str
    from_date: date
    to_date: date
    columns: list[Column]
    rows: list[dict[str, Any]]
    summary: dict[str, Any]
    csv_url: str
    chart_png_url: str
    chart_svg_url: str


def _filters(
    session: DbSession,
    principal: Principal,
    from_date: date | None,
    to_date: date | None,
    team_id: uuid.UUID | None,
    department: str | None,
) -> Filters:
    today = local_date(utcnow())
    to_date = to_date or today
    from_date = from_date or to_date - timedelta(days=30)
    if from_date > to_date:
        raise Unprocessable(
            "Perioden er ugyldig.",
            errors=[FieldError("/query/from_date", "invalid_period", "Fra-datoen skal ligge før til-datoen.")],
        )
    if (to_date - from_date).days > 3 * 366:
        raise Unprocessable(
            "Perioden er for lang.",
            errors=[FieldError("/query/from_date", "period_too_long", "Vælg en periode på højst 3 år.")],
        )
    if department is not None and department not in DEPARTMENTS:
        raise Unprocessable(
            "Ukendt forvaltning.",
            errors=[FieldError("/query/department", "invalid_department", "Tilladt: " + ", ".join(DEPARTMENTS) + ".")],
        )
    institution_id = None
    if not principal.has(Role.teamleder, Role.servicedesk, Role.admin):
        if not principal.has(Role.bestiller):
            raise NotFound("Rapporten findes ikke.", code="report_not_found")
        institution_id = access.require_institution(session, principal).id
    return Filters(
        from_date=from_date, to_date=to_date, team_id=team_id, department=department, institution_id=institution_id
    )


def _subtitle(report: Report, f: Filters) -> str:
    return f"{f.from_date:%d.%m.%Y} – {f.to_date:%d.%m.%Y}"


def _query(f: Filters) -> str:
    parts = [f"from_date={f.from_date.isoformat()}", f"to_date={f.to_date.isoformat()}"]
    if f.team_id:
        parts.append(f"team_id={f.team_id}")
    if f.department:
        parts.append(f"department={f.department}")
    return "&".join(parts)


@router.get("/{name}", response_model=ReportOut, summary="Rapport som JSON (format=csv giver regneark)")
def get_report(
    name: ReportName,
    principal: AnyUser,
    session: DbSession,
    from_date: date | None = Query(None),
    to_date: date | None = Query(None),
    team_id: uuid.UUID | None = Query(None),
    department: str | None = Query(None, max_length=10),
    format: Literal["json", "csv"] = Query("json"),
) -> Any:
    f = _filters(session, principal, from_date, to_date, team_id, department)
    report = REPORTS[name](session, f)
    if format == "csv":
        return Response(
            charts.to_csv(report.columns, report.rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}-{f.from_date}-{f.to_date}.csv"'},
        )
    query = _query(f)
    return ReportOut(
        name=report.name,
        title=report.title,
        from_date=f.from_date,
        to_date=f.to_date,
        columns=[Column(key=k, title=t) for k, t in report.columns],
        rows=report.rows,
        summary=report.summary,
        csv_url=f"/api/v1/reports/{name}?{query}&format=csv",
        chart_png_url=f"/api/v1/reports/{name}/chart?{query}&format=png",
        chart_svg_url=f"/api/v1/reports/{name}/chart?{query}&format=svg",
    )


@router.get("/{name}/chart", summary="Rapportens figur (PNG eller SVG)", response_class=Response)
def get_chart(
    name: ReportName,
    principal: AnyUser,
    session: DbSession,
    from_date: date | None = Query(None),
    to_date: date | None = Query(None),
    team_id: uuid.UUID | None = Query(None),
    department: str | None = Query(None, max_length=10),
    format: Literal["png", "svg"] = Query("png"),
) -> Response:
    f = _filters(session, principal, from_date, to_date, team_id, department)
    report = REPORTS[name](session, f)
    if format == "svg":
        return Response(charts.svg(report, subtitle=_subtitle(report, f)), media_type="image/svg+xml")
    return Response(charts.png(report, subtitle=_subtitle(report, f)), media_type="image/png")
