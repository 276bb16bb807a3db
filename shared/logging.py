"""Structured JSON logs that never carry a CPR number.

Health data must never be passed to a logger at all; as a second line of defence
every message and extra field is scrubbed for anything shaped like a CPR number.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import Any

import orjson

from shared.cpr import CPR_IN_TEXT

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


def scrub(value: Any) -> Any:
    """Replace anything shaped like a CPR number with a marker."""
    if isinstance(value, str):
        return CPR_IN_TEXT.sub("[cpr]", value)
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and extra fields."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "service": self.service,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            entry["error_type"] = record.exc_info[0].__name__
        return orjson.dumps(scrub(entry), default=str).decode()


class ScrubbingFormatter(logging.Formatter):
    """Plain-text formatter for developers, scrubbed like the JSON one."""

    def format(self, record: logging.LogRecord) -> str:
        return str(scrub(super().format(record)))


def configure_logging(service: str, *, level: str = "INFO", json: bool = True) -> None:
    """Route the root logger to stdout in JSON (or scrubbed text), once per process."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        JsonFormatter(service) if json else ScrubbingFormatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    )
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "_kk", False):
            root.removeHandler(existing)
    handler._kk = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Access logs carry URLs only (no personal data in URLs by convention), keep them quiet.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
