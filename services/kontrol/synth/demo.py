"""Build a small working world in the database: history, a trained model, simulated registers, candidates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from sqlalchemy.orm import Session

from services.kontrol.catalogue import Channel
from services.kontrol.intake.service import ListRow, import_list, intake
from services.kontrol.ml.registry import train_version
from services.kontrol.synth.history import StreamConfig, simulate_year, simulate_years
from services.kontrol.synth.loader import load_history, load_population
from shared.auth.tokens import Principal

SYSTEM = Principal(sub="svc-kontrol", roles=frozenset({"system"}), name="kontrol (demo)", attributes={})


@dataclass
class DemoWorld:
    training_cases: int
    list_cprs: dict[str, list[str]]  # criterion -> CPR numbers imported as lists
    referral_cprs: list[str]
    outsider_cprs: list[str]  # in the registers, not candidates


def build(
    session: Session,
    *,
    seed: int = 11,
    history_years: int = 4,
    candidates: int = 120,
    outsiders: int = 20,
    import_candidates: bool = True,
    city_size: int = 650_000,
) -> DemoWorld:
    """Simulate history and one current year, load registers, train v1, import lists and referrals."""
    config = StreamConfig(city_size=city_size)
    history = simulate_years(range(date.today().year - history_years, date.today().year), seed=seed, config=config)
    training_cases = load_history(session, history, seed=seed)
    session.flush()
    train_version(session, trained_by=SYSTEM.sub, seed=seed)
    year = simulate_year(9_000, seed=seed, config=config)
    take = np.arange(min(candidates + outsiders, len(year.people)))
    people = year.people.take(take)
    cprs = load_population(session, people, seed=seed + 99)
    list_cprs: dict[str, list[str]] = {}
    referral_cprs: list[str] = []
    referral_channels: list[str] = []
    for i in range(min(candidates, len(cprs))):
        if year.channel[i] == Channel.registersamkoering.value:
            list_cprs.setdefault(str(year.criterion[i]), []).append(cprs[i])
        else:
            referral_cprs.append(cprs[i])
            referral_channels.append(str(year.channel[i]))
    if import_candidates:
        extracted = date.today() - timedelta(days=3)
        for criterion, numbers in sorted(list_cprs.items()):
            import_list(
                session,
                list_id=f"UDK-DEMO-{criterion}-{extracted.isoformat()}",
                criterion=criterion,
                extracted_on=extracted,
                rows=[ListRow(cpr=c, note=None) for c in numbers],
                source_format="json",
                actor=SYSTEM,
            )
        for index, cpr in enumerate(referral_cprs):
            intake(
                session,
                cpr=cpr,
                channel=referral_channels[index],
                actor=SYSTEM,
                referring_unit=None if referral_channels[index] == Channel.manuel.value else "Demo-henvisning",
                external_reference=f"DEMO-{index + 1}",
                received_on=extracted,
            )
    session.flush()
    return DemoWorld(training_cases, list_cprs, referral_cprs, cprs[candidates:])
