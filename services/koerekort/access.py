"""Who may see what (data sectioning) and the audit record of every access to a citizen's data.

- borger: their own applications and certificate (matched by the CPR pseudonym from MitID).
- koerelaerer: applications they started for a student, status only; never certificate content.
- laege: certificates assigned to them (the citizen chose them and signed del A); nothing else.
- borgerservice: certificates once the doctor has submitted them.
Anything else answers 404, so callers cannot probe which ids exist.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.koerekort.models import AT_BORGERSERVICE, Application, ApplicationStatus, Certificate
from shared import cpr as cpr_utils
from shared.audit import service as audit
from shared.audit.models import AuditEvent
from shared.auth import Principal, Role
from shared.errors import Forbidden, NotFound

SERVICE = "koerekort"
_NOT_FOUND = "Ansøgningen findes ikke."
_CERT_NOT_FOUND = "Lægeerklæringen findes ikke."


def citizen_cpr(principal: Principal) -> str:
    """The logged-in citizen's CPR number (from MitID), or 403 if the token carries none."""
    value = principal.attributes.get("cpr")
    if not isinstance(value, str) or not cpr_utils.is_valid(value):
        raise Forbidden("Dit login indeholder ikke et gyldigt CPR-nummer.")
    return cpr_utils.normalise(value)


def citizen_pseudonym(principal: Principal) -> str:
    return cpr_utils.pseudonymise(citizen_cpr(principal))


def authorisation_id(principal: Principal) -> str:
    """The doctor's authorisation id from the token, or 403."""
    value = principal.attributes.get("authorisation_id")
    if not isinstance(value, str) or not value:
        raise Forbidden("Dit login indeholder ikke et autorisations-id.")
    return value


def load_application(
    session: Session, application_id: uuid.UUID, principal: Principal, *, for_update: bool = False
) -> Application:
    """An application the caller may see (citizen: own; instructor: started by them; Borgerservice: any)."""
    application = session.get(Application, application_id, with_for_update=for_update)
    if application is None:
        raise NotFound(_NOT_FOUND)
    if principal.has(Role.borgerservice):
        return application
    if principal.has(Role.borger) and application.citizen_pseudonym == citizen_pseudonym(principal):
        return application
    if (
        principal.has(Role.koerelaerer)
        and application.started_by_role == Role.koerelaerer
        and application.started_by_sub == principal.sub
    ):
        return application
    raise NotFound(_NOT_FOUND)


def load_own_application(
    session: Session, application_id: uuid.UUID, principal: Principal, *, for_update: bool = False
) -> Application:
    """An application of the logged-in citizen (for actions only the citizen may take)."""
    application = session.get(Application, application_id, with_for_update=for_update)
    if application is None or application.citizen_pseudonym != citizen_pseudonym(principal):
        raise NotFound(_NOT_FOUND)
    return application


def certificate_of(session: Session, application: Application) -> Certificate:
    certificate = session.scalar(select(Certificate).where(Certificate.application_id == application.id))
    if certificate is None:  # pragma: no cover - created together with the application
        raise NotFound(_CERT_NOT_FOUND)
    return certificate


def load_certificate(
    session: Session, certificate_id: uuid.UUID, principal: Principal, *, for_update: bool = False
) -> tuple[Certificate, Application]:
    """A certificate and its application, if the caller is its doctor or Borgerservice (else 404)."""
    statement = (
        select(Certificate, Application)
        .join(Application, Application.id == Certificate.application_id)
        .where(Certificate.id == certificate_id)
        .execution_options(populate_existing=True)
    )
    if for_update:  # one round trip; both rows locked, so a waiting writer re-reads both once it gets them
        statement = statement.with_for_update()
    row = session.execute(statement).first()
    if row is None:
        raise NotFound(_CERT_NOT_FOUND)
    certificate, application = row[0], row[1]
    if principal.has(Role.laege) and is_assigned_doctor(application, principal):
        return certificate, application
    if principal.has(Role.borgerservice) and application.status in AT_BORGERSERVICE:
        return certificate, application
    raise NotFound(_CERT_NOT_FOUND)


def is_assigned_doctor(application: Application, principal: Principal) -> bool:
    """The caller is the doctor the citizen chose, and the citizen has signed del A."""
    return (
        principal.has(Role.laege)
        and application.doctor_authorisation_id is not None
        and application.doctor_authorisation_id == principal.attributes.get("authorisation_id")
        and application.status != ApplicationStatus.draft
        and application.del_a_signed_at is not None
    )


def audit_access(
    session: Session,
    principal: Principal,
    *,
    action: str,
    purpose: str,
    application: Application,
    object_type: str,
    object_id: uuid.UUID,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append the audit record of one read or write of a citizen's data (pseudonym only, no content)."""
    return audit.record(
        session,
        service=SERVICE,
        actor=principal,
        action=action,
        purpose=purpose,
        citizen_pseudonym=application.citizen_pseudonym,
        object_type=object_type,
        object_id=str(object_id),
        details=details or {},
    )
