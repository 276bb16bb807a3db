"""Synthetic identities: valid CPR numbers, names and Copenhagen addresses (deterministic from a seed).

Names are drawn from one mixed pool independent of any group, so nothing about a person's origin can be read
from the synthetic name.
"""

from __future__ import annotations

import numpy as np

FIRST_NAMES = (
    "Anne", "Mette", "Sofie", "Ida", "Emma", "Freja", "Maria", "Fatima", "Sara", "Amina", "Laura", "Julie",
    "Karen", "Hanne", "Lise", "Nadia", "Yasmin", "Camilla", "Louise", "Zeynep", "Peter", "Jens", "Lars",
    "Mads", "Anders", "Jonas", "Mikkel", "Ali", "Omar", "Ahmed", "Mohammad", "Lucas", "Emil", "Oliver",
    "Noah", "William", "Kasper", "Rasmus", "Thomas", "Hassan", "Jan", "Søren", "Bo", "Ole", "Piotr", "Anna",
)  # fmt: skip
LAST_NAMES = (
    "Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen", "Rasmussen",
    "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Poulsen", "Johansen", "Møller",
    "Mortensen", "Ali", "Hussein", "Yilmaz", "Khan", "Nowak", "Holm", "Dahl", "Berg", "Lund", "Kaya", "Demir",
)  # fmt: skip
STREETS = (
    ("Amagerbrogade", "2300"), ("Nørrebrogade", "2200"), ("Vesterbrogade", "1620"), ("Istedgade", "1650"),
    ("Jagtvej", "2200"), ("Frederikssundsvej", "2400"), ("Tingbjerg Allé", "2700"), ("Valby Langgade", "2500"),
    ("Østerbrogade", "2100"), ("Blegdamsvej", "2100"), ("Englandsvej", "2300"), ("Folehaven", "2500"),
    ("Gothersgade", "1123"), ("Mjølnerparken", "2200"), ("Sundholmsvej", "2300"), ("Bellahøjvej", "2700"),
    ("Godthåbsvej", "2000"), ("Enghavevej", "1674"), ("Brønshøjvej", "2700"), ("Artillerivej", "2300"),
)  # fmt: skip


def _century_digit(year: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The CPR serial's first digit that gives the century (1900-1999: 0-3, 2000-2036: 4 or 9, 1937-1999: 0-3)."""
    low = rng.integers(0, 4, size=year.shape[0])
    high = np.where(rng.random(year.shape[0]) < 0.5, 4, 9)
    return np.where(year >= 2000, high, low)


def cpr_numbers(birth_year: np.ndarray, sex: np.ndarray, *, seed: int) -> list[str]:
    """Unique, valid ten-digit CPR numbers for the given birth years (sex in the last digit: even = female)."""
    rng = np.random.default_rng(seed)
    n = birth_year.shape[0]
    month = np.asarray(rng.integers(1, 13, size=n))
    day = np.asarray(rng.integers(1, 29, size=n))  # every month has day 1-28
    result: list[str] = []
    seen: set[str] = set()
    for i in range(n):
        for _attempt in range(50):
            digit7 = int(_century_digit(birth_year[i : i + 1], rng)[0])
            middle = int(rng.integers(0, 100))
            last = int(rng.integers(0, 5)) * 2 + (1 if sex[i] else 0)
            value = f"{int(day[i]):02d}{int(month[i]):02d}{int(birth_year[i]) % 100:02d}{digit7}{middle:02d}{last}"
            if value not in seen:
                seen.add(value)
                result.append(value)
                break
        else:  # pragma: no cover - 50 collisions in a row does not happen at city scale
            raise RuntimeError("could not draw a unique CPR number")
    return result


def names(n: int, *, seed: int) -> list[str]:
    """Full names from one mixed pool."""
    rng = np.random.default_rng(seed)
    first = rng.integers(0, len(FIRST_NAMES), size=n)
    last = rng.integers(0, len(LAST_NAMES), size=n)
    return [f"{FIRST_NAMES[a]} {LAST_NAMES[b]}" for a, b in zip(first, last, strict=True)]


def addresses(n: int, *, seed: int) -> list[str]:
    """Copenhagen-style addresses: street, number, floor and side, postcode."""
    rng = np.random.default_rng(seed)
    street = rng.integers(0, len(STREETS), size=n)
    number = rng.integers(1, 180, size=n)
    floor = rng.integers(0, 6, size=n)
    side = rng.choice(["th.", "tv.", "mf."], size=n)
    result = []
    for s, no, fl, sd in zip(street, number, floor, side, strict=True):
        name, postcode = STREETS[s]
        level = "st." if fl == 0 else f"{fl}."
        result.append(f"{name} {no}, {level} {sd}, {postcode} København")
    return result
