"""Seeded demo users for the local dev issuer (never used in production).

Each service's seed creates the domain records these users point at (a caretaker
with the same `sub`, a doctor with the same authorisation id, a citizen with the CPR).
Append new users here; keep `sub` stable, tests and demos refer to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shared.auth.roles import Role


@dataclass(frozen=True)
class DemoUser:
    sub: str
    name: str
    roles: tuple[Role, ...]
    attributes: dict[str, Any] = field(default_factory=dict)


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("sb-anne", "Anne Holm (sagsbehandler)", (Role.sagsbehandler,), {"department": "KFF Kontrolenheden"}),
    DemoUser("sb-bo", "Bo Nielsen (sagsbehandler)", (Role.sagsbehandler,), {"department": "KFF Kontrolenheden"}),
    DemoUser("borger-mette", "Mette Jensen", (Role.borger,), {"cpr": "1502851236"}),
    DemoUser("borger-jonas", "Jonas Larsen", (Role.borger,), {"cpr": "2411044347"}),
    DemoUser("borger-fatima", "Fatima Ali", (Role.borger,), {"cpr": "0303781118"}),
    DemoUser("laege-hansen", "Læge Karen Hansen", (Role.laege,), {"authorisation_id": "0A1B2", "sor_id": "123456"}),
    DemoUser("laege-berg", "Læge Peter Berg", (Role.laege,), {"authorisation_id": "7C8D9", "sor_id": "654321"}),
    DemoUser("bs-karin", "Karin Møller (Borgerservice)", (Role.borgerservice,), {}),
    DemoUser("kl-soren", "Søren Kørelærer", (Role.koerelaerer,), {"school": "Amager Køreskole"}),
    DemoUser("best-amagerbro", "Lis Petersen (Amagerbro Skole)", (Role.bestiller,), {"institution_code": "AMS-001"}),
    DemoUser("best-solsikken", "Ole Berg (Børnehuset Solsikken)", (Role.bestiller,), {"institution_code": "BHS-002"}),
    DemoUser("vv-lars", "Lars Viceværter", (Role.vicevaert,), {}),
    DemoUser("vv-ali", "Ali Hassan (vicevært)", (Role.vicevaert,), {}),
    DemoUser("tl-susanne", "Susanne Dahl (teamleder)", (Role.teamleder,), {}),
    DemoUser("sd-keid", "KEID Servicedesk", (Role.servicedesk,), {}),
    DemoUser("ivr-telefoni", "Telefonsystem (IVR)", (Role.ivr,), {}),
    DemoUser("admin", "Systemadministrator", (Role.admin,), {}),
    DemoUser("svc-koerekort", "koerekort service", (Role.system,), {}),
    DemoUser("svc-vicevaert", "viceværtsopgaver service", (Role.system,), {}),
    DemoUser("svc-kontrol", "kontrol service", (Role.system,), {}),
    DemoUser("svc-sms-ydelse", "sms_ydelse service", (Role.system,), {}),
)

BY_SUB = {user.sub: user for user in DEMO_USERS}
