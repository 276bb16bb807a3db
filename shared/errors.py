"""RFC 9457 problem+json for every error, with field-level validation errors in Danish."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://api.kk.dk/problems/"

# Danish messages for pydantic's error types (the API field names stay English).
_DANISH: dict[str, str] = {
    "missing": "Feltet skal udfyldes.",
    "string_too_short": "Teksten er for kort (mindst {min_length} tegn).",
    "string_too_long": "Teksten er for lang (højst {max_length} tegn).",
    "string_type": "Skal være en tekst.",
    "string_pattern_mismatch": "Værdien har ikke det rigtige format.",
    "int_type": "Skal være et heltal.",
    "int_parsing": "Skal være et heltal.",
    "float_type": "Skal være et tal.",
    "float_parsing": "Skal være et tal.",
    "bool_type": "Skal være ja eller nej (true/false).",
    "bool_parsing": "Skal være ja eller nej (true/false).",
    "greater_than": "Skal være større end {gt}.",
    "greater_than_equal": "Skal være mindst {ge}.",
    "less_than": "Skal være mindre end {lt}.",
    "less_than_equal": "Må højst være {le}.",
    "literal_error": "Ugyldig værdi; tilladt: {expected}.",
    "enum": "Ugyldig værdi; tilladt: {expected}.",
    "uuid_type": "Skal være et gyldigt id (UUID).",
    "uuid_parsing": "Skal være et gyldigt id (UUID).",
    "date_type": "Skal være en dato (ÅÅÅÅ-MM-DD).",
    "date_parsing": "Skal være en dato (ÅÅÅÅ-MM-DD).",
    "date_from_datetime_parsing": "Skal være en dato (ÅÅÅÅ-MM-DD).",
    "datetime_type": "Skal være et tidspunkt (ISO 8601).",
    "datetime_parsing": "Skal være et tidspunkt (ISO 8601 med tidszone).",
    "timezone_aware": "Tidspunktet skal have en tidszone.",
    "list_type": "Skal være en liste.",
    "dict_type": "Skal være et objekt.",
    "model_type": "Skal være et objekt.",
    "too_short": "Listen har for få elementer (mindst {min_length}).",
    "too_long": "Listen har for mange elementer (højst {max_length}).",
    "extra_forbidden": "Feltet er ikke tilladt her.",
    "json_invalid": "Forespørgslen er ikke gyldig JSON.",
    "value_error": "Ugyldig værdi.",
    "url_parsing": "Skal være en gyldig adresse (URL).",
    "multiple_of": "Skal gå op i {multiple_of}.",
}

_TITLES = {
    400: "Ugyldig forespørgsel",
    401: "Du er ikke logget ind",
    403: "Du har ikke adgang",
    404: "Findes ikke",
    405: "Metoden er ikke tilladt",
    409: "Konflikt",
    412: "Data er ændret af en anden",
    413: "Indholdet er for stort",
    415: "Ikke understøttet indholdstype",
    422: "Ugyldige oplysninger",
    428: "Forudsætning mangler",
    429: "For mange forespørgsler",
    500: "Der opstod en fejl",
    502: "Et bagvedliggende system svarer ikke",
    503: "Tjenesten er midlertidigt utilgængelig",
}


class FieldError(dict[str, str]):
    """One `{field, code, message}` entry; field is a JSON pointer into the request."""

    def __init__(self, field: str, code: str, message: str) -> None:
        super().__init__(field=field, code=code, message=message)


class ProblemError(Exception):
    """A domain error rendered as problem+json; raise it from services and flows."""

    status = 400
    code = "bad_request"

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        code: str | None = None,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status = status or self.status
        self.code = code or self.code
        self.errors = errors or []
        self.headers = headers or {}
        self.extra = extra or {}


class NotFound(ProblemError):
    status, code = 404, "not_found"


class Conflict(ProblemError):
    status, code = 409, "conflict"


class Unprocessable(ProblemError):
    status, code = 422, "validation_error"


class Forbidden(ProblemError):
    status, code = 403, "forbidden"


class Unauthorized(ProblemError):
    status, code = 401, "unauthorized"


class PreconditionFailed(ProblemError):
    status, code = 412, "precondition_failed"


class TooManyRequests(ProblemError):
    status, code = 429, "rate_limited"


def problem_response(
    status: int,
    *,
    code: str,
    detail: str,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    instance: str | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    """Build an application/problem+json response."""
    body: dict[str, Any] = {
        "type": TYPE_BASE + code,
        "title": _TITLES.get(status, "Fejl"),
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    if extra:
        body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def json_pointer(loc: tuple[Any, ...] | list[Any]) -> str:
    """Turn a pydantic location into a JSON pointer into the request (`/body` is implied)."""
    parts = list(loc)
    prefix = ""
    if parts and parts[0] == "body":
        parts = parts[1:]
    elif parts and parts[0] in ("query", "path", "header", "cookie"):
        prefix = "/" + str(parts.pop(0))
    escaped = [str(p).replace("~", "~0").replace("/", "~1") for p in parts]
    return prefix + "".join("/" + p for p in escaped) or "/"


def danish_message(error: dict[str, Any]) -> str:
    """Danish text for one pydantic error (custom errors already carry Danish text)."""
    kind = error.get("type", "value_error")
    template = _DANISH.get(kind)
    if template is None or kind == "value_error":
        message = str(error.get("msg", "Ugyldig værdi."))
        return message.removeprefix("Value error, ")
    try:
        return template.format(**(error.get("ctx") or {}))
    except (KeyError, IndexError):
        return template


def field_errors(errors: list[dict[str, Any]] | Any) -> list[dict[str, str]]:
    """Convert pydantic errors into `{field, code, message}` entries."""
    return [
        {"field": json_pointer(e.get("loc", ())), "code": str(e.get("type", "invalid")), "message": danish_message(e)}
        for e in errors
    ]


def install_error_handlers(app: FastAPI) -> None:
    """Make every 4xx/5xx of the app problem+json, without stack traces or personal data."""

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(
            exc.status,
            code=exc.code,
            detail=exc.detail,
            errors=list(exc.errors),
            headers=exc.headers,
            extra=exc.extra,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(
            422,
            code="validation_error",
            detail="Forespørgslen indeholder fejl; se de enkelte felter.",
            errors=field_errors(exc.errors()),
        )

    @app.exception_handler(ValidationError)
    async def _model_validation(request: Request, exc: ValidationError) -> JSONResponse:
        return problem_response(
            422,
            code="validation_error",
            detail="Oplysningerne indeholder fejl; se de enkelte felter.",
            errors=field_errors(exc.errors()),
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        html_not_found = getattr(request.app.state, "html_not_found", None)  # set by shared.web.mount_web
        if exc.status_code == 404 and html_not_found is not None:
            page = html_not_found(request)
            if page is not None:
                return page
        detail = exc.detail if isinstance(exc.detail, str) else _TITLES.get(exc.status_code, "Fejl")
        if exc.status_code == 404 and detail == "Not Found":
            detail = "Adressen findes ikke."
        if exc.status_code == 405:
            detail = "Metoden er ikke tilladt på denne adresse."
        return problem_response(
            exc.status_code, code=f"http_{exc.status_code}", detail=detail, headers=getattr(exc, "headers", None)
        )

    from sqlalchemy.exc import OperationalError

    @app.exception_handler(OperationalError)
    async def _database_unavailable(request: Request, exc: OperationalError) -> JSONResponse:
        # The database is down or restarting: nothing was saved; the caller may safely retry.
        log.warning("database unavailable", extra={"error_type": type(exc.orig).__name__, "path": request.url.path})
        return problem_response(
            503,
            code="database_unavailable",
            detail="Tjenesten er midlertidigt utilgængelig. Intet er gemt – prøv igen om lidt.",
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(Exception)
    async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error", extra={"error_type": type(exc).__name__, "path": request.url.path})
        return problem_response(500, code="internal_error", detail="Der opstod en uventet fejl. Prøv igen senere.")
