from datetime import date

import pytest
from pydantic import BaseModel, ValidationError

from shared import cpr
from shared.cpr import CPR


@pytest.mark.parametrize(
    ("value", "born"),
    [
        ("0101901234", date(1990, 1, 1)),
        ("010190-1234", date(1990, 1, 1)),
        ("2411044347", date(2004, 11, 24)),  # digit 7 = 4, year <= 36 -> 2000s
        ("2411504347", date(1950, 11, 24)),  # digit 7 = 4, year >= 37 -> 1900s
        ("0101585000", date(1858, 1, 1)),  # digit 7 = 5..8, year >= 58 -> 1800s
        ("0101205000", date(2020, 1, 1)),  # digit 7 = 5..8, year <= 57 -> 2000s
        ("2902009999", date(2000, 2, 29)),  # digit 7 = 9, leap day 2000
    ],
)
def test_century_from_digit_seven(value: str, born: date) -> None:
    assert cpr.birth_date(cpr.normalise(value)) == born


def test_modulus_11_is_not_required() -> None:
    # 010190-1235 fails modulus 11 but is a valid post-2007 number.
    assert cpr.is_valid("0101901235")


@pytest.mark.parametrize("value", ["", "12345", "3102901234", "0013901234", "abcdefghij", "01019012345", "2902019999"])
def test_invalid_numbers_are_refused(value: str) -> None:
    assert not cpr.is_valid(value)


def test_pydantic_field_gives_a_clear_danish_error() -> None:
    class Body(BaseModel):
        cpr: CPR

    with pytest.raises(ValidationError) as info:
        Body(cpr="3102901234")
    error = info.value.errors()[0]
    assert error["type"] == "invalid_cpr"
    assert "gyldig fødselsdato" in error["msg"]
    assert Body(cpr=" 010190-1234 ").cpr == "0101901234"


def test_mask_and_pseudonym() -> None:
    assert cpr.mask("0101901234") == "010190-****"
    first = cpr.pseudonymise("010190-1234")
    assert first == cpr.pseudonymise("0101901234")
    assert first != cpr.pseudonymise("0101901235")
    assert "0101901234" not in first and len(first) == 64
