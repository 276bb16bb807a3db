"""Every endpoint of every service, called by every role and without a token, against the declared matrix.

The matrix is docs/security/authorization-matrix.yaml: per service, "METHOD /path" → a list of roles,
`authenticated` (any valid token) or `public`. An endpoint missing from the file fails the test, so a
new endpoint cannot ship without a declared rule.
"""

from __future__ import annotations

import pytest

from tests.authz import (
    ALL_CALLERS,
    ANONYMOUS,
    AUTHENTICATED,
    PUBLIC,
    SERVICES,
    caller_for,
    create_app,
    endpoints,
    fill_path,
    load_matrix,
)

MATRIX = load_matrix()


@pytest.mark.parametrize("service", SERVICES)
def test_every_endpoint_is_declared_and_every_declaration_exists(service: str) -> None:
    served = {key for key, _ in endpoints(create_app(service))}
    declared = set(MATRIX.get(service, {}))
    assert sorted(served - declared) == [], "endpoints without a declared rule"
    assert sorted(declared - served) == [], "declared endpoints that no longer exist"


@pytest.mark.parametrize("service", SERVICES)
def test_every_role_gets_what_the_matrix_says(service: str, client_for, auth) -> None:
    from shared.devserver import seed_all

    seed_all()  # the demo users' own records (a caretaker profile, a doctor) exist, as in a real deployment
    client = client_for(service)
    failures = []
    for key, _route in endpoints(client.app):
        rule = MATRIX.get(service, {}).get(key)
        if rule is None:
            continue
        method, path = key.split(" ", 1)
        url = fill_path(path)
        for caller in ALL_CALLERS:
            if caller == ANONYMOUS:
                headers = {}
            else:
                user = caller_for(caller)
                assert user is not None, f"no demo user holds only the role {caller}"
                headers = auth(user, service)
            kwargs = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
            status = client.request(method, url, headers=headers, **kwargs).status_code
            if rule == PUBLIC:
                ok = status not in (401, 403)
            elif caller == ANONYMOUS:
                ok = status == 401
            elif rule == AUTHENTICATED or caller in rule:
                ok = status not in (401, 403) and status < 500
            else:
                ok = status == 403
            if not ok:
                failures.append(f"{key} as {caller}: {status} (declared {rule})")
    assert failures == []
