"""Helpers for the viceværtsopgaver tests (a uniquely named module, importable next to the tests)."""

from __future__ import annotations

import io
import uuid


def png_bytes(size: tuple[int, int] = (64, 48), colour: str = "red") -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    """A JPEG carrying EXIF GPS data (the upload must strip it)."""
    from PIL import Image

    image = Image.new("RGB", (80, 60), "blue")
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (55.0, 39.0, 51.0), 3: "E", 4: (12.0, 36.0, 19.0)}
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def age_task(task_id: str | uuid.UUID, minutes: int) -> None:
    """Move a task's whole history `minutes` into the past (as if it had been ordered earlier)."""
    from datetime import timedelta

    from sqlalchemy import select

    from services.viceværtsopgaver.task.models import Assignment, StatusChange, Task
    from shared.db import session_scope

    delta = timedelta(minutes=minutes)
    with session_scope() as s:
        task = s.get(Task, uuid.UUID(str(task_id)))
        assert task is not None
        for attr in ("created_at", "reported_at", "status_at", "assigned_at"):
            if getattr(task, attr) is not None:
                setattr(task, attr, getattr(task, attr) - delta)
        for row in s.scalars(select(Assignment).where(Assignment.task_id == task.id)):
            row.created_at -= delta
        for change in s.scalars(select(StatusChange).where(StatusChange.task_id == task.id)):
            change.occurred_at -= delta
            change.received_at -= delta
