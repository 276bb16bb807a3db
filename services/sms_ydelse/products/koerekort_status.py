"""Product: the status of the citizen's driving-licence application, from the koerekort service."""

from __future__ import annotations

from dataclasses import dataclass

from services.sms_ydelse import registers
from services.sms_ydelse.products.base import Answer, LookupContext


@dataclass(frozen=True)
class KoerekortStatusProduct:
    key: str = "koerekort_status"
    title: str = "Status på kørekortsansøgning"
    menu_items: tuple[str, ...] = ("status_paa_koerekort", "koerekort", "koerekort_status")
    template_version: int = 1
    purpose: str = "Borgerens egen forespørgsel: status på kørekortsansøgning sendt som sms"

    def lookup(self, context: LookupContext) -> Answer:
        status = registers.koerekort_status().application_status(context.cpr)
        if status is None:
            return Answer("none")
        return Answer("answer", {"status_text": status.status_text.strip().rstrip(".") + "."})


PRODUCT = KoerekortStatusProduct()
