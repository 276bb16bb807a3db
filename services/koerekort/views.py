"""HTTP routes of the koerekort service (one router per domain, collected here)."""

from __future__ import annotations

from fastapi import APIRouter

from services.koerekort.applications.views import router as applications_router
from services.koerekort.certificates.views import router as certificates_router
from services.koerekort.forms.views import router as forms_router
from services.koerekort.guidance.views import router as guidance_router
from services.koerekort.quality.views import router as quality_router

router = APIRouter()
for _router in (applications_router, certificates_router, forms_router, guidance_router, quality_router):
    router.include_router(_router)
