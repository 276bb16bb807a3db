"""Usage figures for the operations page: calls, SMS by status, product, day and hour, delivery times, satisfaction.

Buckets use the Copenhagen day and hour stored on each row, so the same SQL runs on PostgreSQL
and SQLite; nothing here identifies a citizen.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.sms_ydelse.models import IvrCall, Message, MessageStatus, SatisfactionResponse

MAX_RANGE_DAYS = 366


def _percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"count": 0, "p50": None, "p90": None, "p99": None, "max": None}
    ordered = sorted(values)

    def pick(q: float) -> float:
        k = (len(ordered) - 1) * q
        low = int(k)
        high = min(low + 1, len(ordered) - 1)
        return round(ordered[low] + (ordered[high] - ordered[low]) * (k - low), 3)

    return {"count": len(ordered), "p50": pick(0.5), "p90": pick(0.9), "p99": pick(0.99), "max": round(ordered[-1], 3)}


def _empty_counts() -> dict[str, int]:
    return {
        "calls": 0,
        "accepted": 0,
        "invalid_cpr": 0,
        "cpr_attempts_exhausted": 0,
        "rate_limited": 0,
        "sms_queued": 0,
        "sms_sent": 0,
        "sms_delivered": 0,
        "sms_failed": 0,
        "sms_pending": 0,
    }


def _add_calls(counts: dict[str, int], status: str, invalid_attempts: int, n: int) -> None:
    counts["calls"] += n
    if status in ("accepted", "completed"):
        counts["accepted"] += n
    elif status == "rate_limited":
        counts["rate_limited"] += n
    elif status == "cpr_attempts_exhausted":
        counts["cpr_attempts_exhausted"] += n
    if invalid_attempts:
        counts["invalid_cpr"] += n


def _add_messages(counts: dict[str, int], status: str, n: int) -> None:
    counts["sms_queued"] += n
    if status in (MessageStatus.sent, MessageStatus.delivered):
        counts["sms_sent"] += n
    if status == MessageStatus.delivered:
        counts["sms_delivered"] += n
    elif status == MessageStatus.failed:
        counts["sms_failed"] += n
    elif status in (MessageStatus.queued, MessageStatus.sending):
        counts["sms_pending"] += n


def _call_rows(session: Session, date_from: date, date_to: date, product: str | None, *, by_hour: bool) -> list[Any]:
    columns: list[Any] = [IvrCall.received_day, IvrCall.product, IvrCall.status, IvrCall.invalid_attempts > 0]
    if by_hour:
        columns.insert(1, IvrCall.received_hour)
    statement = select(*columns, func.count()).where(IvrCall.received_day.between(date_from, date_to))
    if product:
        statement = statement.where(IvrCall.product == product)
    return list(session.execute(statement.group_by(*columns)))


def _message_rows(session: Session, date_from: date, date_to: date, product: str | None, *, by_hour: bool) -> list[Any]:
    columns: list[Any] = [Message.created_day, Message.product, Message.status]
    if by_hour:
        columns.insert(1, Message.created_hour)
    statement = select(*columns, func.count()).where(Message.created_day.between(date_from, date_to))
    if product:
        statement = statement.where(Message.product == product)
    return list(session.execute(statement.group_by(*columns)))


def daily(session: Session, *, date_from: date, date_to: date, product: str | None = None) -> list[dict[str, Any]]:
    """One row per day and product (SMS from other services appear with product 'notifikation')."""
    buckets: dict[tuple[date, str], dict[str, int]] = defaultdict(_empty_counts)
    for day, prod, status, invalid, n in _call_rows(session, date_from, date_to, product, by_hour=False):
        _add_calls(buckets[(day, prod)], status, invalid, n)
    for day, prod, status, n in _message_rows(session, date_from, date_to, product, by_hour=False):
        _add_messages(buckets[(day, prod or "notifikation")], status, n)
    return [{"day": day.isoformat(), "product": prod, **counts} for (day, prod), counts in sorted(buckets.items())]


def hourly(session: Session, *, day: date, product: str | None = None) -> list[dict[str, Any]]:
    """One row per hour (0-23, Copenhagen time) and product for one day: payment-day peaks show here."""
    buckets: dict[tuple[int, str], dict[str, int]] = defaultdict(_empty_counts)
    for _day, hour, prod, status, invalid, n in _call_rows(session, day, day, product, by_hour=True):
        _add_calls(buckets[(hour, prod)], status, invalid, n)
    for _day, hour, prod, status, n in _message_rows(session, day, day, product, by_hour=True):
        _add_messages(buckets[(hour, prod or "notifikation")], status, n)
    return [{"hour": hour, "product": prod, **counts} for (hour, prod), counts in sorted(buckets.items())]


def overview(session: Session, *, date_from: date, date_to: date, product: str | None = None) -> dict[str, Any]:
    """Totals per product, call-to-SMS times (seconds) and satisfaction for a period."""
    totals: dict[str, dict[str, int]] = defaultdict(_empty_counts)
    for row in daily(session, date_from=date_from, date_to=date_to, product=product):
        bucket = totals[row["product"]]
        for key in bucket:
            bucket[key] += row[key]
    timing = select(Message.product, Message.origin_at, Message.sent_at, Message.delivered_at).where(
        Message.created_day.between(date_from, date_to), Message.sent_at.is_not(None)
    )
    if product:
        timing = timing.where(Message.product == product)
    to_gateway: dict[str, list[float]] = defaultdict(list)
    to_delivered: dict[str, list[float]] = defaultdict(list)
    for prod, origin, sent, delivered in session.execute(timing):
        if sent is None:
            continue
        key = prod or "notifikation"
        to_gateway[key].append((sent - origin).total_seconds())
        if delivered is not None:
            to_delivered[key].append((delivered - origin).total_seconds())
    satisfaction: dict[str, dict[str, Any]] = {}
    scores = select(SatisfactionResponse.product, SatisfactionResponse.score, func.count()).where(
        SatisfactionResponse.received_day.between(date_from, date_to)
    )
    if product:
        scores = scores.where(SatisfactionResponse.product == product)
    for prod, score, n in session.execute(scores.group_by(SatisfactionResponse.product, SatisfactionResponse.score)):
        entry = satisfaction.setdefault(
            prod or "notifikation", {"responses": 0, "distribution": dict.fromkeys(range(1, 6), 0)}
        )
        entry["responses"] += n
        entry["distribution"][score] += n
    for entry in satisfaction.values():
        total = sum(score * n for score, n in entry["distribution"].items())
        entry["average"] = round(total / entry["responses"], 2) if entry["responses"] else None
    keys = sorted(set(totals) | set(to_gateway) | set(satisfaction))
    return {
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        "products": [
            {
                "product": key,
                **totals.get(key, _empty_counts()),
                "seconds_call_to_gateway": _percentiles(to_gateway.get(key, [])),
                "seconds_call_to_delivered": _percentiles(to_delivered.get(key, [])),
                "satisfaction": satisfaction.get(
                    key, {"responses": 0, "average": None, "distribution": dict.fromkeys(range(1, 6), 0)}
                ),
            }
            for key in keys
        ],
    }


def check_range(date_from: date, date_to: date) -> str | None:
    """A Danish complaint about the period, or None when it is fine."""
    if date_to < date_from:
        return "Slutdatoen ligger før startdatoen."
    if date_to - date_from > timedelta(days=MAX_RANGE_DAYS):
        return f"Perioden må højst være {MAX_RANGE_DAYS} dage."
    return None
