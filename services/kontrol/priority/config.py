"""The unit's settings row: capacity, control-group share, gathering rate (optimistic concurrency by version).

Every change is kept as a version (`settings_versions`: who, role, reason, each value old -> new) and written to
the audit log in the same transaction.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.kontrol.models import KontrolSettings, SettingsVersion
from shared.audit import service as audit
from shared.auth.tokens import Principal
from shared.db import utcnow
from shared.errors import PreconditionFailed

SETTINGS_ID = 1

# The values an administrator may change (PATCH /api/v1/settings); the rest is the system's own state.
ADJUSTABLE = (
    "capacity_per_period",
    "capacity_period",
    "control_share",
    "gathering_rate_per_hour",
    "gathering_paused",
    "min_probability",
    "precision_alert_threshold",
)


def load_settings(session: Session) -> KontrolSettings:
    """The settings row, created with defaults on first use."""
    row = session.get(KontrolSettings, SETTINGS_ID)
    if row is None:
        row = KontrolSettings(
            id=SETTINGS_ID,
            capacity_per_period=12,
            capacity_period="week",
            control_share=0.5,
            assignment_salt=secrets.token_hex(16),
            gathering_rate_per_hour=600,
            gathering_paused=False,
            min_probability=0.0,
            precision_alert_threshold=0.78,
            version=1,
            updated_at=utcnow(),
            updated_by="system",
        )
        session.add(row)
        session.flush()
    return row


def adjustable_values(row: KontrolSettings) -> dict[str, Any]:
    """The adjustable values of the settings row."""
    return {name: getattr(row, name) for name in ADJUSTABLE}


def update_settings(
    session: Session,
    *,
    expected_version: int,
    changes: dict[str, Any],
    actor: Principal,
    reason: str | None = None,
) -> KontrolSettings:
    """Apply changes if the caller saw the current version (412 otherwise); record the version and audit it."""
    row = load_settings(session)
    if row.version != expected_version:
        raise PreconditionFailed(
            "Indstillingerne er ændret af en anden siden du hentede dem. Hent dem igen og prøv på ny.",
            extra={"current_version": row.version},
        )
    unknown = set(changes) - set(ADJUSTABLE)
    if unknown:
        raise ValueError(f"not adjustable: {sorted(unknown)}")
    diff = {
        key: {"old": getattr(row, key), "new": value} for key, value in changes.items() if getattr(row, key) != value
    }
    if not diff:
        return row  # nothing changes: no new version, nothing to audit
    for key, value in changes.items():
        setattr(row, key, value)
    row.version += 1
    row.updated_at = utcnow()
    row.updated_by = actor.sub
    session.add(
        SettingsVersion(
            version=row.version,
            changed_at=row.updated_at,
            changed_by=actor.sub,
            changed_by_role=actor.primary_role,
            reason=reason,
            changes=diff,
            snapshot=adjustable_values(row),
        )
    )
    audit.record(
        session,
        service="kontrol",
        actor=actor,
        action="kontrol.settings.changed",
        purpose=("Ændring af enhedens indstillinger" + (f": {reason}" if reason else ""))[:200],
        object_type="settings",
        object_id=str(SETTINGS_ID),
        details={"version": row.version, "changes": diff},
    )
    session.flush()
    return row


def settings_history(session: Session, *, before_version: int | None = None, limit: int = 50) -> list[SettingsVersion]:
    """The recorded settings versions, newest first (cursor: versions below `before_version`)."""
    statement = select(SettingsVersion).order_by(SettingsVersion.version.desc()).limit(limit)
    if before_version is not None:
        statement = statement.where(SettingsVersion.version < before_version)
    return list(session.scalars(statement))
