"""Schemathesis fuzzes all four OpenAPI documents, authenticated with every role, in a bounded form.

Checks: no 5xx, every documented response matches its own schema, and no error body carries a stack
trace or anything shaped like a CPR number. FUZZ_EXAMPLES sets examples per operation (default 12).
"""

from __future__ import annotations

import functools
import os
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from shared.auth import AUDIENCES, Role, mint_token
from shared.auth.demo_users import DEMO_USERS
from tests.authz import SERVICES, create_app

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
CPR_SHAPED = re.compile(r"(?<!\d)\d{6}-?\d{4}(?!\d)")
# Every attribute a demo user carries, so role-specific code paths (a doctor's id, a citizen's CPR) run too.
ALL_ATTRIBUTES = {k: v for user in DEMO_USERS for k, v in user.attributes.items()}


@functools.cache
def _token(service: str) -> str:
    return mint_token(
        sub="fuzz", roles=[str(r) for r in Role], audience=AUDIENCES[service], name="Fuzz", attributes=ALL_ATTRIBUTES
    )


@schemathesis.check
def no_leak_in_errors(ctx, response, case) -> None:
    """Error bodies carry neither stack traces nor CPR-shaped values."""
    if response.status_code < 400:
        return
    text = response.text
    assert "Traceback" not in text and 'File "' not in text, "stack trace in an error body"
    assert not CPR_SHAPED.search(text), "CPR-shaped value in an error body"


def _schema(service: str):
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(service))


def _make_test(service: str):
    schema = _schema(service)

    @schema.parametrize()
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def _test(case, database) -> None:
        case.call_and_validate(
            headers={"Authorization": f"Bearer {_token(service)}"},
            checks=[not_a_server_error, response_schema_conformance, no_leak_in_errors],
        )

    return _test


test_fuzz_kontrol = pytest.mark.slow(_make_test("kontrol"))
test_fuzz_koerekort = pytest.mark.slow(_make_test("koerekort"))
test_fuzz_vicevaert = pytest.mark.slow(_make_test("viceværtsopgaver"))
test_fuzz_sms_ydelse = pytest.mark.slow(_make_test("sms_ydelse"))
assert len(SERVICES) == 4
