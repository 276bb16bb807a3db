"""Production refuses dev-only keys and the dev issuer."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError

from shared.settings import Settings


def test_production_refuses_dev_secrets() -> None:
    with pytest.raises(ValidationError) as info:
        Settings(app_env="production", database_url="postgresql+psycopg://db/kk")
    message = str(info.value)
    for name in (
        "CPR_PSEUDONYM_KEY",
        "DATA_ENCRYPTION_KEYS",
        "QR_SIGNING_KEY",
        "SMS_CALLBACK_SECRET",
        "AUTH_DEV_ISSUER",
        "AUTH_JWKS_URL",
    ):
        assert name in message


def test_production_accepts_real_secrets() -> None:
    settings = Settings(
        app_env="production",
        database_url="postgresql+psycopg://db/kk",
        cpr_pseudonym_key="k" * 40,
        data_encryption_keys=Fernet.generate_key().decode(),
        qr_signing_key="q" * 40,
        sms_callback_secret="s" * 40,
        auth_dev_issuer=False,
        auth_jwks_url="https://login.kk.dk/jwks.json",
    )
    assert settings.app_env == "production"
    assert not settings.is_sqlite
