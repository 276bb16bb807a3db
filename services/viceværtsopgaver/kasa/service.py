"""Two-way exchange with KASA Helpdesk: idempotent upserts both ways, so no task is registered twice.

Export: a task whose type is shared with KASA is upserted by our task id (KASA keeps our id and
case number as reference); the link stores KASA's id and case number and the versions exchanged.
Import: KASA's change feed is read from the stored cursor. A change we caused ourselves (version
not newer than the one KASA returned to us) is skipped. A case with a link updates the task
(title, description, priority; KASA cancelling or completing the case closes it). A case that
refers to one of our tasks is linked, not copied. Any other case becomes a new task and is
dispatched; a case with an unknown property or category is kept as an issue for the service desk.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.viceværtsopgaver.dispatch import service as dispatch
from services.viceværtsopgaver.kasa.adapter import (
    KASA_PRIORITY_FOR,
    KASA_STATUS_FOR,
    OUR_PRIORITY_FOR,
    KasaCase,
    KasaCaseUpsert,
    KasaHelpdesk,
    KasaHttpHelpdesk,
)
from services.viceværtsopgaver.kasa.models import ExternalLink, KasaSyncIssue, KasaSyncState
from services.viceværtsopgaver.kasa.simulator import SimulatedKasaHelpdesk
from services.viceværtsopgaver.planning.durations import expected_minutes_for
from services.viceværtsopgaver.registry.models import Building, TaskType
from services.viceværtsopgaver.task.models import StatusChange, Task
from services.viceværtsopgaver.task.service import next_case_number
from services.viceværtsopgaver.task.vocabulary import TERMINAL, can_transition
from services.viceværtsopgaver.work.timekeeping import stop_open_entries
from shared.db import session_scope, utcnow
from shared.queue import publish
from shared.settings import get_settings

STATE = "kasa"
KASA_ACTOR = "kasa-helpdesk"


def helpdesk() -> KasaHelpdesk:
    """The configured KASA adapter."""
    settings = get_settings()
    if settings.kasa_helpdesk == "http":
        return KasaHttpHelpdesk(settings.kasa_helpdesk_url, settings.kasa_helpdesk_token)
    return SimulatedKasaHelpdesk()


def _upsert_for(session: Session, task: Task) -> KasaCaseUpsert | None:
    task_type = session.get(TaskType, task.task_type_id)
    building = session.get(Building, task.building_id)
    if task_type is None or building is None or not task_type.shared_with_kasa or not task_type.kasa_category:
        return None
    if not building.keid_property_number:
        return None
    return KasaCaseUpsert(
        external_reference=str(task.id),
        reference_number=task.case_number,
        title=task.title,
        description=task.description,
        category=task_type.kasa_category,
        property_number=building.keid_property_number,
        priority=KASA_PRIORITY_FOR.get(task.priority, "normal"),
        status=KASA_STATUS_FOR.get(task.status, "modtaget"),
    )


def export_task(
    session: Session, *, task_id: uuid.UUID, kasa: KasaHelpdesk | None = None, now: datetime | None = None
) -> ExternalLink | None:
    """Send the task's current state to KASA if it changed since the last export."""
    now = now or utcnow()
    task = session.get(Task, task_id)
    if task is None:
        return None
    link = session.scalar(select(ExternalLink).where(ExternalLink.task_id == task.id))
    if link is not None and link.exported_version >= task.version:
        return link
    upsert = _upsert_for(session, task)
    if upsert is None:
        return link
    case = (kasa or helpdesk()).upsert_case(upsert, external_id=link.external_id if link else None)
    if link is None:
        link = ExternalLink(
            task_id=task.id,
            external_id=case.external_id,
            case_number=case.case_number,
            exported_version=0,
            remote_version=0,
        )
        session.add(link)
    link.case_number = case.case_number
    link.exported_version = task.version
    link.remote_version = max(link.remote_version, case.version)
    link.last_exported_at = now
    if task.keid_case_number != case.case_number:
        task.keid_case_number = case.case_number
        session.flush()
        link.exported_version = task.version  # storing KASA's number is not a change KASA needs back
    session.flush()
    return link


def _state(session: Session) -> KasaSyncState:
    state = session.get(KasaSyncState, STATE)
    if state is None:
        state = KasaSyncState(name=STATE, cursor=None, last_result={})
        session.add(state)
        session.flush()
    return state


def _issue(session: Session, case: KasaCase, code: str, reason: str) -> None:
    exists = session.scalar(
        select(KasaSyncIssue.id).where(
            KasaSyncIssue.external_id == case.external_id, KasaSyncIssue.remote_version == case.version
        )
    )
    if exists is None:
        session.add(
            KasaSyncIssue(external_id=case.external_id, remote_version=case.version, reason_code=code, reason=reason)
        )


def _apply_remote(session: Session, task: Task, case: KasaCase, now: datetime) -> str:
    changed = False
    for attr, value in (("title", case.title[:200]), ("description", case.description)):
        if getattr(task, attr) != value:
            setattr(task, attr, value)
            changed = True
    priority = OUR_PRIORITY_FOR.get(case.priority)
    if priority and priority != task.priority and task.status not in TERMINAL:
        task.priority = priority
        changed = True
    target = {"annulleret": "annulleret", "afsluttet": "loest"}.get(case.status)
    if target and task.status not in TERMINAL and (target == "loest" or can_transition(task.status, target)):
        stop_open_entries(session, at=now, task_id=task.id)
        change = StatusChange(
            task_id=task.id,
            status=target,
            previous_status=task.status,
            note=f"{'Annulleret' if target == 'annulleret' else 'Afsluttet'} i KASA Helpdesk ({case.case_number}).",
            occurred_at=now,
            received_at=now,
            actor_sub=KASA_ACTOR,
            actor_role="system",
            actor_name="KEIDs servicedesk (KASA)",
            caretaker_id=task.assigned_caretaker_id,
            outcome="applied",
        )
        session.add(change)
        task.status, task.status_at, task.status_by_sub, task.resolved_at = target, now, KASA_ACTOR, now
        task.on_board = False
        session.flush()
        publish(session, "vicevaert.task.status_changed", {"task_id": str(task.id), "status_change_id": str(change.id)})
        return "closed"
    return "updated" if changed else "unchanged"


def _create_from(session: Session, case: KasaCase, now: datetime) -> Task | None:
    building = session.scalar(select(Building).where(Building.keid_property_number == case.property_number))
    if building is None:
        _issue(session, case, "unknown_property", f"Ejendomsnummer {case.property_number} findes ikke i registret.")
        return None
    task_type = session.scalar(select(TaskType).where(TaskType.kasa_category == case.category))
    if task_type is None or not task_type.active:
        _issue(
            session, case, "unknown_category", f"KASA-kategorien '{case.category}' er ikke knyttet til en opgavetype."
        )
        return None
    task = Task(
        case_number=next_case_number(session, now=now),
        title=case.title[:200],
        description=case.description,
        task_type_id=task_type.id,
        institution_id=building.institution_id,
        building_id=building.id,
        team_id=building.team_id,
        priority=OUR_PRIORITY_FOR.get(case.priority, task_type.default_priority),
        status="ny",
        status_at=now,
        status_by_sub=KASA_ACTOR,
        kind="adhoc",
        source="kasa",
        ordered_by_sub=None,
        ordered_by_name="KEIDs servicedesk (KASA)",
        reported_at=case.updated_at,
        keid_case_number=case.case_number,
        expected_minutes=expected_minutes_for(session, task_type=task_type, institution_type=building.institution_type),
        created_at=now,
        updated_at=now,
    )
    session.add(task)
    session.flush()
    publish(session, "vicevaert.task.created", {"task_id": str(task.id)})
    dispatch.dispatch_new(session, task=task, now=now)
    return task


def import_changes(
    session: Session,
    *,
    kasa: KasaHelpdesk | None = None,
    now: datetime | None = None,
    limit: int = 200,
    max_pages: int = 20,
) -> dict[str, int]:
    """Read KASA's change feed from the stored cursor and apply it; returns counts per outcome."""
    now = now or utcnow()
    kasa = kasa or helpdesk()
    state = _state(session)
    counts = {"created": 0, "linked": 0, "updated": 0, "closed": 0, "unchanged": 0, "echo": 0, "issues": 0}
    for _ in range(max_pages):
        cases, cursor = kasa.changes_since(state.cursor, limit=limit)
        if not cases:
            break
        for case in cases:
            counts[_import_one(session, case, now)] += 1
        state.cursor = cursor
        session.flush()
        if len(cases) < limit:
            break
    state.last_run_at = now
    state.last_result = counts
    return counts


def _import_one(session: Session, case: KasaCase, now: datetime) -> str:
    link = session.scalar(select(ExternalLink).where(ExternalLink.external_id == case.external_id))
    if link is None and case.external_reference:
        try:
            ours = session.get(Task, uuid.UUID(case.external_reference))
        except ValueError:
            ours = None
        if ours is not None:
            link = session.scalar(select(ExternalLink).where(ExternalLink.task_id == ours.id))
            if link is None:
                link = ExternalLink(
                    task_id=ours.id,
                    external_id=case.external_id,
                    case_number=case.case_number,
                    exported_version=0,
                    remote_version=case.version,
                    last_imported_at=now,
                )
                session.add(link)
                ours.keid_case_number = case.case_number
                session.flush()
                return "linked"
    if link is not None:
        if case.version <= link.remote_version:
            return "echo"
        link.remote_version = case.version
        link.last_imported_at = now
        task = session.get(Task, link.task_id)
        assert task is not None
        outcome = _apply_remote(session, task, case, now)
        session.flush()
        if outcome == "unchanged":
            return "unchanged"
        link.exported_version = max(link.exported_version, task.version)  # KASA already has this state
        return outcome
    task = _create_from(session, case, now)
    if task is None:
        return "issues"
    session.add(
        ExternalLink(
            task_id=task.id,
            external_id=case.external_id,
            case_number=case.case_number,
            exported_version=0,
            remote_version=case.version,
            last_imported_at=now,
        )
    )
    session.flush()
    return "created"


def pending_exports(session: Session, *, limit: int = 200) -> list[uuid.UUID]:
    """Shared tasks never exported or changed since their last export."""
    stale = (
        select(Task.id)
        .join(ExternalLink, ExternalLink.task_id == Task.id)
        .where(Task.version > ExternalLink.exported_version)
        .limit(limit)
    )
    unlinked = (
        select(Task.id)
        .join(TaskType, TaskType.id == Task.task_type_id)
        .join(Building, Building.id == Task.building_id)
        .outerjoin(ExternalLink, ExternalLink.task_id == Task.id)
        .where(
            ExternalLink.id.is_(None),
            TaskType.shared_with_kasa.is_(True),
            TaskType.kasa_category.is_not(None),
            Building.keid_property_number.is_not(None),
            Task.status.not_in(TERMINAL),
        )
        .limit(limit)
    )
    return list(dict.fromkeys([*session.scalars(stale), *session.scalars(unlinked)]))


def sync(*, kasa: KasaHelpdesk | None = None, now: datetime | None = None) -> dict[str, Any]:
    """Import KASA's changes, then export everything pending; each step commits on its own.

    Separate transactions keep partial progress when KASA fails half-way, and keep our write lock
    (SQLite) from blocking the simulator, which commits on its own connection like a remote system.
    """
    now = now or utcnow()
    kasa = kasa or helpdesk()
    with session_scope() as session:
        imported = import_changes(session, kasa=kasa, now=now)
    with session_scope() as session:
        pending = pending_exports(session)
    exported = 0
    for task_id in pending:
        with session_scope() as session:
            if export_task(session, task_id=task_id, kasa=kasa, now=now) is not None:
                exported += 1
    return {"imported": imported, "exported": exported}


def open_issues(session: Session) -> list[KasaSyncIssue]:
    """Import problems not yet resolved."""
    return list(
        session.scalars(
            select(KasaSyncIssue).where(KasaSyncIssue.resolved_at.is_(None)).order_by(KasaSyncIssue.created_at)
        )
    )
