"""Uploaded files: photos (re-encoded without metadata) and building documents, size- and type-checked."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from fastapi import UploadFile
from PIL import Image, ImageOps, UnidentifiedImageError

from shared.errors import FieldError, ProblemError, Unprocessable

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 50_000_000
# Photos are scaled down to this longest side; a phone photo stays readable and small.
PHOTO_MAX_SIDE = 2560
_IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    content_type: str
    width: int
    height: int
    sha256: str


def read_upload(upload: UploadFile, *, limit: int, pointer: str = "/file") -> bytes:
    """Read at most `limit` bytes of an upload; 413 when it is larger, 422 when it is empty."""
    data = upload.file.read(limit + 1)
    if len(data) > limit:
        raise ProblemError(
            f"Filen er for stor; den må højst fylde {limit // (1024 * 1024)} MB.",
            status=413,
            code="file_too_large",
            errors=[FieldError(pointer, "file_too_large", f"Højst {limit // (1024 * 1024)} MB.")],
        )
    if not data:
        raise Unprocessable("Filen er tom.", errors=[FieldError(pointer, "empty_file", "Filen er tom.")])
    return data


def _not_an_image(pointer: str) -> Unprocessable:
    return Unprocessable(
        "Filen er ikke et billede i et understøttet format.",
        code="unsupported_image",
        errors=[FieldError(pointer, "unsupported_image", "Billedet skal være JPEG, PNG eller WebP.")],
    )


def clean_photo(data: bytes, *, pointer: str = "/file") -> CleanImage:
    """Check that the bytes are a JPEG/PNG/WebP photo and re-encode it without metadata (GPS, device)."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            image_format = probe.format or ""
            width, height = probe.size
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise _not_an_image(pointer) from exc
    if image_format not in _IMAGE_FORMATS:
        raise _not_an_image(pointer)
    if width * height > MAX_PIXELS:
        raise Unprocessable(
            "Billedet har for mange pixels.",
            code="image_too_large",
            errors=[FieldError(pointer, "image_too_large", "Billedet må højst have 50 megapixel.")],
        )
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image) or image
            upright.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
            out = io.BytesIO()
            if image_format == "JPEG":
                upright.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
            elif image_format == "PNG":
                upright.save(out, "PNG", optimize=True)
            else:
                upright.save(out, "WEBP", quality=85)
            cleaned = out.getvalue()
            size = upright.size
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise _not_an_image(pointer) from exc
    return CleanImage(
        data=cleaned,
        content_type=_IMAGE_FORMATS[image_format],
        width=size[0],
        height=size[1],
        sha256=hashlib.sha256(cleaned).hexdigest(),
    )


def document_content_type(data: bytes, *, pointer: str = "/file") -> str:
    """The type of a building document by its content: PDF, PNG or JPEG (others refused)."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    try:
        with Image.open(io.BytesIO(data)) as probe:
            image_format = probe.format
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        image_format = None
    if image_format == "PNG":
        return "image/png"
    if image_format == "JPEG":
        return "image/jpeg"
    raise Unprocessable(
        "Dokumentet skal være PDF, PNG eller JPEG.",
        code="unsupported_document",
        errors=[FieldError(pointer, "unsupported_document", "Dokumentet skal være PDF, PNG eller JPEG.")],
    )


def safe_filename(name: str | None, default: str) -> str:
    """A filename safe to echo in Content-Disposition."""
    if not name:
        return default
    cleaned = "".join(c for c in name if c.isalnum() or c in "._- æøåÆØÅ").strip()[:120]
    return cleaned or default
