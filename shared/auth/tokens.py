"""JWT bearer tokens (python-jose), RS256 only.

Pitfalls closed: the algorithm is pinned to RS256 before anything is decoded (no
`none`, no HS256 signed with the public key as the HMAC secret), keys come from a
JWKS and must be RSA, and `exp`, `iat`, `sub`, `aud` and `iss` are required.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwk, jwt
from jose.exceptions import JOSEError

from shared.auth.demo_users import BY_SUB
from shared.auth.roles import Role
from shared.settings import get_settings

ALGORITHM = "RS256"
_lock = threading.Lock()
_jwks_cache: dict[str, Any] = {"keys": None, "fetched": 0.0}
JWKS_MAX_AGE_SECONDS = 300
# Verified tokens, keyed by the whole token string (a forged or altered token can never hit): a client
# that sends the same token on every request (the IVR, a service) pays for the RSA check once per key epoch.
_verified: dict[tuple[str, str, str], tuple[Principal, float, float]] = {}
_VERIFIED_MAX = 4096


class TokenError(Exception):
    """The token is missing, forged, expired or meant for someone else."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: subject, roles and the attributes their token carries."""

    sub: str
    roles: frozenset[str]
    name: str
    attributes: dict[str, Any]

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def primary_role(self) -> str:
        return sorted(self.roles)[0] if self.roles else ""


# --- the local dev issuer's key -------------------------------------------------------------


def _dev_key_path() -> Path:
    settings = get_settings()
    if settings.auth_dev_private_key_file:
        return Path(settings.auth_dev_private_key_file)
    return settings.var_dir / "dev-jwt-key.pem"


_dev_key_cache: dict[str, tuple[bytes, Any, dict[str, Any]]] = {}


def _dev_key() -> tuple[bytes, Any, dict[str, Any]]:
    """(PEM, loaded signing key, JWKS) of the dev issuer; loading an RSA key is slow, so it happens once."""
    pem = dev_private_key_pem()
    cached = _dev_key_cache.get("key")
    if cached is not None and cached[0] == pem:
        return cached
    signing_key = jwk.construct(pem.decode(), ALGORITHM)
    public = signing_key.public_key().to_dict()
    public = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in public.items()}
    public.update(kid=_kid(public), use="sig", alg=ALGORITHM)
    entry = (pem, signing_key, {"keys": [public]})
    _dev_key_cache["key"] = entry
    return entry


def dev_private_key_pem() -> bytes:
    """The dev issuer's RSA key, generated once and shared by every local process through a file."""
    path = _dev_key_path()
    with _lock:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(pem)
            os.chmod(tmp, 0o600)
            try:
                os.link(tmp, path)  # atomic: the first process to create the key wins
            except FileExistsError:
                pass
            finally:
                tmp.unlink(missing_ok=True)
        return path.read_bytes()


def _kid(public_jwk: dict[str, Any]) -> str:
    import hashlib

    return hashlib.sha256((public_jwk["n"] + public_jwk["e"]).encode()).hexdigest()[:16]


def dev_jwks() -> dict[str, Any]:
    """The dev issuer's public key as a JWKS document."""
    return _dev_key()[2]


def mint_token(
    *,
    sub: str,
    roles: list[str] | tuple[str, ...],
    audience: str | list[str],
    name: str = "",
    attributes: dict[str, Any] | None = None,
    ttl_seconds: int | None = None,
    issuer: str | None = None,
    extra_claims: dict[str, Any] | None = None,
) -> str:
    """Sign a token with the dev issuer's key (refused unless the dev issuer is enabled).

    `issuer` and `extra_claims` are for the OIDC simulator's ID token (its own `iss`, a `nonce`);
    access tokens keep the default issuer that the services verify.
    """
    settings = get_settings()
    if not settings.auth_dev_issuer:
        raise TokenError("the dev issuer is disabled")
    now = int(time.time())
    claims: dict[str, Any] = {
        **(extra_claims or {}),
        "iss": issuer or settings.auth_issuer,
        "sub": sub,
        "aud": audience,
        "iat": now,
        "nbf": now,
        "exp": now + (ttl_seconds or settings.auth_token_ttl_seconds),
        "jti": str(uuid.uuid4()),
        "roles": list(roles),
        "name": name,
        "kk": attributes or {},
    }
    _pem, signing_key, jwks = _dev_key()
    kid = jwks["keys"][0]["kid"]
    return str(jwt.encode(claims, signing_key, algorithm=ALGORITHM, headers={"kid": kid}))


def mint_demo_token(sub: str, audience: str | list[str], ttl_seconds: int | None = None) -> str:
    """A token for one of the seeded demo users."""
    user = BY_SUB.get(sub)
    if user is None:
        raise TokenError(f"unknown demo user {sub!r}")
    return mint_token(
        sub=user.sub,
        roles=[str(r) for r in user.roles],
        audience=audience,
        name=user.name,
        attributes=dict(user.attributes),
        ttl_seconds=ttl_seconds,
    )


# --- verification ---------------------------------------------------------------------------


def signing_keys_cached() -> bool:
    """True when verifying needs no key fetch (so it is pure CPU and may run on the event loop)."""
    return _jwks_cache["keys"] is not None and time.monotonic() - _jwks_cache["fetched"] < JWKS_MAX_AGE_SECONDS


def _load_jwks() -> list[dict[str, Any]]:
    settings = get_settings()
    now = time.monotonic()
    cached = _jwks_cache["keys"]
    if cached is not None and now - _jwks_cache["fetched"] < JWKS_MAX_AGE_SECONDS:
        return list(cached)
    keys: list[dict[str, Any]] = []
    if settings.auth_jwks_file:
        keys += json.loads(Path(settings.auth_jwks_file).read_text())["keys"]
    if settings.auth_jwks_url:
        response = httpx.get(settings.auth_jwks_url, timeout=5.0)
        response.raise_for_status()
        keys += response.json()["keys"]
    if settings.auth_dev_issuer:
        keys += dev_jwks()["keys"]
    _jwks_cache.update(keys=keys, fetched=now)
    _verified.clear()  # a new key set: everything is checked again against it
    return keys


def clear_key_cache() -> None:
    """Forget cached keys (after rotation, or in tests that change settings)."""
    _jwks_cache.update(keys=None, fetched=0.0)
    _verified.clear()


def verify_token(token: str, *, audience: str) -> Principal:
    """Verify signature, algorithm, issuer, audience and expiry; return the caller."""
    settings = get_settings()
    cache_key = (token, audience, settings.auth_issuer)
    hit = _verified.get(cache_key)
    if hit is not None and signing_keys_cached():
        principal, not_before, expires = hit
        if not_before <= time.time() < expires:
            return principal
        _verified.pop(cache_key, None)  # expired (or not yet valid): the full check below gives the answer
    try:
        header = jwt.get_unverified_header(token)
    except JOSEError as exc:
        raise TokenError("malformed token") from exc
    if header.get("alg") != ALGORITHM:
        raise TokenError("algorithm not allowed")
    candidates = [k for k in _load_jwks() if k.get("kty") == "RSA" and k.get("alg", ALGORITHM) == ALGORITHM]
    kid = header.get("kid")
    if kid is not None:
        candidates = [k for k in candidates if k.get("kid") == kid]
    if not candidates:
        raise TokenError("unknown signing key")
    last_error: Exception | None = None
    for key in candidates:
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=audience,
                issuer=settings.auth_issuer,
                options={
                    "require_exp": True,
                    "require_iat": True,
                    "require_sub": True,
                    "require_aud": True,
                    "require_iss": True,
                    "leeway": settings.auth_leeway_seconds,
                },
            )
            break
        except JOSEError as exc:
            last_error = exc
    else:
        raise TokenError("invalid token") from last_error
    roles = claims.get("roles")
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise TokenError("roles claim missing")
    known = {str(r) for r in Role}
    attributes = claims.get("kk") if isinstance(claims.get("kk"), dict) else {}
    principal = Principal(
        sub=str(claims["sub"]),
        roles=frozenset(r for r in roles if r in known),
        name=str(claims.get("name", "")),
        attributes=attributes,
    )
    leeway = settings.auth_leeway_seconds
    if len(_verified) >= _VERIFIED_MAX:
        _verified.clear()
    _verified[cache_key] = (principal, float(claims.get("nbf", 0)) - leeway, float(claims["exp"]) + leeway)
    return principal
