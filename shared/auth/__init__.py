"""Authentication and authorisation shared by all services."""

from shared.auth.deps import current_principal, require_roles
from shared.auth.roles import AUDIENCES, Role
from shared.auth.tokens import Principal, TokenError, mint_demo_token, mint_token, verify_token

__all__ = [
    "AUDIENCES",
    "Principal",
    "Role",
    "TokenError",
    "current_principal",
    "mint_demo_token",
    "mint_token",
    "require_roles",
    "verify_token",
]
