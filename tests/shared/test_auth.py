"""Token forgery attempts are refused with 401; a valid token without the role gets 403."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwt

from shared.auth import AUDIENCES, mint_demo_token, mint_token
from shared.auth.tokens import ALGORITHM, dev_jwks, dev_private_key_pem
from shared.settings import get_settings

URL = "/api/v1/audit-events"


def _claims(**overrides: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = {
        "iss": get_settings().auth_issuer,
        "sub": "admin",
        "aud": AUDIENCES["kontrol"],
        "iat": now,
        "exp": now + 300,
        "roles": ["admin"],
    }
    claims.update(overrides)
    return claims


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _public_pem() -> str:
    key = serialization.load_pem_private_key(dev_private_key_pem(), password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _other_private_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _hs256_with_public_key() -> str:
    # jose refuses to sign this itself, so forge it by hand as an attacker would.
    signing_input = f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{_b64(_claims())}"
    digest = hmac.new(_public_pem().encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _forgeries() -> dict[str, str]:
    kid = dev_jwks()["keys"][0]["kid"]
    return {
        "wrong key": jwt.encode(_claims(), _other_private_pem(), algorithm=ALGORITHM, headers={"kid": kid}),
        "wrong key, no kid": jwt.encode(_claims(), _other_private_pem(), algorithm=ALGORITHM),
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims())}.",
        "HS256 with the public key as secret": _hs256_with_public_key(),
        "expired": mint_token(sub="admin", roles=["admin"], audience=AUDIENCES["kontrol"], ttl_seconds=-120),
        "wrong audience": mint_demo_token("admin", AUDIENCES["koerekort"]),
        "wrong issuer": jwt.encode(
            _claims(iss="https://evil.example"),
            dev_private_key_pem().decode(),
            algorithm=ALGORITHM,
            headers={"kid": kid},
        ),
        "no expiry": jwt.encode(
            {k: v for k, v in _claims().items() if k != "exp"},
            dev_private_key_pem().decode(),
            algorithm=ALGORITHM,
            headers={"kid": kid},
        ),
        "tampered payload": ".".join(
            [
                mint_demo_token("sb-anne", AUDIENCES["kontrol"]).split(".")[0],
                _b64(_claims()),
                mint_demo_token("sb-anne", AUDIENCES["kontrol"]).split(".")[2],
            ]
        ),
        "garbage": "not-a-token",
    }


@pytest.mark.parametrize("name", list(_forgeries()))
def test_forged_tokens_are_refused_with_401(client_for, name: str) -> None:
    client = client_for("kontrol")
    token = _forgeries()[name]
    response = client.get(URL, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401, name
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["status"] == 401


def test_missing_token_is_401_and_wrong_role_is_403(client_for, auth) -> None:
    client = client_for("kontrol")
    assert client.get(URL).status_code == 401
    assert client.get(URL, headers={"Authorization": "Basic YWRtaW46YWRtaW4="}).status_code == 401
    forbidden = client.get(URL, headers=auth("sb-anne", "kontrol"))
    assert forbidden.status_code == 403
    assert forbidden.json()["title"] == "Du har ikke adgang"
    assert client.get(URL, headers=auth("admin", "kontrol")).status_code == 200


def test_dev_issuer_mints_for_the_calling_service(client_for) -> None:
    client = client_for("koerekort")
    issued = client.post("/api/v1/dev/tokens", json={"user": "admin"})
    assert issued.status_code == 200
    token = issued.json()["access_token"]
    assert client.get(URL, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    # The same token is meant for koerekort only.
    assert client_for("kontrol").get(URL, headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert client.post("/api/v1/dev/tokens", json={"user": "nobody"}).status_code == 404


def test_verified_token_cache_never_outlives_the_token_or_its_key_set(monkeypatch: pytest.MonkeyPatch) -> None:
    from shared.auth import tokens

    audience = AUDIENCES["kontrol"]
    token = mint_token(sub="admin", roles=["admin"], audience=audience, ttl_seconds=60)
    first = tokens.verify_token(token, audience=audience)
    assert tokens.verify_token(token, audience=audience) is first  # served from the cache
    # The cache is keyed by the audience too: the same token is still refused elsewhere.
    with pytest.raises(tokens.TokenError):
        tokens.verify_token(token, audience=AUDIENCES["koerekort"])
    # A one-character change is a different key: it is checked in full and refused.
    altered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises(tokens.TokenError):
        tokens.verify_token(altered, audience=audience)
    # New keys: every cached verification is dropped and made again.
    tokens.clear_key_cache()
    second = tokens.verify_token(token, audience=audience)
    assert second is not first and second == first
    # Past its expiry (and the leeway) the cached answer is not used: the token goes through the full
    # check again (python-jose reads the real clock, so here it still passes and is verified anew).
    later = time.time() + 60 + get_settings().auth_leeway_seconds + 1
    monkeypatch.setattr(tokens.time, "time", lambda: later)
    assert tokens.verify_token(token, audience=audience) is not second
