"""Role requirements as FastAPI dependency annotations."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from shared.auth import Principal, Role, require_roles

AnyUser = Annotated[
    Principal, Depends(require_roles(Role.bestiller, Role.vicevaert, Role.teamleder, Role.servicedesk, Role.admin))
]
Staff = Annotated[Principal, Depends(require_roles(Role.vicevaert, Role.teamleder, Role.servicedesk, Role.admin))]
Orderer = Annotated[Principal, Depends(require_roles(Role.bestiller, Role.servicedesk, Role.admin))]
CaretakerUser = Annotated[Principal, Depends(require_roles(Role.vicevaert))]
Leader = Annotated[Principal, Depends(require_roles(Role.teamleder, Role.admin))]
Overview = Annotated[Principal, Depends(require_roles(Role.teamleder, Role.servicedesk, Role.admin))]
DeskOrAdmin = Annotated[Principal, Depends(require_roles(Role.servicedesk, Role.admin))]
RegistryEditor = Annotated[Principal, Depends(require_roles(Role.teamleder, Role.servicedesk, Role.admin))]
AdminOnly = Annotated[Principal, Depends(require_roles(Role.admin))]
