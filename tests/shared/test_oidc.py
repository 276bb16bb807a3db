"""The MitID/SSO simulator (shared/auth/idp_simulator.py): OIDC authorisation code + PKCE S256.

The simulator runs inside a service app (as every service serves it while the dev issuer is on); the
tokens it issues are checked by the services' own verification, and its errors by RFC 6749's rules.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from cryptography.fernet import Fernet
from jose import jwt
from pydantic import ValidationError

from shared.auth import AUDIENCES, idp_simulator, mint_demo_token, verify_token
from shared.auth.demo_users import BY_SUB
from shared.auth.tokens import TokenError, dev_jwks
from shared.settings import Settings, get_settings

SIM = "/oidc-simulator"
ISSUER = "http://testserver" + SIM  # the TestClient's origin
STATE = "state-7f3a"
NONCE = "nonce-91c2"


def _login_page(service_url: str) -> str:
    return service_url.rstrip("/") + "/log-ind"


@pytest.fixture
def redirect_uris() -> dict[str, str]:
    settings = get_settings()
    return {"koerekort": _login_page(settings.koerekort_url), "kontrol": _login_page(settings.kontrol_url)}


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def _query(response: httpx.Response) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(response.headers["location"]).query).items()}


class Flow:
    """One browser's way through the simulator, driven over HTTP."""

    def __init__(self, client: Any, redirect_uri: str, audience: str) -> None:
        self.client = client
        self.redirect_uri = redirect_uri
        self.audience = audience
        self.verifier, self.challenge = _pkce()
        self.locations: list[str] = []

    def authorize(self, **overrides: str | None) -> httpx.Response:
        params: dict[str, str | None] = {
            "response_type": "code",
            "client_id": "kk-web",
            "redirect_uri": self.redirect_uri,
            "scope": f"openid {self.audience}",
            "state": STATE,
            "nonce": NONCE,
            "code_challenge": self.challenge,
            "code_challenge_method": "S256",
            **overrides,
        }
        sent = {k: v for k, v in params.items() if v is not None}
        response = self.client.get(f"{SIM}/authorize", params=sent, follow_redirects=False)
        if "location" in response.headers:
            self.locations.append(response.headers["location"])
        return response

    def choose(self, page: httpx.Response, **form: str) -> httpx.Response:
        assert page.status_code == 200, page.text
        request_id = re.search(r'name="request_id" value="([^"]+)"', page.text)
        assert request_id is not None
        response = self.client.post(
            f"{SIM}/authorize", data={"request_id": request_id.group(1), **form}, follow_redirects=False
        )
        if "location" in response.headers:
            self.locations.append(response.headers["location"])
        return response

    def code_for(self, user: str) -> str:
        answer = self.choose(self.authorize(), user=user)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith(self.redirect_uri + "?")
        query = _query(answer)
        assert query["state"] == STATE and query["iss"] == ISSUER
        return query["code"]

    def exchange(self, code: str, **overrides: str) -> httpx.Response:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri,
            "client_id": "kk-web",
            "code_verifier": self.verifier,
            **overrides,
        }
        return self.client.post(f"{SIM}/token", data=form)


@pytest.fixture
def flow(client_for, redirect_uris) -> Callable[..., Flow]:
    """flow(service): the simulator (served by koerekort) logging someone into `service`'s pages."""
    client = client_for("koerekort")
    return lambda service="koerekort": Flow(client, redirect_uris[service], AUDIENCES[service])


def _oauth_error(response: httpx.Response, error: str) -> None:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/json"  # RFC 6749 §5.2, not problem+json
    assert response.headers["cache-control"] == "no-store"
    assert response.json()["error"] == error
    assert set(response.json()) == {"error", "error_description"}


def test_discovery_names_code_flow_with_s256_and_the_dev_issuers_key(client_for) -> None:
    client = client_for("kontrol")
    doc = client.get(f"{SIM}/.well-known/openid-configuration").json()
    assert doc["issuer"] == ISSUER
    assert doc["authorization_endpoint"] == ISSUER + "/authorize"
    assert doc["token_endpoint"] == ISSUER + "/token"
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["response_types_supported"] == ["code"]
    assert doc["token_endpoint_auth_methods_supported"] == ["none"]
    jwks = client.get(urlsplit(doc["jwks_uri"]).path).json()
    assert jwks == dev_jwks()


def test_citizen_login_gives_the_token_the_service_accepts(flow, client_for) -> None:
    login = flow("koerekort")
    response = login.exchange(login.code_for("borger-mette"))
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == get_settings().auth_token_ttl_seconds

    # The access token is the dev issuer's token for this user and audience: same claims, same checks.
    access = jwt.get_unverified_claims(body["access_token"])
    dev = jwt.get_unverified_claims(mint_demo_token("borger-mette", AUDIENCES["koerekort"]))
    assert set(access) == set(dev)
    assert {k: access[k] for k in ("iss", "sub", "aud", "roles", "name", "kk")} == {
        k: dev[k] for k in ("iss", "sub", "aud", "roles", "name", "kk")
    }
    principal = verify_token(body["access_token"], audience=AUDIENCES["koerekort"])
    assert principal.sub == "borger-mette" and principal.roles == {"borger"}
    assert principal.attributes["cpr"] == BY_SUB["borger-mette"].attributes["cpr"]  # a claim, never a URL

    headers = {"Authorization": f"Bearer {body['access_token']}"}
    koerekort = client_for("koerekort")
    assert koerekort.get("/api/v1/applications", headers=headers).status_code == 200
    assert koerekort.get("/api/v1/certificates", headers=headers).status_code == 403  # a citizen is no doctor
    assert client_for("kontrol").get("/api/v1/cases", headers=headers).status_code == 401  # other audience

    # The ID token is for the client: the simulator as issuer, the nonce, and no attributes (no CPR).
    id_claims = jwt.get_unverified_claims(body["id_token"])
    assert id_claims["iss"] == ISSUER and id_claims["aud"] == "kk-web" and id_claims["nonce"] == NONCE
    assert id_claims["sub"] == "borger-mette" and id_claims["roles"] == ["borger"] and id_claims["kk"] == {}
    with pytest.raises(TokenError):
        verify_token(body["id_token"], audience=AUDIENCES["koerekort"])

    # Nowhere in the flow's addresses is a CPR number, a verifier or a token.
    cpr = BY_SUB["borger-mette"].attributes["cpr"]
    assert login.locations and all(
        cpr not in url and login.verifier not in url and "token" not in url for url in login.locations
    )


def test_staff_login_gets_the_audience_of_the_page_it_returns_to(flow, client_for) -> None:
    login = flow("kontrol")
    body = login.exchange(login.code_for("admin")).json()
    assert jwt.get_unverified_claims(body["access_token"])["aud"] == AUDIENCES["kontrol"]
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert client_for("kontrol").get("/api/v1/audit-events", headers=headers).status_code == 200


def test_pkce_mismatch_is_refused_and_burns_the_code(flow) -> None:
    login = flow()
    code = login.code_for("borger-jonas")
    _oauth_error(login.exchange(code, code_verifier=_pkce()[0]), "invalid_grant")
    # An intercepted code cannot be retried: not even the right verifier redeems it now.
    _oauth_error(login.exchange(code), "invalid_grant")


def test_missing_or_malformed_verifier_is_refused(flow) -> None:
    login = flow()
    _oauth_error(login.exchange(login.code_for("borger-jonas"), code_verifier=""), "invalid_grant")
    _oauth_error(login.exchange(login.code_for("borger-jonas"), code_verifier="short"), "invalid_grant")


def test_a_code_is_single_use(flow) -> None:
    login = flow()
    code = login.code_for("sb-anne")
    assert login.exchange(code).status_code == 200
    _oauth_error(login.exchange(code), "invalid_grant")


def test_a_code_is_short_lived(flow) -> None:
    login = flow()
    code = login.code_for("sb-anne")
    with pytest.raises(idp_simulator.OAuthError) as info:
        idp_simulator.redeem_code(
            code=code,
            client_id="kk-web",
            redirect_uri=login.redirect_uri,
            code_verifier=login.verifier,
            now=time.time() + idp_simulator.CODE_TTL_SECONDS + 1,
        )
    assert info.value.error == "invalid_grant"


def test_redirect_uri_must_match_a_registered_one_exactly(flow, redirect_uris) -> None:
    login = flow()
    for wrong in (
        "https://evil.example/log-ind",
        login.redirect_uri + "/",
        login.redirect_uri + "?next=https://evil.example",
        login.redirect_uri.replace("/log-ind", "/log-ind/../admin"),
        login.redirect_uri.upper(),
    ):
        page = login.authorize(redirect_uri=wrong)
        assert page.status_code == 400 and "location" not in page.headers  # never redirected: no open redirect
        assert "Login mislykkedes" in page.text
    assert login.authorize(client_id="someone-else").status_code == 400
    # At the token endpoint the redirect URI must be the one the code was issued for.
    code = login.code_for("borger-mette")
    _oauth_error(login.exchange(code, redirect_uri=redirect_uris["kontrol"]), "invalid_grant")


@pytest.mark.parametrize(
    "overrides",
    [
        {"code_challenge_method": None},
        {"code_challenge_method": "plain"},
        {"code_challenge": None},
        {"code_challenge": "too-short"},
        {"state": None},
        {"response_type": "token"},
        {"scope": "profile"},
        {"scope": "openid kk:kontrol"},  # koerekort's login page gets koerekort's audience only
    ],
)
def test_bad_authorization_requests_go_back_as_errors_without_a_code(flow, overrides: dict[str, Any]) -> None:
    login = flow()
    answer = login.authorize(**overrides)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith(login.redirect_uri + "?")
    query = _query(answer)
    assert query["error"] in ("invalid_request", "invalid_scope", "unsupported_response_type")
    assert "code" not in query
    if overrides.get("state", "") is not None:
        assert query["state"] == STATE  # round-tripped so the client can match the answer


def test_parameters_may_not_be_repeated(flow) -> None:
    login = flow()
    response = login.client.get(
        f"{SIM}/authorize",
        params=[
            ("client_id", "kk-web"),
            ("redirect_uri", login.redirect_uri),
            ("redirect_uri", "https://evil.example/"),
        ],
        follow_redirects=False,
    )
    assert response.status_code == 400 and "location" not in response.headers


def test_cancel_returns_access_denied_with_state(flow) -> None:
    login = flow()
    answer = login.choose(login.authorize(), cancel="1")
    assert answer.status_code == 303
    assert _query(answer) == {
        "error": "access_denied",
        "error_description": "the user cancelled the login",
        "state": STATE,
        "iss": ISSUER,
    }


def test_a_pending_request_is_used_once_and_service_accounts_cannot_log_in(flow) -> None:
    login = flow()
    page = login.authorize()
    assert login.choose(page, user="borger-mette").status_code == 303
    assert login.choose(page, user="borger-mette").status_code == 400  # same request_id again
    answer = login.choose(login.authorize(), user="svc-kontrol")
    assert _query(answer)["error"] == "access_denied"
    assert login.client.post(f"{SIM}/authorize", json={}).status_code == 400


def test_token_endpoint_errors_are_oauth_json(flow) -> None:
    login = flow()
    client = login.client
    _oauth_error(client.post(f"{SIM}/token", json={"grant_type": "authorization_code"}), "invalid_request")
    _oauth_error(client.post(f"{SIM}/token", data={"grant_type": "password"}), "unsupported_grant_type")
    _oauth_error(login.exchange("", client_id="kk-web"), "invalid_request")
    _oauth_error(login.exchange("no-such-code"), "invalid_grant")
    _oauth_error(login.exchange(login.code_for("borger-mette"), client_id="someone-else"), "invalid_client")
    repeated = client.post(
        f"{SIM}/token",
        content="grant_type=authorization_code&code=a&code=b",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    _oauth_error(repeated, "invalid_request")


def test_token_endpoint_answers_cors_only_for_registered_pages(flow, redirect_uris) -> None:
    login = flow()
    origin = redirect_uris["koerekort"].removesuffix("/log-ind")
    allowed = login.client.post(f"{SIM}/token", data={"grant_type": "x"}, headers={"Origin": origin})
    assert allowed.headers["access-control-allow-origin"] == origin
    other = login.client.post(f"{SIM}/token", data={"grant_type": "x"}, headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_simulator_page_is_danish_unframeable_and_scriptless(flow, redirect_uris) -> None:
    page = flow().authorize()
    assert page.status_code == 200
    assert '<html lang="da">' in page.text and "MitID-simulator" in page.text and "Mette Jensen" in page.text
    assert "svc-kontrol" not in page.text  # service accounts are not people
    policy = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'none'" in policy
    assert f"form-action 'self' {redirect_uris['koerekort'].removesuffix('/log-ind')};" in policy
    assert BY_SUB["borger-mette"].attributes["cpr"] not in page.text


@pytest.fixture
def oidc_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    def _set(**values: str) -> None:
        for key, value in values.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()

    yield _set
    monkeypatch.undo()
    get_settings.cache_clear()


def test_login_page_offers_oidc_and_may_reach_only_the_provider(oidc_env, client_for) -> None:
    oidc_env(OIDC_ISSUER_URL="http://127.0.0.1:8001/oidc-simulator/", OIDC_CLIENT_ID="kk-web")
    client = client_for("koerekort")
    page = client.get("/log-ind")
    assert "data-kk-oidc-login" in page.text
    assert '"issuer": "http://127.0.0.1:8001/oidc-simulator"' in page.text
    assert '"audience": "kk:koerekort"' in page.text
    assert "connect-src 'self' http://127.0.0.1:8001;" in page.headers["content-security-policy"]
    start = client.get("/")
    assert "connect-src 'self';" in start.headers["content-security-policy"]
    assert '"oidc": null' in start.text


def test_login_page_without_a_provider_keeps_the_demo_users(client_for) -> None:
    page = client_for("koerekort").get("/log-ind")
    assert "data-kk-oidc-login" not in page.text and '"oidc": null' in page.text


def test_simulator_exists_only_with_the_dev_issuer(oidc_env, client_for) -> None:
    oidc_env(AUTH_DEV_ISSUER="false")
    client = client_for("kontrol")
    assert client.get(f"{SIM}/.well-known/openid-configuration").status_code == 404
    assert client.post(f"{SIM}/token", data={"grant_type": "authorization_code"}).status_code == 404


PRODUCTION = {
    "app_env": "production",
    "database_url": "postgresql+psycopg://db/kk",
    "cpr_pseudonym_key": "k" * 40,
    "data_encryption_keys": Fernet.generate_key().decode(),
    "qr_signing_key": "q" * 40,
    "sms_callback_secret": "s" * 40,
    "auth_dev_issuer": False,
    "auth_jwks_url": "https://login.kk.dk/jwks.json",
}


@pytest.mark.parametrize(
    "issuer",
    [
        "http://127.0.0.1:8001/oidc-simulator",
        "https://kontrol.kk.dk/oidc-simulator",
        "http://login.kk.dk/oidc",
        "https://localhost/oidc",
        "https://login.dev.kk.local",
    ],
)
def test_production_refuses_the_simulator_and_insecure_providers(issuer: str) -> None:
    with pytest.raises(ValidationError, match="OIDC_ISSUER_URL"):
        Settings(**PRODUCTION, oidc_issuer_url=issuer)  # type: ignore[arg-type]


def test_production_accepts_a_real_provider() -> None:
    settings = Settings(**PRODUCTION, oidc_issuer_url="https://login.kk.dk/oidc")  # type: ignore[arg-type]
    assert settings.oidc_issuer_url == "https://login.kk.dk/oidc"
