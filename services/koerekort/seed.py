"""Demo data for the koerekort service (idempotent).

- Doctors laege-hansen (0A1B2) and laege-berg (7C8D9) in the doctor directory, and the simulated GP
  register: Mette and Jonas are listed with Hansen, Fatima with Berg.
- Jonas: an application his driving instructor (kl-soren) started for him; he has not filled del A yet.
- Mette: a gruppe 2 renewal, del A signed, now with Dr. Hansen (log in as laege-hansen to fill del B).
- Fatima: a certificate Dr. Berg has submitted, waiting in Borgerservice's inbox (bs-karin).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.koerekort.access import certificate_of
from services.koerekort.applications import service as applications
from services.koerekort.certificates import flows
from services.koerekort.certificates import service as certificates
from services.koerekort.documents import today_in_copenhagen
from services.koerekort.models import Application, Doctor, SimulatedGpListing
from services.koerekort.plausibility import synthetic
from shared import cpr as cpr_utils
from shared.auth import Principal
from shared.auth.demo_users import BY_SUB

DOCTORS = (
    ("0A1B2", "Karen Hansen", "Lægerne på Amagerbrogade", "123456", 75_000),
    ("7C8D9", "Peter Berg", "Lægehuset Nørrebro", "654321", 0),
    ("3E4F5", "Sara Lund", "Lægehuset Valby", "777001", 68_000),
)
GP_LISTINGS = {"borger-mette": "0A1B2", "borger-jonas": "0A1B2", "borger-fatima": "7C8D9"}


def demo_principal(sub: str) -> Principal:
    """The demo user `sub` as a logged-in principal."""
    user = BY_SUB[sub]
    return Principal(
        sub=user.sub, roles=frozenset(str(r) for r in user.roles), name=user.name, attributes=dict(user.attributes)
    )


def _cpr(sub: str) -> str:
    return str(BY_SUB[sub].attributes["cpr"])


def _has_application(session: Session, sub: str) -> bool:
    pseudonym = cpr_utils.pseudonymise(_cpr(sub))
    return session.scalar(select(Application.id).where(Application.citizen_pseudonym == pseudonym).limit(1)) is not None


def _del_a(name: str, categories: list[str], **yes: bool) -> dict[str, Any]:
    remarks = "Jeg bruger briller." if yes.get("vision") else "Se lægens beskrivelse."
    return synthetic.del_a(name, categories, remarks=remarks, **yes)


def _doctor_parts(categories: list[str]) -> dict[str, Any]:
    parts = synthetic.doctor_parts(
        categories,
        examined_on=today_in_copenhagen() - timedelta(days=2),
        identity_document="koerekort",
        acuity_left=0.9,
        correction=True,
    )
    parts["conclusion"].update(
        result="fit_with_conditions",
        assessment="Nærsynet; fuld synsstyrke med briller.",
        conditions="Briller eller kontaktlinser (kode 01).",
    )
    return parts


def signed_application(
    session: Session,
    *,
    citizen: Principal,
    acquisition_type: str,
    categories: list[str],
    del_a: dict[str, Any],
    authorisation_id: str,
    idempotency_key: str,
) -> Application:
    """An application whose citizen has filled in del A, chosen the doctor (by authorisation id) and signed."""
    application, _ = applications.create_application(
        session,
        principal=citizen,
        acquisition_type=acquisition_type,
        categories=categories,
        student_cpr=None,
        idempotency_key=idempotency_key,
    )
    applications.save_del_a(session, principal=citizen, application_id=application.id, del_a=del_a, if_match=None)
    applications.choose_doctor(
        session, principal=citizen, application_id=application.id, authorisation_id=authorisation_id
    )
    applications.sign_del_a(session, principal=citizen, application_id=application.id, if_match=None)
    return application


def submit_certificate(
    session: Session, *, doctor: Principal, certificate: Any, parts: dict[str, Any], idempotency_key: str
) -> None:
    """The doctor saves the doctor's part as a draft and submits the certificate."""
    certificates.save_draft(
        session,
        principal=doctor,
        certificate_id=certificate.id,
        form_version=certificate.form_version,
        parts=parts,
        if_match=None,
    )
    flows.submit(
        session, principal=doctor, certificate_id=certificate.id, idempotency_key=idempotency_key, if_match=None
    )


def seed_directory(session: Session) -> None:
    """The doctor directory and the simulated GP register (idempotent)."""
    for authorisation_id, name, clinic, sor_id, fee in DOCTORS:
        if session.scalar(select(Doctor).where(Doctor.authorisation_id == authorisation_id)) is None:
            session.add(
                Doctor(
                    authorisation_id=authorisation_id,
                    name=name,
                    clinic_name=clinic,
                    sor_id=sor_id,
                    certificate_fee_ore=fee,
                    active=True,
                )
            )
    for sub, gp in GP_LISTINGS.items():
        pseudonym = cpr_utils.pseudonymise(_cpr(sub))
        if session.get(SimulatedGpListing, pseudonym) is None:
            session.add(SimulatedGpListing(citizen_pseudonym=pseudonym, gp_authorisation_id=gp))
    session.flush()


def seed(session: Session) -> None:
    """Create the service's demo data if it is not there yet."""
    seed_directory(session)

    if not _has_application(session, "borger-jonas"):
        applications.create_application(
            session,
            principal=demo_principal("kl-soren"),
            acquisition_type="first_licence",
            categories=["B"],
            student_cpr=_cpr("borger-jonas"),
            idempotency_key="seed-jonas-0001",
        )

    if not _has_application(session, "borger-mette"):
        signed_application(
            session,
            citizen=demo_principal("borger-mette"),
            acquisition_type="renewal_group2",
            categories=["C", "CE"],
            del_a=_del_a("Mette Jensen", ["C", "CE"], vision=True),
            authorisation_id="0A1B2",
            idempotency_key="seed-mette-0001",
        )

    if not _has_application(session, "borger-fatima"):
        application = signed_application(
            session,
            citizen=demo_principal("borger-fatima"),
            acquisition_type="first_licence",
            categories=["B"],
            del_a=_del_a("Fatima Ali", ["B"]),
            authorisation_id="7C8D9",
            idempotency_key="seed-fatima-0001",
        )
        submit_certificate(
            session,
            doctor=demo_principal("laege-berg"),
            certificate=certificate_of(session, application),
            parts=_doctor_parts(["B"]),
            idempotency_key="seed-fatima-submit",
        )
