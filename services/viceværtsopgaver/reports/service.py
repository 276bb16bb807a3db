"""Report calculations (portable SQL plus Python aggregation) with Danish column titles."""

from __future__ import annotations

import statistics
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.viceværtsopgaver.common.workhours import local_datetime
from services.viceværtsopgaver.registry.models import Building, Component, TaskType
from services.viceværtsopgaver.task.models import StatusChange, Task, TimeEntry


@dataclass(frozen=True)
class Filters:
    from_date: date
    to_date: date
    team_id: uuid.UUID | None = None
    department: str | None = None
    institution_id: uuid.UUID | None = None

    @property
    def start(self) -> datetime:
        return local_datetime(self.from_date, 0)

    @property
    def end(self) -> datetime:
        return local_datetime(self.to_date + timedelta(days=1), 0)


@dataclass
class Report:
    name: str
    title: str
    columns: list[tuple[str, str]]
    rows: list[dict[str, Any]]
    chart_label: str
    chart_value: str
    chart_title: str
    summary: dict[str, Any] = field(default_factory=dict)


def _scoped(statement: Any, f: Filters) -> Any:
    if f.team_id is not None:
        statement = statement.where(Task.team_id == f.team_id)
    if f.department is not None:
        statement = statement.where(Building.department == f.department)
    if f.institution_id is not None:
        statement = statement.where(Task.institution_id == f.institution_id)
    return statement


def _entries(session: Session, f: Filters) -> list[Any]:
    statement = (
        select(
            TimeEntry.task_id,
            TimeEntry.started_at,
            TimeEntry.ended_at,
            Building.id.label("building_id"),
            Building.name.label("building_name"),
            Building.address,
            Building.department,
            Building.institution_type,
            Task.kind,
        )
        .join(Task, Task.id == TimeEntry.task_id)
        .join(Building, Building.id == Task.building_id)
        .where(TimeEntry.ended_at.is_not(None), TimeEntry.started_at >= f.start, TimeEntry.started_at < f.end)
    )
    return list(session.execute(_scoped(statement, f)).all())


def _hours(row: Any) -> float:
    return (row.ended_at - row.started_at).total_seconds() / 3600


def hours_per_building(session: Session, f: Filters) -> Report:
    """Registered hours per building."""
    groups: dict[uuid.UUID, dict[str, Any]] = {}
    tasks: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for row in _entries(session, f):
        g = groups.setdefault(
            row.building_id,
            {
                "building_id": str(row.building_id),
                "building": row.building_name,
                "address": row.address,
                "department": row.department,
                "institution_type": row.institution_type,
                "hours": 0.0,
            },
        )
        g["hours"] += _hours(row)
        tasks[row.building_id].add(row.task_id)
    rows = []
    for key, g in groups.items():
        rows.append({**g, "hours": round(g["hours"], 2), "tasks": len(tasks[key])})
    rows.sort(key=lambda r: (-r["hours"], r["building"]))
    return Report(
        "hours-per-building",
        "Timer pr. bygning",
        [
            ("building", "Bygning"),
            ("address", "Adresse"),
            ("department", "Forvaltning"),
            ("institution_type", "Institutionstype"),
            ("hours", "Timer"),
            ("tasks", "Opgaver"),
        ],
        rows,
        "building",
        "hours",
        "Registrerede timer pr. bygning",
        {"total_hours": round(sum(r["hours"] for r in rows), 2)},
    )


def hours_per_department(session: Session, f: Filters) -> Report:
    """Registered hours per owning department."""
    hours: dict[str, float] = defaultdict(float)
    buildings: dict[str, set[uuid.UUID]] = defaultdict(set)
    tasks: dict[str, set[uuid.UUID]] = defaultdict(set)
    for row in _entries(session, f):
        hours[row.department] += _hours(row)
        buildings[row.department].add(row.building_id)
        tasks[row.department].add(row.task_id)
    rows: list[dict[str, Any]] = [
        {"department": d, "hours": round(h, 2), "buildings": len(buildings[d]), "tasks": len(tasks[d])}
        for d, h in hours.items()
    ]
    rows.sort(key=lambda r: (-r["hours"], r["department"]))
    return Report(
        "hours-per-department",
        "Timer pr. forvaltning",
        [("department", "Forvaltning"), ("hours", "Timer"), ("buildings", "Bygninger"), ("tasks", "Opgaver")],
        rows,
        "department",
        "hours",
        "Registrerede timer pr. forvaltning",
        {"total_hours": round(sum(r["hours"] for r in rows), 2)},
    )


def _tasks_created(session: Session, f: Filters) -> list[Any]:
    statement = (
        select(
            Task.id,
            Task.status,
            Task.kind,
            Task.reported_at,
            Task.created_at,
            Task.resolved_at,
            Task.component_id,
            Task.building_id,
            TaskType.name.label("type_name"),
            TaskType.code.label("type_code"),
        )
        .join(TaskType, TaskType.id == Task.task_type_id)
        .join(Building, Building.id == Task.building_id)
        .where(Task.created_at >= f.start, Task.created_at < f.end)
    )
    return list(session.execute(_scoped(statement, f)).all())


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def tasks_by_type(session: Session, f: Filters) -> Report:
    """Task counts and lead times (reported → solved) by task type."""
    groups: dict[str, dict[str, Any]] = {}
    leads: dict[str, list[float]] = defaultdict(list)
    for row in _tasks_created(session, f):
        if row.status == "opdelt":
            continue
        g = groups.setdefault(
            row.type_code, {"task_type": row.type_name, "created": 0, "solved": 0, "open": 0, "cancelled": 0}
        )
        g["created"] += 1
        if row.status == "loest" and row.resolved_at is not None:
            g["solved"] += 1
            leads[row.type_code].append((row.resolved_at - row.reported_at).total_seconds() / 3600)
        elif row.status == "annulleret":
            g["cancelled"] += 1
        elif row.status not in ("kan_ikke_loeses",):
            g["open"] += 1
    rows = []
    for code, g in groups.items():
        values = leads[code]
        rows.append(
            {
                **g,
                "median_lead_hours": round(statistics.median(values), 2) if values else None,
                "p90_lead_hours": round(_percentile(values, 0.9), 2) if values else None,
            }
        )
    rows.sort(key=lambda r: (-r["created"], r["task_type"]))
    all_leads = [v for values in leads.values() for v in values]
    return Report(
        "tasks-by-type",
        "Opgaver og gennemløbstid pr. opgavetype",
        [
            ("task_type", "Opgavetype"),
            ("created", "Oprettet"),
            ("solved", "Løst"),
            ("open", "Åbne"),
            ("cancelled", "Annulleret"),
            ("median_lead_hours", "Median gennemløbstid (timer)"),
            ("p90_lead_hours", "90 % løst inden (timer)"),
        ],
        rows,
        "task_type",
        "created",
        "Opgaver pr. opgavetype",
        {
            "created": sum(r["created"] for r in rows),
            "solved": sum(r["solved"] for r in rows),
            "median_lead_hours": round(statistics.median(all_leads), 2) if all_leads else None,
        },
    )


def first_visit(session: Session, f: Filters) -> Report:
    """Share of solved tasks solved on the first visit (one time registration, never waiting for material)."""
    statement = (
        select(Task.id, TaskType.name.label("type_name"))
        .join(TaskType, TaskType.id == Task.task_type_id)
        .join(Building, Building.id == Task.building_id)
        .where(Task.status == "loest", Task.resolved_at >= f.start, Task.resolved_at < f.end)
    )
    solved = list(session.execute(_scoped(statement, f)).all())
    ids = [r.id for r in solved]
    visits: dict[uuid.UUID, int] = defaultdict(int)
    waited: set[uuid.UUID] = set()
    for chunk in range(0, len(ids), 1000):
        part = ids[chunk : chunk + 1000]
        for (task_id,) in session.execute(select(TimeEntry.task_id).where(TimeEntry.task_id.in_(part))).all():
            visits[task_id] += 1
        waited |= set(
            session.scalars(
                select(StatusChange.task_id).where(
                    StatusChange.task_id.in_(part),
                    StatusChange.status.in_(("materiale_bestilles", "afventer")),
                    StatusChange.outcome == "applied",
                )
            )
        )
    groups: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in solved:
        g = groups[row.type_name]
        g[0] += 1
        if visits[row.id] <= 1 and row.id not in waited:
            g[1] += 1
    rows: list[dict[str, Any]] = [
        {"task_type": name, "solved": s, "first_visit": fv, "share_percent": round(100 * fv / s, 1) if s else None}
        for name, (s, fv) in groups.items()
    ]
    rows.sort(key=lambda r: (-r["solved"], r["task_type"]))
    total, first = sum(r["solved"] for r in rows), sum(r["first_visit"] for r in rows)
    return Report(
        "first-visit",
        "Løst ved første besøg",
        [
            ("task_type", "Opgavetype"),
            ("solved", "Løst"),
            ("first_visit", "Løst ved første besøg"),
            ("share_percent", "Andel (%)"),
        ],
        rows,
        "task_type",
        "share_percent",
        "Andel løst ved første besøg (%)",
        {"solved": total, "first_visit": first, "share_percent": round(100 * first / total, 1) if total else None},
    )


def failing_components(session: Session, f: Filters) -> Report:
    """Component kinds and models that fail most often (tasks reported on a component)."""
    statement = (
        select(Task.id, Component.id.label("component_id"), Component.kind, Component.manufacturer, Component.model)
        .join(Component, Component.id == Task.component_id)
        .join(Building, Building.id == Task.building_id)
        .where(Task.created_at >= f.start, Task.created_at < f.end, Task.kind == "adhoc")
    )
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    components: dict[tuple[str, str, str], set[uuid.UUID]] = defaultdict(set)
    for row in session.execute(_scoped(statement, f)).all():
        key = (row.kind, row.manufacturer or "", row.model or "")
        g = groups.setdefault(
            key,
            {
                "component_kind": row.kind,
                "manufacturer": row.manufacturer or "",
                "model": row.model or "",
                "failures": 0,
            },
        )
        g["failures"] += 1
        components[key].add(row.component_id)
    rows: list[dict[str, Any]] = []
    for key, g in groups.items():
        count = len(components[key])
        rows.append({**g, "components": count, "failures_per_component": round(g["failures"] / count, 2)})
    rows.sort(key=lambda r: (-r["failures"], -r["failures_per_component"], r["component_kind"]))
    for entry in rows:
        entry["label"] = " ".join(x for x in (entry["component_kind"], entry["manufacturer"], entry["model"]) if x)
    return Report(
        "failing-components",
        "Komponenter, der oftest går i stykker",
        [
            ("component_kind", "Komponenttype"),
            ("manufacturer", "Fabrikat"),
            ("model", "Model"),
            ("failures", "Fejlmeldinger"),
            ("components", "Antal komponenter"),
            ("failures_per_component", "Fejl pr. komponent"),
        ],
        rows,
        "label",
        "failures",
        "Fejlmeldinger pr. komponenttype og model",
    )


def planned_vs_adhoc(session: Session, f: Filters) -> Report:
    """Planned (recurring/preventive) versus ad-hoc work: tasks and registered hours."""
    counts = {"planned": 0, "adhoc": 0}
    for row in _tasks_created(session, f):
        if row.status != "opdelt":
            counts[row.kind] = counts.get(row.kind, 0) + 1
    hours = {"planned": 0.0, "adhoc": 0.0}
    for row in _entries(session, f):
        hours[row.kind] = hours.get(row.kind, 0.0) + _hours(row)
    total_tasks, total_hours = sum(counts.values()), sum(hours.values())
    labels = {"planned": "Planlagt (faste og forebyggende)", "adhoc": "Bestilt (ad hoc)"}
    rows = [
        {
            "kind": labels[k],
            "tasks": counts[k],
            "task_share_percent": round(100 * counts[k] / total_tasks, 1) if total_tasks else None,
            "hours": round(hours[k], 2),
            "hour_share_percent": round(100 * hours[k] / total_hours, 1) if total_hours else None,
        }
        for k in ("planned", "adhoc")
    ]
    return Report(
        "planned-vs-adhoc",
        "Planlagt og bestilt arbejde",
        [
            ("kind", "Arbejde"),
            ("tasks", "Opgaver"),
            ("task_share_percent", "Andel af opgaver (%)"),
            ("hours", "Timer"),
            ("hour_share_percent", "Andel af timer (%)"),
        ],
        rows,
        "kind",
        "hours",
        "Timer: planlagt og bestilt arbejde",
        {"tasks": total_tasks, "hours": round(total_hours, 2)},
    )


REPORTS: dict[str, Callable[[Session, Filters], Report]] = {
    "hours-per-building": hours_per_building,
    "hours-per-department": hours_per_department,
    "tasks-by-type": tasks_by_type,
    "first-visit": first_visit,
    "failing-components": failing_components,
    "planned-vs-adhoc": planned_vs_adhoc,
}
