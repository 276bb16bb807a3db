"""Write the synthetic world into the simulators' tables and the historic closed cases into the training table."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from services.kontrol.catalogue import BENEFIT_FACTS
from services.kontrol.facts import FACT_NAMES, FACTS
from services.kontrol.models import SimMunicipalNote, SimRegisterPerson, SimTruth, TrainingCase
from services.kontrol.synth import identities
from services.kontrol.synth.history import Year
from services.kontrol.synth.world import GROUPS, People
from shared import cpr as cpr_utils

SOURCE_LAG_DAYS = {"cpr": 0, "bbr": 40, "fasit": 1, "eindkomst": 20, "buf": 30, "eflyt": 0}
NOTE_TEXTS = (
    "Borgeren er ikke truffet på adressen ved hjemmebesøg.",
    "Post returneret: modtager ukendt på adressen.",
    "Udlejer oplyser, at lejligheden ser ubeboet ud.",
    "Borgeren oplyser at bo hos sin kæreste i perioden.",
    "Naboer oplyser, at personen opholder sig i udlandet det meste af tiden.",
    "Barnets institution oplyser, at barnet afhentes af begge forældre fra samme adresse.",
    "Henvendelse om flere navne på postkassen end registrerede personer.",
)
NOTE_UNITS = ("Borgerservice", "Jobcenter København", "BUF Pladsanvisning", "Kontrolenheden")


def _value(v: float) -> float | None:
    return None if v != v else float(v)


def registers_payload(people: People, i: int, today: date) -> dict[str, Any]:
    """One person's data as each simulated register holds it (values with the date they refer to)."""
    payload: dict[str, Any] = {}
    for source, lag in SOURCE_LAG_DAYS.items():
        names = [f.name for f in FACTS if f.source == source]
        payload[source] = {
            "as_of": (today - timedelta(days=lag)).isoformat(),
            "values": {n: _value(float(people.facts[n][i])) for n in names},
        }
    return payload


def load_population(session: Session, people: People, *, seed: int, today: date | None = None) -> list[str]:
    """Store people in the simulated registers (CPR, name, address, register data, notes, truth); returns CPRs."""
    today = today or date.today()
    cprs = identities.cpr_numbers(people.birth_year, people.sex, seed=seed)
    names = identities.names(len(people), seed=seed + 1)
    addresses = identities.addresses(len(people), seed=seed + 2)
    rng = np.random.default_rng(seed + 3)
    persons, truths, notes = [], [], []
    for i, cpr in enumerate(cprs):
        pseudonym = cpr_utils.pseudonymise(cpr)
        persons.append(
            {
                "cpr_pseudonym": pseudonym,
                "cpr": cpr,
                "name": names[i],
                "address": addresses[i],
                "registers": registers_payload(people, i, today),
            }
        )
        truths.append(
            {
                "cpr_pseudonym": pseudonym,
                "protected_group": GROUPS[int(people.group[i])],
                "p_true": float(people.p_true[i]),
            }
        )
        for _ in range(int(np.nan_to_num(people.facts["notes_12m"][i]))):
            notes.append(
                {
                    "cpr_pseudonym": pseudonym,
                    "written_on": today - timedelta(days=int(rng.integers(1, 360))),
                    "author_unit": NOTE_UNITS[int(rng.integers(0, len(NOTE_UNITS)))],
                    "body": NOTE_TEXTS[int(rng.integers(0, len(NOTE_TEXTS)))],
                }
            )
    for chunk in range(0, len(persons), 2000):
        session.execute(insert(SimRegisterPerson), persons[chunk : chunk + 2000])
        session.execute(insert(SimTruth), truths[chunk : chunk + 2000])
    if notes:
        session.execute(insert(SimMunicipalNote), notes)
    return cprs


def load_history(session: Session, years: list[Year], *, seed: int) -> int:
    """Store the old process's closed cases of the simulated years as historic training cases."""
    rows, truths = [], []
    for y in years:
        picked = np.flatnonzero(y.old_process)
        cprs = identities.cpr_numbers(y.people.birth_year[picked], y.people.sex[picked], seed=seed + y.year)
        for n, (i, cpr) in enumerate(zip(picked, cprs, strict=True)):
            pseudonym = cpr_utils.pseudonymise(cpr)
            total = int(sum(int(y.savings[code][i].sum()) for code in BENEFIT_FACTS))
            closed = date(min(y.year, date.today().year), 1, 1) + timedelta(days=int(n * 365 / max(len(picked), 1)))
            rows.append(
                {
                    "origin": "historik",
                    "case_reference": f"H-{y.year}-{n + 1:05d}",
                    "cpr_pseudonym": pseudonym,
                    "closed_on": min(closed, date.today()),
                    "channel": str(y.channel[i]),
                    "criterion_code": str(y.criterion[i]) or None,
                    "arm": None,
                    "facts": {name: _value(float(y.people.facts[name][i])) for name in FACT_NAMES},
                    "outcome": bool(y.outcome[i]),
                    "total_saving_ore": total,
                }
            )
            truths.append(
                {
                    "cpr_pseudonym": pseudonym,
                    "protected_group": GROUPS[int(y.people.group[i])],
                    "p_true": float(y.people.p_true[i]),
                }
            )
    known = set(session.scalars(select(SimTruth.cpr_pseudonym)))
    unique_truths = {t["cpr_pseudonym"]: t for t in truths if t["cpr_pseudonym"] not in known}
    truth_rows = list(unique_truths.values())
    for chunk in range(0, len(rows), 2000):
        session.execute(insert(TrainingCase), rows[chunk : chunk + 2000])
    for chunk in range(0, len(truth_rows), 2000):
        session.execute(insert(SimTruth), truth_rows[chunk : chunk + 2000])
    return len(rows)
