"""OIDC identity-provider simulator: MitID (citizens) and the municipality's SSO (staff), locally.

We cannot reach MitID or the municipal SSO, so the contract is plain OpenID Connect (discovery,
authorisation code with PKCE S256, a token endpoint, the JWKS) and this module simulates the
provider. Every service serves it under `OIDC_SIMULATOR_PATH` while the dev issuer is on (never in
production: settings refuse the dev issuer there, and an `OIDC_ISSUER_URL` pointing at a simulator).

- The access token is minted by `mint_demo_token`, exactly like `POST /api/v1/dev/tokens`: the demo
  user as subject, the demo user's roles and attributes, the service's audience, `AUTH_ISSUER`.
  The audience follows from the redirect URI (each service's `/log-ind` is registered for its own).
- The ID token (for the page to show who logged in) has the simulator as issuer, the client as
  audience, the `nonce`, and no attributes: no CPR leaves the token endpoint except inside the
  access token, and no CPR is ever in a URL.
- Codes and pending requests live in this process's memory: single use, short-lived. Serve the
  simulator from one process (the devserver and the tests do).
- `/token` answers errors as OAuth 2.0 JSON (RFC 6749 §5.2), not problem+json: clients of a token
  endpoint read `error`; see docs/security/oidc-login.md.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from shared.auth.demo_users import BY_SUB, DEMO_USERS, DemoUser
from shared.auth.roles import AUDIENCES, Role
from shared.auth.tokens import ALGORITHM, mint_demo_token, mint_token
from shared.settings import OIDC_SIMULATOR_PATH, get_settings
from shared.web.pages import LOGIN_PATH, ROLE_LABELS

CODE_TTL_SECONDS = 60
REQUEST_TTL_SECONDS = 600
ID_TOKEN_TTL_SECONDS = 300
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")  # RFC 7636 §4.1
_CHALLENGE = re.compile(r"[A-Za-z0-9\-_]{43}")  # base64url of a SHA-256 digest, no padding
# Cache-Control: no-store, X-Frame-Options: DENY and Referrer-Policy: no-referrer come on every answer
# from the platform's middleware (shared/observability.py); RFC 6749 §5.1 also names Pragma.
_NO_STORE = {"Pragma": "no-cache"}
SERVICE_TITLES = {
    "kontrol": "Kontrol",
    "koerekort": "Kørekort – lægeerklæring",
    "viceværtsopgaver": "Viceværtsopgaver",
    "sms_ydelse": "SMS-ydelse",
}


class OAuthError(Exception):
    """An OAuth 2.0 error: `error` code (RFC 6749 §4.1.2.1 / §5.2) and a developer's description."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


@dataclass(frozen=True)
class Client:
    """A registered client: its id and each exact redirect URI with the audience its tokens get."""

    client_id: str
    redirect_uris: Mapping[str, str]
    services: Mapping[str, str]


@dataclass(frozen=True)
class AuthorizationRequest:
    client_id: str
    redirect_uri: str
    audience: str
    service: str
    scope: str
    state: str
    nonce: str
    code_challenge: str


@dataclass(frozen=True)
class Grant:
    """What an authorisation code stands for: the request and the user who logged in."""

    request: AuthorizationRequest
    sub: str
    auth_time: int


T = TypeVar("T")


class _ExpiringStore(Generic[T]):
    """Values by random key that expire and can be taken once (thread-safe, bounded)."""

    def __init__(self, ttl_seconds: int, max_items: int = 10_000) -> None:
        self.ttl = ttl_seconds
        self.max_items = max_items
        self._items: dict[str, tuple[T, float]] = {}
        self._lock = threading.Lock()

    def put(self, value: T, *, now: float | None = None) -> str:
        now = time.time() if now is None else now
        key = secrets.token_urlsafe(32)
        with self._lock:
            if len(self._items) >= self.max_items:
                self._items = {k: v for k, v in self._items.items() if v[1] > now}
                while len(self._items) >= self.max_items:
                    self._items.pop(next(iter(self._items)))
            self._items[key] = (value, now + self.ttl)
        return key

    def take(self, key: str, *, now: float | None = None) -> T | None:
        now = time.time() if now is None else now
        with self._lock:
            item = self._items.pop(key, None)
        if item is None or item[1] <= now:
            return None
        return item[0]


_PENDING: _ExpiringStore[AuthorizationRequest] = _ExpiringStore(REQUEST_TTL_SECONDS)
_CODES: _ExpiringStore[Grant] = _ExpiringStore(CODE_TTL_SECONDS)


# --- the contract: clients, requests, codes, tokens -------------------------------------------


def registered_clients() -> dict[str, Client]:
    """The pages' client with each service's `/log-ind` (from the `<SERVICE>_URL` settings) as redirect URI."""
    settings = get_settings()
    bases = {
        "kontrol": settings.kontrol_url,
        "koerekort": settings.koerekort_url,
        "viceværtsopgaver": settings.vicevaert_url,
        "sms_ydelse": settings.sms_ydelse_url,
    }
    uris = {base.rstrip("/") + LOGIN_PATH: service for service, base in bases.items()}
    return {
        settings.oidc_client_id: Client(
            client_id=settings.oidc_client_id,
            redirect_uris={uri: AUDIENCES[service] for uri, service in uris.items()},
            services=uris,
        )
    }


def allowed_origins() -> set[str]:
    """Origins of the registered redirect URIs (the pages that may call the token endpoint)."""
    origins = set()
    for client in registered_clients().values():
        for uri in client.redirect_uris:
            parts = urlsplit(uri)
            origins.add(f"{parts.scheme}://{parts.netloc}")
    return origins


def s256(verifier: str) -> str:
    """The PKCE S256 code challenge of a verifier (RFC 7636 §4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _single(getlist: Any, name: str) -> str:
    """One parameter's value ("" when absent); RFC 6749 §3.1: a parameter may not be sent twice."""
    values = getlist(name)
    if len(values) > 1:
        raise OAuthError("invalid_request", f"parameter {name} given more than once")
    value = values[0] if values else ""
    if not isinstance(value, str):
        raise OAuthError("invalid_request", f"parameter {name} must be text")
    return value


def client_and_redirect_uri(*, client_id: str, redirect_uri: str) -> tuple[Client, str]:
    """The registered client and its redirect URI (exact match); errors here are never redirected."""
    client = registered_clients().get(client_id)
    if client is None:
        raise OAuthError("invalid_client", "unknown client_id")
    if redirect_uri not in client.redirect_uris:
        raise OAuthError("invalid_request", "redirect_uri is not registered for this client (exact match)")
    return client, redirect_uri


def validate_authorization_request(
    *, client: Client, redirect_uri: str, params: Mapping[str, str]
) -> AuthorizationRequest:
    """Check an authorisation request from a known client; OAuthError to be redirected to the client."""
    if params.get("response_type") != "code":
        raise OAuthError("unsupported_response_type", "only response_type=code is supported")
    scopes = params.get("scope", "").split()
    if "openid" not in scopes:
        raise OAuthError("invalid_scope", "scope must include openid")
    audience = client.redirect_uris[redirect_uri]
    unknown = [s for s in scopes if s not in ("openid", audience)]
    if unknown:
        raise OAuthError("invalid_scope", "scope may name only openid and this redirect URI's audience")
    if not params.get("state"):
        raise OAuthError("invalid_request", "state is required")
    if not params.get("code_challenge"):
        raise OAuthError("invalid_request", "code_challenge is required (PKCE)")
    if params.get("code_challenge_method") != "S256":
        raise OAuthError("invalid_request", "code_challenge_method must be S256")
    if not _CHALLENGE.fullmatch(params["code_challenge"]):
        raise OAuthError("invalid_request", "code_challenge must be base64url of a SHA-256 digest")
    if len(params["state"]) > 512 or len(params.get("nonce", "")) > 512:
        raise OAuthError("invalid_request", "state or nonce too long")
    return AuthorizationRequest(
        client_id=client.client_id,
        redirect_uri=redirect_uri,
        audience=audience,
        service=client.services[redirect_uri],
        scope=" ".join(dict.fromkeys(scopes)),
        state=params["state"],
        nonce=params.get("nonce", ""),
        code_challenge=params["code_challenge"],
    )


def login_choices() -> list[DemoUser]:
    """The people one can log in as (the demo users without the service accounts)."""
    return [u for u in DEMO_USERS if Role.system not in u.roles]


def issue_code(*, request: AuthorizationRequest, sub: str, now: float | None = None) -> str:
    """A single-use authorisation code for the user who logged in."""
    user = BY_SUB.get(sub)
    if user is None or Role.system in user.roles:
        raise OAuthError("access_denied", "unknown user")
    now = time.time() if now is None else now
    return _CODES.put(Grant(request=request, sub=user.sub, auth_time=int(now)), now=now)


def redeem_code(*, code: str, client_id: str, redirect_uri: str, code_verifier: str, now: float | None = None) -> Grant:
    """Exchange a code: it is gone after the first attempt, and client, redirect URI and PKCE must match."""
    grant = _CODES.take(code, now=now) if code else None
    if grant is None:
        raise OAuthError("invalid_grant", "authorization code unknown, expired or already used")
    if client_id != grant.request.client_id:
        raise OAuthError("invalid_grant", "code was issued to another client")
    if redirect_uri != grant.request.redirect_uri:
        raise OAuthError("invalid_grant", "redirect_uri differs from the authorization request")
    if not _VERIFIER.fullmatch(code_verifier):
        raise OAuthError("invalid_grant", "code_verifier missing or malformed (RFC 7636)")
    if not hmac.compare_digest(s256(code_verifier), grant.request.code_challenge):
        raise OAuthError("invalid_grant", "code_verifier does not match the code_challenge (PKCE)")
    return grant


def token_response(*, grant: Grant, issuer: str) -> dict[str, Any]:
    """The access token (as the dev issuer mints it) and an ID token for the client."""
    user = BY_SUB[grant.sub]
    ttl = get_settings().auth_token_ttl_seconds
    access_token = mint_demo_token(user.sub, grant.request.audience, ttl_seconds=ttl)
    claims: dict[str, Any] = {"auth_time": grant.auth_time, "azp": grant.request.client_id}
    if grant.request.nonce:
        claims["nonce"] = grant.request.nonce
    id_token = mint_token(
        sub=user.sub,
        roles=[str(r) for r in user.roles],
        audience=grant.request.client_id,
        name=user.name,
        ttl_seconds=ID_TOKEN_TTL_SECONDS,
        issuer=issuer,
        extra_claims=claims,
    )
    return {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": ttl,
        "id_token": id_token,
        "scope": grant.request.scope,
    }


def discovery(*, issuer: str, jwks_uri: str) -> dict[str, Any]:
    """The OpenID Provider metadata of the simulator."""
    return {
        "issuer": issuer,
        "authorization_endpoint": issuer + "/authorize",
        "token_endpoint": issuer + "/token",
        "jwks_uri": jwks_uri,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [ALGORITHM],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none"],
        "scopes_supported": ["openid", *AUDIENCES.values()],
        "claims_supported": ["sub", "name", "roles", "nonce", "auth_time", "iss", "aud", "exp", "iat"],
        "authorization_response_iss_parameter_supported": True,
    }


# --- HTTP -------------------------------------------------------------------------------------


def _issuer(request: Request) -> str:
    return str(request.base_url).rstrip("/") + OIDC_SIMULATOR_PATH


def _redirect(redirect_uri: str, params: dict[str, str]) -> RedirectResponse:
    separator = "&" if "?" in redirect_uri else "?"
    return RedirectResponse(redirect_uri + separator + urlencode(params), status_code=303, headers=_NO_STORE)


def _error_redirect(redirect_uri: str, error: OAuthError, *, state: str, issuer: str) -> RedirectResponse:
    params = {"error": error.error, "error_description": error.description, "iss": issuer}
    if state:
        params["state"] = state
    return _redirect(redirect_uri, params)


def _page_headers(form_target: str | None = None) -> dict[str, str]:
    # No scripts at all; the form may post here and be redirected to the client's registered origin.
    targets = "'self'"
    if form_target:
        parts = urlsplit(form_target)
        targets += f" {parts.scheme}://{parts.netloc}"
    policy = "; ".join(
        (
            "default-src 'self'",
            "script-src 'none'",
            "style-src 'self'",
            "img-src 'self' data:",
            "object-src 'none'",
            "base-uri 'none'",
            f"form-action {targets}",
            "frame-ancestors 'none'",  # a login page is never framed (clickjacking)
        )
    )
    return {"content-security-policy": policy, **_NO_STORE}


def _render(
    request: Request, *, status_code: int = 200, form_target: str | None = None, **context: Any
) -> HTMLResponse:
    site = request.app.state.web
    html = site.env.get_template("kk/oidc_simulator.html").render(action=OIDC_SIMULATOR_PATH + "/authorize", **context)
    return HTMLResponse(html, status_code=status_code, headers=_page_headers(form_target))


def _error_page(request: Request, error: OAuthError) -> HTMLResponse:
    messages = {
        "invalid_client": "Tjenesten, der bad om login, er ikke kendt af login-simulatoren.",
        "invalid_request": "Adressen, du skulle sendes tilbage til, er ikke godkendt, eller forespørgslen er ufuldstændig.",
    }
    message = messages.get(error.error, "Login-forespørgslen er ugyldig eller udløbet.")
    return _render(request, status_code=400, error_message=message, choices=None)


def _cors(request: Request, *, any_origin: bool = False) -> dict[str, str]:
    if any_origin:
        return {"Access-Control-Allow-Origin": "*"}
    origin = request.headers.get("origin", "")
    if origin and origin in allowed_origins():
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    return {"Vary": "Origin"}


def _grouped_choices() -> list[dict[str, Any]]:
    """The demo users for the simulator page: citizens (MitID) first, then staff and partners (SSO)."""

    def person(user: DemoUser) -> dict[str, str]:
        return {"sub": user.sub, "name": user.name, "roles": ", ".join(ROLE_LABELS[r] for r in user.roles)}

    users = login_choices()
    return [
        {"key": "borgere", "title": "Borgere (MitID)", "users": [person(u) for u in users if Role.borger in u.roles]},
        {
            "key": "medarbejdere",
            "title": "Medarbejdere og samarbejdspartnere (fælles login)",
            "users": [person(u) for u in users if Role.borger not in u.roles],
        },
    ]


def simulator_router() -> APIRouter:
    """The MitID/SSO simulator's endpoints (public, like the dev issuer; not part of our API)."""
    router = APIRouter(prefix=OIDC_SIMULATOR_PATH, tags=["udvikling"], include_in_schema=False)

    @router.get("/.well-known/openid-configuration")
    def openid_configuration(request: Request) -> JSONResponse:
        body = discovery(issuer=_issuer(request), jwks_uri=str(request.base_url).rstrip("/") + "/.well-known/jwks.json")
        return JSONResponse(body, headers=_cors(request, any_origin=True))

    @router.get("/authorize")
    def authorize(request: Request) -> Response:
        query = request.query_params
        try:
            names = ("client_id", "redirect_uri", "response_type", "scope", "state", "nonce")
            params = {n: _single(query.getlist, n) for n in (*names, "code_challenge", "code_challenge_method")}
            client, redirect_uri = client_and_redirect_uri(
                client_id=params["client_id"], redirect_uri=params["redirect_uri"]
            )
        except OAuthError as exc:
            return _error_page(request, exc)  # never redirect to an unverified address
        try:
            auth_request = validate_authorization_request(client=client, redirect_uri=redirect_uri, params=params)
        except OAuthError as exc:
            return _error_redirect(redirect_uri, exc, state=params["state"], issuer=_issuer(request))
        request_id = _PENDING.put(auth_request)
        return _render(
            request,
            form_target=redirect_uri,
            error_message=None,
            request_id=request_id,
            client_title=SERVICE_TITLES.get(auth_request.service, auth_request.service),
            choices=_grouped_choices(),
        )

    @router.post("/authorize")
    async def choose_user(request: Request) -> Response:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        form = await request.form() if content_type == "application/x-www-form-urlencoded" else FormData()
        request_id = form.get("request_id")
        auth_request = _PENDING.take(request_id) if isinstance(request_id, str) else None
        if auth_request is None:
            return _error_page(request, OAuthError("invalid_request", "unknown or expired request"))
        issuer = _issuer(request)
        if form.get("cancel"):
            denied = OAuthError("access_denied", "the user cancelled the login")
            return _error_redirect(auth_request.redirect_uri, denied, state=auth_request.state, issuer=issuer)
        sub = form.get("user")
        try:
            code = issue_code(request=auth_request, sub=sub if isinstance(sub, str) else "")
        except OAuthError as exc:
            return _error_redirect(auth_request.redirect_uri, exc, state=auth_request.state, issuer=issuer)
        return _redirect(auth_request.redirect_uri, {"code": code, "state": auth_request.state, "iss": issuer})

    @router.post("/token")
    async def token(request: Request) -> JSONResponse:
        headers = {**_NO_STORE, **_cors(request)}
        try:
            content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if content_type != "application/x-www-form-urlencoded":
                raise OAuthError("invalid_request", "send the parameters as application/x-www-form-urlencoded")
            form = await request.form()
            fields = ("grant_type", "code", "redirect_uri", "client_id", "code_verifier")
            params = {n: _single(form.getlist, n) for n in fields}
            if params["grant_type"] != "authorization_code":
                raise OAuthError("unsupported_grant_type", "only grant_type=authorization_code is supported")
            if params["client_id"] not in registered_clients():
                raise OAuthError("invalid_client", "unknown client_id")
            if not params["code"]:
                raise OAuthError("invalid_request", "code is required")
            grant = redeem_code(
                code=params["code"],
                client_id=params["client_id"],
                redirect_uri=params["redirect_uri"],
                code_verifier=params["code_verifier"],
            )
            return JSONResponse(token_response(grant=grant, issuer=_issuer(request)), headers=headers)
        except OAuthError as exc:
            body = {"error": exc.error, "error_description": exc.description}
            return JSONResponse(body, status_code=exc.status, headers=headers)

    return router
