"""Statuses, priorities and the allowed status transitions (codes in the API, Danish labels for people)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator

STATUS_LABELS: dict[str, str] = {
    "ny": "ny",
    "tildelt": "tildelt",
    "modtaget": "modtaget",
    "paa_vej": "på vej",
    "i_gang": "i gang",
    "materiale_bestilles": "materiale bestilles",
    "afventer": "afventer",
    "loest": "løst",
    "kan_ikke_loeses": "kan ikke løses",
    "opdelt": "opdelt i delopgaver",
    "annulleret": "annulleret",
}

# What a caretaker may report from the phone.
CARETAKER_STATUSES = ("modtaget", "paa_vej", "i_gang", "materiale_bestilles", "afventer", "loest", "kan_ikke_loeses")
TERMINAL = frozenset({"loest", "kan_ikke_loeses", "annulleret"})
OPEN = frozenset(STATUS_LABELS) - TERMINAL
# Statuses in which the task still needs the assignee's time today (used for load and day plans).
ACTIVE_WORK = frozenset({"tildelt", "modtaget", "paa_vej", "i_gang"})
# Statuses that mean the caretaker is physically at or heading to the building.
AT_OR_TOWARDS_BUILDING = frozenset({"paa_vej", "i_gang"})
# Reporting one of these stops a running timer on the task; `i_gang` starts one.
STOPS_TIMER = frozenset({"paa_vej", "materiale_bestilles", "afventer", "loest", "kan_ikke_loeses", "modtaget"})

TRANSITIONS: dict[str, frozenset[str]] = {
    "ny": frozenset({"annulleret"}),
    "tildelt": frozenset({"modtaget", "paa_vej", "i_gang", "afventer", "kan_ikke_loeses", "annulleret"}),
    "modtaget": frozenset({"paa_vej", "i_gang", "afventer", "materiale_bestilles", "kan_ikke_loeses", "annulleret"}),
    "paa_vej": frozenset({"modtaget", "i_gang", "afventer", "kan_ikke_loeses", "annulleret"}),
    "i_gang": frozenset({"paa_vej", "materiale_bestilles", "afventer", "loest", "kan_ikke_loeses"}),
    "materiale_bestilles": frozenset({"paa_vej", "i_gang", "afventer", "kan_ikke_loeses"}),
    "afventer": frozenset({"paa_vej", "i_gang", "materiale_bestilles", "loest", "kan_ikke_loeses", "annulleret"}),
    "opdelt": frozenset({"annulleret"}),
    "loest": frozenset(),
    "kan_ikke_loeses": frozenset(),
    "annulleret": frozenset(),
}

PRIORITY_LABELS: dict[str, str] = {"akut": "akut", "hoej": "høj", "normal": "normal", "lav": "lav"}
PRIORITY_RANK = {"akut": 0, "hoej": 1, "normal": 2, "lav": 3}

StatusCode = Literal[
    "ny",
    "tildelt",
    "modtaget",
    "paa_vej",
    "i_gang",
    "materiale_bestilles",
    "afventer",
    "loest",
    "kan_ikke_loeses",
    "opdelt",
    "annulleret",
]
CaretakerStatus = Literal[
    "modtaget", "paa_vej", "i_gang", "materiale_bestilles", "afventer", "loest", "kan_ikke_loeses"
]
PriorityCode = Literal["akut", "hoej", "normal", "lav"]

_STATUS_ALIASES = {label: code for code, label in STATUS_LABELS.items()} | {"på_vej": "paa_vej", "løst": "loest"}
_PRIORITY_ALIASES = {label: code for code, label in PRIORITY_LABELS.items()} | {"høj": "hoej"}


def _status_alias(value: object) -> object:
    if isinstance(value, str):
        text = value.strip().lower()
        return _STATUS_ALIASES.get(text, text)
    return value


def _priority_alias(value: object) -> object:
    if isinstance(value, str):
        text = value.strip().lower()
        return _PRIORITY_ALIASES.get(text, text)
    return value


# Input types that also accept the Danish label ("på vej", "høj").
CaretakerStatusIn = Annotated[CaretakerStatus, BeforeValidator(_status_alias)]
StatusIn = Annotated[StatusCode, BeforeValidator(_status_alias)]
PriorityIn = Annotated[PriorityCode, BeforeValidator(_priority_alias)]


def can_transition(current: str, new: str) -> bool:
    """True when the status may follow the current one."""
    return new in TRANSITIONS.get(current, frozenset())


def allowed_next(current: str) -> list[str]:
    """The statuses that may follow the current one, in a stable order."""
    return [code for code in STATUS_LABELS if code in TRANSITIONS.get(current, frozenset())]
