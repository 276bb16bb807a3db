"""ETag / If-Match for optimistic concurrency on edits two people can make."""

from __future__ import annotations

from fastapi import Response

from shared.errors import PreconditionFailed, ProblemError


def etag(version: int) -> str:
    """The ETag of a versioned row."""
    return f'"{version}"'


def set_etag(response: Response, version: int) -> None:
    """Put the ETag header on a response."""
    response.headers["ETag"] = etag(version)


def check_if_match(if_match: str | None, version: int, *, required: bool = True) -> None:
    """412 when If-Match names another version; 428 when it is required and missing."""
    if if_match is None:
        if required:
            raise ProblemError(
                "Send If-Match med den ETag, du hentede, så ingen ændringer overskrives.",
                status=428,
                code="if_match_required",
            )
        return
    tags = {t.strip().removeprefix("W/") for t in if_match.split(",")}
    if "*" in tags:
        return
    if etag(version) not in tags:
        raise PreconditionFailed(
            "Oplysningerne er ændret af en anden, siden du hentede dem. Hent dem igen og prøv igen.",
            extra={"current_etag": etag(version)},
        )
