"""KASA Helpdesk adapter contract and its HTTP implementation.

Contract (what KEID's system, or a gateway in front of it, must offer; see docs/viceværtsopgaver/kasa.md):

* `changes_since(cursor, limit)` — cases created or changed after the cursor, oldest change first,
  with a new cursor. Each case carries KASA's id (`external_id`), KASA's case number, our task id
  (`external_reference`) and case number (`reference_number`) when the case came from us, and a
  `version` that grows on every change.
* `upsert_case(case, external_id)` — create or update the case for one of our tasks; idempotent by
  `external_reference` (our task id), so a retried export never creates a second case. Returns the
  case as stored, with its new version.

HTTP: `GET {base}/api/v1/cases/changes?cursor=&limit=` → `{"items": [case...], "next_cursor": str|null}`;
`PUT {base}/api/v1/cases/by-reference/{external_reference}` with the case body (and `external_id`
when known) → the case. Bearer token in `Authorization`. Implementations: `KasaHttpHelpdesk`
(KASA_HELPDESK=http) and `SimulatedKasaHelpdesk` (default, in `kasa.simulator`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Protocol

import httpx

from shared.http import http_client

# KASA's own status words; ours map onto them (and back, for cancellation and completion by KEID).
KASA_STATUS_FOR = {
    "ny": "modtaget",
    "tildelt": "modtaget",
    "modtaget": "modtaget",
    "paa_vej": "i_gang",
    "i_gang": "i_gang",
    "opdelt": "i_gang",
    "materiale_bestilles": "afventer",
    "afventer": "afventer",
    "loest": "afsluttet",
    "kan_ikke_loeses": "afvist",
    "annulleret": "annulleret",
}
KASA_PRIORITY_FOR = {"akut": "kritisk", "hoej": "høj", "normal": "normal", "lav": "lav"}
OUR_PRIORITY_FOR = {v: k for k, v in KASA_PRIORITY_FOR.items()}


@dataclass(frozen=True)
class KasaCase:
    external_id: str
    case_number: str
    title: str
    description: str
    category: str
    property_number: str
    priority: str
    status: str
    external_reference: str | None
    reference_number: str | None
    version: int
    updated_at: datetime

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KasaCase:
        return cls(
            external_id=str(data["external_id"]),
            case_number=str(data["case_number"]),
            title=str(data["title"]),
            description=str(data.get("description") or ""),
            category=str(data["category"]),
            property_number=str(data["property_number"]),
            priority=str(data["priority"]),
            status=str(data["status"]),
            external_reference=data.get("external_reference"),
            reference_number=data.get("reference_number"),
            version=int(data["version"]),
            updated_at=datetime.fromisoformat(str(data["updated_at"])),
        )

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "updated_at": self.updated_at.isoformat()}


@dataclass(frozen=True)
class KasaCaseUpsert:
    external_reference: str
    reference_number: str
    title: str
    description: str
    category: str
    property_number: str
    priority: str
    status: str


class KasaHelpdesk(Protocol):
    def changes_since(self, cursor: str | None, *, limit: int) -> tuple[list[KasaCase], str | None]: ...

    def upsert_case(self, case: KasaCaseUpsert, *, external_id: str | None) -> KasaCase: ...


class KasaUnavailable(Exception):
    """KASA did not answer or answered with an error; the exchange is retried later."""


class KasaHttpHelpdesk:
    """Talks to KASA Helpdesk (or its integration gateway) over the documented HTTP contract."""

    def __init__(self, base_url: str, token: str, *, client: httpx.Client | None = None, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        # The process's pooled client (shared/http.py) with our timeout, or the one a caller hands in as it is.
        self.client = client or http_client()
        self.request_options: dict[str, Any] = {} if client is not None else {"timeout": timeout}
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self.client.request(
                method, f"{self.base_url}{path}", headers=self.headers, **self.request_options, **kwargs
            )
        except httpx.HTTPError as exc:
            raise KasaUnavailable(f"KASA request failed: {type(exc).__name__}") from exc
        if response.status_code >= 400:
            raise KasaUnavailable(f"KASA answered {response.status_code}")
        return response.json()

    def changes_since(self, cursor: str | None, *, limit: int) -> tuple[list[KasaCase], str | None]:
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        body = self._call("GET", "/api/v1/cases/changes", params=params)
        return [KasaCase.from_json(item) for item in body["items"]], body.get("next_cursor")

    def upsert_case(self, case: KasaCaseUpsert, *, external_id: str | None) -> KasaCase:
        payload = {**asdict(case), "external_id": external_id}
        body = self._call("PUT", f"/api/v1/cases/by-reference/{case.external_reference}", json=payload)
        return KasaCase.from_json(body)
