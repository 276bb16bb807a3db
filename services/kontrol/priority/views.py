"""Queue, candidates (pseudonymised), gathering control and the unit's settings."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema
from sqlalchemy import func, select

from services.kontrol.catalogue import CHANNEL_LABELS, CRITERIA, DISMISSAL_REASON_NEEDS_NOTE, DISMISSAL_REASONS
from services.kontrol.facts import FACT_NAMES, SOURCES, format_kr
from services.kontrol.ml.explain import explain_rows
from services.kontrol.ml.registry import load_model, promoted
from services.kontrol.models import Candidate, CandidateSignal, CandidateSource, Score, candidate_facts
from services.kontrol.priority.config import load_settings, settings_history, update_settings
from services.kontrol.priority.lifecycle import dismiss_candidate, dismissal_out
from services.kontrol.priority.service import released, waiting_counts
from services.kontrol.sources.service import (
    UNREACHABLE,
    dispatch_gathering,
    gathering_state,
    incomplete_candidates,
    request_gathering,
    waiting_for_source_count,
)
from shared.auth import Principal, Role, require_roles
from shared.db import DbSession
from shared.errors import Conflict, NotFound, ProblemError

router = APIRouter(prefix="/api/v1", tags=["kø og kandidater"])
Caseworker = Annotated[Principal, Depends(require_roles(Role.sagsbehandler))]
Staff = Annotated[Principal, Depends(require_roles(Role.sagsbehandler, Role.admin))]
Manager = Annotated[Principal, Depends(require_roles(Role.admin))]
NO_CONTROL_CHARACTERS = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"


def _share(value: float) -> float:
    if not 0 <= value <= 1:
        raise ValueError("Skal være et tal fra 0 til 1, f.eks. 0,5 for halvdelen.")
    return value


# A share 0..1 with a Danish message (pydantic's own would say "1.0").
Share = Annotated[float, AfterValidator(_share), WithJsonSchema({"type": "number", "minimum": 0, "maximum": 1})]


class Reason(BaseModel):
    feature: str
    text: str
    contribution: float


class QueueItem(BaseModel):
    candidate_id: uuid.UUID
    reference: str
    arm: Literal["model", "control"]
    position: int
    probability: float | None
    expected_saving_ore: int | None
    expected_saving_text: str | None
    reasons: list[Reason] | None
    channel: str
    channel_label: str
    criterion: str | None
    received_at: datetime


class QueuePage(BaseModel):
    items: list[QueueItem]
    next_cursor: str | None
    period: str
    period_start: datetime
    capacity: dict[str, int]
    opened_this_period: dict[str, int]


class SettingsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    capacity_per_period: int
    capacity_period: str
    control_share: float
    gathering_rate_per_hour: int
    gathering_paused: bool
    min_probability: float
    precision_alert_threshold: float
    version: int
    updated_at: datetime
    updated_by: str


class SettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str | None = Field(
        None,
        max_length=180,
        pattern=NO_CONTROL_CHARACTERS,
        description="Hvorfor indstillingerne ændres (skrives i revisionsloggen og historikken)",
    )
    capacity_per_period: int | None = Field(None, ge=0, le=10_000)
    capacity_period: Literal["week", "month"] | None = None
    control_share: Share | None = None
    gathering_rate_per_hour: int | None = Field(None, ge=0, le=100_000)
    gathering_paused: bool | None = None
    min_probability: Share | None = None
    precision_alert_threshold: Share | None = None


class SettingsVersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    version: int
    changed_at: datetime
    changed_by: str
    changed_by_role: str
    reason: str | None
    changes: dict[str, Any]
    snapshot: dict[str, Any]


class SettingsHistoryPage(BaseModel):
    items: list[SettingsVersionOut]
    next_cursor: str | None


DismissalReason = Literal["ikke_relevant", "allerede_kontrolleret", "fejl_i_data", "andet"]


class DismissalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: DismissalReason = Field(description="Årsag fra den faste liste (GET /api/v1/dismissal-reasons)")
    note: str | None = Field(
        None,
        max_length=1000,
        pattern=NO_CONTROL_CHARACTERS,
        description="Begrundelse; skal udfyldes ved årsagen »andet«",
    )


def _fill_reasons(session: DbSession, items: list[dict[str, Any]]) -> None:
    missing = [i for i in items if i["arm"] == "model" and i["reasons"] is None]
    version = promoted(session)
    if not missing or version is None:
        return
    ids = [i["candidate_id"] for i in missing]
    rows = {
        r[0]: r[1:]
        for r in session.execute(
            select(candidate_facts.c.candidate_id, *[candidate_facts.c[n] for n in FACT_NAMES]).where(
                candidate_facts.c.candidate_id.in_(ids)
            )
        ).all()
    }
    import numpy as np

    facts = np.array([[np.nan if v is None else float(v) for v in rows[i]] for i in ids], dtype=float)
    for item, explained in zip(missing, explain_rows(load_model(version), facts), strict=True):
        item["reasons"] = {"reasons": explained["reasons"]}


@router.get("/queue", response_model=QueuePage, summary="Prioriteret kø (uden personoplysninger)")
def get_queue(
    _: Caseworker,
    session: DbSession,
    limit: int = Query(50, ge=1, le=200),
    cursor: str | None = Query(None, max_length=20, pattern=r"^\d+$"),
) -> QueuePage:
    start = int(cursor or 0)
    items, cap = released(session, upto=start + limit + 1)  # one more than the page tells whether there is a next
    page = items[start : start + limit]
    _fill_reasons(session, page)
    out = [
        QueueItem(
            candidate_id=i["candidate_id"],
            reference=i["reference"],
            arm=i["arm"],
            position=i["position"],
            probability=i["probability"],
            expected_saving_ore=i["expected_saving_ore"],
            expected_saving_text=None if i["expected_saving_ore"] is None else format_kr(i["expected_saving_ore"]),
            reasons=None if i["reasons"] is None else [Reason(**r) for r in i["reasons"].get("reasons", [])],
            channel=i["channel"],
            channel_label=CHANNEL_LABELS.get(i["channel"], i["channel"]),
            criterion=i["criterion"],
            received_at=i["received_at"],
        )
        for i in page
    ]
    return QueuePage(
        items=out,
        next_cursor=str(start + limit) if start + limit < len(items) else None,
        period=cap.period,
        period_start=cap.period_start,
        capacity=cap.per_arm,
        opened_this_period={"model": cap.opened.get("model", 0), "control": cap.opened.get("control", 0)},
    )


@router.get("/queue/summary", summary="Køens størrelse: frigivne og ventende")
def queue_summary(_: Staff, session: DbSession) -> dict[str, Any]:
    items, cap = released(session)
    waiting = waiting_counts(session)
    return {
        "released": {
            "model": sum(1 for i in items if i["arm"] == "model"),
            "control": sum(1 for i in items if i["arm"] == "control"),
        },
        "waiting": waiting,
        # Never scored until every source has answered (see GET /candidates/{id}: gathering.message)
        "waiting_for_source": waiting_for_source_count(session),
        "incomplete": session.scalar(select(func.count()).where(Candidate.status == "incomplete")) or 0,
        "capacity": cap.per_arm,
        "opened_this_period": cap.opened,
        "period": cap.period,
        "period_start": cap.period_start,
    }


@router.get("/candidates/{candidate_id}", summary="Kandidat (pseudonymiseret)")
def get_candidate(candidate_id: uuid.UUID, _: Caseworker, session: DbSession) -> dict[str, Any]:
    candidate = session.get(Candidate, candidate_id)
    if candidate is None:
        raise NotFound("Kandidaten findes ikke.")
    settings = load_settings(session)
    score = session.get(Score, (settings.current_run_id, candidate.id)) if settings.current_run_id else None
    signals = session.scalars(select(CandidateSignal).where(CandidateSignal.candidate_id == candidate.id))
    sources = session.scalars(select(CandidateSource).where(CandidateSource.candidate_id == candidate.id))
    blind = candidate.arm == "control"
    return {
        "candidate_id": candidate.id,
        "reference": candidate.reference,
        "status": candidate.status,
        "arm": candidate.arm,
        "received_at": candidate.received_at,
        "gathered_at": candidate.gathered_at,
        "closed_at": candidate.closed_at,
        "signals": [
            {
                "channel": s.channel,
                "channel_label": CHANNEL_LABELS.get(s.channel, s.channel),
                "criterion": s.criterion_code,
                "criterion_label": CRITERIA[s.criterion_code].label if s.criterion_code in CRITERIA else None,
                "received_on": s.received_on,
            }
            for s in signals
        ],
        "gathering": gathering_state(session, candidate),
        "sources": [
            {
                "source": s.source,
                "label": SOURCES.get(s.source, s.source),
                "status": s.status,
                "fetched_at": s.fetched_at,
                "reason": (s.records or {}).get("error") if s.status == UNREACHABLE else None,
            }
            for s in sources
        ],
        "score": None
        if score is None or blind
        else {
            "probability": score.probability,
            "expected_saving_ore": score.expected_saving_ore,
            "expected_saving_text": format_kr(score.expected_saving_ore),
            "reasons": (score.reasons or {}).get("reasons"),
        },
    }


class MissingSource(BaseModel):
    source: str
    label: str
    reason: str


class Gathering(BaseModel):
    state: str
    message: str
    missing_sources: list[MissingSource]


class GatheringDeadLetter(BaseModel):
    """The failed gathering run; `POST /dead-letters/{id}/replays` sends it again."""

    id: uuid.UUID
    failed_at: datetime
    attempts: int
    replayed_at: datetime | None
    replayed_by: str | None


class IncompleteCandidate(BaseModel):
    candidate_id: uuid.UUID
    reference: str
    received_at: datetime
    gathering_requested_at: datetime | None
    gathering: Gathering
    dead_letter: GatheringDeadLetter | None


@router.get(
    "/incomplete-candidates",
    response_model=list[IncompleteCandidate],
    summary="Ufuldstændige kandidater: den manglende kilde og den fejlede indhentning (admin; uden personoplysninger)",
)
def list_incomplete_candidates(
    _: Manager, session: DbSession, limit: int = Query(100, ge=1, le=500)
) -> list[IncompleteCandidate]:
    return [
        IncompleteCandidate(
            candidate_id=row["candidate"].id,
            reference=row["candidate"].reference,
            received_at=row["candidate"].received_at,
            gathering_requested_at=row["candidate"].gathering_requested_at,
            gathering=Gathering(**row["gathering"]),
            dead_letter=None
            if row["dead_letter"] is None
            else GatheringDeadLetter.model_validate(row["dead_letter"], from_attributes=True),
        )
        for row in incomplete_candidates(session, limit=limit)
    ]


@router.post("/candidates/{candidate_id}/gatherings", status_code=202, summary="Indhent oplysninger igen")
def regather(candidate_id: uuid.UUID, _: Caseworker, session: DbSession) -> dict[str, Any]:
    candidate = session.get(Candidate, candidate_id)
    if candidate is None:
        raise NotFound("Kandidaten findes ikke.")
    if candidate.status in ("opened", "closed"):
        raise Conflict("Sagen er åbnet eller lukket; oplysningerne er fastfrosset i forklaringsarket.")
    if candidate.status in ("dismissed", "expired"):
        raise Conflict(
            "Kandidaten er henlagt eller udløbet; der indhentes ikke flere oplysninger.", code="candidate_closed"
        )
    request_gathering(session, candidate=candidate)
    return {"candidate_id": candidate.id, "gather_count": candidate.gather_count, "status": "queued"}


@router.get("/dismissal-reasons", summary="Årsager til at henlægge en kandidat")
def dismissal_reasons(_: Staff) -> list[dict[str, Any]]:
    return [
        {"code": code, "label": label, "note_required": code == DISMISSAL_REASON_NEEDS_NOTE}
        for code, label in DISMISSAL_REASONS.items()
    ]


@router.post(
    "/candidates/{candidate_id}/dismissals",
    status_code=201,
    summary="Henlæg en kandidat uden kontrolsag (årsag fra fast liste; revisionslogges)",
)
def dismiss(
    candidate_id: uuid.UUID,
    body: DismissalIn,
    actor: Staff,
    session: DbSession,
    response: Response,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=200),
) -> dict[str, Any]:
    dismissal, created = dismiss_candidate(
        session,
        candidate_id=candidate_id,
        actor=actor,
        reason=body.reason,
        note=body.note,
        idempotency_key=idempotency_key,
    )
    response.status_code = 201 if created else 200
    candidate = session.get(Candidate, candidate_id)
    assert candidate is not None
    return dismissal_out(dismissal, reference=candidate.reference)


@router.post("/gathering-runs", status_code=202, summary="Start dataindsamling nu (inden for den fastsatte hastighed)")
def start_gathering(_: Staff, session: DbSession) -> dict[str, int]:
    return {"queued": dispatch_gathering(session)}


@router.get("/settings", response_model=SettingsOut, summary="Enhedens indstillinger")
def get_settings_view(_: Staff, session: DbSession, response: Response) -> SettingsOut:
    row = load_settings(session)
    response.headers["ETag"] = f'"{row.version}"'
    return SettingsOut.model_validate(row)


@router.patch("/settings", response_model=SettingsOut, summary="Ret kapacitet, kontrolgruppe og indsamlingshastighed")
def patch_settings(
    body: SettingsIn,
    actor: Manager,
    session: DbSession,
    response: Response,
    if_match: str | None = Header(None, alias="If-Match", max_length=40),
) -> SettingsOut:
    if if_match is None:
        raise ProblemError(
            "Angiv If-Match med den version (ETag), du har hentet.", status=428, code="precondition_required"
        )
    try:
        expected = int(if_match.strip().strip('W/"').strip('"'))
    except ValueError as exc:
        raise ProblemError("If-Match skal være en ETag fra GET /api/v1/settings.", status=412, code="bad_etag") from exc
    changes = body.model_dump(exclude_none=True)
    reason = (changes.pop("reason", None) or "").strip() or None
    row = update_settings(session, expected_version=expected, changes=changes, actor=actor, reason=reason)
    response.headers["ETag"] = f'"{row.version}"'
    return SettingsOut.model_validate(row)


@router.get(
    "/settings/versions",
    response_model=SettingsHistoryPage,
    summary="Historik over ændringer af indstillingerne (hvem, hvornår, hvorfor, gammel og ny værdi)",
)
def get_settings_history(
    _: Manager,
    session: DbSession,
    limit: int = Query(50, ge=1, le=200),
    cursor: str | None = Query(None, max_length=9, pattern=r"^\d{1,9}$", description="Versionen, der skal læses fra"),
) -> SettingsHistoryPage:
    rows = settings_history(session, before_version=int(cursor) if cursor else None, limit=limit)
    return SettingsHistoryPage(
        items=[SettingsVersionOut.model_validate(r) for r in rows],
        next_cursor=str(rows[-1].version) if len(rows) == limit else None,
    )
