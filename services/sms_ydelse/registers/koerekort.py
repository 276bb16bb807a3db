"""Driving-licence application status from the koerekort service over its HTTP API.

Contract (owned by koerekort): `POST {KOEREKORT_URL}/api/v1/status-lookups`, role `system`,
body `{"cpr": "<ten digits>"}`; 200 `{"status_code": ..., "status_text": "<short Danish phrase>"}`,
404 when the citizen has no application. The CPR number travels in the body, never the URL.
"""

from __future__ import annotations

import httpx

from services.sms_ydelse.registers.contracts import ApplicationStatus, RegisterUnavailable
from shared.auth.service_tokens import service_token
from shared.http import http_client
from shared.settings import get_settings


class KoerekortHttpStatus:
    """Adapter for koerekort's status-lookups endpoint."""

    def __init__(self, base_url: str | None = None, *, client: httpx.Client | None = None, timeout: float = 3.0):
        self.base_url = (base_url or get_settings().koerekort_url).rstrip("/")
        self.client = client
        self.timeout = timeout

    def application_status(self, cpr: str) -> ApplicationStatus | None:
        headers = {"Authorization": f"Bearer {service_token('sms_ydelse', 'koerekort')}"}
        url = f"{self.base_url}/api/v1/status-lookups"
        try:
            if self.client is not None:
                response = self.client.post(url, json={"cpr": cpr}, headers=headers, timeout=self.timeout)
            else:
                response = http_client().post(url, json={"cpr": cpr}, headers=headers, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise RegisterUnavailable(f"koerekort unreachable: {type(exc).__name__}") from exc
        if response.status_code == 404:
            return None
        if response.status_code >= 500 or response.status_code == 429:
            raise RegisterUnavailable(f"koerekort answered {response.status_code}")
        if response.status_code != 200:
            # 400/401/403/422: a contract or configuration error; retrying will not help but must be seen.
            raise RegisterUnavailable(f"koerekort refused the lookup ({response.status_code})")
        body = response.json()
        return ApplicationStatus(status_code=str(body["status_code"]), status_text=str(body["status_text"]))
