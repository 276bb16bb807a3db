"""HTTP routes for the form definitions: our JSON, the FHIR Questionnaire and stateless live validation."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from services.koerekort.documents import today_in_copenhagen
from services.koerekort.forms.definition import FormDefinition, all_definitions, get_definition
from services.koerekort.forms.fhir import questionnaire, to_json
from services.koerekort.forms.rules import validate
from shared.auth import Principal, Role, require_roles
from shared.errors import FieldError, NotFound, Unprocessable

router = APIRouter(prefix="/api/v1", tags=["blanket"])

AnyUser = Annotated[
    Principal,
    Depends(require_roles(Role.borger, Role.koerelaerer, Role.laege, Role.borgerservice, Role.admin, Role.system)),
]


def _definition(version: str) -> FormDefinition:
    definition = get_definition(version)
    if definition is None:
        raise NotFound("Blanketversionen findes ikke.", code="unknown_form_version")
    return definition


class FormSummary(BaseModel):
    form_id: str
    version: str
    status: str
    title: str
    effective_from: str
    questionnaire_url: str


@router.get("/forms", response_model=list[FormSummary], summary="Blanketversioner")
def list_forms(_: AnyUser) -> list[FormSummary]:
    return [
        FormSummary(
            form_id=d.form_id,
            version=d.version,
            status=d.status,
            title=d.title,
            effective_from=d.effective_from,
            questionnaire_url=d.canonical_url,
        )
        for d in all_definitions()
    ]


@router.get("/forms/{version}", summary="Blanketdefinitionen som data (felter, kategorier, regeltabel)")
def get_form(version: str, _: AnyUser) -> dict[str, Any]:
    definition = _definition(version)
    raw = dict(definition.raw)
    raw.pop("example", None)
    raw["rules"] = [{k: v for k, v in rule.items() if k != "examples"} for rule in raw["rules"]]
    return raw


@router.get(
    "/forms/{version}/questionnaire", summary="Blanketten som FHIR R4 Questionnaire", response_class=JSONResponse
)
def get_questionnaire(version: str, _: AnyUser) -> JSONResponse:
    return JSONResponse(to_json(questionnaire(_definition(version))), media_type="application/fhir+json")


class ValidationContext(BaseModel):
    model_config = ConfigDict(extra="forbid")

    categories: list[str] = Field(min_length=1, max_length=17, description="Kategorier, der søges om")
    is_own_gp: bool = Field(True, description="Er lægen ansøgerens egen læge?")
    attachments: list[str] = Field(default_factory=list, max_length=20, description="Vedhæftede bilagstyper")
    today: date | None = Field(None, description="Dato reglerne vurderes på (standard: i dag)")


class StatelessValidation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scope: str = Field("all", pattern="^(del_a|doctor|all)$", description="del_a, doctor eller all")
    document: dict[str, Any] = Field(description="Erklæringen: del_a, del_b, supplementary, conclusion")
    context: ValidationContext


@router.post(
    "/forms/{version}/validations",
    summary="Validér et udkast uden at gemme (alle fejl og advarsler med feltsti)",
)
def validate_document(version: str, body: StatelessValidation, _: AnyUser) -> dict[str, Any]:
    definition = _definition(version)
    unknown = [c for c in body.context.categories if c not in definition.category_codes]
    if unknown:
        raise Unprocessable(
            "Ukendte kategorier.",
            errors=[FieldError("/context/categories", "invalid_option", "Ukendt kategori.")],
        )
    context = {
        "group": definition.group_of(body.context.categories),
        "categories": body.context.categories,
        "is_own_gp": body.context.is_own_gp,
        "attachments": body.context.attachments,
        "today": (body.context.today or today_in_copenhagen()).isoformat(),
    }
    return validate(definition, body.document, context, scope=body.scope).as_dict()  # type: ignore[arg-type]
