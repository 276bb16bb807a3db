"""FHIR R4 (via fhir.resources.R4B) for the form and each certificate; the status lookup for sms_ydelse;
live validation endpoints; the quality report."""

from __future__ import annotations

from datetime import date

from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from sqlalchemy import select

from services.koerekort.forms.definition import current_definition
from services.koerekort.forms.fhir import link_id
from services.koerekort.status import STATUS_TEXT
from shared.audit.models import AuditEvent
from tests.koerekort.conftest import JONAS_CPR, METTE_CPR, del_a, doctor_parts


def _link_ids(items) -> set[str]:
    found: set[str] = set()
    for item in items or []:
        found.add(item["linkId"] if isinstance(item, dict) else item.linkId)
        found |= _link_ids(item.get("item") if isinstance(item, dict) else item.item)
    return found


def test_the_questionnaire_has_every_item_of_the_form(kk, hansen) -> None:
    response = kk.get("/api/v1/forms/2025.1/questionnaire", headers=hansen)
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/fhir+json")
    questionnaire = Questionnaire.model_validate(response.json())
    assert questionnaire.url.endswith("koerekort-laegeerklaering") and questionnaire.version == "2025.1"
    expected = {link_id(p) for p in current_definition().items_by_pointer} | {
        "del_a",
        "del_b",
        "supplementary",
        "conclusion",
    }
    assert _link_ids(response.json()["item"]) == expected
    acuity = next(
        i for i in response.json()["item"][1]["item"][1]["item"] if i["linkId"] == "del_b.vision.acuity_right"
    )
    assert acuity["type"] == "decimal" and acuity["required"] is True
    assert {e["url"].rsplit("/", 1)[1]: e["valueDecimal"] for e in acuity["extension"]} == {
        "minValue": 0.0,
        "maxValue": 2.0,
    }


def test_a_submitted_certificate_is_a_questionnaire_response(flow, hansen, karin) -> None:
    f = flow().ready_for_doctor()
    draft = f.client.get(f"/api/v1/certificates/{f.certificate_id}/questionnaire-response", headers=hansen)
    assert QuestionnaireResponse.model_validate(draft.json()).status == "in-progress"
    f.submitted(hansen)
    response = f.client.get(f"/api/v1/certificates/{f.certificate_id}/questionnaire-response", headers=karin)
    resource = QuestionnaireResponse.model_validate(response.json())
    assert resource.status == "completed" and resource.questionnaire.endswith("|2025.1")
    assert resource.subject.identifier.system == "urn:oid:1.2.208.176.1.2"
    assert resource.subject.identifier.value == METTE_CPR
    assert resource.author.identifier.value == "0A1B2"
    answers = {}

    def walk(items) -> None:
        for item in items or []:
            if item.answer:
                answers[item.linkId] = item.answer[0]
            walk(item.item)

    walk(resource.item)
    assert float(answers["del_b.vision.acuity_binocular"].valueDecimal) == 1.0
    assert answers["conclusion.result"].valueCoding.code == "fit"
    assert answers["del_a.health.diabetes"].valueBoolean is False


def test_status_lookup_for_sms_ydelse(flow, kk, system, hansen, db_session) -> None:
    none = kk.post("/api/v1/status-lookups", json={"cpr": JONAS_CPR}, headers=system)
    assert none.status_code == 404 and none.json()["type"].endswith("no_application")
    assert JONAS_CPR not in none.text
    f = flow(METTE_CPR).ready_for_doctor()
    found = kk.post("/api/v1/status-lookups", json={"cpr": "150285-1236"}, headers=system).json()
    assert found["found"] is True and found["status_code"] == "with_doctor"
    assert found["status_text"] == STATUS_TEXT["with_doctor"] and found["updated_at"]
    assert kk.post("/api/v1/status-lookups", json={"cpr": METTE_CPR}, headers=hansen).status_code == 403
    assert kk.post("/api/v1/status-lookups", json={"cpr": METTE_CPR}, headers=f.citizen).status_code == 403
    lookups = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "application.status.lookup")).all()
    assert [(e.actor_sub, e.details["found"]) for e in lookups] == [("svc-sms-ydelse", False), ("svc-sms-ydelse", True)]


def test_status_texts_are_short_and_free_of_health_data() -> None:
    for text in STATUS_TEXT.values():
        assert len(text) <= 100 and not any(w in text.lower() for w in ("diabetes", "syn", "epilepsi", "hjerte"))


def test_stateless_live_validation_for_pages(kk, hansen) -> None:
    body = {
        "scope": "all",
        "document": {"del_a": del_a(["C"]), **{k: v for k, v in doctor_parts(["C"]).items() if k != "form_version"}},
        "context": {"categories": ["C"], "is_own_gp": False},
    }
    body["document"]["del_b"]["vision"]["acuity_right"] = 12
    response = kk.post("/api/v1/forms/2025.1/validations", json=body, headers=hansen)
    assert response.status_code == 200
    errors = {(e["field"], e["code"]) for e in response.json()["errors"]}
    assert errors == {
        ("/del_b/vision/acuity_right", "out_of_range"),
        ("/del_b/examination/not_own_gp_reason", "not_own_gp_reason_required"),
    }
    assert kk.post("/api/v1/forms/1999.1/validations", json=body, headers=hansen).status_code == 404


def test_live_validation_of_unsaved_input_changes_nothing(flow, hansen) -> None:
    f = flow().ready_for_doctor()
    before = f.client.get(f"/api/v1/certificates/{f.certificate_id}", headers=hansen).json()["version"]
    parts = doctor_parts()
    parts["conclusion"]["result"] = "time_limited"
    response = f.client.post(f"/api/v1/certificates/{f.certificate_id}/validations", json=parts, headers=hansen)
    assert [e["code"] for e in response.json()["errors"]] == [
        "time_limit_period_required",
        "non_plain_conclusion_needs_assessment",
    ]
    view = f.client.get(f"/api/v1/certificates/{f.certificate_id}", headers=hansen).json()
    assert view["document"].get("conclusion") is None and view["version"] == before


def test_quality_report(flow, hansen, karin, kk, run_tasks) -> None:
    f = flow(METTE_CPR).ready_for_doctor()
    broken = doctor_parts()
    broken["conclusion"]["result"] = "fit_with_conditions"
    f.draft(hansen, broken)  # an error caught at the source
    f.submitted(hansen)
    f.client.post(
        f"/api/v1/certificates/{f.certificate_id}/information-requests",
        json={"message": "Uddyb venligst."},
        headers=karin,
    )
    g = flow(JONAS_CPR).ready_for_doctor()
    g.submitted(hansen)
    assert g.client.post(f"/api/v1/certificates/{g.certificate_id}/approvals", headers=karin).status_code == 201
    paper = kk.post(
        "/api/v1/paper-certificates",
        json={"received_on": date.today().isoformat(), "had_errors": True, "error_types": ["E08", "E99"]},
        headers=karin,
    )
    assert paper.status_code == 422 and paper.json()["errors"][0]["field"] == "/error_types/1"
    for errors in ([], ["E08"]):
        kk.post(
            "/api/v1/paper-certificates",
            json={"received_on": date.today().isoformat(), "had_errors": bool(errors), "error_types": errors},
            headers=karin,
        )
    report = kk.get("/api/v1/reports/quality", headers=karin).json()
    assert report["certificates_submitted_digitally"] == 2
    caught = report["errors_caught_before_submission"]
    assert caught["certificates_with_caught_errors"] == 1
    assert {t["code"] for t in caught["by_type"]} == {"conditions_required", "non_plain_conclusion_needs_assessment"}
    assert report["returns_to_doctors"] == {
        "information_requests": 1,
        "certificates_with_request": 1,
        "share_of_submitted": 0.5,
        "paper_baseline_share": 0.2,
    }
    assert report["decisions"]["approved"] == 1 and report["lead_time_days_start_to_approval"]["count"] == 1
    assert report["share_digital"] == {"digital": 2, "paper": 2, "share": 0.5, "target": 0.5}
    assert report["paper"]["share_with_errors"] == 0.5
    assert kk.get("/api/v1/reports/quality", headers=hansen).status_code == 403
