"""Queue consumers and periodic jobs of the kontrol service (the worker imports this module)."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from services.kontrol.cases import service as cases
from services.kontrol.cases.flows import CASE_OPENED
from services.kontrol.ml import registry, scoring
from services.kontrol.priority.lifecycle import expire_candidates
from services.kontrol.sources.service import (
    GATHERED,
    GATHERING_REQUESTED,
    SourcesUnavailable,
    dispatch_gathering,
    gather,
)
from shared.audit import service as audit
from shared.db import session_scope
from shared.queue import Event, RetryWithProgress, consumer, is_last_attempt, periodic, publish
from shared.settings import get_settings


@consumer(GATHERING_REQUESTED)
def gather_candidate(session: Session, event: Event) -> None:
    """Ask every data source about one candidate (a 'robot run').

    A source outage keeps the other sources' answers (committed) and retries for the missing ones with the
    outbox's backoff; on the last try the candidate is marked incomplete and the event becomes a dead letter.
    """
    try:
        gather(session, candidate_id=uuid.UUID(event.payload["candidate_id"]), give_up=is_last_attempt(event))
    except SourcesUnavailable as exc:
        raise RetryWithProgress(str(exc)) from exc


@consumer(GATHERED)
def score_candidate(session: Session, event: Event) -> None:
    """Score a newly gathered candidate with the promoted model."""
    scoring.score_candidates(session, candidate_ids=[uuid.UUID(event.payload["candidate_id"])])


@consumer(CASE_OPENED)
def send_underretning(session: Session, event: Event) -> None:
    """Send the citizen's underretning by Digital Post."""
    cases.send_underretning(session, case_id=uuid.UUID(event.payload["case_id"]))


@consumer(CASE_OPENED)
def journalise_case(session: Session, event: Event) -> None:
    """Journal the case and its forklaringsark in the ESDH system."""
    cases.journalise(session, case_id=uuid.UUID(event.payload["case_id"]))


@consumer("kontrol.model.training_requested")
def train_model(session: Session, event: Event) -> None:
    """Retrain; a new version is promoted only when at least as good on held-out cases."""
    version = registry.train_version(session, trained_by=str(event.payload.get("requested_by", "system")))
    audit.record(
        session,
        service="kontrol",
        actor=None,
        actor_sub="kontrol-model",
        action="kontrol.model.trained",
        purpose="Gentræning af prioriteringsmodellen på afsluttede sager",
        object_type="model_version",
        object_id=str(version.id),
        details={"version": version.version, "status": version.status},
    )
    if version.status == "promoted":
        publish(session, "kontrol.model.promoted", {"model_version_id": str(version.id)})


@consumer("kontrol.model.promoted")
def rescore_after_promotion(session: Session, event: Event) -> None:
    """Score the whole pool with the newly promoted model."""
    scoring.score_all(session)


@consumer("kontrol.scoring.requested")
def rescore_on_request(session: Session, event: Event) -> None:
    """Score the whole pool (requested by an administrator)."""
    scoring.score_all(session)


@periodic("kontrol.dispatch_gathering", every_seconds=60)
def dispatch_gathering_job() -> int:
    """Queue gathering for waiting candidates within the configured hourly rate."""
    with session_scope() as session:
        return dispatch_gathering(session)


@periodic("kontrol.prune_scores", every_seconds=3600)
def prune_scores_job() -> int:
    """Drop the scores of old scoring runs."""
    with session_scope() as session:
        return scoring.prune_old_runs(session)


@periodic("kontrol.expire_candidates", every_seconds=3600)
def expire_candidates_job() -> int:
    """Close candidates that were not opened within KONTROL_CANDIDATE_MAX_AGE_DAYS (they leave the queue)."""
    with session_scope() as session:
        return expire_candidates(session, max_age_days=get_settings().kontrol_candidate_max_age_days)
