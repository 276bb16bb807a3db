"""The form as a FHIR R4 Questionnaire and each certificate as a QuestionnaireResponse (MedCom speaks FHIR R4).

`fhir.resources` ships R4B (the closest it has to R4; its default is R5). It checks types, not that the
answers fit the questionnaire: our own validation (`forms.rules`) stays the authority.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from services.koerekort.forms.definition import FormDefinition, Item
from services.koerekort.forms.rules import get_pointer, is_missing

CPR_SYSTEM = "urn:oid:1.2.208.176.1.2"  # Danish CPR numbers (MedCom dk-core Patient identifier)
AUTHORISATION_SYSTEM = "https://autregweb.sst.dk"  # Styrelsen for Patientsikkerhed's authorisation ids
_TYPES = {
    "group": "group",
    "boolean": "boolean",
    "decimal": "decimal",
    "integer": "integer",
    "string": "string",
    "text": "text",
    "date": "date",
    "choice": "choice",
    "multichoice": "choice",
}
_STATUS = {"active": "active", "retired": "retired", "draft": "draft"}


def link_id(pointer: str) -> str:
    """The FHIR linkId of a JSON pointer: /del_b/vision/acuity_right -> del_b.vision.acuity_right."""
    return pointer.lstrip("/").replace("/", ".")


def _code_system(definition: FormDefinition, item: Item) -> str:
    return f"{definition.fhir_url}/{link_id(item.pointer)}"


def _enable_when(condition: dict[str, Any] | None) -> list[dict[str, Any]] | None:
    """FHIR enableWhen for the simple `{field, eq}` conditions the form uses for follow-up questions."""
    if not condition or "field" not in condition or set(condition) != {"field", "eq"}:
        return None
    value = condition["eq"]
    answer: dict[str, Any] = {"answerBoolean": value} if isinstance(value, bool) else {"answerString": str(value)}
    return [{"question": link_id(condition["field"]), "operator": "=", **answer}]


def _questionnaire_item(definition: FormDefinition, item: Item) -> dict[str, Any]:
    node: dict[str, Any] = {"linkId": link_id(item.pointer), "text": item.label, "type": _TYPES[item.type]}
    if item.required:
        node["required"] = True
    if item.type == "multichoice":
        node["repeats"] = True
    if item.max_length:
        node["maxLength"] = item.max_length
    enable_when = _enable_when(item.required_when)
    if enable_when:
        node["enableWhen"] = enable_when
    if item.options:
        system = _code_system(definition, item)
        node["answerOption"] = [
            {"valueCoding": {"system": system, "code": o.code, "display": o.label}} for o in item.options
        ]
    extensions = []
    value_key = "valueInteger" if item.type == "integer" else "valueDecimal"
    if item.min is not None:
        minimum = int(item.min) if item.type == "integer" else item.min
        extensions.append({"url": "http://hl7.org/fhir/StructureDefinition/minValue", value_key: minimum})
    if item.max is not None:
        maximum = int(item.max) if item.type == "integer" else item.max
        extensions.append({"url": "http://hl7.org/fhir/StructureDefinition/maxValue", value_key: maximum})
    if extensions:
        node["extension"] = extensions
    if item.children:
        node["item"] = [_questionnaire_item(definition, child) for child in item.children]
    return node


def questionnaire(definition: FormDefinition) -> Questionnaire:
    """The form version as a FHIR Questionnaire."""
    return Questionnaire(
        id=f"{definition.form_id}-{definition.version}",
        url=definition.fhir_url,
        version=definition.version,
        name="KoerekortLaegeerklaering",
        title=definition.title,
        status=_STATUS.get(definition.status, "draft"),
        publisher=definition.publisher or None,
        subjectType=["Patient"],
        effectivePeriod={"start": definition.effective_from} if definition.effective_from else None,
        item=[
            {
                "linkId": part.id,
                "text": part.title,
                "type": "group",
                "item": [_questionnaire_item(definition, item) for item in part.items],
            }
            for part in definition.parts
        ],
    )


def _answers(definition: FormDefinition, item: Item, value: Any) -> list[dict[str, Any]]:
    if item.type == "boolean" and isinstance(value, bool):
        return [{"valueBoolean": value}]
    if item.type == "decimal" and isinstance(value, int | float) and not isinstance(value, bool):
        return [{"valueDecimal": Decimal(str(value))}]
    if item.type == "integer" and isinstance(value, int) and not isinstance(value, bool):
        return [{"valueInteger": value}]
    if item.type in ("string", "text") and isinstance(value, str):
        return [{"valueString": value}]
    if item.type == "date" and isinstance(value, str):
        return [{"valueDate": value}]
    if item.type in ("choice", "multichoice"):
        labels = {o.code: o.label for o in item.options}
        values = value if isinstance(value, list) else [value]
        system = _code_system(definition, item)
        return [
            {"valueCoding": {"system": system, "code": v, "display": labels[v]}}
            for v in values
            if isinstance(v, str) and v in labels
        ]
    return []


def _response_items(definition: FormDefinition, items: tuple[Item, ...], document: dict[str, Any]) -> list[Any]:
    nodes: list[dict[str, Any]] = []
    for item in items:
        if item.type == "group":
            children = _response_items(definition, item.children, document)
            if children:
                nodes.append({"linkId": link_id(item.pointer), "text": item.label, "item": children})
            continue
        value = get_pointer(document, item.pointer)
        if is_missing(value):
            continue
        answers = _answers(definition, item, value)
        if answers:
            nodes.append({"linkId": link_id(item.pointer), "text": item.label, "answer": answers})
    return nodes


def questionnaire_response(
    definition: FormDefinition,
    *,
    response_id: str,
    document: dict[str, Any],
    status: str,
    citizen_cpr: str,
    author_authorisation_id: str | None,
    authored: datetime | None,
) -> QuestionnaireResponse:
    """One certificate as a FHIR QuestionnaireResponse (subject by CPR, author by authorisation id)."""
    parts = []
    for part in definition.parts:
        children = _response_items(definition, part.items, document)
        if children:
            parts.append({"linkId": part.id, "text": part.title, "item": children})
    return QuestionnaireResponse(
        id=response_id,
        questionnaire=definition.canonical_url,
        status=status,
        subject={"type": "Patient", "identifier": {"system": CPR_SYSTEM, "value": citizen_cpr}},
        author=(
            {"type": "Practitioner", "identifier": {"system": AUTHORISATION_SYSTEM, "value": author_authorisation_id}}
            if author_authorisation_id
            else None
        ),
        authored=authored,
        item=parts or None,
    )


def to_json(resource: Questionnaire | QuestionnaireResponse) -> dict[str, Any]:
    """The resource as plain JSON (no nulls), ready for an application/fhir+json response."""
    import orjson

    return dict(orjson.loads(resource.model_dump_json(exclude_none=True)))
