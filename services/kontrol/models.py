"""Tables of the kontrol service (schema `kontrol`).

Candidates are pseudonymised (CPR encrypted, looked up by keyed hash); a case (kontrolsag) exists only once a
caseworker opens it and shares the candidate's id. `sim_*` tables belong to the local simulators of the
external registers, e-Doc and the fairness-audit data source, never to the product's own data.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from services.kontrol.facts import FACTS
from shared.crypto import EncryptedJSON, EncryptedText
from shared.db import Base, UTCDateTime, utcnow

SCHEMA = "kontrol"


class KontrolSettings(Base):
    """The unit's adjustable settings (one row): capacity, control group share, gathering rate."""

    __tablename__ = "settings"
    __table_args__ = ({"schema": SCHEMA},)

    id: Mapped[int] = mapped_column(primary_key=True)
    capacity_per_period: Mapped[int] = mapped_column(default=12)
    capacity_period: Mapped[str] = mapped_column(String(10), default="week")
    control_share: Mapped[float] = mapped_column(default=0.5)
    assignment_salt: Mapped[str] = mapped_column(String(64))
    gathering_rate_per_hour: Mapped[int] = mapped_column(default=600)
    gathering_paused: Mapped[bool] = mapped_column(default=False)
    min_probability: Mapped[float] = mapped_column(default=0.0)
    precision_alert_threshold: Mapped[float] = mapped_column(default=0.78)
    current_run_id: Mapped[uuid.UUID | None]
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(120), default="system")


class SettingsVersion(Base):
    """One change of the unit's settings: who (and in which role), why, and each changed value old -> new."""

    __tablename__ = "settings_versions"
    __table_args__ = ({"schema": SCHEMA},)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    version: Mapped[int] = mapped_column(unique=True)  # the settings version this change produced
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_by: Mapped[str] = mapped_column(String(120))
    changed_by_role: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(String(500))
    changes: Mapped[dict[str, Any]] = mapped_column()  # {field: {"old": ..., "new": ...}}
    snapshot: Mapped[dict[str, Any]] = mapped_column()  # every adjustable value after the change


class Counter(Base):
    """Named counters for human case references (KS-2026-000123)."""

    __tablename__ = "counters"
    __table_args__ = ({"schema": SCHEMA},)

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class ImportBatch(Base):
    """One imported register-match list (registersamkøring) from Udbetaling Danmark."""

    __tablename__ = "import_batches"
    __table_args__ = ({"schema": SCHEMA},)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    list_id: Mapped[str] = mapped_column(String(80), unique=True)
    criterion_code: Mapped[str] = mapped_column(String(60))
    extracted_on: Mapped[date]
    content_sha256: Mapped[str] = mapped_column(String(64))
    source_format: Mapped[str] = mapped_column(String(10))
    row_count: Mapped[int]
    created_count: Mapped[int]
    existing_count: Mapped[int]
    imported_by: Mapped[str] = mapped_column(String(120))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)


class Candidate(Base):
    """A person the unit may examine; pseudonymised until a caseworker opens a case."""

    __tablename__ = "candidates"
    __table_args__ = (
        Index(
            "uq_candidates_active_person",
            "cpr_pseudonym",
            unique=True,
            postgresql_where=text("closed_at IS NULL"),
            sqlite_where=text("closed_at IS NULL"),
        ),
        Index("ix_candidates_status_received", "status", "received_at"),
        Index("ix_candidates_arm_status_received", "arm", "status", "received_at", "id"),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    cpr_pseudonym: Mapped[str] = mapped_column(String(64))
    cpr: Mapped[str] = mapped_column(EncryptedText())
    # received, gathered, opened, closed (decided); or closed without a case: dismissed (henlagt), expired
    status: Mapped[str] = mapped_column(String(20), default="received")
    arm: Mapped[str] = mapped_column(String(10))  # model | control (randomised, recorded)
    arm_draw: Mapped[float]
    control_share_at_assignment: Mapped[float]
    first_channel: Mapped[str] = mapped_column(String(30))
    first_criterion: Mapped[str | None] = mapped_column(String(60))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    gathering_requested_at: Mapped[datetime | None]
    gathered_at: Mapped[datetime | None]
    gather_count: Mapped[int] = mapped_column(default=0)
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]


class CandidateDismissal(Base):
    """A caseworker's or admin's decision not to examine a candidate (henlæggelse), with a reason from a fixed list."""

    __tablename__ = "candidate_dismissals"
    __table_args__ = ({"schema": SCHEMA},)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    candidate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.candidates.id"), unique=True)
    reason: Mapped[str] = mapped_column(String(40))  # see catalogue.DISMISSAL_REASONS
    note: Mapped[str | None] = mapped_column(EncryptedText())
    arm: Mapped[str] = mapped_column(String(10))
    status_before: Mapped[str] = mapped_column(String(20))
    dismissed_by: Mapped[str] = mapped_column(String(120))
    dismissed_by_role: Mapped[str] = mapped_column(String(40))
    dismissed_at: Mapped[datetime] = mapped_column(default=utcnow)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))


class CandidateSignal(Base):
    """One reason a candidate came in: a list row, a referral or a manual trigger."""

    __tablename__ = "candidate_signals"
    __table_args__ = (
        Index("uq_candidate_signals_batch_candidate", "batch_id", "candidate_id", unique=True),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    candidate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.candidates.id"), index=True)
    channel: Mapped[str] = mapped_column(String(30))
    criterion_code: Mapped[str | None] = mapped_column(String(60))
    batch_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.import_batches.id"))
    referring_unit: Mapped[str | None] = mapped_column(String(200))
    external_reference: Mapped[str | None] = mapped_column(String(120))
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    note: Mapped[str | None] = mapped_column(EncryptedText())
    received_on: Mapped[date | None]
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CandidateSource(Base):
    """What one data source returned for a candidate: dated records (encrypted), or why it could not answer."""

    __tablename__ = "candidate_sources"
    __table_args__ = ({"schema": SCHEMA},)

    candidate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.candidates.id"), primary_key=True)
    source: Mapped[str] = mapped_column(String(20), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))  # ok | unavailable
    records: Mapped[Any] = mapped_column(EncryptedJSON())
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)


# One typed column per fact (see services.kontrol.facts); read in bulk by the scorer.
candidate_facts = Table(
    "candidate_facts",
    Base.metadata,
    Column("candidate_id", Uuid(), ForeignKey(f"{SCHEMA}.candidates.id"), primary_key=True),
    Column("as_of", UTCDateTime(), nullable=False),
    *[Column(fact.name, Float(), nullable=True) for fact in FACTS],
    schema=SCHEMA,
)


class CandidateFacts(Base):
    """The facts of one candidate, one column per fact (NULL when the source had nothing)."""

    __table__ = candidate_facts


class ModelVersion(Base):
    """A trained model: artefact, training snapshot reference, held-out metrics and promotion state."""

    __tablename__ = "model_versions"
    __table_args__ = ({"schema": SCHEMA},)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    version: Mapped[int] = mapped_column(unique=True)
    status: Mapped[str] = mapped_column(String(20))  # promoted | retired | rejected
    algorithm: Mapped[str] = mapped_column(String(200))
    feature_names: Mapped[dict[str, Any]] = mapped_column()
    params: Mapped[dict[str, Any]] = mapped_column()
    training_snapshot: Mapped[dict[str, Any]] = mapped_column()
    metrics: Mapped[dict[str, Any]] = mapped_column()
    comparison: Mapped[dict[str, Any]] = mapped_column(default=dict)
    artifact: Mapped[bytes] = mapped_column(LargeBinary)
    artifact_sha256: Mapped[str] = mapped_column(String(64))
    snapshot: Mapped[bytes] = mapped_column(LargeBinary)
    snapshot_sha256: Mapped[str] = mapped_column(String(64))
    trained_at: Mapped[datetime] = mapped_column(default=utcnow)
    trained_by: Mapped[str] = mapped_column(String(120))
    promoted_at: Mapped[datetime | None]


class ScoringRun(Base):
    """One scoring pass: the whole pool (full) or newly gathered candidates (incremental)."""

    __tablename__ = "scoring_runs"
    __table_args__ = ({"schema": SCHEMA},)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    model_version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.model_versions.id"))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="running")
    candidates_scored: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    timings: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Score(Base):
    """A candidate's score in a run: probability, expected saving (øre) and, for the top of the queue, reasons."""

    __tablename__ = "scores"
    __table_args__ = (
        Index("ix_scores_queue", "run_id", "arm", text("expected_saving_ore DESC"), "candidate_id"),
        {"schema": SCHEMA},
    )

    run_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    candidate_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    arm: Mapped[str] = mapped_column(String(10))
    probability: Mapped[float]
    estimated_saving_ore: Mapped[int] = mapped_column(BigInteger)
    expected_saving_ore: Mapped[int] = mapped_column(BigInteger)
    reasons: Mapped[dict[str, Any] | None] = mapped_column()


class Case(Base):
    """A kontrolsag: opened by a caseworker's explicit action; holds the revealed person and the forklaringsark."""

    __tablename__ = "cases"
    __table_args__ = ({"schema": SCHEMA},)

    id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.candidates.id"), primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="aaben")  # aaben, partshoering, afgjort
    assigned_to: Mapped[str] = mapped_column(String(120), index=True)
    assigned_name: Mapped[str] = mapped_column(String(200))
    opened_by: Mapped[str] = mapped_column(String(120))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    opening_purpose: Mapped[str] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    arm: Mapped[str] = mapped_column(String(10))
    model_version_id: Mapped[uuid.UUID | None]
    probability: Mapped[float | None]
    expected_saving_ore: Mapped[int | None] = mapped_column(BigInteger)
    person: Mapped[Any] = mapped_column(EncryptedJSON())
    forklaringsark: Mapped[Any] = mapped_column(EncryptedJSON())
    journal_number: Mapped[str | None] = mapped_column(String(40))
    journaled_at: Mapped[datetime | None]
    underretning_message_id: Mapped[str | None] = mapped_column(String(80))
    underretning_sent_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)


class Hearing(Base):
    """A partshøring the caseworker sent (recorded by the caseworker)."""

    __tablename__ = "hearings"
    __table_args__ = ({"schema": SCHEMA},)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.cases.id"), index=True)
    sent_on: Mapped[date]
    response_deadline: Mapped[date]
    note: Mapped[str | None] = mapped_column(EncryptedText())
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    recorded_by: Mapped[str] = mapped_column(String(120))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Decision(Base):
    """The caseworker's decision on a case; never made by code."""

    __tablename__ = "decisions"
    __table_args__ = ({"schema": SCHEMA},)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.cases.id"), unique=True)
    outcome: Mapped[str] = mapped_column(String(40))  # samfundsbesparelse | ingen_samfundsbesparelse
    cpr_corrected: Mapped[bool]
    decided_on: Mapped[date]
    decided_by: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str | None] = mapped_column(EncryptedText())
    total_ore: Mapped[int] = mapped_column(BigInteger, default=0)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class DecisionAmount(Base):
    """Per benefit type: tilbagebetalingskrav and 12-month fremadrettet besparelse (KL's model), per department."""

    __tablename__ = "decision_amounts"
    __table_args__ = ({"schema": SCHEMA},)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    decision_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.decisions.id"), index=True)
    benefit_type: Mapped[str] = mapped_column(String(40))
    department: Mapped[str] = mapped_column(String(10))
    repayment_claim_ore: Mapped[int] = mapped_column(BigInteger)
    forward_saving_12m_ore: Mapped[int] = mapped_column(BigInteger)


class CaseNote(Base):
    """A municipal note (kommunalnotat) attached to an opened case; searchable (Danish full-text on PostgreSQL)."""

    __tablename__ = "case_notes"
    __table_args__ = ({"schema": SCHEMA},)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.cases.id"), index=True)
    written_on: Mapped[date]
    author_unit: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)


def notes_tsvector() -> Any:
    """The Danish full-text vector of a note's body; the notes search and its GIN index use this same expression."""
    return func.to_tsvector(text("'danish'"), CaseNote.body)


# PostgreSQL only (SQLite has no tsvector; the search falls back to LIKE there). Migration kontrol_0004.
Index("ix_case_notes_body_fts", notes_tsvector(), postgresql_using="gin").ddl_if(dialect="postgresql")


class TrainingCase(Base):
    """A closed case the model may learn from: historic (imported) or decided here. No identifiers but a pseudonym."""

    __tablename__ = "training_cases"
    __table_args__ = (Index("ix_training_cases_closed", "closed_on"), {"schema": SCHEMA})

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    origin: Mapped[str] = mapped_column(String(20))  # historik | kontrol
    case_reference: Mapped[str] = mapped_column(String(40), unique=True)
    cpr_pseudonym: Mapped[str | None] = mapped_column(String(64))
    closed_on: Mapped[date]
    channel: Mapped[str] = mapped_column(String(30))
    criterion_code: Mapped[str | None] = mapped_column(String(60))
    arm: Mapped[str | None] = mapped_column(String(10))
    facts: Mapped[dict[str, Any]] = mapped_column()
    outcome: Mapped[bool]
    total_saving_ore: Mapped[int] = mapped_column(BigInteger, default=0)


# ---- simulators of external systems (never the product's own data) -------------------------------------------


class SimRegisterPerson(Base):
    """The synthetic population as the simulated registers (CPR, BBR, Fasit, eIndkomst, BUF, E-flyt) know it."""

    __tablename__ = "sim_register_persons"
    __table_args__ = ({"schema": SCHEMA},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cpr_pseudonym: Mapped[str] = mapped_column(String(64), unique=True)
    cpr: Mapped[str] = mapped_column(EncryptedText())
    name: Mapped[str] = mapped_column(EncryptedText())
    address: Mapped[str] = mapped_column(EncryptedText())
    registers: Mapped[dict[str, Any]] = mapped_column()


class SimMunicipalNote(Base):
    """The simulated municipal notes system (kommunalnotater)."""

    __tablename__ = "sim_municipal_notes"
    __table_args__ = ({"schema": SCHEMA},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cpr_pseudonym: Mapped[str] = mapped_column(String(64), index=True)
    written_on: Mapped[date]
    author_unit: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)


class SimTruth(Base):
    """What only the synthetic world knows: protected group (fairness audit source) and the true probability."""

    __tablename__ = "sim_truth"
    __table_args__ = ({"schema": SCHEMA},)

    cpr_pseudonym: Mapped[str] = mapped_column(String(64), primary_key=True)
    protected_group: Mapped[str] = mapped_column(String(20))
    p_true: Mapped[float]


class SimEsdhDocument(Base):
    """The e-Doc simulator: journaled documents under a journal number."""

    __tablename__ = "sim_esdh_documents"
    __table_args__ = ({"schema": SCHEMA},)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    journal_number: Mapped[str] = mapped_column(String(40), index=True)
    case_title: Mapped[str] = mapped_column(String(300))
    title: Mapped[str] = mapped_column(String(300))
    media_type: Mapped[str] = mapped_column(String(80))
    content: Mapped[str] = mapped_column(EncryptedText())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


__all__ = [
    "Candidate",
    "CandidateDismissal",
    "CandidateFacts",
    "CandidateSignal",
    "CandidateSource",
    "Case",
    "CaseNote",
    "Counter",
    "Decision",
    "DecisionAmount",
    "Hearing",
    "ImportBatch",
    "KontrolSettings",
    "ModelVersion",
    "Score",
    "ScoringRun",
    "SettingsVersion",
    "SimEsdhDocument",
    "SimMunicipalNote",
    "SimRegisterPerson",
    "SimTruth",
    "TrainingCase",
    "candidate_facts",
    "notes_tsvector",
]
