"""Danish banking days and the kontanthjælp payday.

A banking day is Monday-Friday except the days Danmarks Nationalbank and the banks are closed
(nationalbanken.dk, "Banklukkedage"): nytårsdag, skærtorsdag, langfredag, 2. påskedag (påskedag,
pinsedag: always Sundays), store bededag (up to and including 2023; abolished from 2024), Kristi
himmelfartsdag and the Friday after it, 2. pinsedag, grundlovsdag (5 June), juleaftensdag,
juledag, 2. juledag and nytårsaftensdag. Easter is computed (Gregorian computus), so the calendar
holds for any year without a table to keep up to date.

Kontanthjælp is paid in advance on the last banking day of the month, for the coming month.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

LAST_STORE_BEDEDAG_YEAR = 2023  # store bededag is no holiday from 2024


def easter_sunday(year: int) -> date:
    """Easter Sunday of a Gregorian year (the anonymous Meeus/Jones/Butcher computus)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday_shift = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * weekday_shift) // 451
    month, day = divmod(h + weekday_shift - 7 * m + 114, 31)
    return date(year, month, day + 1)


@lru_cache(maxsize=64)
def bank_holidays(year: int) -> dict[date, str]:
    """The days the Danish banks are closed in a year (besides ordinary weekends), with Danish names."""
    easter = easter_sunday(year)
    ascension = easter + timedelta(days=39)
    days = {
        date(year, 1, 1): "Nytårsdag",
        easter - timedelta(days=3): "Skærtorsdag",
        easter - timedelta(days=2): "Langfredag",
        easter: "Påskedag",
        easter + timedelta(days=1): "2. påskedag",
        ascension: "Kristi himmelfartsdag",
        ascension + timedelta(days=1): "Banklukkedag (fredag efter Kristi himmelfartsdag)",
        easter + timedelta(days=49): "Pinsedag",
        easter + timedelta(days=50): "2. pinsedag",
        date(year, 6, 5): "Grundlovsdag",
        date(year, 12, 24): "Juleaftensdag",
        date(year, 12, 25): "Juledag",
        date(year, 12, 26): "2. juledag",
        date(year, 12, 31): "Nytårsaftensdag",
    }
    if year <= LAST_STORE_BEDEDAG_YEAR:
        days[easter + timedelta(days=26)] = "Store bededag"
    return dict(sorted(days.items()))


def is_banking_day(day: date) -> bool:
    """Monday-Friday and not a bank holiday."""
    return day.weekday() < 5 and day not in bank_holidays(day.year)


def last_banking_day(year: int, month: int) -> date:
    """The last banking day of a month (kontanthjælp is paid then, for the coming month)."""
    day = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    while not is_banking_day(day):
        day -= timedelta(days=1)
    return day


def next_payday(on: date) -> date:
    """The next monthly kontanthjælp payday on or after `on`."""
    this_month = last_banking_day(on.year, on.month)
    if this_month >= on:
        return this_month
    return last_banking_day(on.year + (on.month == 12), on.month % 12 + 1)
