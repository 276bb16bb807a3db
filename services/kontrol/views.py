"""HTTP routes of the kontrol service (one router per domain, combined here)."""

from __future__ import annotations

from fastapi import APIRouter

from services.kontrol.cases.views import router as cases_router
from services.kontrol.intake.views import router as intake_router
from services.kontrol.priority.views import router as priority_router
from services.kontrol.reports.views import router as reports_router

router = APIRouter()
for _domain in (intake_router, priority_router, cases_router, reports_router):
    router.include_router(_domain)
