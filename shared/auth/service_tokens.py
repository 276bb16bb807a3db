"""Tokens one service uses to call another (client credentials in production, dev issuer locally)."""

from __future__ import annotations

import os
import time

from shared.auth.roles import AUDIENCES
from shared.auth.tokens import mint_demo_token

_SERVICE_SUBJECTS = {
    "kontrol": "svc-kontrol",
    "koerekort": "svc-koerekort",
    "viceværtsopgaver": "svc-vicevaert",
    "sms_ydelse": "svc-sms-ydelse",
}
_cache: dict[tuple[str, str], tuple[str, float]] = {}


def service_token(caller: str, target: str) -> str:
    """A bearer token for `caller` to call `target`: from SERVICE_TOKEN_<TARGET> if set, else the dev issuer."""
    configured = os.environ.get(f"SERVICE_TOKEN_{target.upper()}")
    if configured:
        return configured
    key = (caller, target)
    cached = _cache.get(key)
    if cached and cached[1] > time.time() + 60:
        return cached[0]
    token = mint_demo_token(_SERVICE_SUBJECTS[caller], AUDIENCES[target], ttl_seconds=900)
    _cache[key] = (token, time.time() + 900)
    return token
