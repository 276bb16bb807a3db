"""Quality and effect figures for Borgerservice (aggregates only, no personal data).

- error types caught before submission (compare: 20 % of paper certificates had errors, seed Bilag 2B),
- returns to doctors (information requests) per submitted certificate,
- lead time from start to approval, and Borgerservice's handling time from submission to decision,
- share digital (digital submissions against paper certificates Borgerservice registered).
"""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.koerekort.documents import COPENHAGEN
from services.koerekort.forms.definition import all_definitions
from services.koerekort.models import (
    Application,
    ApplicationStatus,
    Certificate,
    InformationRequest,
    PaperCertificate,
)

PAPER_ERROR_BASELINE = 0.20  # 1,600 of 8,000 paper certificates (seed Bilag 2B)
KPI_ERRORS_STOPPED = 0.80
KPI_SHARE_DIGITAL = 0.50
ITEM_CODE_TITLES = {
    "required": "Påkrævet felt ikke udfyldt",
    "invalid_type": "Forkert format (fx synsstyrke som brøk)",
    "out_of_range": "Værdi uden for det tilladte interval",
    "invalid_option": "Ugyldigt valg",
    "invalid_date": "Ugyldig dato",
    "date_in_future": "Dato i fremtiden",
    "too_long": "For lang tekst",
    "unknown_field": "Felt findes ikke i blanketversionen",
    "must_be_true": "Erklæring ikke bekræftet",
    "invalid_format": "Forkert format",
    "duplicate_option": "Samme valg flere gange",
}


def code_titles() -> dict[str, str]:
    """A Danish title for every validation code of every form version."""
    titles = dict(ITEM_CODE_TITLES)
    for definition in all_definitions():
        for rule in definition.rules:
            titles.setdefault(rule.code, rule.message.split(".")[0])
    return titles


def _bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    start = datetime.combine(date_from, time.min, tzinfo=COPENHAGEN)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=COPENHAGEN)
    return start, end


def _days(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds() / 86400


def _spread(values: list[float]) -> dict[str, float | int | None]:
    if not values:
        return {"count": 0, "median": None, "p90": None, "mean": None}
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return {
        "count": len(values),
        "median": round(statistics.median(values), 2),
        "p90": round(p90, 2),
        "mean": round(statistics.fmean(values), 2),
    }


def quality_report(session: Session, *, date_from: date, date_to: date) -> dict[str, Any]:
    """The figures for applications submitted (and paper certificates received) in the period."""
    start, end = _bounds(date_from, date_to)
    submitted = [
        (row[0], row[1])
        for row in session.execute(
            select(Certificate, Application)
            .join(Application, Application.id == Certificate.application_id)
            .where(Application.first_submitted_at >= start, Application.first_submitted_at < end)
        )
    ]
    caught: Counter[str] = Counter()
    with_caught = 0
    for certificate, _application in submitted:
        codes = set(certificate.caught_error_codes or [])
        caught.update(codes)
        with_caught += bool(codes)
    submitted_count = len(submitted)
    certificate_ids = [c.id for c, _a in submitted]
    requests_count = 0
    with_request = 0
    if certificate_ids:
        per_certificate = session.execute(
            select(InformationRequest.certificate_id, func.count())
            .where(InformationRequest.certificate_id.in_(certificate_ids))
            .group_by(InformationRequest.certificate_id)
        ).all()
        requests_count = sum(n for _id, n in per_certificate)
        with_request = len(per_certificate)
    decided = list(
        session.scalars(
            select(Application).where(
                Application.decided_at >= start,
                Application.decided_at < end,
                Application.status.in_((ApplicationStatus.approved, ApplicationStatus.returned)),
            )
        )
    )
    approved = [a for a in decided if a.status == ApplicationStatus.approved]
    lead_days = [_days(a.decided_at, a.created_at) for a in approved if a.decided_at]
    handling_days = [
        _days(a.decided_at, a.first_submitted_at) for a in decided if a.decided_at and a.first_submitted_at
    ]
    paper = list(
        session.scalars(
            select(PaperCertificate).where(
                PaperCertificate.received_on >= date_from, PaperCertificate.received_on <= date_to
            )
        )
    )
    paper_with_errors = sum(1 for p in paper if p.had_errors)
    total_received = submitted_count + len(paper)
    titles = code_titles()
    share_returned_to_doctor = with_request / submitted_count if submitted_count else None
    return {
        "period": {"from": date_from, "to": date_to},
        "certificates_submitted_digitally": submitted_count,
        "errors_caught_before_submission": {
            "certificates_with_caught_errors": with_caught,
            "share_of_certificates": with_caught / submitted_count if submitted_count else None,
            "by_type": [
                {"code": code, "title": titles.get(code, code), "certificates": count}
                for code, count in caught.most_common()
            ],
            "note": "En digital erklæring kan ikke indsendes med fejl; tallet viser fejl, der blev stoppet ved kilden.",
        },
        "returns_to_doctors": {
            "information_requests": requests_count,
            "certificates_with_request": with_request,
            "share_of_submitted": share_returned_to_doctor,
            "paper_baseline_share": PAPER_ERROR_BASELINE,
        },
        "decisions": {
            "approved": len(approved),
            "returned_to_citizen": sum(1 for a in decided if a.status == ApplicationStatus.returned),
        },
        "lead_time_days_start_to_approval": _spread(lead_days),
        "handling_days_submission_to_decision": _spread(handling_days),
        "share_digital": {
            "digital": submitted_count,
            "paper": len(paper),
            "share": submitted_count / total_received if total_received else None,
            "target": KPI_SHARE_DIGITAL,
        },
        "paper": {
            "received": len(paper),
            "with_errors": paper_with_errors,
            "share_with_errors": paper_with_errors / len(paper) if paper else None,
            "seed_baseline": PAPER_ERROR_BASELINE,
        },
        "kpi_errors_stopped_target": KPI_ERRORS_STOPPED,
    }
