"""Model versions: train from closed cases, evaluate on held-out cases, promote only if at least as good."""

from __future__ import annotations

import hashlib
import io
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.kontrol.facts import FACT_NAMES
from services.kontrol.ml.features import FEATURE_NAMES
from services.kontrol.ml.training import ALGORITHM, TrainedModel, metrics, train
from services.kontrol.models import ModelVersion, TrainingCase
from shared.db import utcnow
from shared.errors import ProblemError

# Share of a year's candidates the unit can take in (550 of ~1,600, docs/kontrol/model-card.md).
EVALUATION_CUT_SHARE = 550 / 1600
HELDOUT_SHARE = 0.2
MIN_TRAINING_CASES = 200

_cache: dict[uuid.UUID, TrainedModel] = {}


class NotEnoughData(ProblemError):
    status, code = 409, "not_enough_training_data"


@dataclass
class Dataset:
    case_ids: list[str]
    closed_on: list[date]
    facts: np.ndarray
    outcome: np.ndarray


def load_training_cases(session: Session) -> Dataset:
    """Every closed case, oldest first (facts in FACT_NAMES order)."""
    rows = session.execute(
        select(TrainingCase.case_reference, TrainingCase.closed_on, TrainingCase.facts, TrainingCase.outcome).order_by(
            TrainingCase.closed_on, TrainingCase.case_reference
        )
    ).all()
    facts = np.array([[_float(r.facts.get(name)) for name in FACT_NAMES] for r in rows], dtype=float).reshape(
        len(rows), len(FACT_NAMES)
    )
    return Dataset(
        case_ids=[r.case_reference for r in rows],
        closed_on=[r.closed_on for r in rows],
        facts=facts,
        outcome=np.array([bool(r.outcome) for r in rows], dtype=bool),
    )


def _float(value: Any) -> float:
    return float("nan") if value is None else float(value)


def _snapshot(dataset: Dataset, train_rows: np.ndarray) -> tuple[bytes, dict[str, Any]]:
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        case_ids=np.array(dataset.case_ids),
        facts=dataset.facts,
        outcome=dataset.outcome,
        train_rows=train_rows,
    )
    data = buffer.getvalue()
    ids_hash = hashlib.sha256("\n".join(dataset.case_ids).encode()).hexdigest()
    return data, {
        "cases": len(dataset.case_ids),
        "training_cases": int(train_rows.sum()),
        "heldout_cases": int((~train_rows).sum()),
        "positives": int(dataset.outcome.sum()),
        "closed_from": dataset.closed_on[0].isoformat() if dataset.closed_on else None,
        "closed_to": dataset.closed_on[-1].isoformat() if dataset.closed_on else None,
        "heldout_from": dataset.closed_on[int(train_rows.sum())].isoformat() if (~train_rows).any() else None,
        "case_ids_sha256": ids_hash,
        "fact_names": list(FACT_NAMES),
    }


def promoted(session: Session) -> ModelVersion | None:
    """The model version in use."""
    return session.scalar(select(ModelVersion).where(ModelVersion.status == "promoted"))


def load_model(version: ModelVersion) -> TrainedModel:
    """The fitted model of a version (artefact checked against its sha256, cached per process)."""
    cached = _cache.get(version.id)
    if cached is not None:
        return cached
    if hashlib.sha256(version.artifact).hexdigest() != version.artifact_sha256:
        raise RuntimeError(f"model artefact {version.version} does not match its checksum")
    model = TrainedModel.from_bytes(version.artifact)
    _cache[version.id] = model
    return model


def train_version(session: Session, *, trained_by: str, seed: int = 0) -> ModelVersion:
    """Train on the older closed cases, evaluate new and current model on the newest, promote if not worse."""
    dataset = load_training_cases(session)
    n = len(dataset.case_ids)
    if n < MIN_TRAINING_CASES:
        raise NotEnoughData(f"Der er kun {n} afsluttede sager; modellen kræver mindst {MIN_TRAINING_CASES}.")
    heldout = max(int(n * HELDOUT_SHARE), 100)
    train_rows = np.arange(n) < n - heldout
    model = train(dataset.facts[train_rows], dataset.outcome[train_rows], seed=seed)
    heldout_facts, heldout_y = dataset.facts[~train_rows], dataset.outcome[~train_rows]
    new_metrics = metrics(model.predict_proba_facts(heldout_facts), heldout_y, cut_share=EVALUATION_CUT_SHARE)
    current = promoted(session)
    comparison: dict[str, Any] = {
        "heldout_cases": int(heldout),
        "rule": "precision_at_cut(ny) >= precision_at_cut(nuværende)",
    }
    promote = True
    if current is not None:
        current_metrics = metrics(
            load_model(current).predict_proba_facts(heldout_facts), heldout_y, cut_share=EVALUATION_CUT_SHARE
        )
        comparison.update(current_version=current.version, current_metrics=current_metrics)
        promote = new_metrics["precision_at_cut"] >= current_metrics["precision_at_cut"]
    artifact = model.to_bytes()
    snapshot, snapshot_ref = _snapshot(dataset, train_rows)
    next_version = (session.scalar(select(func.max(ModelVersion.version))) or 0) + 1
    version = ModelVersion(
        id=uuid.uuid4(),
        version=next_version,
        status="promoted" if promote else "rejected",
        algorithm=ALGORITHM,
        feature_names={"features": list(FEATURE_NAMES), "reference": [_json(v) for v in model.reference]},
        params={k: _json(v) for k, v in model.params.items()},
        training_snapshot={**snapshot_ref, "snapshot_sha256": hashlib.sha256(snapshot).hexdigest()},
        metrics=new_metrics,
        comparison={**comparison, "promoted": promote},
        artifact=artifact,
        artifact_sha256=hashlib.sha256(artifact).hexdigest(),
        snapshot=snapshot,
        snapshot_sha256=hashlib.sha256(snapshot).hexdigest(),
        trained_at=utcnow(),
        trained_by=trained_by,
        promoted_at=utcnow() if promote else None,
    )
    if promote and current is not None:
        current.status = "retired"
        session.flush()
    session.add(version)
    session.flush()
    _cache[version.id] = model
    return version


def _json(value: Any) -> Any:
    if isinstance(value, float | np.floating):
        number = float(value)
        return None if number != number else number
    if isinstance(value, np.integer):
        return int(value)
    return value
