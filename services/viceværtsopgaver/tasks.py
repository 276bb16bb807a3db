"""Queue consumers and periodic jobs of the viceværtsopgaver service."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from services.viceværtsopgaver.dispatch import flows
from services.viceværtsopgaver.dispatch import service as dispatch
from services.viceværtsopgaver.kasa import service as kasa
from services.viceværtsopgaver.location import service as location
from services.viceværtsopgaver.notify import service as notify
from services.viceværtsopgaver.planning import durations, fill, templates
from services.viceværtsopgaver.task.models import TaskPhoto
from shared.db import session_scope, utcnow
from shared.queue import Event, consumer, periodic

UNATTACHED_PHOTO_TTL = timedelta(hours=24)


def _id(event: Event, key: str) -> uuid.UUID:
    return uuid.UUID(str(event.payload[key]))


@consumer("vicevaert.task.status_changed", name="vicevaert.notify_status_change")
def notify_status_change(session: Session, event: Event) -> None:
    """Tell the orderer (portal, SMS, e-mail) about a status change."""
    notify.status_changed(session, task_id=_id(event, "task_id"), status_change_id=_id(event, "status_change_id"))


@consumer("vicevaert.task.assigned", name="vicevaert.notify_assignment")
def notify_assignment(session: Session, event: Event) -> None:
    """Tell the caretaker about a new task."""
    notify.assigned(session, task_id=_id(event, "task_id"), assignment_id=_id(event, "assignment_id"))


@consumer("vicevaert.task.moved_to_board", name="vicevaert.notify_board")
def notify_board(session: Session, event: Event) -> None:
    """Tell the team leader about a task waiting on the board."""
    notify.moved_to_board(session, task_id=_id(event, "task_id"), assignment_id=_id(event, "assignment_id"))


@consumer("vicevaert.task.update_superseded", name="vicevaert.notify_superseded")
def notify_superseded(session: Session, event: Event) -> None:
    """Tell the team leader about a late update from a former assignee."""
    notify.update_superseded(session, task_id=_id(event, "task_id"), status_change_id=_id(event, "status_change_id"))


@consumer("vicevaert.task.child_closed", name="vicevaert.close_parent")
def close_parent(session: Session, event: Event) -> None:
    """Finish a split task when all its parts are finished."""
    flows.close_parent_if_done(session, parent_id=_id(event, "parent_task_id"))


def _export(session: Session, event: Event) -> None:
    kasa.export_task(session, task_id=_id(event, "task_id"))


for _event_type in ("vicevaert.task.created", "vicevaert.task.status_changed", "vicevaert.task.updated"):
    consumer(_event_type, name=f"vicevaert.kasa_export.{_event_type.rsplit('.', 1)[1]}")(_export)


@periodic("vicevaert.redispatch_waiting", every_seconds=300)
def redispatch_waiting() -> int:
    """Assign board tasks that waited for someone to come on duty, for capacity or for their planned day."""
    with session_scope() as session:
        return dispatch.redispatch_waiting(session)


@periodic("vicevaert.generate_planned_tasks", every_seconds=3600)
def generate_planned_tasks() -> int:
    """Create recurring and preventive tasks ahead from their templates."""
    with session_scope() as session:
        return len(templates.generate(session))


@periodic("vicevaert.recompute_durations", every_seconds=6 * 3600)
def recompute_durations() -> int:
    """Learn expected durations from time registrations."""
    with session_scope() as session:
        return durations.recompute(session)


@periodic("vicevaert.fill_unused_time", every_seconds=1800)
def fill_unused_time() -> int:
    """Give caretakers with unused time nearby low-priority tasks from the pool."""
    with session_scope() as session:
        return fill.fill_all(session)


@periodic("vicevaert.purge_positions", every_seconds=300)
def purge_positions() -> int:
    """Delete positions past retention or from caretakers who are off duty."""
    with session_scope() as session:
        return location.purge(session)


@periodic("vicevaert.purge_unused_photos", every_seconds=3600)
def purge_unused_photos() -> int:
    """Delete uploaded photos never attached to a task within a day."""
    with session_scope() as session:
        result: Any = session.execute(
            delete(TaskPhoto).where(TaskPhoto.task_id.is_(None), TaskPhoto.created_at < utcnow() - UNATTACHED_PHOTO_TTL)
        )
        return int(result.rowcount or 0)


@periodic("vicevaert.kasa_sync", every_seconds=120)
def kasa_sync() -> dict[str, object]:
    """Import KASA Helpdesk's changes and export pending tasks."""
    return kasa.sync()
