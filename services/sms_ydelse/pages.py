"""The sms_ydelse pages: a start page for the IVR vendor and staff, and the operations page (role admin).

Pages are HTML shells (see docs/web.md); the data comes from the service's own API in the browser.
The `context` functions below give the templates only non-personal facts from the code: the
information products with their menu items and the spoken answers (prompts).
"""

from __future__ import annotations

from typing import Any

from services.sms_ydelse import prompts
from services.sms_ydelse.products import all_products
from shared.auth.roles import Role
from shared.web import Page

NEXT_ACTION_LABELS = {
    prompts.HANGUP: "Læg på",
    prompts.COLLECT_DIGITS: "Indsaml 10 cifre igen",
    prompts.TRANSFER: "Stil om til en medarbejder",
}
PROMPT_STATUS = {
    prompts.ACCEPTED.prompt_id: "accepted",
    prompts.RETRY_CPR.prompt_id: "retry_cpr",
    prompts.CPR_ATTEMPTS_EXHAUSTED.prompt_id: "cpr_attempts_exhausted",
    prompts.RATE_LIMITED.prompt_id: "rate_limited",
}


def product_choices() -> list[dict[str, Any]]:
    """The information products (key, Danish title, menu items), sorted by title."""
    return [
        {"key": p.key, "title": p.title, "menu_items": list(p.menu_items)}
        for p in sorted(all_products().values(), key=lambda p: p.title)
    ]


def start_context() -> dict[str, Any]:
    """Products and spoken answers for the start page (public facts from the code, no personal data)."""
    return {
        "products": product_choices(),
        "answers": [
            {
                "status": PROMPT_STATUS.get(p.prompt_id, ""),
                "prompt_id": p.prompt_id,
                "say": p.say,
                "next_action": p.next_action,
                "next_action_label": NEXT_ACTION_LABELS.get(p.next_action, p.next_action),
            }
            for p in prompts.BY_ID.values()
        ],
        "max_cpr_attempts": prompts.MAX_CPR_ATTEMPTS,
    }


def operations_context() -> dict[str, Any]:
    """The product filter's choices for the operations page."""
    return {"products": product_choices()}


PAGES = [
    Page(
        "/",
        "start.html",
        "Forside",
        login=False,
        summary="Hvad tjenesten gør, og hvordan telefonsystemet bruger den.",
        styles=("sms_ydelse.css",),
        context=start_context,
    ),
    Page(
        "/drift",
        "operations.html",
        "Drift og statistik",
        roles=(Role.admin,),
        nav_label="Drift",
        summary=(
            "Opkald og sms pr. produkt, dag og time, leveringsstatus, tid fra opkald til levering, "
            "fejlede sms, tilfredshed og fejlede hændelser, der kan sendes igen."
        ),
        scripts=("charts.js", "operations.js"),
        styles=("sms_ydelse.css",),
        context=operations_context,
    ),
]
