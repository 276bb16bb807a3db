"""From a register-match list to a decided, journaled case, on PostgreSQL through the API."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from services.kontrol.models import Candidate, SimEsdhDocument, SimRegisterPerson
from shared import cpr as cpr_utils
from shared.audit.models import AuditEvent
from shared.notifications.digital_post import letters_for


def test_list_to_decision(world, session, client_for, auth, run_tasks, import_list) -> None:
    client = client_for("kontrol")
    anne = auth("sb-anne", "kontrol")
    cprs = world.outsider_cprs[:30]

    first = import_list(cprs)
    assert first.status_code == 201, first.text
    assert first.json()["created_count"] == 30
    again = import_list(cprs)
    assert again.status_code == 200 and again.json()["already_imported"] is True
    assert session.scalar(select(func.count()).select_from(Candidate)) == 30

    referral = client.post(
        "/api/v1/referrals",
        json={"cpr": world.outsider_cprs[40], "channel": "skat", "referring_unit": "Skattestyrelsen"},
        headers={**anne, "Idempotency-Key": "skat-henv-1"},
    )
    assert referral.status_code == 201, referral.text
    retry = client.post(
        "/api/v1/referrals",
        json={"cpr": world.outsider_cprs[40], "channel": "skat", "referring_unit": "Skattestyrelsen"},
        headers={**anne, "Idempotency-Key": "skat-henv-1"},
    )
    assert retry.status_code == 200 and retry.json()["candidate_id"] == referral.json()["candidate_id"]

    dispatched = client.post("/api/v1/gathering-runs", headers=anne)
    assert dispatched.json() == {"queued": 31}
    run_tasks()

    queue = client.get("/api/v1/queue", headers=anne)
    assert queue.status_code == 200, queue.text
    body = queue.json()
    assert len(body["items"]) == 12  # default capacity: 12 a week, half to the control group
    assert {i["arm"] for i in body["items"]} == {"model", "control"}
    names = [p.name for p in session.scalars(select(SimRegisterPerson))]
    text = queue.text
    for number in [*cprs, world.outsider_cprs[40]]:
        assert number not in text and cpr_utils.mask(number)[:6] not in text
    assert not any(name in text for name in names)
    model_items = [i for i in body["items"] if i["arm"] == "model"]
    assert model_items[0]["reasons"], "the top of the queue carries plain-Danish reasons"
    savings = [i["expected_saving_ore"] for i in model_items]
    assert savings == sorted(savings, reverse=True)
    # Paging reads only a page (and one more row) yet walks the same release: model arm first, then control.
    paged, cursor = [], None
    while True:
        params = {"limit": 5, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/queue", params=params, headers=anne).json()
        paged += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [(i["arm"], i["candidate_id"]) for i in paged] == [(i["arm"], i["candidate_id"]) for i in body["items"]]
    exact = client.get("/api/v1/queue", params={"limit": 12}, headers=anne).json()
    assert len(exact["items"]) == 12 and exact["next_cursor"] is None

    top = model_items[0]
    opened = client.post(
        f"/api/v1/cases/{top['candidate_id']}/openings",
        json={"purpose": "Højeste forventede besparelse i køen"},
        headers={**anne, "Idempotency-Key": "open-1"},
    )
    assert opened.status_code == 201, opened.text
    case = opened.json()
    assert cpr_utils.is_valid(case["person"]["cpr"]) and case["person"]["name"]
    replay = client.post(
        f"/api/v1/cases/{top['candidate_id']}/openings",
        json={"purpose": "Højeste forventede besparelse i køen"},
        headers={**anne, "Idempotency-Key": "open-1"},
    )
    assert replay.status_code == 200 and replay.json()["reference"] == case["reference"]
    twice = client.post(
        f"/api/v1/cases/{top['candidate_id']}/openings", json={"purpose": "igen"}, headers=auth("sb-bo", "kontrol")
    )
    assert twice.status_code == 409

    run_tasks()
    citizen = case["person"]["cpr"]
    letters = letters_for(session, recipient_cpr=citizen)
    assert len(letters) == 1
    assert "bopæl" in letters[0].title and "aktindsigt" in letters[0].body and "CPR" in letters[0].body
    detail = client.get(f"/api/v1/cases/{case['case_id']}", headers=anne).json()
    assert detail["journal_number"] and detail["underretning_sent_at"]
    assert session.scalar(select(func.count()).where(SimEsdhDocument.journal_number == detail["journal_number"])) == 3
    assert client.get(f"/api/v1/cases/{case['case_id']}", headers=auth("sb-bo", "kontrol")).status_code == 404

    sheet = client.get(f"/api/v1/cases/{case['case_id']}/forklaringsark", headers=anne).json()
    assert sheet["model"]["version"] == 1 and sheet["data"] and sheet["assessment"]["contributions"]
    pdf = client.get(f"/api/v1/cases/{case['case_id']}/forklaringsark?format=pdf", headers=anne)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF-1.4")

    too_early = client.post(
        f"/api/v1/cases/{case['case_id']}/decisions",
        json={
            "outcome": "samfundsbesparelse",
            "cpr_corrected": True,
            "decided_on": date.today().isoformat(),
            "amounts": [
                {"benefit_type": "boligsikring", "repayment_claim_ore": 1_200_000, "forward_saving_12m_ore": 2_400_000}
            ],
        },
        headers=anne,
    )
    assert too_early.status_code == 409 and too_early.json()["type"].endswith("hearing_required")
    hearing_body = {
        "sent_on": date.today().isoformat(),
        "response_deadline": (date.today() + timedelta(days=14)).isoformat(),
    }
    hearing = client.post(
        f"/api/v1/cases/{case['case_id']}/hearings", json=hearing_body, headers={**anne, "Idempotency-Key": "h-1"}
    )
    assert hearing.status_code == 201, hearing.text
    hearing_retry = client.post(
        f"/api/v1/cases/{case['case_id']}/hearings", json=hearing_body, headers={**anne, "Idempotency-Key": "h-1"}
    )
    assert hearing_retry.status_code == 200 and hearing_retry.json()["id"] == hearing.json()["id"]
    decision = client.post(
        f"/api/v1/cases/{case['case_id']}/decisions",
        json={
            "outcome": "samfundsbesparelse",
            "cpr_corrected": True,
            "decided_on": date.today().isoformat(),
            "amounts": [
                {"benefit_type": "boligsikring", "repayment_claim_ore": 1_200_000, "forward_saving_12m_ore": 2_400_000}
            ],
        },
        headers=anne,
    )
    assert decision.status_code == 201, decision.text
    assert decision.json()["status"] == "afgjort"
    second = client.post(
        f"/api/v1/cases/{case['case_id']}/decisions",
        json={"outcome": "ingen_samfundsbesparelse", "cpr_corrected": False, "decided_on": date.today().isoformat()},
        headers=anne,
    )
    assert second.status_code == 409

    precision = client.get("/api/v1/reports/precision", headers=anne).json()
    month = date.today().strftime("%Y-%m")
    assert precision["months"][-1]["month"] == month
    assert precision["months"][-1]["model"] == {
        "decided": 1,
        "hits": 1,
        "precision": 1.0,
        "ci95": precision["months"][-1]["model"]["ci95"],
    }
    savings = client.get("/api/v1/reports/savings", headers=anne).json()
    assert savings["items"][0]["department"] == "KFF" and savings["total_ore"] == 3_600_000
    groups = client.get("/api/v1/reports/control-group", headers=anne).json()
    assert groups["arms"]["model"]["decided"] == 1

    actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.service == "kontrol")))
    assert {
        "kontrol.case.opened",
        "kontrol.case.read",
        "kontrol.underretning.sent",
        "kontrol.case.journaled",
    } <= actions
