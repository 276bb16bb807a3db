"""FastAPI dependencies that authenticate the caller and state the roles an endpoint needs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.auth.tokens import Principal, TokenError, signing_keys_cached, verify_token
from shared.errors import Forbidden, Unauthorized

_bearer = HTTPBearer(auto_error=False, description="JWT bearer token (RS256) for this service's audience")

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="kk"'}


async def current_principal(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)
) -> Principal:
    """The verified caller; 401 when the token is missing or invalid."""
    # Async on purpose: verifying is pure CPU (and usually a cache hit), cheaper than a hop to the
    # thread pool; only a due key fetch (network) goes to a thread so the event loop never waits on it.
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("Log ind for at fortsætte (manglende adgangsbillet).", headers=_CHALLENGE)
    audience: str = request.app.state.audience
    try:
        if signing_keys_cached():
            principal = verify_token(credentials.credentials, audience=audience)
        else:
            principal = await run_in_threadpool(verify_token, credentials.credentials, audience=audience)
    except TokenError as exc:
        raise Unauthorized("Adgangsbilletten er ugyldig eller udløbet.", headers=_CHALLENGE) from exc
    request.state.principal = principal
    return principal


def require_roles(*roles: str) -> Callable[..., Awaitable[Principal]]:
    """Dependency: the caller must hold at least one of the roles (403 otherwise)."""
    allowed = frozenset(str(r) for r in roles)

    async def _dependency(principal: Principal = Depends(current_principal)) -> Principal:
        if not principal.roles & allowed:
            raise Forbidden("Din rolle giver ikke adgang til denne handling.")
        return principal

    _dependency.required_roles = allowed  # type: ignore[attr-defined]  # read by the authorization-matrix test
    return _dependency
