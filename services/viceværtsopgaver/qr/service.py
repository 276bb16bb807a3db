"""QR tokens (random nonce + expiry, HMAC-signed with QR_SIGNING_KEY), scans and printable images."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import secrets
import struct
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from xml.sax.saxutils import escape

import qrcode
import qrcode.constants
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.viceværtsopgaver.qr.models import QrCode, QrScan
from services.viceværtsopgaver.registry.models import Building, Component, Room
from shared.db import utcnow
from shared.errors import FieldError, NotFound, ProblemError, Unprocessable
from shared.settings import get_settings

TOKEN_PREFIX = "v1."
_CONTEXT = b"kk-vicevaert-qr-v1"
_NONCE_BYTES = 12
_SIG_BYTES = 16
ORDER_PAGE_PATH = "/bestil"
# A scan may be turned into an order for this long; after that, scan again (the time must be fresh).
SCAN_VALID_FOR = timedelta(hours=12)


@dataclass(frozen=True)
class TokenData:
    nonce: str
    expires_at: datetime | None


def _keys() -> list[bytes]:
    """Signing keys: the first signs, every key verifies (comma-separated for rotation)."""
    return [k.strip().encode() for k in get_settings().qr_signing_key.split(",") if k.strip()]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(payload: bytes, key: bytes) -> bytes:
    return hmac.new(key, _CONTEXT + payload, hashlib.sha256).digest()[:_SIG_BYTES]


def make_token(*, nonce: bytes, expires_at: datetime | None) -> str:
    """The printed token: nonce and expiry (minutes since epoch, 0 = none) with a truncated HMAC."""
    minutes = int(expires_at.timestamp() // 60) if expires_at else 0
    payload = nonce + struct.pack(">I", minutes)
    return TOKEN_PREFIX + _b64(payload + _sign(payload, _keys()[0]))


def _invalid() -> Unprocessable:
    return Unprocessable(
        "QR-koden er ikke gyldig. Brug en QR-kode, som kommunen har hængt op.",
        code="qr_token_invalid",
        errors=[FieldError("/token", "qr_token_invalid", "QR-koden er ikke gyldig.")],
    )


def read_token(token: str, *, now: datetime | None = None) -> TokenData:
    """Verify a token's signature and expiry; 422 when forged or malformed, 410 when expired."""
    now = now or utcnow()
    if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX) or len(token) > 80:
        raise _invalid()
    try:
        raw = _unb64(token.removeprefix(TOKEN_PREFIX))
    except (ValueError, TypeError) as exc:
        raise _invalid() from exc
    if len(raw) != _NONCE_BYTES + 4 + _SIG_BYTES:
        raise _invalid()
    payload, signature = raw[: _NONCE_BYTES + 4], raw[_NONCE_BYTES + 4 :]
    if not any(hmac.compare_digest(signature, _sign(payload, key)) for key in _keys()):
        raise _invalid()
    (minutes,) = struct.unpack(">I", payload[_NONCE_BYTES:])
    expires_at = datetime.fromtimestamp(minutes * 60, UTC) if minutes else None
    if expires_at is not None and expires_at <= now:
        raise ProblemError(
            "QR-koden er udløbet. Kontakt viceværten eller teamlederen for at få en ny.",
            status=410,
            code="qr_token_expired",
        )
    return TokenData(nonce=_b64(payload[:_NONCE_BYTES]), expires_at=expires_at)


def order_url(token: str) -> str:
    """The link printed in the QR code: the ordering page on this service with the token."""
    return f"{get_settings().vicevaert_url.rstrip('/')}{ORDER_PAGE_PATH}?t={token}"


def token_for(code: QrCode) -> str:
    """Rebuild the token of a stored code (nonce and expiry are what was signed)."""
    return make_token(nonce=_unb64(code.nonce), expires_at=code.expires_at)


def issue(
    session: Session,
    *,
    building: Building,
    room_id: uuid.UUID | None,
    component_id: uuid.UUID | None,
    label: str | None,
    expires_at: datetime | None,
    created_by: str,
) -> QrCode:
    """Create a QR code for a building (optionally a room or component in it)."""
    room = session.get(Room, room_id) if room_id else None
    if room_id and (room is None or room.building_id != building.id):
        raise Unprocessable(
            "Rummet findes ikke i bygningen.",
            errors=[FieldError("/room_id", "not_found", "Rummet findes ikke i bygningen.")],
        )
    component = session.get(Component, component_id) if component_id else None
    if component_id and (component is None or component.building_id != building.id):
        raise Unprocessable(
            "Komponenten findes ikke i bygningen.",
            errors=[FieldError("/component_id", "not_found", "Komponenten findes ikke i bygningen.")],
        )
    if expires_at is not None and expires_at <= utcnow():
        raise Unprocessable(
            "Udløbstidspunktet skal ligge i fremtiden.",
            errors=[FieldError("/expires_at", "in_past", "Udløbstidspunktet skal ligge i fremtiden.")],
        )
    if expires_at is not None:
        expires_at = expires_at.replace(second=0, microsecond=0)
    default_label = building.name + (f" – {room.name}" if room else "") + (f" – {component.name}" if component else "")
    code = QrCode(
        nonce=_b64(secrets.token_bytes(_NONCE_BYTES)),
        building_id=building.id,
        room_id=room.id if room else None,
        component_id=component.id if component else None,
        label=(label or default_label)[:200],
        expires_at=expires_at,
        created_by=created_by,
    )
    session.add(code)
    session.flush()
    return code


def list_for_building(session: Session, *, building_id: uuid.UUID) -> list[QrCode]:
    """A building's QR codes, newest first."""
    return list(
        session.scalars(select(QrCode).where(QrCode.building_id == building_id).order_by(QrCode.created_at.desc()))
    )


def get_code(session: Session, *, code_id: uuid.UUID) -> QrCode:
    """A QR code or 404."""
    code = session.get(QrCode, code_id)
    if code is None:
        raise NotFound("QR-koden findes ikke.", code="qr_code_not_found")
    return code


def revoke(session: Session, *, code: QrCode) -> QrCode:
    """Revoke a code (stolen, moved, reprinted); scans are refused from now on."""
    if code.revoked_at is None:
        code.revoked_at = utcnow()
    return code


def resolve(session: Session, *, token: str, now: datetime | None = None) -> QrCode:
    """The QR code a token belongs to; clear errors for forged, expired, revoked or unknown tokens."""
    data = read_token(token, now=now)
    code = session.scalar(select(QrCode).where(QrCode.nonce == data.nonce))
    if code is None:
        raise NotFound("QR-koden kendes ikke (den kan være slettet).", code="qr_token_unknown")
    if code.revoked_at is not None:
        raise ProblemError(
            "QR-koden er trukket tilbage. Kontakt viceværten for at få en ny.", status=410, code="qr_token_revoked"
        )
    return code


def record_scan(session: Session, *, code: QrCode, scanned_by: str, now: datetime | None = None) -> QrScan:
    """Record that someone scanned the code (the time goes into the order)."""
    scan = QrScan(qr_code_id=code.id, scanned_by_sub=scanned_by, scanned_at=now or utcnow())
    session.add(scan)
    session.flush()
    return scan


def usable_scan(session: Session, *, scan_id: uuid.UUID, actor_sub: str, now: datetime | None = None) -> QrScan:
    """A scan the caller made recently enough to order from; 422 otherwise."""
    now = now or utcnow()
    scan = session.get(QrScan, scan_id)
    if scan is None or scan.scanned_by_sub != actor_sub:
        raise Unprocessable(
            "QR-scanningen findes ikke.",
            errors=[FieldError("/qr_scan_id", "not_found", "Scan QR-koden igen.")],
        )
    if now - scan.scanned_at > SCAN_VALID_FOR:
        raise Unprocessable(
            "QR-scanningen er for gammel.",
            errors=[FieldError("/qr_scan_id", "scan_expired", "Scanningen er over 12 timer gammel; scan igen.")],
        )
    code = session.get(QrCode, scan.qr_code_id)
    if code is None or code.revoked_at is not None:
        raise ProblemError("QR-koden er trukket tilbage.", status=410, code="qr_token_revoked")
    return scan


# --- images ---------------------------------------------------------------------------------------


def _matrix(url: str) -> list[list[bool]]:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    qr.add_data(url)
    qr.make(fit=True)
    return [list(row) for row in qr.get_matrix()]


CAPTION = "Scan og bestil en viceværtsopgave"


def png(*, url: str, label: str, module_px: int = 10) -> bytes:
    """A printable PNG: the QR code with the location and an instruction underneath."""
    matrix = _matrix(url)
    size = len(matrix) * module_px
    font = ImageFont.load_default(size=max(14, module_px * 2))
    small = ImageFont.load_default(size=max(12, int(module_px * 1.5)))
    image = Image.new("RGB", (size, size + module_px * 8), "white")
    draw = ImageDraw.Draw(image)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                draw.rectangle(
                    (x * module_px, y * module_px, (x + 1) * module_px - 1, (y + 1) * module_px - 1), fill="black"
                )
    draw.text(
        (size / 2, size + module_px),
        _fit(draw, label, font, size - 2 * module_px),
        fill="black",
        font=font,
        anchor="mt",
    )
    draw.text((size / 2, size + module_px * 4.5), CAPTION, fill="#333333", font=small, anchor="mt")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _fit(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: float) -> str:
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…"


def svg(*, url: str, label: str) -> str:
    """A printable SVG: the QR code as one path, with the location and an instruction underneath."""
    matrix = _matrix(url)
    n = len(matrix)
    path = "".join(f"M{x},{y}h1v1h-1z" for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark)
    height = n + 8
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {n} {height}" width="{n * 10}" height="{height * 10}">'
        f'<rect width="{n}" height="{height}" fill="#fff"/>'
        f'<path d="{path}" fill="#000" shape-rendering="crispEdges"/>'
        f'<text x="{n / 2}" y="{n + 2.5}" font-family="sans-serif" font-size="2" text-anchor="middle">{escape(label)}</text>'
        f'<text x="{n / 2}" y="{n + 5.5}" font-family="sans-serif" font-size="1.5" fill="#333" '
        f'text-anchor="middle">{escape(CAPTION)}</text>'
        "</svg>"
    )
