"""The error catalogue (docs/koerekort/error-catalogue.md): a test per typical paper mistake showing the form
stops it (or, for the few it cannot, what happens instead), and the measurement on a synthetic batch."""

from __future__ import annotations

import random
import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from services.koerekort.forms.definition import current_definition
from services.koerekort.forms.rules import validate
from services.koerekort.models import Signature, Submission
from services.koerekort.plausibility.model import get_model
from services.koerekort.plausibility.synthetic import plausible
from services.koerekort.quality.error_catalogue import CATALOGUE, entry, erroneous, measure
from tests.koerekort.conftest import MIA_CPR, del_a, doctor_parts

TODAY = date(2026, 3, 15)
DOC = Path(__file__).resolve().parents[2] / "docs" / "koerekort" / "error-catalogue.md"


def _applied(entry_id: str, seed: int):
    rng = random.Random(seed)
    return erroneous(plausible(rng, TODAY), entry(entry_id), rng, TODAY)


@pytest.mark.parametrize("item", [e for e in CATALOGUE if e.handling == "rule"], ids=lambda e: e.id)
def test_rule_entries_are_stopped_by_their_rule(item) -> None:
    definition = current_definition()
    for seed in range(12):  # on a dozen different synthetic certificates
        certificate = _applied(item.id, seed)
        codes = {f.code for f in validate(definition, certificate.document, certificate.context).errors}
        assert codes & set(item.codes), (item.id, seed, codes)


def test_e01_a_submission_always_carries_the_doctors_signature(flow, hansen, db_session) -> None:
    f = flow().ready_for_doctor()
    f.submitted(hansen)
    submission = db_session.scalars(select(Submission)).one()
    signature = db_session.get(Signature, submission.signature_id)
    assert signature.part == "certificate" and signature.signer_authorisation_id == "0A1B2"
    assert signature.content_sha256 == submission.content_sha256


def test_e02_the_doctor_cannot_start_before_the_applicant_has_signed(flow, hansen) -> None:
    f = flow()
    f.start()
    f.fill_del_a(del_a())
    f.choose_doctor("0A1B2")
    assert f.draft(hansen, doctor_parts()).status_code == 404
    f.sign()
    assert f.draft(hansen, doctor_parts()).status_code == 200


def test_e22_an_old_form_version_is_refused(flow, hansen) -> None:
    f = flow().ready_for_doctor()
    parts = doctor_parts()
    parts["form_version"] = "2017.1"
    assert f.draft(hansen, parts).status_code == 422


@pytest.mark.parametrize("entry_id", ["E08", "E11", "E15", "E21"])
def test_stopped_mistakes_are_refused_by_the_submit_endpoint(flow, hansen, db_session, entry_id) -> None:
    """Through HTTP too: the doctor's submit answers 422 with the rule's code and nothing is stored."""
    f = flow().ready_for_doctor()
    parts = doctor_parts()
    document = {"del_a": del_a(), **{k: v for k, v in parts.items() if k != "form_version"}}
    context = {"group": "1", "categories": ["B"], "is_own_gp": True, "attachments": [], "today": TODAY.isoformat()}
    entry(entry_id).mutate(document, context, random.Random(1), TODAY)
    body = {"form_version": "2025.1", **{k: document[k] for k in ("del_b", "supplementary", "conclusion")}}
    assert f.draft(hansen, body).status_code == 200
    response = f.submit(hansen, key=f"cat-{entry_id}-000001")
    assert response.status_code == 422
    assert set(entry(entry_id).codes) & {e["code"] for e in response.json()["errors"]}
    assert db_session.scalars(select(Submission)).all() == []


def test_e19_a_doctor_who_is_not_the_own_gp_must_say_why(flow, hansen) -> None:
    f = flow(MIA_CPR).ready_for_doctor()  # Mia is not listed with any GP, so Hansen is not her own GP
    parts = doctor_parts()
    f.draft(hansen, parts)
    refused = f.submit(hansen, key="e19-000001")
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["/del_b/examination/not_own_gp_reason"]
    parts["del_b"]["examination"]["not_own_gp_reason"] = "Ansøgeren har ingen fast læge; undersøgt i lægevagten."
    f.draft(hansen, parts)
    assert f.submit(hansen, key="e19-000002").status_code == 201


def test_flagged_entries_pass_the_rules_but_are_shown_to_a_human() -> None:
    definition = current_definition()
    serious = _applied("E24", 1)
    assert validate(definition, serious.document, serious.context).valid
    assessment = get_model().assess(serious.document, age=serious.age, group=serious.context["group"], today=TODAY)
    assert assessment.flagged and assessment.kind == "serious_findings_plain_fit"
    seizure = _applied("E25", 1)
    result = validate(definition, seizure.document, seizure.context)
    assert result.valid and "epilepsy_seizure_free_period" in {w.code for w in result.warnings}


def test_an_undisclosed_condition_is_not_detectable_and_we_say_so() -> None:
    certificate = _applied("E26", 1)
    assert validate(current_definition(), certificate.document, certificate.context).valid


def test_the_synthetic_batch_meets_the_80_percent_kpi() -> None:
    result = measure(current_definition(), size=1500, seed=2025, today=TODAY)
    assert result["share_stopped_in_batch"] >= 0.80, result
    assert result["share_stopped_including_construction"] >= result["share_stopped_in_batch"]
    rule_entries = [e.id for e in CATALOGUE if e.handling == "rule"]
    assert all(result["per_entry"][i]["share"] == 1.0 for i in rule_entries if result["per_entry"][i]["total"])
    assert all(result["per_entry"][i]["share"] == 0.0 for i in ("E24", "E25", "E26") if result["per_entry"][i]["total"])


def test_the_document_lists_every_entry_with_its_handling() -> None:
    text = DOC.read_text(encoding="utf-8")
    for item in CATALOGUE:
        row = re.search(rf"^\| {item.id} \|.*$", text, flags=re.MULTILINE)
        assert row, f"{item.id} missing from {DOC.name}"
        assert item.handling in row.group(0)
