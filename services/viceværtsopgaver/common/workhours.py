"""Working hours in Copenhagen time: who is on duty, shift bounds, and parsing of "HH:MM"."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Europe/Copenhagen")
MINUTES_PER_DAY = 24 * 60
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")
WEEKDAY_NAMES = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")


class Shift(Protocol):
    """What a working-hours check needs from a caretaker."""

    work_days: list[int]
    work_start_minute: int
    work_end_minute: int


class AbsencePeriod(Protocol):
    starts_on: date
    ends_on: date


def parse_hhmm(value: str) -> int:
    """Minutes since midnight for "HH:MM" (24:00 allowed as end of day); ValueError otherwise."""
    if not isinstance(value, str) or not _HHMM.match(value):
        raise ValueError("Tidspunktet skal skrives TT:MM, fx 07:00.")
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def format_hhmm(minutes: int) -> str:
    """ "HH:MM" for minutes since midnight."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def local_date(at: datetime) -> date:
    """The Copenhagen calendar date of an instant."""
    return at.astimezone(LOCAL_TZ).date()


def local_datetime(day: date, minute: int) -> datetime:
    """The UTC instant of a local wall-clock minute on a day (24:00 = next midnight)."""
    local = datetime.combine(day, time(0, 0), tzinfo=LOCAL_TZ) + timedelta(minutes=minute)
    # Re-localise so DST transitions give the real wall-clock instant.
    local = local.replace(tzinfo=None).replace(tzinfo=LOCAL_TZ)
    return local.astimezone(UTC)


def shift_bounds(shift: Shift, day: date) -> tuple[datetime, datetime] | None:
    """Start and end (UTC) of the caretaker's shift on a local day, or None on a day off."""
    if day.isoweekday() not in (shift.work_days or []):
        return None
    if shift.work_end_minute <= shift.work_start_minute:
        return None
    return local_datetime(day, shift.work_start_minute), local_datetime(day, shift.work_end_minute)


def is_absent(absences: Iterable[AbsencePeriod], day: date) -> bool:
    """True when one of the absences covers the day."""
    return any(a.starts_on <= day <= a.ends_on for a in absences)


def on_duty(shift: Shift, at: datetime, absences: Iterable[AbsencePeriod] = ()) -> bool:
    """True when the instant falls inside the caretaker's shift and they are not absent."""
    day = local_date(at)
    bounds = shift_bounds(shift, day)
    if bounds is None or is_absent(absences, day):
        return False
    return bounds[0] <= at < bounds[1]


def round_the_clock(shift: Shift) -> bool:
    """True for a 00:00-24:00 shift: each day's shift runs straight into the next day's."""
    return shift.work_start_minute == 0 and shift.work_end_minute == MINUTES_PER_DAY


def remaining_shift_minutes(
    shift: Shift, at: datetime, absences: Iterable[AbsencePeriod] = (), *, into_next_day: bool = False
) -> float:
    """Minutes left of today's shift from the instant (0 when off duty).

    With `into_next_day` a round-the-clock shift goes on into tomorrow's when tomorrow is a work day and not
    among `absences` (the caller says so for absences it did not pass): at 23:50 such a caretaker is not ten
    minutes from the end of their day.
    """
    day = local_date(at)
    bounds = shift_bounds(shift, day)
    if bounds is None or is_absent(absences, day):
        return 0.0
    start, end = bounds
    tomorrow = day + timedelta(days=1)
    if into_next_day and round_the_clock(shift) and not is_absent(absences, tomorrow):
        following = shift_bounds(shift, tomorrow)
        if following is not None:
            end = following[1]
    return max(0.0, (end - max(at, start)).total_seconds() / 60.0)
