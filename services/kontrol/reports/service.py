"""Reports: precision of released cases over time, savings by benefit type and department (as BC11 Tabel 3),
hit rate per register-match criterion, the randomised control group's effect and the fairness audit."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import case as sql_case
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.kontrol.catalogue import BENEFIT_TYPES, CRITERIA, DEPARTMENTS, DISMISSAL_REASONS
from services.kontrol.facts import format_kr
from services.kontrol.ml.registry import EVALUATION_CUT_SHARE
from services.kontrol.models import (
    Candidate,
    CandidateDismissal,
    Case,
    Decision,
    DecisionAmount,
    Score,
    SimTruth,
    TrainingCase,
)
from services.kontrol.priority.config import load_settings
from shared.settings import get_settings

Z95 = 1.959963984540054


def wilson(hits: int, n: int) -> tuple[float | None, float | None]:
    """95 % Wilson interval for a proportion."""
    if n == 0:
        return None, None
    p = hits / n
    denominator = 1 + Z95**2 / n
    centre = (p + Z95**2 / (2 * n)) / denominator
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def precision_over_time(session: Session) -> dict[str, Any]:
    """Per month of decision: decided released cases, hits, precision (per arm) and an alert below the KPI."""
    settings = load_settings(session)
    rows = session.execute(
        select(Decision.decided_on, Decision.outcome, Case.arm).join(Case, Case.id == Decision.case_id)
    ).all()
    months: dict[str, dict[str, list[int]]] = defaultdict(lambda: {"model": [0, 0], "control": [0, 0]})
    for decided_on, outcome, arm in rows:
        cell = months[decided_on.strftime("%Y-%m")][arm]
        cell[0] += 1
        cell[1] += int(outcome == "samfundsbesparelse")
    items = []
    for month in sorted(months):
        entry: dict[str, Any] = {"month": month}
        for arm, (n, hits) in months[month].items():
            low, high = wilson(hits, n)
            entry[arm] = {
                "decided": n,
                "hits": hits,
                "precision": hits / n if n else None,
                "ci95": [low, high],
            }
        model = entry["model"]
        entry["alert"] = bool(model["decided"] and model["precision"] < settings.precision_alert_threshold)
        items.append(entry)
    return {
        "threshold": settings.precision_alert_threshold,
        "months": items,
        "alerts": [i["month"] for i in items if i["alert"]],
    }


def savings(session: Session, *, date_from: date | None = None, date_to: date | None = None) -> dict[str, Any]:
    """Savings by department and benefit type: repayment claims and 12-month forward savings (KL's model)."""
    decided = select(Decision.id).where(Decision.outcome.is_not(None))
    if date_from:
        decided = decided.where(Decision.decided_on >= date_from)
    if date_to:
        decided = decided.where(Decision.decided_on <= date_to)
    cases = int(session.scalar(select(func.count()).select_from(decided.subquery())) or 0)
    rows = session.execute(
        select(
            DecisionAmount.department,
            DecisionAmount.benefit_type,
            func.count(func.distinct(DecisionAmount.decision_id)),
            func.sum(DecisionAmount.repayment_claim_ore),
            func.sum(DecisionAmount.forward_saving_12m_ore),
        )
        .where(DecisionAmount.decision_id.in_(decided))
        .group_by(DecisionAmount.department, DecisionAmount.benefit_type)
        .order_by(DecisionAmount.department, DecisionAmount.benefit_type)
    ).all()
    items = []
    for department, benefit, n, repayment, forward in rows:
        total = int(repayment or 0) + int(forward or 0)
        items.append(
            {
                "department": department,
                "department_name": DEPARTMENTS.get(department, department),
                "benefit_type": benefit,
                "benefit_label": BENEFIT_TYPES[benefit].label if benefit in BENEFIT_TYPES else benefit,
                "appropriation": BENEFIT_TYPES[benefit].appropriation if benefit in BENEFIT_TYPES else "",
                "cases_with_amount": int(n),
                "repayment_claim_ore": int(repayment or 0),
                "forward_saving_12m_ore": int(forward or 0),
                "total_ore": total,
                "per_decided_case_ore": total // cases if cases else 0,
                "total_text": format_kr(total),
            }
        )
    grand = sum(int(i["total_ore"]) for i in items)  # type: ignore[call-overload]
    return {
        "decided_cases": cases,
        "items": items,
        "total_ore": grand,
        "per_decided_case_ore": grand // cases if cases else 0,
        "total_text": format_kr(grand),
    }


def criteria(session: Session) -> dict[str, Any]:
    """Hit rate per register-match criterion (closed cases) and the model's expected hit rate of waiting ones."""
    observed = dict(
        (code, (int(n), int(h)))
        for code, n, h in session.execute(
            select(
                TrainingCase.criterion_code,
                func.count(),
                func.sum(sql_case((TrainingCase.outcome.is_(True), 1), else_=0)),
            )
            .where(TrainingCase.criterion_code.is_not(None))
            .group_by(TrainingCase.criterion_code)
        ).all()
    )
    settings = load_settings(session)
    expected: dict[str, tuple[int, float]] = {}
    if settings.current_run_id is not None:
        expected = {
            code: (int(n), float(p or 0))
            for code, n, p in session.execute(
                select(Candidate.first_criterion, func.count(), func.avg(Score.probability))
                .join(Score, (Score.candidate_id == Candidate.id) & (Score.run_id == settings.current_run_id))
                .where(Candidate.first_criterion.is_not(None))
                .group_by(Candidate.first_criterion)
            ).all()
        }
    items = []
    for code, criterion in CRITERIA.items():
        n, hits = observed.get(code, (0, 0))
        low, high = wilson(hits, n)
        waiting, mean_p = expected.get(code, (0, None))
        if n < 20:
            advice = "For få afsluttede sager til en anbefaling."
        elif low is not None and low >= 0.20:
            advice = "Værd at bestille: træfsikkerheden ligger over 2017-niveauet (20 %)."
        elif high is not None and high < 0.13:
            advice = "Overvej at stoppe: træfsikkerheden ligger under 2018-niveauet (13 %)."
        else:
            advice = "Hold øje: træfsikkerheden ligger mellem 13 % og 20 %."
        items.append(
            {
                "criterion": code,
                "label": criterion.label,
                "closed_cases": n,
                "hits": hits,
                "hit_rate": hits / n if n else None,
                "ci95": [low, high],
                "waiting_candidates": waiting,
                "model_expected_hit_rate": mean_p,
                "advice": advice,
            }
        )
    items.sort(key=lambda i: -(i["hit_rate"] or 0))
    return {"items": items}


def control_group(session: Session) -> dict[str, Any]:
    """Hit rate and saving per decided case by arm; the difference (model - control) with 95 % intervals."""
    rows = session.execute(
        select(TrainingCase.arm, TrainingCase.outcome, TrainingCase.total_saving_ore).where(
            TrainingCase.origin == "kontrol", TrainingCase.arm.is_not(None)
        )
    ).all()
    arms: dict[str, dict[str, Any]] = {}
    for arm in ("model", "control"):
        outcomes = np.array([bool(r.outcome) for r in rows if r.arm == arm], dtype=float)
        amounts = np.array([float(r.total_saving_ore) for r in rows if r.arm == arm], dtype=float)
        n = len(outcomes)
        low, high = wilson(int(outcomes.sum()), n)
        arms[arm] = {
            "decided": n,
            "hits": int(outcomes.sum()),
            "hit_rate": float(outcomes.mean()) if n else None,
            "hit_rate_ci95": [low, high],
            "saving_per_case_ore": int(amounts.mean()) if n else None,
            "_outcomes": outcomes,
            "_amounts": amounts,
        }
    model, control = arms["model"], arms["control"]
    difference: dict[str, Any] = {"hit_rate": None, "hit_rate_ci95": [None, None], "saving_per_case_ore": None}
    if model["decided"] and control["decided"]:
        p1, p0, n1, n0 = model["hit_rate"], control["hit_rate"], model["decided"], control["decided"]
        se = math.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
        diff = p1 - p0
        difference["hit_rate"] = diff
        difference["hit_rate_ci95"] = [diff - Z95 * se, diff + Z95 * se]
        a1, a0 = model["_amounts"], control["_amounts"]
        saving_diff = float(a1.mean() - a0.mean())
        se_s = math.sqrt((a1.var(ddof=1) if n1 > 1 else 0) / n1 + (a0.var(ddof=1) if n0 > 1 else 0) / n0)
        difference["saving_per_case_ore"] = int(saving_diff)
        difference["saving_per_case_ci95_ore"] = [int(saving_diff - Z95 * se_s), int(saving_diff + Z95 * se_s)]
    for values in arms.values():
        values.pop("_outcomes")
        values.pop("_amounts")
    return {
        "arms": arms,
        "difference": difference,
        "method": "Forskel i andele med normalapproksimation (Wald); forskel i gennemsnitlig besparelse med Welch.",
        "control_share": load_settings(session).control_share,
    }


def fairness(session: Session) -> dict[str, Any]:
    """Selection rate at the capacity cut and precision of decided cases per protected group, with disparity."""
    from fairlearn.metrics import MetricFrame, selection_rate

    settings = load_settings(session)
    result: dict[str, Any] = {"cut_share": EVALUATION_CUT_SHARE, "selection": None, "precision": None}
    if settings.current_run_id is not None:
        rows = session.execute(
            select(Score.expected_saving_ore, SimTruth.protected_group)
            .join(Candidate, Candidate.id == Score.candidate_id)
            .join(SimTruth, SimTruth.cpr_pseudonym == Candidate.cpr_pseudonym)
            .where(Score.run_id == settings.current_run_id, Score.arm == "model")
        ).all()
        if rows:
            expected = np.array([r[0] for r in rows], dtype=float)
            groups = np.array([r[1] for r in rows])
            k = max(1, round(len(rows) * EVALUATION_CUT_SHARE))
            selected = np.zeros(len(rows), dtype=int)
            selected[np.argsort(-expected, kind="stable")[:k]] = 1
            frame = MetricFrame(metrics=selection_rate, y_true=selected, y_pred=selected, sensitive_features=groups)
            result["selection"] = {
                "by_group": {str(g): float(v) for g, v in frame.by_group.items()},
                "counts": {str(g): int((groups == g).sum()) for g in np.unique(groups)},
                "disparity_ratio": float(frame.ratio()),
            }
    rows = session.execute(
        select(TrainingCase.outcome, SimTruth.protected_group)
        .join(SimTruth, SimTruth.cpr_pseudonym == TrainingCase.cpr_pseudonym)
        .where(TrainingCase.origin == "kontrol", TrainingCase.arm == "model")
    ).all()
    if rows:
        outcome = np.array([bool(r[0]) for r in rows], dtype=int)
        groups = np.array([r[1] for r in rows])
        by_group = {str(g): float(outcome[groups == g].mean()) for g in np.unique(groups)}
        values = list(by_group.values())
        result["precision"] = {
            "by_group": by_group,
            "counts": {str(g): int((groups == g).sum()) for g in np.unique(groups)},
            "disparity_ratio": (min(values) / max(values)) if max(values) > 0 else None,
        }
    result["note"] = (
        "Gruppen (statsborgerskab) kommer kun fra revisionens datakilde og indgår aldrig i modellen. "
        "Disparitetsforhold = laveste gruppe / højeste gruppe (1 = ens)."
    )
    return result


def candidate_outcomes(session: Session) -> dict[str, Any]:
    """How candidates ended, per arm: opened as a case, dismissed (by reason), expired, still in the pool (counts)."""
    arms = ("model", "control")
    by_status: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(arms, 0))
    for status, arm, n in session.execute(
        select(Candidate.status, Candidate.arm, func.count()).group_by(Candidate.status, Candidate.arm)
    ).all():
        by_status[str(status)][str(arm)] = int(n)

    def _sum(statuses: tuple[str, ...]) -> dict[str, int]:
        counts = {arm: sum(by_status[s][arm] for s in statuses) for arm in arms}
        return {**counts, "total": sum(counts.values())}

    reasons: dict[str, dict[str, int]] = {code: dict.fromkeys(arms, 0) for code in DISMISSAL_REASONS}
    for reason, arm, n in session.execute(
        select(CandidateDismissal.reason, CandidateDismissal.arm, func.count()).group_by(
            CandidateDismissal.reason, CandidateDismissal.arm
        )
    ).all():
        reasons.setdefault(str(reason), dict.fromkeys(arms, 0))[str(arm)] = int(n)
    return {
        "in_pool": _sum(("received", "gathered", "incomplete")),
        "opened": _sum(("opened", "closed")),
        "dismissed": _sum(("dismissed",)),
        "expired": _sum(("expired",)),
        "dismissed_by_reason": [
            {
                "reason": code,
                "label": DISMISSAL_REASONS.get(code, code),
                **counts,
                "total": sum(counts.values()),
            }
            for code, counts in reasons.items()
        ],
        "max_age_days": get_settings().kontrol_candidate_max_age_days,
        "note": (
            "Antal kandidater pr. arm; ingen personoplysninger. Henlagte og udløbne kandidater er ude af køen. "
            "Bliver markant flere henlagt i den ene arm, kan det skævvride sammenligningen med kontrolgruppen."
        ),
    }
