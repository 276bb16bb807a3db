"""Synthetic years of candidate streams and the old process's closed cases (the training history).

Each year draws a fresh city of `city_size` people (default: Copenhagen's ~650,000) and that year's candidate
stream from it: register-match rows on crude criteria plus informed referrals. The old process examined the
first `capacity` candidates in arrival order (first-come, unranked); those became closed cases with an outcome
and, when positive, amounts per benefit type by KL's model. Streams scale with city size, so a smaller city
keeps the same candidate distribution (the same share of the city is drawn each year).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from services.kontrol.catalogue import BENEFIT_FACTS, BENEFIT_TYPES
from services.kontrol.synth.world import People, draw_candidates, draw_outcomes, generate_people

CITY_SIZE = 650_000


@dataclass(frozen=True)
class StreamConfig:
    """A year's candidate stream and the unit's capacity, at full city size."""

    register_per_year: int = 700
    referrals_per_year: int = 900
    capacity_per_year: int = 550
    city_size: int = CITY_SIZE

    @property
    def cut_share(self) -> float:
        return self.capacity_per_year / (self.register_per_year + self.referrals_per_year)

    def scaled(self, value: int) -> int:
        return max(1, round(value * self.city_size / CITY_SIZE))


@dataclass
class Year:
    """One year's stream: the candidates' people (facts, truth), channel, criterion, outcome, old-process pick."""

    year: int
    people: People
    channel: np.ndarray
    criterion: np.ndarray
    outcome: np.ndarray
    old_process: np.ndarray  # bool: among the first `capacity` by arrival (the old process examined these)
    savings: dict[str, np.ndarray] = field(default_factory=dict)  # per benefit type: (repayment_ore, forward_ore)


def simulate_year(year: int, *, seed: int, config: StreamConfig) -> Year:
    """Draw one year's city, its candidate stream (in arrival order) and outcomes."""
    city = generate_people(config.city_size, seed=seed * 1_000 + year, year=year)
    candidates = draw_candidates(
        city,
        seed=seed * 1_000 + year + 500,
        n_register=config.scaled(config.register_per_year),
        n_referral=config.scaled(config.referrals_per_year),
    )
    people = city.take(candidates.index)
    outcome = draw_outcomes(people.p_true, seed=seed * 1_000 + year + 700)
    capacity = config.scaled(config.capacity_per_year)
    old_process = np.arange(len(people)) < capacity
    savings = outcome_amounts(people, outcome, seed=seed * 1_000 + year + 900)
    return Year(year, people, candidates.channel, candidates.criterion, outcome, old_process, savings)


def simulate_years(years: range, *, seed: int, config: StreamConfig) -> list[Year]:
    """Several independent years."""
    return [simulate_year(y, seed=seed, config=config) for y in years]


def outcome_amounts(people: People, outcome: np.ndarray, *, seed: int) -> dict[str, np.ndarray]:
    """KL's model for positive cases: per benefit, a repayment claim and 12 months' forward saving (øre)."""
    rng = np.random.default_rng(seed)
    n = len(people)
    months_wrong = rng.integers(2, 25, size=n)
    result: dict[str, np.ndarray] = {}
    for code, fact in BENEFIT_FACTS.items():
        monthly = np.nan_to_num(people.facts[fact])
        share = BENEFIT_TYPES[code].affected_share * rng.uniform(0.7, 1.0, size=n)
        stopped = np.where(outcome & (monthly > 0), monthly * share, 0.0)
        repayment = np.round(stopped * months_wrong * rng.uniform(0.6, 1.0, size=n)).astype(np.int64)
        forward = np.round(stopped * 12).astype(np.int64)
        result[code] = np.stack([repayment, forward], axis=1)
    return result


def concat(years: list[Year]) -> tuple[People, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Stack years: people, channel, criterion, outcome, old-process flag."""
    people = years[0].people
    facts = {k: np.concatenate([y.people.facts[k] for y in years]) for k in people.facts}
    stacked = People(
        facts=facts,
        group=np.concatenate([y.people.group for y in years]),
        sex=np.concatenate([y.people.sex for y in years]),
        birth_year=np.concatenate([y.people.birth_year for y in years]),
        logit=np.concatenate([y.people.logit for y in years]),
        p_true=np.concatenate([y.people.p_true for y in years]),
        seed=people.seed,
    )
    return (
        stacked,
        np.concatenate([y.channel for y in years]),
        np.concatenate([y.criterion for y in years]),
        np.concatenate([y.outcome for y in years]),
        np.concatenate([y.old_process for y in years]),
    )
