"""The plug-in shape of an information product: what the IVR menu item asks and what the SMS answers.

A product is a module in this package that defines `PRODUCT`, plus its template file in
`templates/<key>.v<version>.yaml`. The core (flows) checks the citizen, the NemSMS number and
the limits; the product only fetches its own answer and names the template variables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol


@dataclass(frozen=True)
class Answer:
    """What to tell the citizen: a template variant and its variables (no CPR, nothing superfluous)."""

    variant: str  # "answer" or "none" (nothing to report, the SMS says so)
    variables: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LookupContext:
    """What a product gets to work with: the CPR number (in memory only) and today's date in Copenhagen."""

    cpr: str
    today: date


class InformationProduct(Protocol):
    key: str  # stored on calls and messages, used in statistics
    title: str  # Danish, for the operations page and the IVR vendor
    menu_items: tuple[str, ...]  # codes the IVR may send for this product
    template_version: int
    purpose: str  # Danish purpose recorded in the audit log

    def lookup(self, context: LookupContext) -> Answer:
        """Fetch the answer; raise RegisterUnavailable to be retried later."""
        ...


def danish_money(amount_ore: int) -> str:
    """Øre as Danish money text: 543210 -> '5.432,10 kr.'."""
    sign = "-" if amount_ore < 0 else ""
    kroner, ore = divmod(abs(amount_ore), 100)
    return f"{sign}{kroner:,}".replace(",", ".") + f",{ore:02d} kr."


def danish_date(day: date) -> str:
    """A date as Danes write it in short text: 30.11.2026."""
    return day.strftime("%d.%m.%Y")
