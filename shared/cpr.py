"""CPR numbers: validation (real date, century from digit 7), masking and keyed pseudonymisation.

Since 2007 not every CPR number passes the modulus-11 check, so it is not required.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

from shared.settings import get_settings

_CPR_RE = re.compile(r"^(\d{2})(\d{2})(\d{2})-?(\d{4})$")


class InvalidCPR(ValueError):
    """A CPR number that is malformed or names a date that does not exist."""


def _century(year2: int, digit7: int) -> int:
    if digit7 <= 3:
        return 1900
    if digit7 in (4, 9):
        return 2000 if year2 <= 36 else 1900
    return 2000 if year2 <= 57 else 1800  # digits 5-8


def normalise(cpr: str) -> str:
    """Return the ten digits of a CPR number, or raise InvalidCPR with a Danish message."""
    match = _CPR_RE.match(cpr.strip()) if isinstance(cpr, str) else None
    if match is None:
        raise InvalidCPR("CPR-nummeret skal bestå af 10 cifre (DDMMÅÅ-XXXX)")
    day, month, year2, serial = match.groups()
    birth_date(day + month + year2 + serial)
    return day + month + year2 + serial


def birth_date(cpr: str) -> date:
    """The date of birth encoded in a ten-digit CPR number."""
    day, month, year2, digit7 = int(cpr[0:2]), int(cpr[2:4]), int(cpr[4:6]), int(cpr[6])
    try:
        return date(_century(year2, digit7) + year2, month, day)
    except ValueError as exc:
        raise InvalidCPR("CPR-nummeret indeholder ikke en gyldig fødselsdato") from exc


def is_valid(cpr: str) -> bool:
    """True when the value is a well-formed CPR number with a real date."""
    try:
        normalise(cpr)
    except InvalidCPR:
        return False
    return True


def mask(cpr: str) -> str:
    """Display form that hides the serial: 010190-****."""
    digits = normalise(cpr)
    return f"{digits[:6]}-****"


def pseudonymise(cpr: str) -> str:
    """Keyed, stable pseudonym (HMAC-SHA256) for lookups and logs; not reversible without the key."""
    key = get_settings().cpr_pseudonym_key.encode()
    return hmac.new(key, normalise(cpr).encode(), hashlib.sha256).hexdigest()


def age_on(cpr: str, on: date) -> int:
    """Age in whole years on the given date."""
    born = birth_date(normalise(cpr))
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def _validate(value: str) -> str:
    try:
        return normalise(value)
    except InvalidCPR as exc:
        raise PydanticCustomError("invalid_cpr", str(exc)) from exc


# Pydantic field type: accepts DDMMYY-XXXX or DDMMYYXXXX, stores ten digits.
CPR = Annotated[str, BeforeValidator(_strip), AfterValidator(_validate)]

# Anything that looks like a CPR number inside free text (used to scrub logs).
CPR_IN_TEXT = re.compile(r"(?<!\d)(\d{6})-?(\d{4})(?!\d)")
