"""Fixtures for the kontrol tests: a small simulated world (history, model v1, registers) in the test database.

Simulating and training takes a few seconds, so the first test builds the world and later tests re-insert the
same rows (model artefact included) into their clean database.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import insert, select

_TABLES = (
    "kontrol.settings",
    "kontrol.counters",
    "kontrol.model_versions",
    "kontrol.training_cases",
    "kontrol.sim_register_persons",
    "kontrol.sim_truth",
    "kontrol.sim_municipal_notes",
)
_cache: dict[str, Any] = {}


@pytest.fixture
def world(session: Any) -> Any:
    """Three (small-city) years of history, a promoted model and 60 people in the simulated registers."""
    from services.kontrol.synth import demo
    from shared.db import Base

    tables = [Base.metadata.tables[name] for name in _TABLES]
    if "world" not in _cache:
        built = demo.build(
            session, seed=5, history_years=3, candidates=0, outsiders=60, import_candidates=False, city_size=216_000
        )
        session.commit()
        _cache["world"] = built
        _cache["rows"] = {t.fullname: [dict(r._mapping) for r in session.execute(select(t))] for t in tables}
        return built
    for table in tables:
        rows = _cache["rows"][table.fullname]
        if rows:
            session.execute(insert(table), rows)
    session.commit()
    return _cache["world"]


@pytest.fixture
def import_list(client_for: Callable[[str], Any], auth: Callable[[str, str], dict[str, str]]) -> Callable[..., Any]:
    """POST a JSON register-match list as sb-anne."""

    def _import(cprs: list[str], *, list_id: str = "UDK-2026-001", criterion: str = "mange_paa_adressen") -> Any:
        client = client_for("kontrol")
        return client.post(
            "/api/v1/register-match-lists",
            json={
                "list_id": list_id,
                "criterion_code": criterion,
                "extracted_on": date.today().isoformat(),
                "rows": [{"cpr": c} for c in cprs],
            },
            headers=auth("sb-anne", "kontrol"),
        )

    return _import
