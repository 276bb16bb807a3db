"""Pydantic field types with Danish messages: phone numbers, e-mail, clock times and plain text."""

from __future__ import annotations

import re
from typing import Annotated, ClassVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from services.viceværtsopgaver.common.workhours import parse_hhmm

_PHONE = re.compile(r"^(?:\+45|0045)?(\d{8})$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[A-Za-z]{2,}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

DEPARTMENTS = ("BUF", "SUF", "SOF", "KFF", "TMF", "BIF", "ØKF", "KEID")
INSTITUTION_TYPES = (
    "skole",
    "daginstitution",
    "fritidsinstitution",
    "plejehjem",
    "botilbud",
    "kulturhus",
    "bibliotek",
    "idrætsanlæg",
    "administration",
    "andet",
)


def _phone(value: str) -> str:
    compact = re.sub(r"[\s\-()]", "", value)
    match = _PHONE.match(compact)
    if match is None:
        raise PydanticCustomError("invalid_phone", "Telefonnummeret skal være et dansk nummer med 8 cifre.")
    return "+45" + match.group(1)


def _email(value: str) -> str:
    value = value.strip()
    if len(value) > 200 or _EMAIL.match(value) is None:
        raise PydanticCustomError("invalid_email", "E-mailadressen er ikke gyldig.")
    return value


def _clock(value: str) -> str:
    try:
        parse_hhmm(value)
    except ValueError as exc:
        raise PydanticCustomError("invalid_time", "Tidspunktet skal skrives TT:MM, fx 07:00.") from exc
    return value


def _text(value: object) -> object:
    if isinstance(value, str):
        value = value.strip()
        if _CONTROL.search(value):
            raise PydanticCustomError("invalid_characters", "Teksten indeholder ugyldige tegn.")
    return value


def _department(value: str) -> str:
    if value not in DEPARTMENTS:
        raise PydanticCustomError(
            "invalid_department", "Ukendt forvaltning; tilladt: {allowed}.", {"allowed": ", ".join(DEPARTMENTS)}
        )
    return value


def _institution_type(value: str) -> str:
    if value not in INSTITUTION_TYPES:
        raise PydanticCustomError(
            "invalid_institution_type",
            "Ukendt institutionstype; tilladt: {allowed}.",
            {"allowed": ", ".join(INSTITUTION_TYPES)},
        )
    return value


Phone = Annotated[str, BeforeValidator(_text), AfterValidator(_phone)]
Email = Annotated[str, BeforeValidator(_text), AfterValidator(_email)]
ClockTime = Annotated[str, AfterValidator(_clock)]
Department = Annotated[str, AfterValidator(_department)]
InstitutionType = Annotated[str, AfterValidator(_institution_type)]


def text_field(max_length: int, *, min_length: int = 0) -> object:
    """Field constraints for trimmed free text."""
    return Field(min_length=min_length, max_length=max_length)


ShortText = Annotated[str, BeforeValidator(_text), Field(min_length=1, max_length=200)]
LongText = Annotated[str, BeforeValidator(_text), Field(max_length=4000)]
Code = Annotated[str, BeforeValidator(_text), Field(pattern=r"^[a-z0-9_æøå\-]{2,40}$")]
Latitude = Annotated[float, Field(ge=54.4, le=57.9, description="Breddegrad (WGS84), i Danmark")]
Longitude = Annotated[float, Field(ge=7.9, le=15.3, description="Længdegrad (WGS84), i Danmark")]


class PatchModel(BaseModel):
    """Base of PATCH bodies: omitted fields stay unchanged; `null` only where a field may be empty."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    NULLABLE: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="after")
    @classmethod
    def _no_null(cls, value: object, info: ValidationInfo) -> object:
        if value is None and info.field_name not in cls.NULLABLE:
            raise PydanticCustomError("null_not_allowed", "Feltet kan ikke tømmes; udelad det for at beholde værdien.")
        return value
