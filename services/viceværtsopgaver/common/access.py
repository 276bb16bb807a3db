"""Who may see and do what: the caller's caretaker record, institution and led teams, and task visibility."""

from __future__ import annotations

import uuid

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from services.viceværtsopgaver.registry.models import Caretaker, Institution, Team
from services.viceværtsopgaver.task.models import Assignment, Task
from shared.auth import Principal, Role
from shared.errors import Forbidden, NotFound

SERVICE = "viceværtsopgaver"

# Roles that see every task and building (KEID's service desk and administrators).
ALL_SEEING = (Role.servicedesk, Role.admin)
STAFF = (Role.vicevaert, Role.teamleder, Role.servicedesk, Role.admin)


def caretaker_for(session: Session, principal: Principal) -> Caretaker | None:
    """The caretaker record of a logged-in caretaker (None for other callers)."""
    if not principal.has(Role.vicevaert):
        return None
    return session.scalar(select(Caretaker).where(Caretaker.user_sub == principal.sub))


def require_caretaker(session: Session, principal: Principal) -> Caretaker:
    """The caller's caretaker record; 403 when the caller is not a registered, active caretaker."""
    caretaker = caretaker_for(session, principal)
    if caretaker is None or not caretaker.active:
        raise Forbidden("Du er ikke registreret som aktiv vicevært.", code="not_a_caretaker")
    return caretaker


def institution_for(session: Session, principal: Principal) -> Institution | None:
    """The institution an orderer (bestiller) belongs to, from the token's institution_code."""
    code = principal.attributes.get("institution_code")
    if not principal.has(Role.bestiller) or not isinstance(code, str):
        return None
    return session.scalar(select(Institution).where(Institution.code == code))


def require_institution(session: Session, principal: Principal) -> Institution:
    """The caller's institution; 403 when the orderer's institution is unknown."""
    institution = institution_for(session, principal)
    if institution is None:
        raise Forbidden("Din institution er ikke oprettet som bestiller.", code="unknown_institution")
    return institution


def led_team_ids(session: Session, principal: Principal) -> set[uuid.UUID]:
    """Ids of the teams the caller leads (empty unless teamleder)."""
    if not principal.has(Role.teamleder):
        return set()
    return set(session.scalars(select(Team.id).where(Team.leader_sub == principal.sub)))


def sees_everything(principal: Principal) -> bool:
    """True for the service desk and administrators."""
    return principal.has(*ALL_SEEING)


def leads_task(session: Session, principal: Principal, task: Task) -> bool:
    """True when the caller leads the task's team or the team of its current assignee."""
    teams = led_team_ids(session, principal)
    if not teams:
        return False
    if task.team_id in teams:
        return True
    if task.assigned_caretaker_id is not None:
        team_id = session.scalar(select(Caretaker.team_id).where(Caretaker.id == task.assigned_caretaker_id))
        return team_id in teams
    return False


def has_been_assigned(session: Session, caretaker_id: uuid.UUID, task_id: uuid.UUID) -> bool:
    """True when the caretaker holds or has held the task."""
    return bool(
        session.scalar(select(exists().where(Assignment.task_id == task_id, Assignment.caretaker_id == caretaker_id)))
    )


def can_view_task(session: Session, principal: Principal, task: Task) -> bool:
    """Visibility rule: desk/admin all; team leaders their teams; caretakers their (former) tasks; orderers their institution."""
    if sees_everything(principal):
        return True
    if principal.has(Role.teamleder) and leads_task(session, principal, task):
        return True
    if principal.has(Role.vicevaert):
        caretaker = caretaker_for(session, principal)
        if caretaker is not None and (
            task.assigned_caretaker_id == caretaker.id or has_been_assigned(session, caretaker.id, task.id)
        ):
            return True
    if principal.has(Role.bestiller):
        institution = institution_for(session, principal)
        if institution is not None and task.institution_id == institution.id:
            return True
    return False


def get_visible_task(session: Session, principal: Principal, task_id: uuid.UUID, *, for_update: bool = False) -> Task:
    """The task if the caller may see it; 404 otherwise (no hint that it exists)."""
    statement = select(Task).where(Task.id == task_id)
    if for_update:
        statement = statement.with_for_update()
    task = session.scalar(statement)
    if task is None or not can_view_task(session, principal, task):
        raise NotFound("Opgaven findes ikke.", code="task_not_found")
    return task


def can_manage_task(session: Session, principal: Principal, task: Task) -> bool:
    """True for team leaders of the task (and admins): assign, reassign, split, prioritise."""
    return principal.has(Role.admin) or (principal.has(Role.teamleder) and leads_task(session, principal, task))
