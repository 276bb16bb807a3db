"""App factory for the sms_ydelse service (run with `uvicorn --factory services.sms_ydelse.app:create_app`)."""

from __future__ import annotations

from fastapi import FastAPI

from services.sms_ydelse import tasks  # noqa: F401 - registers the consumers (in-process tasks, tests)
from services.sms_ydelse.delivery_failures import router as delivery_failures_router
from services.sms_ydelse.pages import PAGES
from services.sms_ydelse.views import router
from shared.app import create_service_app


def create_app() -> FastAPI:
    """Build the sms_ydelse API."""
    return create_service_app(
        service="sms_ydelse",
        title="SMS om ydelse – svar fra telefonsystemet",
        description="Telefonsystemet (IVR) udløser en SMS med borgerens næste udbetaling til det registrerede NemSMS-nummer.",
        routers=[router, delivery_failures_router],
        pages=PAGES,
        # Delivery reports arrive right after the hand-over, often while the (low-priority) worker still holds
        # the message's row lock: their own quarter of the slots, so they never hold up the IVR's answers.
        admission_lanes={"/api/v1/delivery-reports/": 0.25},
    )
