"""Operations on koerekort's data at rest: re-encrypt every encrypted column under the current primary key.

Key rotation: prepend the new Fernet key to DATA_ENCRYPTION_KEYS (new key first, old keys after), deploy,
run `python -m services.koerekort.maintenance rotate-keys`, then drop the old key from the setting.
Rows are rewritten in batches, each batch in its own transaction; running it twice is harmless.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sqlalchemy import LargeBinary, Table, select, tuple_, type_coerce, update
from sqlalchemy.orm import Session

from services.koerekort.models import (
    Application,
    Attachment,
    Certificate,
    InformationRequest,
    SimulatedAuthorityReceipt,
    StatusChange,
    Submission,
)
from shared.crypto import rotate
from shared.db import session_scope

ENCRYPTED_COLUMNS: dict[Any, tuple[str, ...]] = {
    Application: ("citizen_cpr",),
    Certificate: ("del_a", "doctor_part", "caught_error_codes", "plausibility"),
    Submission: ("snapshot",),
    Attachment: ("filename", "description", "content"),
    InformationRequest: ("message", "answer"),
    StatusChange: ("note",),
    SimulatedAuthorityReceipt: ("payload",),
}


def _rotate_table(session: Session, table: Table, columns: tuple[str, ...], batch_size: int) -> int:
    keys = list(table.primary_key.columns)
    raw = [type_coerce(table.c[name], LargeBinary()).label(name) for name in columns]
    rewritten = 0
    last: tuple[Any, ...] | None = None
    while True:
        statement = select(*keys, *raw).order_by(*keys).limit(batch_size)
        if last is not None:
            statement = statement.where(tuple_(*keys) > tuple_(*last))
        rows = session.execute(statement).all()
        if not rows:
            return rewritten
        for row in rows:
            identity = tuple(row[: len(keys)])
            values = {
                table.c[name]: type_coerce(rotate(bytes(row._mapping[name])), LargeBinary())
                for name in columns
                if row._mapping[name] is not None
            }
            if values:
                condition = [key == value for key, value in zip(keys, identity, strict=True)]
                session.execute(update(table).where(*condition).values(values))
                rewritten += 1
            last = identity
        session.commit()


def rotate_encryption_keys(session: Session, *, batch_size: int = 500) -> dict[str, int]:
    """Re-encrypt every encrypted value under the first key of DATA_ENCRYPTION_KEYS; rows per table."""
    done: dict[str, int] = {}
    for model, columns in ENCRYPTED_COLUMNS.items():
        table = model.__table__
        done[table.name] = _rotate_table(session, table, columns, batch_size)
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["rotate-keys"])
    parser.add_argument("--batch-size", type=int, default=500)
    options = parser.parse_args(argv)
    with session_scope() as session:
        counts = rotate_encryption_keys(session, batch_size=options.batch_size)
    for table, count in counts.items():
        print(f"{table}: {count} rows re-encrypted")
    return 0


if __name__ == "__main__":
    sys.exit(main())
