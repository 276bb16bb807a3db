"""The anchored evaluation: old process vs model vs oracle at the capacity cut, on held-out synthetic years.

Run at full scale with `python -m services.kontrol.ml.evaluation --history-years 8 --heldout-years 4`
(figures go into docs/kontrol/model-card.md); tests/kontrol/test_synthetic_anchors.py runs it at modest scale.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from services.kontrol.catalogue import Channel
from services.kontrol.ml.features import estimated_saving_ore
from services.kontrol.ml.training import metrics, precision_at_cut, train
from services.kontrol.synth.history import StreamConfig, concat, simulate_years
from services.kontrol.synth.world import GROUPS


@dataclass
class AnchorReport:
    training_cases: int
    heldout_candidates: int
    cut_share: float
    old_process_hit_rate: float  # first-come at the capacity cut (pooled over held-out years)
    register_match_hit_rate: float
    referral_hit_rate: float
    oracle_precision_at_cut: float  # ranked by the generator's true probability
    oracle_expected_precision_at_cut: float  # mean true probability among the oracle's pick
    model_precision_at_cut: float
    model_to_oracle: float
    model_precision_by_expected_saving: float  # the queue's ranking: probability × estimated saving
    oracle_precision_by_expected_saving: float
    model_metrics: dict[str, float]
    hit_rate_by_criterion: dict[str, float]
    fairness: dict[str, dict[str, float]]
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def first_come_precision(years_outcomes: list[np.ndarray], share: float) -> float:
    """Hit rate when each year's first `share` candidates by arrival are examined."""
    hits = 0
    taken = 0
    for outcome in years_outcomes:
        k = max(1, round(len(outcome) * share))
        hits += int(outcome[:k].sum())
        taken += k
    return hits / taken


def run(
    *, seed: int = 7, history_years: int = 6, heldout_years: int = 2, config: StreamConfig | None = None
) -> AnchorReport:
    """Simulate history and held-out years, train on the old process's closed cases, compare at the cut."""
    started = time.perf_counter()
    config = config or StreamConfig()
    history = simulate_years(range(2015, 2015 + history_years), seed=seed, config=config)
    heldout = simulate_years(range(2100, 2100 + heldout_years), seed=seed, config=config)
    hist_people, _, _, hist_outcome, hist_old = concat(history)
    train_facts = hist_people.matrix()[hist_old]
    model = train(train_facts, hist_outcome[hist_old], seed=seed)

    people, channel, criterion, outcome, _ = concat(heldout)
    probability = model.predict_proba_facts(people.matrix())
    saving = estimated_saving_ore(people.matrix()).astype(float)
    share = config.cut_share
    register = channel == Channel.registersamkoering.value
    k = max(1, round(len(outcome) * share))
    oracle_pick = np.argsort(-people.p_true, kind="stable")[:k]
    model_precision = precision_at_cut(probability, outcome, share)
    oracle_precision = precision_at_cut(people.p_true, outcome, share)
    by_criterion = {
        str(c): float(outcome[criterion == c].mean()) for c in sorted(set(criterion.tolist())) if c and c == c
    }
    return AnchorReport(
        training_cases=int(hist_old.sum()),
        heldout_candidates=len(outcome),
        cut_share=share,
        old_process_hit_rate=first_come_precision([y.outcome for y in heldout], share),
        register_match_hit_rate=float(outcome[register].mean()),
        referral_hit_rate=float(outcome[~register].mean()),
        oracle_precision_at_cut=oracle_precision,
        oracle_expected_precision_at_cut=float(people.p_true[oracle_pick].mean()),
        model_precision_at_cut=model_precision,
        model_to_oracle=model_precision / oracle_precision,
        model_precision_by_expected_saving=precision_at_cut(probability * saving, outcome, share),
        oracle_precision_by_expected_saving=precision_at_cut(people.p_true * saving, outcome, share),
        model_metrics=metrics(probability, outcome, cut_share=share),
        hit_rate_by_criterion=by_criterion,
        fairness=fairness_at_cut(probability, outcome, people.group, share),
        seconds=time.perf_counter() - started,
    )


def fairness_at_cut(
    probability: np.ndarray, outcome: np.ndarray, group: np.ndarray, share: float
) -> dict[str, dict[str, float]]:
    """Selection rate and precision per protected group at the capacity cut, with disparity ratios."""
    from fairlearn.metrics import MetricFrame, selection_rate

    k = max(1, round(len(outcome) * share))
    selected = np.zeros(len(outcome), dtype=int)
    selected[np.argsort(-probability, kind="stable")[:k]] = 1
    names = np.asarray([GROUPS[g] for g in group])

    def _precision(y_true: np.ndarray, y_pred: np.ndarray) -> float:
        return float(y_true[y_pred == 1].mean()) if (y_pred == 1).any() else float("nan")

    frame = MetricFrame(
        metrics={"selection_rate": selection_rate, "precision": _precision},
        y_true=outcome.astype(int),
        y_pred=selected,
        sensitive_features=names,
    )
    result: dict[str, dict[str, float]] = {
        str(g): {k2: float(v) for k2, v in row.items()} for g, row in frame.by_group.to_dict("index").items()
    }
    ratios = frame.ratio(method="between_groups")
    result["disparity_ratio"] = {str(k2): float(v) for k2, v in ratios.items()}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--history-years", type=int, default=8)
    parser.add_argument("--heldout-years", type=int, default=4)
    parser.add_argument("--city-size", type=int, default=650_000)
    options = parser.parse_args()
    report = run(
        seed=options.seed,
        history_years=options.history_years,
        heldout_years=options.heldout_years,
        config=StreamConfig(city_size=options.city_size),
    )
    print(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
