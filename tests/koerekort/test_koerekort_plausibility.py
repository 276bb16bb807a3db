"""The plausibility model: measured on synthetic certificates it has not seen, explains its flags, never blocks."""

from __future__ import annotations

import random
from datetime import date

import pytest
from sqlalchemy import select

from services.koerekort.forms.definition import current_definition
from services.koerekort.forms.rules import validate
from services.koerekort.models import Certificate
from services.koerekort.plausibility.features import FEATURES, features
from services.koerekort.plausibility.model import REASONS, evaluate, get_model
from services.koerekort.plausibility.synthetic import ANOMALY_KINDS, batch, plausible, with_anomaly
from tests.koerekort.conftest import doctor_parts

TODAY = date(2026, 3, 15)


def test_synthetic_certificates_pass_the_hard_rules() -> None:
    """The model is for what the rules allow but a human should look at: every synthetic certificate is valid."""
    definition = current_definition()
    for certificate in batch(400, seed=3, today=TODAY):
        result = validate(definition, certificate.document, certificate.context)
        assert result.valid, (certificate.kind, [(e.field, e.code) for e in result.errors])


def test_precision_and_recall_on_a_held_out_synthetic_batch() -> None:
    metrics = evaluate(get_model(), size=800, seed=99, today=TODAY)
    assert metrics["precision"] >= 0.9 and metrics["recall"] >= 0.9, metrics
    assert metrics["false_positive_rate"] <= 0.02, metrics
    assert metrics["reason_accuracy"] >= 0.9, metrics
    assert all(recall >= 0.75 for recall in metrics["recall_per_kind"].values()), metrics["recall_per_kind"]


@pytest.mark.parametrize("kind", ANOMALY_KINDS)
def test_each_kind_is_flagged_with_its_reason_and_the_values_behind_it(kind: str) -> None:
    rng = random.Random(11)
    hits = 0
    for _ in range(10):
        certificate = with_anomaly(rng, TODAY, kind)
        assessment = get_model().assess(
            certificate.document, age=certificate.age, group=certificate.context["group"], today=TODAY
        )
        if assessment.flagged and assessment.kind == kind:
            hits += 1
            reason = assessment.reasons[0]
            assert reason["message"] == REASONS[kind] and reason["facts"]
    assert hits >= 8


def test_no_protected_attribute_is_a_feature() -> None:
    forbidden = ("gender", "sex", "koen", "nationality", "citizenship", "ethnic", "country", "name", "cpr", "postal")
    assert not [f for f in FEATURES if any(word in f for word in forbidden)]
    certificate = plausible(random.Random(1), TODAY)
    values = features(certificate.document, age=40, group="1", today=TODAY)
    assert list(values) == list(FEATURES)


def test_a_flagged_certificate_is_still_submitted_and_borgerservice_sees_why(
    flow, hansen, karin, run_tasks, db_session
) -> None:
    f = flow().ready_for_doctor()
    parts = doctor_parts()
    parts["del_b"]["vision"].update(acuity_right=1.2, acuity_left=1.1, acuity_binocular=0.7)  # allowed, but odd
    draft = f.draft(hansen, parts).json()
    assert draft["validation"]["valid"] is True
    assert f.submit(hansen, key="flagged-000001").status_code == 201  # never blocked
    run_tasks()
    view = f.client.get(f"/api/v1/certificates/{f.certificate_id}", headers=karin).json()
    assert view["plausibility"]["flagged"] is True
    assert view["plausibility"]["kind"] == "binocular_below_better_eye"
    assert "begge øjne" in view["plausibility"]["reasons"][0]["message"]
    assert "vejledende" in view["plausibility"]["note"].lower()
    flagged = f.client.get("/api/v1/certificates?plausibility_flagged=true", headers=karin).json()["items"]
    assert [i["certificate_id"] for i in flagged] == [f.certificate_id]
    # The doctor's view does not carry the flag; the decision stays with Borgerservice.
    assert "plausibility" not in f.client.get(f"/api/v1/certificates/{f.certificate_id}", headers=hansen).json()
    assert db_session.get(Certificate, f.certificate_id).plausibility_flagged is True
    assert select(Certificate) is not None
