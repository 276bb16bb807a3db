"""The citizen's side: start an application, answer del A, choose the doctor, sign, pay, follow, withdraw.

A driving instructor may start an application for a student and follow its status, never its content.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.koerekort import status as status_flow
from services.koerekort.access import (
    audit_access,
    certificate_of,
    citizen_cpr,
    citizen_pseudonym,
    load_application,
    load_own_application,
)
from services.koerekort.adapters import get_gp_register, get_payment_provider
from services.koerekort.documents import (
    check_if_match,
    check_size,
    content_hash,
    decode_cursor,
    definition_of,
    encode_cursor,
    remember_caught,
    validate_certificate,
)
from services.koerekort.forms.definition import current_definition
from services.koerekort.forms.rules import ValidationResult
from services.koerekort.guidance.service import acquisition_types
from services.koerekort.models import (
    OPEN_STATUSES,
    Application,
    ApplicationStatus,
    Certificate,
    Doctor,
    Payment,
    Signature,
    StatusChange,
    Submission,
)
from shared import cpr as cpr_utils
from shared.auth import Principal, Role
from shared.db import utcnow
from shared.errors import Conflict, FieldError, Unprocessable

SIGNING_METHOD_CITIZEN = "MitID (simuleret i udvikling)"


def _role_of(principal: Principal) -> str:
    for role in (Role.borger, Role.koerelaerer, Role.borgerservice, Role.laege, Role.system):
        if principal.has(role):
            return str(role)
    return principal.primary_role


def _check_categories(categories: list[str], pointer: str) -> None:
    definition = current_definition()
    unknown = [c for c in categories if c not in definition.category_codes]
    if unknown:
        allowed = ", ".join(c.code for c in definition.categories)
        raise Unprocessable(
            "Ukendte kørekortkategorier.",
            errors=[FieldError(pointer, "invalid_option", f"Ukendt kategori; tilladt: {allowed}.")],
        )
    if len(set(categories)) != len(categories):
        raise Unprocessable(
            "Samme kategori er angivet flere gange.",
            errors=[FieldError(pointer, "duplicate_option", "Samme kategori er angivet flere gange.")],
        )


def _check_acquisition_type(acquisition_type: str) -> None:
    known = acquisition_types()
    if acquisition_type not in known:
        raise Unprocessable(
            "Ukendt ansøgningstype.",
            errors=[
                FieldError(
                    "/acquisition_type",
                    "invalid_option",
                    f"Ukendt ansøgningstype; tilladt: {', '.join(sorted(known))}.",
                )
            ],
        )
    if known[acquisition_type] == "no":
        raise Unprocessable(
            "Til denne type ansøgning skal der ikke bruges lægeerklæring.",
            errors=[
                FieldError(
                    "/acquisition_type",
                    "certificate_not_required",
                    "Der kræves ikke lægeerklæring til denne ansøgning. Se spørgetræet for, hvad du skal medbringe.",
                )
            ],
        )


def create_application(
    session: Session,
    *,
    principal: Principal,
    acquisition_type: str,
    categories: list[str],
    student_cpr: str | None,
    idempotency_key: str | None,
    form_version: str | None = None,
) -> tuple[Application, bool]:
    """Start an application (citizen for themselves, instructor for a student); returns (application, created)."""
    role = _role_of(principal)
    if idempotency_key:
        existing = session.scalar(
            select(Application).where(
                Application.started_by_sub == principal.sub, Application.idempotency_key == idempotency_key
            )
        )
        if existing is not None:
            return existing, False
    definition = current_definition()
    if form_version is not None and form_version != definition.version:
        from services.koerekort.forms.definition import get_definition

        message = (
            "Blanketversionen er udgået; brug den gældende version."
            if get_definition(form_version)
            else "Ukendt blanketversion."
        )
        raise Unprocessable(
            message, errors=[FieldError("/form_version", "unknown_form_version", f"{message} ({definition.version})")]
        )
    _check_acquisition_type(acquisition_type)
    _check_categories(categories, "/categories")
    if role == Role.koerelaerer:
        if not student_cpr:
            raise Unprocessable(
                "Elevens CPR-nummer mangler.",
                errors=[FieldError("/cpr", "required", "Angiv elevens CPR-nummer.")],
            )
        cpr = cpr_utils.normalise(student_cpr)
    else:
        if student_cpr is not None and cpr_utils.normalise(student_cpr) != citizen_cpr(principal):
            raise Unprocessable(
                "Du kan kun oprette en ansøgning til dig selv.",
                errors=[FieldError("/cpr", "not_allowed", "Du kan kun oprette en ansøgning til dig selv.")],
            )
        cpr = citizen_cpr(principal)
    pseudonym = cpr_utils.pseudonymise(cpr)
    active = session.scalar(
        select(Application).where(Application.citizen_pseudonym == pseudonym, Application.status.in_(OPEN_STATUSES))
    )
    if active is not None:
        extra = {"application_id": str(active.id)} if role == Role.borger else {}
        raise Conflict(
            "Der er allerede en åben ansøgning om lægeerklæring til kørekort for denne borger.",
            code="active_application_exists",
            extra=extra,
        )
    own_gp = get_gp_register().own_gp(session, cpr=cpr)
    proposed = own_gp if own_gp and _active_doctor(session, own_gp) else None
    application = Application(
        id=uuid.uuid4(),
        citizen_pseudonym=pseudonym,
        citizen_cpr=cpr,
        acquisition_type=acquisition_type,
        categories=list(categories),
        licence_group=definition.group_of(categories),
        status=ApplicationStatus.draft,
        channel="digital",
        started_by_sub=principal.sub,
        started_by_role=role,
        idempotency_key=idempotency_key,
        own_gp_authorisation_id=own_gp,
        doctor_authorisation_id=proposed,
    )
    del_a: dict[str, Any] = {"categories": list(categories)}
    if role == Role.borger and principal.name:
        del_a["identity"] = {"name": principal.name}
    session.add(application)
    session.flush()
    session.add(
        Certificate(
            application_id=application.id,
            form_id=definition.form_id,
            form_version=definition.version,
            del_a=del_a,
            doctor_part={},
            caught_error_codes=[],
            version=1,
        )
    )
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent retry with the same key won
        raise Conflict("Ansøgningen er allerede oprettet.", code="duplicate_request") from exc
    status_flow.record_creation(session, application, actor=principal, actor_role=role)
    audit_access(
        session,
        principal,
        action="application.create",
        purpose="Oprettelse af ansøgning om lægeerklæring til kørekort",
        application=application,
        object_type="application",
        object_id=application.id,
        details={"acquisition_type": acquisition_type, "started_by_role": role},
    )
    return application, True


def _active_doctor(session: Session, authorisation_id: str) -> Doctor | None:
    return session.scalar(select(Doctor).where(Doctor.authorisation_id == authorisation_id, Doctor.active.is_(True)))


def list_applications(
    session: Session, *, principal: Principal, limit: int, cursor: str | None
) -> tuple[list[Application], str | None]:
    """The caller's applications, newest first: a citizen's own, or those an instructor started."""
    statement = select(Application)
    if principal.has(Role.borger):
        statement = statement.where(Application.citizen_pseudonym == citizen_pseudonym(principal))
    else:
        statement = statement.where(
            Application.started_by_sub == principal.sub, Application.started_by_role == Role.koerelaerer
        )
    after = decode_cursor(cursor)
    if after is not None:
        created, row_id = after
        statement = statement.where(
            or_(Application.created_at < created, and_(Application.created_at == created, Application.id < row_id))
        )
    rows = list(session.scalars(statement.order_by(Application.created_at.desc(), Application.id.desc()).limit(limit)))
    next_cursor = encode_cursor(rows[-1].created_at, rows[-1].id) if len(rows) == limit else None
    if principal.has(Role.koerelaerer) and rows:
        for row in rows:
            audit_access(
                session,
                principal,
                action="application.status.read",
                purpose="Kørelærerens statusoverblik for elev",
                application=row,
                object_type="application",
                object_id=row.id,
            )
    return rows, next_cursor


def application_detail(
    session: Session, *, principal: Principal, application_id: uuid.UUID, audit_read: bool = True
) -> dict[str, Any]:
    """The application's status view with timeline (no health data); what the instructor sees is narrower."""
    application = load_application(session, application_id, principal)
    changes = status_flow.history(session, application)
    is_instructor_view = not principal.has(Role.borger, Role.borgerservice)
    if audit_read:
        audit_access(
            session,
            principal,
            action="application.read",
            purpose="Statusvisning af ansøgning om lægeerklæring",
            application=application,
            object_type="application",
            object_id=application.id,
            details={"view": "instructor" if is_instructor_view else "full"},
        )
    view: dict[str, Any] = {
        "application": application,
        "timeline": [step.as_dict() for step in status_flow.timeline(application, changes)],
        "instructor_view": is_instructor_view,
    }
    if not is_instructor_view:
        certificate = certificate_of(session, application)
        view["certificate_id"] = certificate.id
        view["form_version"] = certificate.form_version
        view["doctor"] = _doctor_view(session, application.doctor_authorisation_id)
        view["own_gp"] = _doctor_view(session, application.own_gp_authorisation_id)
        view["payment"] = _latest_payment(session, application)
    return view


def _doctor_view(session: Session, authorisation_id: str | None) -> Doctor | None:
    if authorisation_id is None:
        return None
    return session.scalar(select(Doctor).where(Doctor.authorisation_id == authorisation_id))


def _latest_payment(session: Session, application: Application) -> Payment | None:
    return session.scalar(
        select(Payment)
        .where(Payment.application_id == application.id)
        .order_by(Payment.created_at.desc(), Payment.id.desc())
        .limit(1)
    )


def get_del_a(
    session: Session, *, principal: Principal, application_id: uuid.UUID
) -> tuple[Application, Certificate, ValidationResult]:
    """The citizen's own del A with its current findings."""
    application = load_own_application(session, application_id, principal)
    certificate = certificate_of(session, application)
    result = validate_certificate(session, application, certificate, scope="del_a")
    audit_access(
        session,
        principal,
        action="certificate.del_a.read",
        purpose="Borgeren læser sin egen del A",
        application=application,
        object_type="certificate",
        object_id=certificate.id,
    )
    return application, certificate, result


def save_del_a(
    session: Session,
    *,
    principal: Principal,
    application_id: uuid.UUID,
    del_a: dict[str, Any],
    if_match: str | None,
) -> tuple[Application, Certificate, ValidationResult]:
    """Save del A as a draft (any state of completeness) and return every finding at once."""
    application = load_own_application(session, application_id, principal, for_update=True)
    certificate = certificate_of(session, application)
    session.refresh(certificate)
    if application.status != ApplicationStatus.draft:
        raise Conflict("Del A er underskrevet og kan ikke længere ændres.", code="del_a_locked")
    check_if_match(certificate, if_match)
    check_size(del_a, "/del_a")
    categories = del_a.get("categories")
    definition = definition_of(certificate)
    valid_categories = (
        isinstance(categories, list)
        and bool(categories)
        and all(isinstance(c, str) and c in definition.category_codes for c in categories)
        and len(set(categories)) == len(categories)
    )
    if valid_categories:  # the application follows del A; invalid values stay in the draft with their errors
        application.categories = list(categories)  # type: ignore[arg-type]
        application.licence_group = definition.group_of(categories)  # type: ignore[arg-type]
    certificate.del_a = del_a
    certificate.version += 1
    result = validate_certificate(session, application, certificate, scope="del_a")
    remember_caught(certificate, result)
    audit_access(
        session,
        principal,
        action="certificate.del_a.write",
        purpose="Borgeren udfylder sin del A",
        application=application,
        object_type="certificate",
        object_id=certificate.id,
        details={"errors": len(result.errors)},
    )
    return application, certificate, result


def list_doctors(session: Session, *, query: str | None, limit: int) -> list[Doctor]:
    """Doctors who use the digital form, optionally filtered by name or clinic."""
    statement = select(Doctor).where(Doctor.active.is_(True))
    if query:
        pattern = f"%{query.strip().lower()}%"
        from sqlalchemy import func

        statement = statement.where(
            or_(func.lower(Doctor.name).like(pattern), func.lower(Doctor.clinic_name).like(pattern))
        )
    return list(session.scalars(statement.order_by(Doctor.name, Doctor.id).limit(limit)))


def choose_doctor(
    session: Session, *, principal: Principal, application_id: uuid.UUID, authorisation_id: str
) -> Application:
    """Choose (or confirm the proposed own GP as) the doctor who will fill in del B."""
    application = load_own_application(session, application_id, principal, for_update=True)
    if application.status != ApplicationStatus.draft:
        raise Conflict("Lægen kan ikke skiftes, efter at del A er underskrevet.", code="doctor_locked")
    doctor = _active_doctor(session, authorisation_id)
    if doctor is None:
        raise Unprocessable(
            "Lægen findes ikke eller bruger ikke den digitale lægeerklæring.",
            errors=[FieldError("/authorisation_id", "unknown_doctor", "Vælg en læge fra listen.")],
        )
    application.doctor_authorisation_id = doctor.authorisation_id
    application.doctor_confirmed_at = utcnow()
    audit_access(
        session,
        principal,
        action="application.doctor.choose",
        purpose="Borgeren vælger læge til lægeerklæringen",
        application=application,
        object_type="application",
        object_id=application.id,
        details={"own_gp": doctor.authorisation_id == application.own_gp_authorisation_id},
    )
    return application


def sign_del_a(session: Session, *, principal: Principal, application_id: uuid.UUID, if_match: str | None) -> Signature:
    """The citizen signs del A: all errors must be gone and a doctor confirmed; the hash of del A is recorded."""
    application = load_own_application(session, application_id, principal, for_update=True)
    certificate = certificate_of(session, application)
    session.refresh(certificate)
    if application.status != ApplicationStatus.draft:
        raise Conflict("Del A er allerede underskrevet.", code="already_signed")
    check_if_match(certificate, if_match)
    result = validate_certificate(session, application, certificate, scope="del_a")
    errors = [FieldError(f.field, f.code, f.message) for f in result.errors]
    if application.doctor_authorisation_id is None or application.doctor_confirmed_at is None:
        errors.append(
            FieldError("/doctor", "doctor_not_confirmed", "Vælg eller bekræft din læge, før du underskriver.")
        )
    if errors:
        remember_caught(certificate, result)
        raise Unprocessable("Del A kan ikke underskrives, før fejlene er rettet.", code="del_a_invalid", errors=errors)
    definition = definition_of(certificate)
    digest = content_hash(
        {
            "form": definition.canonical_url,
            "application_id": str(application.id),
            "part": "del_a",
            "citizen_pseudonym": application.citizen_pseudonym,
            "del_a": certificate.del_a,
        }
    )
    signature = Signature(
        id=uuid.uuid4(),
        application_id=application.id,
        part="del_a",
        signer_sub=principal.sub,
        signer_role=str(Role.borger),
        method=SIGNING_METHOD_CITIZEN,
        content_sha256=digest,
        form_version=certificate.form_version,
        signed_at=utcnow(),
    )
    session.add(signature)
    certificate.del_a_sha256 = digest
    application.del_a_signed_at = signature.signed_at
    status_flow.change_status(
        session, application, ApplicationStatus.with_doctor, actor=principal, actor_role=str(Role.borger)
    )
    audit_access(
        session,
        principal,
        action="certificate.del_a.sign",
        purpose="Borgeren underskriver del A",
        application=application,
        object_type="certificate",
        object_id=certificate.id,
        details={"content_sha256": digest},
    )
    return signature


def pay(
    session: Session,
    *,
    principal: Principal,
    application_id: uuid.UUID,
    payment_token: str,
    idempotency_key: str,
) -> tuple[Payment, bool]:
    """Pay the chosen doctor's certificate fee through the payment provider (simulated); idempotent by key."""
    application = load_own_application(session, application_id, principal, for_update=True)
    existing = session.scalar(
        select(Payment).where(Payment.application_id == application.id, Payment.idempotency_key == idempotency_key)
    )
    if existing is not None:
        return existing, False
    if application.status not in OPEN_STATUSES:
        raise Conflict("Ansøgningen er afsluttet; der kan ikke betales.", code="application_closed")
    paid = session.scalar(select(Payment).where(Payment.application_id == application.id, Payment.status == "paid"))
    if paid is not None:
        raise Conflict("Lægeerklæringen er allerede betalt.", code="already_paid")
    doctor = _active_doctor(session, application.doctor_authorisation_id or "")
    if doctor is None:
        raise Conflict("Vælg din læge, før du betaler; prisen afhænger af lægen.", code="doctor_not_chosen")
    if doctor.certificate_fee_ore <= 0:
        raise Conflict("Lægen opkræver betalingen i klinikken.", code="payment_not_offered")
    outcome = get_payment_provider().charge(
        amount_ore=doctor.certificate_fee_ore,
        payment_token=payment_token,
        idempotency_key=f"koerekort:{application.id}:{idempotency_key}",
    )
    payment = Payment(
        id=uuid.uuid4(),
        application_id=application.id,
        amount_ore=doctor.certificate_fee_ore,
        status=outcome.status,
        provider_reference=outcome.reference,
        idempotency_key=idempotency_key,
        created_by_sub=principal.sub,
        created_at=utcnow(),
    )
    session.add(payment)
    audit_access(
        session,
        principal,
        action="application.payment",
        purpose="Borgeren betaler lægeerklæringen",
        application=application,
        object_type="payment",
        object_id=payment.id,
        details={"status": outcome.status},
    )
    return payment, True


def withdraw(session: Session, *, principal: Principal, application_id: uuid.UUID) -> Application:
    """The citizen withdraws an open application."""
    application = load_own_application(session, application_id, principal, for_update=True)
    if application.status not in OPEN_STATUSES:
        raise Conflict("Ansøgningen er allerede afsluttet.", code="application_closed")
    status_flow.change_status(
        session, application, ApplicationStatus.withdrawn, actor=principal, actor_role=str(Role.borger)
    )
    application.decided_at = utcnow()
    application.decided_by_sub = principal.sub
    audit_access(
        session,
        principal,
        action="application.withdraw",
        purpose="Borgeren trækker ansøgningen tilbage",
        application=application,
        object_type="application",
        object_id=application.id,
    )
    return application


def own_certificate(session: Session, *, principal: Principal, application_id: uuid.UUID) -> dict[str, Any]:
    """The citizen's own certificate: del A always; the doctor's parts once the doctor has submitted."""
    application = load_own_application(session, application_id, principal)
    certificate = certificate_of(session, application)
    latest = session.scalar(
        select(Submission)
        .where(Submission.certificate_id == certificate.id)
        .order_by(Submission.sequence.desc())
        .limit(1)
    )
    audit_access(
        session,
        principal,
        action="certificate.read",
        purpose="Borgeren læser sin egen lægeerklæring",
        application=application,
        object_type="certificate",
        object_id=certificate.id,
    )
    document: dict[str, Any] = {"del_a": certificate.del_a}
    if latest is not None:
        for part in ("del_b", "supplementary", "conclusion"):
            if part in latest.snapshot.get("document", {}):
                document[part] = latest.snapshot["document"][part]
    return {
        "certificate_id": certificate.id,
        "form_version": certificate.form_version,
        "status": application.status,
        "submitted_at": latest.submitted_at if latest else None,
        "document": document,
    }


def status_lookup(session: Session, *, principal: Principal, cpr: str) -> dict[str, Any]:
    """The latest application's status for the sms_ydelse information product: a short phrase, no health data."""
    pseudonym = cpr_utils.pseudonymise(cpr)
    application = session.scalar(
        select(Application)
        .where(Application.citizen_pseudonym == pseudonym)
        .order_by(Application.created_at.desc(), Application.id.desc())
        .limit(1)
    )
    if application is None:
        from shared.audit import service as audit

        audit.record(
            session,
            service="koerekort",
            actor=principal,
            action="application.status.lookup",
            purpose="Statusoplysning til borgeren via sms_ydelse",
            citizen_pseudonym=pseudonym,
            object_type="application",
            details={"found": False},
        )
        return {
            "found": False,
            "status_code": "none",
            "status_text": "Vi har ingen ansøgning om lægeerklæring til kørekort registreret.",
            "updated_at": None,
        }
    last_change = session.scalar(
        select(StatusChange)
        .where(StatusChange.application_id == application.id)
        .order_by(StatusChange.occurred_at.desc(), StatusChange.id.desc())
        .limit(1)
    )
    audit_access(
        session,
        principal,
        action="application.status.lookup",
        purpose="Statusoplysning til borgeren via sms_ydelse",
        application=application,
        object_type="application",
        object_id=application.id,
        details={"found": True},
    )
    return {
        "found": True,
        "status_code": application.status,
        "status_text": status_flow.STATUS_TEXT[application.status],
        "updated_at": last_change.occurred_at if last_change else application.updated_at,
    }
