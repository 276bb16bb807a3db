"""Scoring: read facts, build features, predict, write scores; for one candidate or the whole pool.

The full run is vectorised end to end. On PostgreSQL it streams facts out and scores in with COPY inside the
caller's transaction, then points the settings at the new run, so the queue switches atomically at commit.
"""

from __future__ import annotations

import io
import time
import uuid
from typing import Any

import numpy as np
import orjson
import pandas as pd
from sqlalchemy import delete, insert, select, text
from sqlalchemy.orm import Session

from services.kontrol.facts import FACT_NAMES
from services.kontrol.ml.explain import explain_rows
from services.kontrol.ml.features import build_features, estimated_saving_ore
from services.kontrol.ml.registry import load_model, promoted
from services.kontrol.ml.training import TrainedModel
from services.kontrol.models import Candidate, Score, ScoringRun, candidate_facts
from services.kontrol.priority.config import load_settings
from shared.db import is_postgres, utcnow

REASONS_FOR_TOP = 500  # reasons are precomputed for the top of the model arm; others are computed on demand


def _fact_select() -> Any:
    return (
        select(candidate_facts.c.candidate_id, Candidate.arm, *[candidate_facts.c[name] for name in FACT_NAMES])
        .join(Candidate, Candidate.id == candidate_facts.c.candidate_id)
        .where(Candidate.status == "gathered")
    )


def read_facts(session: Session, candidate_ids: list[uuid.UUID] | None = None) -> pd.DataFrame:
    """Facts of gathered, unopened candidates (all, or the given ones) as a DataFrame."""
    columns = ["candidate_id", "arm", *FACT_NAMES]
    statement = _fact_select()
    if candidate_ids is not None:
        statement = statement.where(candidate_facts.c.candidate_id.in_(candidate_ids))
    elif is_postgres(session):
        sql = str(statement.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}))
        buffer = io.BytesIO()
        raw: Any = session.connection().connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)") as copy:
            for chunk in copy:
                buffer.write(chunk)
        buffer.seek(0)
        if buffer.getbuffer().nbytes == 0:
            return pd.DataFrame(columns=columns)
        dtypes: dict[str, Any] = {name: "float64" for name in FACT_NAMES}
        return pd.read_csv(buffer, header=None, names=columns, dtype={"candidate_id": str, "arm": str, **dtypes})
    rows = session.execute(statement).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=columns)
    frame["candidate_id"] = frame["candidate_id"].astype(str)
    return frame


def predict(model: TrainedModel, frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Probability, estimated and expected saving for each row."""
    facts = frame[list(FACT_NAMES)].to_numpy(dtype=float, na_value=np.nan)
    probability = model.predict_proba_features(build_features(facts)) if len(frame) else np.zeros(0)
    estimated = estimated_saving_ore(facts) if len(frame) else np.zeros(0, dtype=np.int64)
    return {
        "facts": facts,
        "probability": probability,
        "estimated": estimated,
        "expected": np.round(probability * estimated).astype(np.int64),
    }


def _reasons(model: TrainedModel, facts: np.ndarray, rows: np.ndarray) -> dict[int, str]:
    if rows.size == 0:
        return {}
    explained = explain_rows(model, facts[rows])
    return {
        int(r): orjson.dumps({"baseline_log_odds": e["baseline_log_odds"], "reasons": e["reasons"]}).decode()
        for r, e in zip(rows, explained, strict=True)
    }


def score_all(session: Session) -> ScoringRun | None:
    """Score every gathered, unopened candidate with the promoted model into a new run and make it current."""
    version = promoted(session)
    if version is None:
        return None
    timings: dict[str, float] = {}
    started = time.perf_counter()
    model = load_model(version)
    run = ScoringRun(id=uuid.uuid4(), model_version_id=version.id, kind="full", status="running", started_at=utcnow())
    session.add(run)
    session.flush()
    frame = read_facts(session)
    timings["read_s"] = time.perf_counter() - started
    mark = time.perf_counter()
    result = predict(model, frame)
    timings["predict_s"] = time.perf_counter() - mark
    mark = time.perf_counter()
    model_rows = np.flatnonzero(frame["arm"].to_numpy() == "model") if len(frame) else np.zeros(0, dtype=int)
    top = model_rows[np.argsort(-result["expected"][model_rows], kind="stable")[:REASONS_FOR_TOP]]
    reasons = _reasons(model, result["facts"], top)
    timings["reasons_s"] = time.perf_counter() - mark
    mark = time.perf_counter()
    _write_scores(session, run.id, frame, result, reasons)
    if is_postgres(session):
        session.execute(text("ANALYZE kontrol.scores"))  # fresh statistics so the queue query plans well
    timings["write_s"] = time.perf_counter() - mark
    settings = load_settings(session)
    settings.current_run_id = run.id
    run.status = "finished"
    run.candidates_scored = len(frame)
    run.finished_at = utcnow()
    run.timings = {k: round(v, 3) for k, v in timings.items()}
    session.flush()
    return run


def _write_scores(
    session: Session, run_id: uuid.UUID, frame: pd.DataFrame, result: dict[str, np.ndarray], reasons: dict[int, str]
) -> None:
    if len(frame) == 0:
        return
    reason_column = np.full(len(frame), None, dtype=object)
    for row, reason in reasons.items():
        reason_column[row] = reason
    out = pd.DataFrame(
        {
            "run_id": str(run_id),
            "candidate_id": frame["candidate_id"].to_numpy(),
            "arm": frame["arm"].to_numpy(),
            "probability": result["probability"],
            "estimated_saving_ore": result["estimated"],
            "expected_saving_ore": result["expected"],
            "reasons": reason_column,
        }
    )
    if is_postgres(session):
        # Rows in primary-key order make the B-tree inserts sequential (several times faster than random order).
        payload = out.sort_values("candidate_id").to_csv(index=False, header=False).encode()
        raw: Any = session.connection().connection.driver_connection
        columns = "run_id, candidate_id, arm, probability, estimated_saving_ore, expected_saving_ore, reasons"
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY kontrol.scores ({columns}) FROM STDIN WITH (FORMAT csv)") as copy,
        ):
            copy.write(payload)
        return
    records = out.to_dict("records")
    for record in records:
        record["run_id"] = run_id
        record["candidate_id"] = uuid.UUID(record["candidate_id"])
        record["reasons"] = orjson.loads(record["reasons"]) if record["reasons"] else None
        record["estimated_saving_ore"] = int(record["estimated_saving_ore"])
        record["expected_saving_ore"] = int(record["expected_saving_ore"])
    session.execute(insert(Score), records)


def score_candidates(session: Session, *, candidate_ids: list[uuid.UUID]) -> int:
    """Score newly gathered candidates into the current run (creating one if there is none)."""
    version = promoted(session)
    if version is None or not candidate_ids:
        return 0
    model = load_model(version)
    settings = load_settings(session)
    run = session.get(ScoringRun, settings.current_run_id) if settings.current_run_id else None
    if run is None or run.model_version_id != version.id:
        run = ScoringRun(
            id=uuid.uuid4(), model_version_id=version.id, kind="incremental", status="finished", finished_at=utcnow()
        )
        session.add(run)
        session.flush()
        settings.current_run_id = run.id
    frame = read_facts(session, candidate_ids)
    if len(frame) == 0:
        return 0
    result = predict(model, frame)
    model_rows = np.flatnonzero(frame["arm"].to_numpy() == "model")
    reasons = _reasons(model, result["facts"], model_rows)
    ids = [uuid.UUID(c) for c in frame["candidate_id"]]
    session.execute(delete(Score).where(Score.run_id == run.id, Score.candidate_id.in_(ids)))
    records = []
    for i, candidate_id in enumerate(ids):
        records.append(
            {
                "run_id": run.id,
                "candidate_id": candidate_id,
                "arm": str(frame["arm"].iloc[i]),
                "probability": float(result["probability"][i]),
                "estimated_saving_ore": int(result["estimated"][i]),
                "expected_saving_ore": int(result["expected"][i]),
                "reasons": orjson.loads(reasons[i]) if i in reasons else None,
            }
        )
    session.execute(insert(Score), records)
    run.candidates_scored += len(records)
    return len(records)


def prune_old_runs(session: Session, *, keep: int = 2) -> int:
    """Delete the scores of all but the newest `keep` runs (the current run is always kept)."""
    settings = load_settings(session)
    runs = list(session.scalars(select(ScoringRun.id).order_by(ScoringRun.started_at.desc())))
    old = [r for r in runs[keep:] if r != settings.current_run_id]
    if not old:
        return 0
    result = session.execute(delete(Score).where(Score.run_id.in_(old)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
