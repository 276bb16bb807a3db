"""HTTP routes for the spørgetræ. Public: it is general guidance with no personal data (like kk.dk)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from services.koerekort.guidance import service

router = APIRouter(prefix="/api/v1/guidance", tags=["spørgetræ"])


@router.get("/tree", summary="Hele spørgetræet (offentligt)")
def get_tree() -> dict[str, Any]:
    return service.tree_view()


class GuidanceAnswers(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answers: dict[str, str] = Field(
        default_factory=dict,
        max_length=20,
        description="Svar indtil nu: spørgsmål-id -> valgt værdi",
        examples=[{"situation": "first_licence"}],
    )


@router.post("/evaluations", summary="Næste spørgsmål, eller resultatet med dokumenter og om der kræves lægeerklæring")
def evaluate(body: GuidanceAnswers) -> dict[str, Any]:
    return service.evaluate(body.answers)
