"""Danish banking days: Easter by computus, the bank holidays, the kontanthjælp payday and the SMS date."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.sms_ydelse import service
from services.sms_ydelse.banking_days import (
    bank_holidays,
    easter_sunday,
    is_banking_day,
    last_banking_day,
    next_payday,
)
from services.sms_ydelse.products.base import LookupContext
from services.sms_ydelse.products.kontanthjaelp import PRODUCT as KONTANTHJAELP
from tests.sms_ydelse.conftest import METTE

# Easter Sunday from the published church calendars.
KNOWN_EASTER = {
    1818: date(1818, 3, 22),  # the earliest possible date
    1943: date(1943, 4, 25),  # the latest possible date
    2000: date(2000, 4, 23),
    2019: date(2019, 4, 21),
    2020: date(2020, 4, 12),
    2021: date(2021, 4, 4),
    2022: date(2022, 4, 17),
    2023: date(2023, 4, 9),
    2024: date(2024, 3, 31),
    2025: date(2025, 4, 20),
    2026: date(2026, 4, 5),
    2027: date(2027, 3, 28),
    2028: date(2028, 4, 16),
    2029: date(2029, 4, 1),
    2030: date(2030, 4, 21),
    2031: date(2031, 4, 13),
    2032: date(2032, 3, 28),
    2033: date(2033, 4, 17),
    2034: date(2034, 4, 9),
    2035: date(2035, 3, 25),
    2285: date(2285, 3, 22),
}

# Danmarks Nationalbank's published closing days ("Banklukkedage", nationalbanken.dk), weekends included.
NATIONALBANKEN_CLOSED = {
    2026: {
        date(2026, 1, 1),
        date(2026, 4, 2),
        date(2026, 4, 3),
        date(2026, 4, 6),
        date(2026, 5, 14),
        date(2026, 5, 15),
        date(2026, 5, 25),
        date(2026, 6, 5),
        date(2026, 12, 24),
        date(2026, 12, 25),
        date(2026, 12, 26),  # a Saturday
        date(2026, 12, 31),
    },
    2027: {
        date(2027, 1, 1),
        date(2027, 3, 25),
        date(2027, 3, 26),
        date(2027, 3, 29),
        date(2027, 5, 6),
        date(2027, 5, 7),
        date(2027, 5, 17),
        date(2027, 6, 5),  # a Saturday
        date(2027, 12, 24),
        date(2027, 12, 31),
    },
}


@pytest.mark.parametrize("year", sorted(KNOWN_EASTER))
def test_easter_by_computus(year: int) -> None:
    assert easter_sunday(year) == KNOWN_EASTER[year]


def test_easter_is_always_a_sunday_between_22_march_and_25_april() -> None:
    for year in range(1583, 2400):
        easter = easter_sunday(year)
        assert easter.weekday() == 6
        assert date(year, 3, 22) <= easter <= date(year, 4, 25)


@pytest.mark.parametrize("year", sorted(NATIONALBANKEN_CLOSED))
def test_weekday_closing_days_match_nationalbanken(year: int) -> None:
    ours = {day for day in bank_holidays(year) if day.weekday() < 5}
    assert ours == {day for day in NATIONALBANKEN_CLOSED[year] if day.weekday() < 5}


def test_named_movable_holidays() -> None:
    holidays_2026 = {name: day for day, name in bank_holidays(2026).items()}
    assert holidays_2026["Kristi himmelfartsdag"] == date(2026, 5, 14)
    assert holidays_2026["Skærtorsdag"] == date(2026, 4, 2)
    assert holidays_2026["Langfredag"] == date(2026, 4, 3)
    assert holidays_2026["Påskedag"] == date(2026, 4, 5)
    assert holidays_2026["2. påskedag"] == date(2026, 4, 6)
    assert holidays_2026["Pinsedag"] == date(2026, 5, 24)
    assert holidays_2026["2. pinsedag"] == date(2026, 5, 25)
    assert holidays_2026["Grundlovsdag"] == date(2026, 6, 5)
    assert {name: day for day, name in bank_holidays(2025).items()}["2. påskedag"] == date(2025, 4, 21)


def test_store_bededag_only_up_to_2023() -> None:
    assert bank_holidays(2023)[date(2023, 5, 5)] == "Store bededag"  # 4th Friday after Easter
    assert not is_banking_day(date(2023, 5, 5))
    assert "Store bededag" not in bank_holidays(2024).values()
    assert is_banking_day(date(2024, 4, 26))  # would have been store bededag
    assert is_banking_day(date(2026, 5, 1))


def test_paydays_around_movable_holidays() -> None:
    # 28 March 2024 skærtorsdag, 29 langfredag, 30-31 weekend
    assert last_banking_day(2024, 3) == date(2024, 3, 27)
    # 29 March 2029 skærtorsdag, 30 langfredag, 31 Saturday
    assert last_banking_day(2029, 3) == date(2029, 3, 28)
    # 29 May 2025 Kristi himmelfartsdag, 30 the banks' closing day, 31 Saturday
    assert last_banking_day(2025, 5) == date(2025, 5, 28)
    assert last_banking_day(2026, 1) == date(2026, 1, 30)  # 31 January 2026 is a Saturday
    assert last_banking_day(2026, 12) == date(2026, 12, 30)  # 31 December is closed
    assert last_banking_day(2027, 12) == date(2027, 12, 30)  # 31 December a Friday, closed
    assert last_banking_day(2026, 3) == date(2026, 3, 31)  # an ordinary Tuesday
    assert next_payday(date(2026, 1, 31)) == date(2026, 2, 27)
    assert next_payday(date(2029, 3, 28)) == date(2029, 3, 28)  # the payday itself
    assert next_payday(date(2029, 3, 29)) == date(2029, 4, 30)
    assert next_payday(date(2026, 12, 31)) == date(2027, 1, 29)


def test_every_month_2020_2035_pays_on_its_last_banking_day() -> None:
    for year in range(2020, 2036):
        closed = bank_holidays(year)
        for month in range(1, 13):
            payday = last_banking_day(year, month)
            assert (payday.year, payday.month) == (year, month)
            assert payday.weekday() < 5 and payday not in closed
            later = payday + timedelta(days=1)
            while later.month == month:
                assert later.weekday() >= 5 or later in closed, later
                later += timedelta(days=1)


@settings(max_examples=500, deadline=None, derandomize=True)
@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)))
def test_a_payday_is_never_a_weekend_or_a_holiday(on: date) -> None:
    payday = next_payday(on)
    assert payday >= on
    if (payday.year, payday.month) != (on.year, on.month):  # this month's payday has passed: the next month's
        assert last_banking_day(on.year, on.month) < on
        assert (payday.replace(day=1) - timedelta(days=1)).month == on.month
    assert payday.weekday() < 5
    assert payday not in bank_holidays(payday.year)
    assert is_banking_day(payday)
    assert payday == last_banking_day(payday.year, payday.month)


@pytest.mark.parametrize(
    ("today", "shown"),
    [(date(2029, 3, 1), "28.03.2029"), (date(2025, 5, 2), "28.05.2025"), (date(2024, 3, 10), "27.03.2024")],
)
def test_sms_shows_the_banking_day_payday(today: date, shown: str) -> None:
    answer = KONTANTHJAELP.lookup(LookupContext(cpr=METTE, today=today))
    text, _ = service.compose_sms(
        KONTANTHJAELP.key, KONTANTHJAELP.template_version, answer.variant, answer.variables, survey=False
    )
    assert text == f"Københavns Kommune: Din næste udbetaling af kontanthjælp er 5.432,10 kr. den {shown}."
