"""A seeded, reproducible synthetic Copenhagen: people, register facts, true probabilities, candidates, outcomes.

The mechanism is documented in docs/kontrol/synthetic-world.md. In short: every person gets register facts
(CPR, BBR, Fasit, eIndkomst, BUF, E-flyt, notes) with realistic correlations; a person holds a
samfundsbesparelse if examined with probability p = sigmoid(logit), where the logit adds up many weak,
non-linear signals, one interaction, the benefit at stake and an unobserved term u (what a caseworker finds
that no register shows). Outcomes are Bernoulli(p). The generator knows p for each person: the oracle.

A protected attribute (citizenship group) exists only here, for the fairness audit. It shifts some facts
(household size, benefit receipt) as in real data, but it never enters the logit and never becomes a feature.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from services.kontrol.catalogue import BENEFIT_FACTS, BENEFIT_TYPES, Channel
from services.kontrol.facts import FACT_NAMES

GROUPS = ("dansk", "vestlig", "ikke_vestlig")
GROUP_SHARES = (0.78, 0.08, 0.14)

# Anchors (see docs/kontrol/model-card.md): tuned so the old process finds 44-55 % and lists 13-20 %.
LOGIT_BASE = -5.5
SIGNAL_SCALE = 1.8  # strength of the observable signals relative to the unobserved term
UNOBSERVED_SD = 0.55
NO_STAKE_LOGIT = -6.0
REFERRAL_SHARPNESS = 3.5  # referrals are informed: sampled with weight p ** sharpness


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)))


@dataclass
class People:
    """Columnar people: facts (one array per fact, NaN = no data) and what only the generator knows."""

    facts: dict[str, np.ndarray]
    group: np.ndarray  # protected attribute, index into GROUPS (fairness audit only)
    sex: np.ndarray  # 0/1, encoded in the CPR number's last digit (never a feature)
    birth_year: np.ndarray
    logit: np.ndarray
    p_true: np.ndarray
    seed: int
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.p_true.shape[0])

    def take(self, index: np.ndarray) -> People:
        """A subset of the people (same order as index)."""
        return People(
            facts={k: v[index] for k, v in self.facts.items()},
            group=self.group[index],
            sex=self.sex[index],
            birth_year=self.birth_year[index],
            logit=self.logit[index],
            p_true=self.p_true[index],
            seed=self.seed,
            extra={k: v[index] for k, v in self.extra.items()},
        )

    def matrix(self) -> np.ndarray:
        """Facts as an (n, len(FACT_NAMES)) float matrix in FACT_NAMES order."""
        return np.column_stack([self.facts[name].astype(float) for name in FACT_NAMES])


def generate_people(n: int, *, seed: int, year: int = 2026) -> People:
    """Draw n people with correlated register facts and their true probability of a samfundsbesparelse."""
    rng = np.random.default_rng(seed)
    group = rng.choice(len(GROUPS), size=n, p=GROUP_SHARES)
    nonwestern = (group == 2).astype(float)
    sex = rng.integers(0, 2, size=n)
    age = np.clip(np.round(18 + rng.gamma(2.2, 10.5, size=n)), 18, 98)
    young = age < 30
    single = rng.random(n) < np.where(age < 35, 0.58, np.where(age < 62, 0.40, 0.48))

    parent_p = np.where((age >= 24) & (age <= 52), 0.42 + 0.12 * nonwestern, 0.06)
    parent = rng.random(n) < parent_p
    n_children = np.where(parent, 1 + rng.poisson(0.55 + 0.35 * nonwestern), 0)
    co_parent_elsewhere = parent & (rng.random(n) < np.where(single, 0.42, 0.02))
    co_parent_distance = np.where(co_parent_elsewhere, np.round(rng.gamma(1.6, 2.2, size=n), 1), np.nan)
    spouse_at_family = (~single) & (rng.random(n) < 0.012)
    unrelated = rng.poisson(0.12 + 0.16 * nonwestern + 0.25 * young)
    persons = 1 + (~single).astype(int) + np.where(co_parent_elsewhere, 0, n_children) + unrelated
    persons = persons + np.where(co_parent_elsewhere, np.round(n_children * 0.8), 0).astype(int)
    area = np.exp(rng.normal(4.15, 0.33, size=n)) + 9.0 * (persons - 1) * rng.uniform(0.3, 1.0, size=n)
    area = np.round(np.clip(area, 16, 260))
    rooms = np.clip(np.round(area / 27 + rng.normal(0.3, 0.5, size=n)), 1, 8)
    non_residential = rng.random(n) < 0.004
    months_at_address = np.round(rng.exponential(20 + 1.6 * (age - 18), size=n))
    months_at_address = np.minimum(months_at_address, (age - 17) * 12)

    # Income and benefits: a latent need shared by the benefit decisions.
    need = rng.normal(0, 1, size=n) + 0.35 * nonwestern + 0.25 * single
    working_age = (age >= 18) & (age <= 66)
    kontant = working_age & (rng.random(n) < _sigmoid(-3.35 + 1.15 * need))
    fp = (age >= 40) & (age <= 66) & ~kontant & (rng.random(n) < _sigmoid(-4.0 + 0.05 * (age - 40) + 0.5 * need))
    las = working_age & ~kontant & ~fp & (rng.random(n) < _sigmoid(-4.6 + 0.8 * need))
    boligsikring = (age < 67) & (rng.random(n) < _sigmoid(-3.3 + 0.9 * need + 0.4 * single))
    boligydelse = (age >= 67) & (rng.random(n) < 0.24)
    in_institution = np.where(parent, rng.binomial(n_children, 0.72), 0)
    friplads = (in_institution > 0) & (rng.random(n) < _sigmoid(-1.5 + 1.1 * need + 0.5 * single))

    employed = working_age & ~kontant & ~fp & (rng.random(n) < 0.83)
    income = np.where(employed, np.round(np.exp(rng.normal(10.25, 0.35, size=n))), 0.0)
    income_months = np.where(employed, np.clip(12 - rng.poisson(0.6, size=n), 1, 12), rng.poisson(0.3, size=n))
    income_months = np.minimum(income_months, 12)

    kontant_kr = np.where(kontant, np.round(rng.uniform(11_000, 16_500, size=n)), 0.0)
    fp_kr = np.where(fp, np.round(rng.uniform(17_500, 21_000, size=n)), 0.0)
    las_kr = np.where(las, np.round(rng.uniform(6_000, 10_000, size=n)), 0.0)
    bs_kr = np.where(boligsikring, np.round(rng.uniform(800, 3_600, size=n)), 0.0)
    by_kr = np.where(boligydelse, np.round(rng.uniform(1_500, 3_800, size=n)), 0.0)
    fr_kr = np.where(friplads, np.round(in_institution * rng.uniform(1_200, 4_200, size=n)), 0.0)

    in_fasit = kontant | las
    meetings = np.where(in_fasit, 2 + rng.poisson(7, size=n), np.nan)
    attendance = np.where(in_fasit, np.round(rng.beta(7.5, 1.8, size=n), 2), np.nan)
    absence = np.where(in_institution > 0, np.round(rng.beta(1.6, 16, size=n), 2), np.nan)
    inst_distance = np.where(in_institution > 0, np.round(rng.gamma(1.4, 0.9, size=n), 1), np.nan)

    moves = rng.poisson(0.18 + 0.35 * young, size=n)
    days_since_move = np.where(
        moves > 0, np.round(rng.uniform(5, 730, size=n)), np.round(months_at_address * 30.4 + rng.uniform(0, 30, n))
    )
    months_at_address = np.where(moves > 0, np.floor(days_since_move / 30.4), months_at_address)
    co_parent_moved = co_parent_elsewhere & (rng.random(n) < 0.22)
    reported_late = (moves > 0) & (rng.random(n) < 0.07)
    notes = rng.poisson(0.08 + 0.25 * (kontant | friplads | boligsikring), size=n)

    # Signals that sharpen for people who in truth live elsewhere: a latent tendency t moves several facts at once.
    tendency = rng.normal(0, 1, size=n)
    attendance = np.where(in_fasit, np.clip(attendance - 0.10 * np.maximum(tendency, 0), 0, 1).round(2), np.nan)
    absence = np.where(in_institution > 0, np.clip(absence + 0.06 * np.maximum(tendency, 0), 0, 1).round(2), np.nan)
    inst_distance = np.where(
        in_institution > 0, np.round(inst_distance + 1.5 * np.maximum(tendency - 0.5, 0) * rng.random(n), 1), np.nan
    )
    notes = notes + rng.poisson(0.35 * np.maximum(tendency - 0.8, 0))
    moves = moves + rng.poisson(0.25 * np.maximum(tendency - 0.5, 0))

    facts: dict[str, np.ndarray] = {
        "age": age,
        "registered_single": single.astype(float),
        "n_children_registered": np.where(co_parent_elsewhere, np.round(n_children * 0.8), n_children).astype(float),
        "persons_at_address": persons.astype(float),
        "unrelated_adults_at_address": unrelated.astype(float),
        "months_at_address": months_at_address,
        "co_parent_elsewhere": co_parent_elsewhere.astype(float),
        "co_parent_distance_km": co_parent_distance,
        "spouse_at_family_address": spouse_at_family.astype(float),
        "dwelling_area_m2": area,
        "rooms": rooms,
        "non_residential_address": non_residential.astype(float),
        "fasit_meetings_12m": meetings,
        "fasit_attendance_rate": attendance,
        "kontanthjaelp_monthly_ore": kontant_kr * 100,
        "boligsikring_monthly_ore": bs_kr * 100,
        "foertidspension_monthly_ore": fp_kr * 100,
        "andre_las_monthly_ore": las_kr * 100,
        "boligydelse_monthly_ore": by_kr * 100,
        "employment_income_monthly_ore": income * 100,
        "income_months_12m": income_months.astype(float),
        "friplads_monthly_ore": fr_kr * 100,
        "children_in_institution": in_institution.astype(float),
        "child_absence_rate": absence,
        "institution_distance_km": inst_distance,
        "moves_24m": moves.astype(float),
        "days_since_last_move": days_since_move,
        "co_parent_moved_out_12m": co_parent_moved.astype(float),
        "move_reported_late": reported_late.astype(float),
        "notes_12m": notes.astype(float),
    }
    unobserved = rng.normal(0, UNOBSERVED_SD, size=n)
    logit = true_logit(facts, unobserved)
    return People(
        facts=facts,
        group=group,
        sex=sex,
        birth_year=(year - age).astype(int),
        logit=logit,
        p_true=_sigmoid(logit),
        seed=seed,
        extra={"unobserved": unobserved},
    )


def benefit_at_stake_ore(facts: dict[str, np.ndarray]) -> np.ndarray:
    """Monthly amount a corrected registration would stop (affected share per benefit type)."""
    total = np.zeros_like(facts["age"], dtype=float)
    for code, fact in BENEFIT_FACTS.items():
        total = total + np.nan_to_num(facts[fact]) * BENEFIT_TYPES[code].affected_share
    return total


def true_logit(facts: dict[str, np.ndarray], unobserved: np.ndarray) -> np.ndarray:
    """The documented mechanism: many weak, partly non-linear signals plus an unobserved term."""
    f = {k: np.nan_to_num(v) for k, v in facts.items()}
    stake = benefit_at_stake_ore(facts) / 100
    area_per_person = f["dwelling_area_m2"] / np.maximum(f["persons_at_address"], 1)
    has_fasit = ~np.isnan(facts["fasit_attendance_rate"])
    has_children_inst = ~np.isnan(facts["child_absence_rate"])
    signals = (
        0.5 * f["registered_single"] * f["co_parent_elsewhere"]
        + 0.5 * f["co_parent_moved_out_12m"]
        + 0.4 * f["co_parent_elsewhere"] * (f["co_parent_distance_km"] < 2.0)
        + 1.6 * f["spouse_at_family_address"]
        + 1.7 * _sigmoid((11.0 - area_per_person) / 2.0)
        + 0.55 * np.minimum(f["unrelated_adults_at_address"], 3)
        + 1.6 * f["non_residential_address"]
        + 1.9 * has_fasit * np.square(1.0 - f["fasit_attendance_rate"])
        + 4.0 * has_children_inst * np.maximum(f["child_absence_rate"] - 0.05, 0)
        + 0.35 * np.minimum(f["institution_distance_km"], 8)
        + 0.35 * np.minimum(f["moves_24m"], 4)
        + 0.7 * f["move_reported_late"]
        + 0.45 * np.minimum(f["notes_12m"], 4)
        - 0.25 * np.log1p(f["months_at_address"]) * (f["moves_24m"] == 0)
        - 0.5 * (f["income_months_12m"] >= 10) * (f["employment_income_monthly_ore"] > 2_500_000)
        + 0.35 * np.log1p(stake / 1000)
    )
    logit = LOGIT_BASE + SIGNAL_SCALE * signals + unobserved
    return np.asarray(np.where(stake > 0, logit, NO_STAKE_LOGIT + 0.3 * unobserved))


# ---- candidates -----------------------------------------------------------------------------------------------


def criteria_matches(facts: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Which people each register-match criterion selects (crude rules, as Udbetaling Danmark runs them)."""
    f = {k: np.nan_to_num(v) for k, v in facts.items()}
    receives = benefit_at_stake_ore(facts) > 0
    area_per_person = f["dwelling_area_m2"] / np.maximum(f["persons_at_address"], 1)
    return {
        "aegtefaelle_hos_familie": receives & (f["spouse_at_family_address"] > 0),
        "faelles_barn_uden_faelles_bopael": receives & (f["co_parent_elsewhere"] > 0),
        "mange_paa_adressen": receives & ((f["persons_at_address"] >= 6) | (area_per_person < 13)),
        "fraflytning_efter_ansoegning": receives & (f["co_parent_moved_out_12m"] > 0),
        "ydelse_uden_fremmoede": (f["kontanthjaelp_monthly_ore"] > 0)
        & (f["fasit_attendance_rate"] < 0.7)
        & (f["income_months_12m"] == 0),
    }


@dataclass
class Candidates:
    """Indices into a People set, with the channel and (for lists) the criterion that brought each one in."""

    index: np.ndarray
    channel: np.ndarray  # Channel values
    criterion: np.ndarray  # criterion code or ""


def draw_candidates(
    people: People, *, seed: int, n_register: int, n_referral: int, exclude: np.ndarray | None = None
) -> Candidates:
    """Draw a year's candidate stream: register-match rows (crude criteria) and informed referrals."""
    rng = np.random.default_rng(seed)
    n = len(people)
    taken = np.zeros(n, dtype=bool)
    if exclude is not None:
        taken[exclude] = True
    matches = criteria_matches(people.facts)
    codes = list(matches)
    pool_sizes = np.array([matches[c].sum() for c in codes], dtype=float)
    shares = pool_sizes / max(pool_sizes.sum(), 1)
    index: list[int] = []
    channel: list[str] = []
    criterion: list[str] = []
    wanted = np.round(shares * n_register).astype(int)
    for code, k in zip(codes, wanted, strict=True):
        eligible = np.flatnonzero(matches[code] & ~taken)
        k = min(int(k), eligible.size)
        chosen = rng.choice(eligible, size=k, replace=False) if k else np.array([], dtype=int)
        taken[chosen] = True
        index += chosen.tolist()
        channel += [Channel.registersamkoering.value] * k
        criterion += [code] * k
    stake = benefit_at_stake_ore(people.facts) > 0
    weights = np.where(stake & ~taken, people.p_true**REFERRAL_SHARPNESS, 0.0)
    k = min(n_referral, int((weights > 0).sum()))
    if k:
        chosen = rng.choice(n, size=k, replace=False, p=weights / weights.sum())
        referral_channels = rng.choice(
            [Channel.forvaltning, Channel.udbetaling_danmark, Channel.politi, Channel.skat, Channel.manuel],
            size=k,
            p=[0.45, 0.25, 0.08, 0.12, 0.10],
        )
        index += chosen.tolist()
        channel += [str(c) for c in referral_channels]
        criterion += [""] * k
    order = rng.permutation(len(index))  # arrival order within the year
    return Candidates(
        index=np.asarray(index, dtype=int)[order],
        channel=np.asarray(channel, dtype=object)[order],
        criterion=np.asarray(criterion, dtype=object)[order],
    )


def draw_outcomes(p_true: np.ndarray, *, seed: int) -> np.ndarray:
    """Whether each examined candidate held a samfundsbesparelse: Bernoulli(p)."""
    return np.random.default_rng(seed).random(p_true.shape[0]) < p_true
