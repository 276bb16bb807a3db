"""Parse and validate register-match lists (CSV file or JSON rows); every error names its line and field.

The format is documented in docs/kontrol/import-format.md. Validation is complete before anything is written:
a list with any error is rejected whole (422) with up to MAX_ERRORS field errors.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from services.kontrol.catalogue import CRITERIA
from services.kontrol.intake.service import ListRow
from shared import cpr as cpr_utils
from shared.errors import FieldError

HEADER = ("liste_id", "kriterie", "udtraeksdato", "cpr", "bemaerkning")
REQUIRED = HEADER[:4]
MAX_ROWS = 50_000
MAX_BYTES = 10 * 1024 * 1024
MAX_ERRORS = 200
MAX_NOTE = 500


@dataclass
class ParsedList:
    list_id: str = ""
    criterion: str = ""
    extracted_on: date | None = None
    rows: list[ListRow] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)

    def error(self, pointer: str, code: str, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(FieldError(field=pointer, code=code, message=message))


def check_metadata(parsed: ParsedList, *, list_id: str, criterion: str, extracted_on: str, where: str) -> None:
    """Validate a list's id, criterion and extraction date (pointers under `where`)."""
    if not list_id or len(list_id) > 80:
        parsed.error(f"{where}/liste_id", "invalid_list_id", "Liste-id skal udfyldes (højst 80 tegn).")
    if criterion not in CRITERIA:
        parsed.error(
            f"{where}/kriterie",
            "unknown_criterion",
            f"Ukendt kriterie '{criterion[:60]}'. Tilladte: {', '.join(sorted(CRITERIA))}.",
        )
    try:
        day = date.fromisoformat(extracted_on)
        if day > date.today():
            parsed.error(f"{where}/udtraeksdato", "future_date", "Udtræksdatoen må ikke ligge i fremtiden.")
    except ValueError:
        parsed.error(f"{where}/udtraeksdato", "invalid_date", "Udtræksdatoen skal være en dato (ÅÅÅÅ-MM-DD).")
        day = None
    if not parsed.list_id:
        parsed.list_id, parsed.criterion, parsed.extracted_on = list_id, criterion, day


def add_row(parsed: ParsedList, *, cpr: str, note: str | None, pointer: str, seen: dict[str, str]) -> None:
    """Validate one row's CPR number and note."""
    try:
        digits = cpr_utils.normalise(cpr)
    except cpr_utils.InvalidCPR as exc:
        parsed.error(f"{pointer}/cpr", "invalid_cpr", str(exc))
        return
    if digits in seen:
        parsed.error(f"{pointer}/cpr", "duplicate_cpr", f"CPR-nummeret står allerede i listen (se {seen[digits]}).")
        return
    if note is not None and len(note) > MAX_NOTE:
        parsed.error(f"{pointer}/bemaerkning", "string_too_long", f"Bemærkningen er for lang (højst {MAX_NOTE} tegn).")
        return
    seen[digits] = pointer
    parsed.rows.append(ListRow(cpr=digits, note=note or None))


def parse_csv(content: bytes) -> ParsedList:
    """Parse a semicolon-separated UTF-8 list file; physical line numbers in error pointers (/file/lines/N/...)."""
    parsed = ParsedList()
    if len(content) > MAX_BYTES:
        parsed.error("/file", "too_large", "Filen er for stor (højst 10 MB).")
        return parsed
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        parsed.error("/file", "invalid_encoding", "Filen skal være UTF-8-kodet.")
        return parsed
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    try:
        header = next(reader)
    except StopIteration:
        parsed.error("/file", "empty_file", "Filen er tom.")
        return parsed
    header = [h.strip().lower() for h in header]
    if tuple(header[:4]) != REQUIRED or len(header) > len(HEADER) or (len(header) == 5 and header[4] != HEADER[4]):
        parsed.error(
            "/file/lines/1",
            "invalid_header",
            "Første linje skal være kolonneoverskrifterne: liste_id;kriterie;udtraeksdato;cpr;bemaerkning",
        )
        return parsed
    seen: dict[str, str] = {}
    rows = 0
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        rows += 1
        if rows > MAX_ROWS:
            parsed.error("/file", "too_many_rows", f"Filen har for mange rækker (højst {MAX_ROWS}).")
            break
        pointer = f"/file/lines/{line}"
        if len(values) < 4 or len(values) > len(header):
            parsed.error(pointer, "wrong_column_count", f"Linjen skal have {len(header)} felter adskilt af semikolon.")
            continue
        list_id, criterion, extracted_on, cpr = (v.strip() for v in values[:4])
        if not parsed.list_id and parsed.extracted_on is None:
            check_metadata(parsed, list_id=list_id, criterion=criterion, extracted_on=extracted_on, where=pointer)
        elif (list_id, criterion, extracted_on) != (
            parsed.list_id,
            parsed.criterion,
            parsed.extracted_on.isoformat() if parsed.extracted_on else "",
        ):
            parsed.error(
                pointer, "mixed_lists", "Alle linjer skal have samme liste_id, kriterie og udtraeksdato som linje 2."
            )
            continue
        note = values[4].strip() if len(values) > 4 else None
        add_row(parsed, cpr=cpr, note=note, pointer=pointer, seen=seen)
    if rows == 0:
        parsed.error("/file", "no_rows", "Filen indeholder ingen rækker efter overskriften.")
    return parsed
