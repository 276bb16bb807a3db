"""Helpers for the authorization matrix: enumerate endpoints, read declared roles, pick a caller per role."""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from shared.auth.demo_users import DEMO_USERS
from shared.auth.roles import Role

ROOT = Path(__file__).resolve().parent.parent
MATRIX_FILE = ROOT / "docs" / "security" / "authorization-matrix.yaml"
SERVICES = ("kontrol", "koerekort", "viceværtsopgaver", "sms_ydelse")
ANONYMOUS = "anonymous"
PUBLIC = "public"
AUTHENTICATED = "authenticated"


def create_app(service: str) -> FastAPI:
    return importlib.import_module(f"services.{service}.app").create_app()  # type: ignore[no-any-return]


def endpoints(app: FastAPI) -> Iterator[tuple[str, APIRoute]]:
    """Every (\"METHOD /path\", route) the app serves."""
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
                yield f"{method} {context.path}", route


def declared_roles_in_code(route: APIRoute) -> str | list[str]:
    """What the code declares: roles from require_roles, 'authenticated', or 'public'."""
    found: set[str] = set()
    authenticated = False

    def walk(dependant: Any) -> None:
        nonlocal authenticated
        for dependency in dependant.dependencies:
            call = dependency.call
            roles = getattr(call, "required_roles", None)
            if roles:
                found.update(roles)
            if getattr(call, "__name__", "") == "current_principal":
                authenticated = True
            walk(dependency)

    walk(route.dependant)
    if found:
        return sorted(found)
    return AUTHENTICATED if authenticated else PUBLIC


def load_matrix() -> dict[str, dict[str, Any]]:
    return yaml.safe_load(MATRIX_FILE.read_text()) or {}


def caller_for(role: str) -> str | None:
    """A demo user holding exactly this role."""
    for user in DEMO_USERS:
        if [str(r) for r in user.roles] == [role]:
            return user.sub
    return None


ALL_CALLERS = [ANONYMOUS, *[str(r) for r in Role]]


def fill_path(path: str) -> str:
    """Replace path parameters with ids nobody has."""
    out = []
    for part in path.split("/"):
        out.append(str(uuid.uuid4()) if part.startswith("{") else part)
    return "/".join(out)
