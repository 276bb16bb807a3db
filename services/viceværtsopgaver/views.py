"""HTTP routes of the viceværtsopgaver service (one router combining every domain's routes)."""

from __future__ import annotations

from fastapi import APIRouter

from services.viceværtsopgaver.dispatch.views import router as board_router
from services.viceværtsopgaver.kasa.views import router as kasa_router
from services.viceværtsopgaver.location.views import router as location_router
from services.viceværtsopgaver.notify.views import router as notify_router
from services.viceværtsopgaver.planning.views import router as planning_router
from services.viceværtsopgaver.qr.views import router as qr_router
from services.viceværtsopgaver.registry.views import router as registry_router
from services.viceværtsopgaver.reports.views import router as reports_router
from services.viceværtsopgaver.task.views import router as task_router
from services.viceværtsopgaver.work.views import router as work_router

router = APIRouter()
for _part in (
    task_router,
    work_router,
    board_router,
    qr_router,
    registry_router,
    planning_router,
    notify_router,
    location_router,
    reports_router,
    kasa_router,
):
    router.include_router(_part)
