"""Opaque cursors for keyset pagination with a stable order (created_at, id)."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime

from shared.errors import FieldError, Unprocessable


def encode_cursor(at: datetime, ident: uuid.UUID) -> str:
    """Cursor text for the last row of a page."""
    raw = f"{at.isoformat()}|{ident}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    """The (created_at, id) a cursor points at; 422 when it is not one of ours."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        at_text, ident = base64.urlsafe_b64decode(padded.encode()).decode().split("|", 1)
        at = datetime.fromisoformat(at_text)
        if at.tzinfo is None:
            raise ValueError("naive")
        return at, uuid.UUID(ident)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Unprocessable(
            "Ugyldig markør til næste side.",
            errors=[FieldError("/query/cursor", "invalid_cursor", "Markøren er ugyldig; start forfra uden markør.")],
        ) from exc
