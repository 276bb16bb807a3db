"""Request and response bodies of the sms_ydelse API (field names English, messages Danish)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from services.sms_ydelse.service import normalise_msisdn
from shared.cpr import CPR


class IvrCallIn(BaseModel):
    """What the telephone system sends while the caller is on the line."""

    model_config = ConfigDict(extra="forbid")

    call_id: str = Field(
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9._:\-]+$",
        description="IVR'ens id for opkaldet",
        examples=["CA-2026-000123"],
    )
    caller_number: str = Field(
        min_length=0,
        max_length=32,
        description="Det kaldende nummer (eller 'anonymous'); bruges kun til misbrugsgrænser",
        examples=["+4520112233"],
    )
    menu_item: str = Field(
        min_length=1, max_length=60, description="Valgt menupunkt, fx 'info_om_ydelse'", examples=["info_om_ydelse"]
    )
    digits: str = Field(
        max_length=32,
        description="De cifre borgeren tastede (CPR-nummer); et ugyldigt nummer giver et nyt forsøg, ikke en fejl",
        examples=["1502851236"],
    )


class IvrAnswerOut(BaseModel):
    """What the telephone system should say and do next."""

    id: uuid.UUID = Field(description="Vores id for opkaldet")
    call_id: str
    status: str = Field(description="accepted, retry_cpr, cpr_attempts_exhausted eller rate_limited")
    prompt_id: str = Field(description="Id for den indspillede/oplæste besked")
    say: str = Field(description="Dansk tekst til oplæsning (text-to-speech)")
    language: str = "da-DK"
    next_action: str = Field(description="hangup, collect_digits eller transfer")
    attempts_left: int = Field(description="Forsøg tilbage til at taste CPR-nummeret (ved retry_cpr)")
    replayed: bool = Field(description="Sandt når samme call_id er sendt før; svaret er det første svar")


class MessageIn(BaseModel):
    """An SMS another service wants sent (the shared SMS contract)."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=500, description="Dansk tekst; højst 160 tegn i GSM-7 efter omsætning")
    to_msisdn: str | None = Field(None, description="Modtagerens nummer (+45XXXXXXXX)")
    recipient_cpr: CPR | None = Field(
        None, description="Borgerens CPR-nummer; sendes til det nummer borgeren har tilmeldt NemSMS"
    )
    sender_service: str = Field(min_length=1, max_length=40, description="Afsendende tjeneste, fx 'koerekort'")

    @field_validator("to_msisdn")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return normalise_msisdn(value)
        except ValueError as exc:
            raise PydanticCustomError(
                "invalid_phone_number", "Telefonnummeret er ikke gyldigt (fx +45 20 11 22 33)."
            ) from exc

    @model_validator(mode="after")
    def _one_recipient(self) -> MessageIn:
        if bool(self.to_msisdn) == bool(self.recipient_cpr):
            raise PydanticCustomError(
                "recipient_required", "Angiv enten to_msisdn eller recipient_cpr (præcis én af dem)."
            )
        return self


class MessageAccepted(BaseModel):
    id: uuid.UUID
    status: str
    septets: int = Field(description="Tegn i GSM-7 (højst 160)")
    replaced_characters: int = Field(description="Tegn uden for GSM-7 der er erstattet")


class MessageEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    kind: str
    status: str
    detail: str | None


class MessageOut(BaseModel):
    id: uuid.UUID
    status: str
    sender_service: str
    product: str | None
    to_msisdn_masked: str | None
    septets: int
    replaced_characters: int
    attempts: int
    failure_reason: str | None
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    failed_at: datetime | None
    events: list[MessageEventOut]


class CallOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    call_id: str
    product: str
    menu_item: str
    status: str
    outcome: str | None
    prompt_id: str
    invalid_attempts: int
    message_id: uuid.UUID | None
    received_at: datetime
    completed_at: datetime | None


class ProductOut(BaseModel):
    key: str
    title: str
    menu_items: list[str]
    template: str


class NemSmsStatusIn(BaseModel):
    """A status callback under the NemSMS contract."""

    model_config = ConfigDict(extra="ignore")

    nemsms_id: str = Field(max_length=120)
    status: str = Field(pattern="^(delivered|failed)$")
    reason: str | None = Field(None, max_length=200)


StatisticsRow = dict[str, Any]
