"""Application-level encryption at rest (Fernet with key rotation) for health data and CPR numbers."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import orjson
from cryptography.fernet import Fernet, MultiFernet
from sqlalchemy import LargeBinary
from sqlalchemy.types import TypeDecorator

from shared.settings import get_settings


@lru_cache(maxsize=4)
def _fernet(keys: str) -> MultiFernet:
    return MultiFernet([Fernet(k.strip().encode()) for k in keys.split(",") if k.strip()])


def fernet() -> MultiFernet:
    """The configured keys: the first encrypts, every key decrypts."""
    return _fernet(get_settings().data_encryption_keys)


def encrypt(data: bytes) -> bytes:
    return fernet().encrypt(data)


def decrypt(token: bytes) -> bytes:
    return fernet().decrypt(token)


def rotate(token: bytes) -> bytes:
    """Re-encrypt a value under the current primary key (run over a table after adding a new key)."""
    return fernet().rotate(token)


class EncryptedText(TypeDecorator[str]):
    """A string encrypted with the data keys before it reaches the database."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> bytes | None:
        return None if value is None else encrypt(value.encode())

    def process_result_value(self, value: bytes | None, dialect: Any) -> str | None:
        return None if value is None else decrypt(bytes(value)).decode()


class EncryptedJSON(TypeDecorator[Any]):
    """A JSON document encrypted with the data keys before it reaches the database."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> bytes | None:
        return None if value is None else encrypt(orjson.dumps(value))

    def process_result_value(self, value: bytes | None, dialect: Any) -> Any:
        return None if value is None else orjson.loads(decrypt(bytes(value)))
