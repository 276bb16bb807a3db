"""Product: the next kontanthjælp payment (date and amount) from the benefit payment system."""

from __future__ import annotations

from dataclasses import dataclass

from services.sms_ydelse import registers
from services.sms_ydelse.products.base import Answer, LookupContext, danish_date, danish_money


@dataclass(frozen=True)
class Kontanthjaelp:
    key: str = "kontanthjaelp"
    title: str = "Info om ydelse (kontanthjælp)"
    menu_items: tuple[str, ...] = ("info_om_ydelse", "ydelse", "kontanthjaelp")
    template_version: int = 1
    purpose: str = "Borgerens egen forespørgsel: næste udbetaling af kontanthjælp sendt som sms"
    benefit_type: str = "kontanthjaelp"

    def lookup(self, context: LookupContext) -> Answer:
        payments = registers.benefit_payments().next_payments(context.cpr, on=context.today)
        mine = sorted((p for p in payments if p.benefit_type == self.benefit_type), key=lambda p: p.payment_date)
        if not mine:
            return Answer("none")
        payment = mine[0]
        return Answer(
            "answer", {"amount": danish_money(payment.amount_ore), "payment_date": danish_date(payment.payment_date)}
        )


PRODUCT = Kontanthjaelp()
