"""All configuration, read once from environment variables (documented in docs/configuration.md)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Keys that exist only so the embedded default runs out of the box; refused in production.
DEV_CPR_PSEUDONYM_KEY = "dev-only-cpr-pseudonym-key-do-not-use-in-production"
DEV_DATA_ENCRYPTION_KEY = "ZGV2LW9ubHktZGF0YS1rZXktZG8tbm90LXVzZS0xMjM="  # Fernet key, base64 of 32 bytes
DEV_QR_SIGNING_KEY = "dev-only-qr-signing-key"
DEV_SMS_CALLBACK_SECRET = "dev-only-sms-callback-secret"

# Where every service serves the local OIDC identity-provider simulator (shared/auth/idp_simulator.py);
# production refuses an OIDC_ISSUER_URL that points at it.
OIDC_SIMULATOR_PATH = "/oidc-simulator"

SERVICE_NAMES = ("kontrol", "koerekort", "viceværtsopgaver", "sms_ydelse")


class Settings(BaseSettings):
    """Process-wide settings; every field maps to an upper-case environment variable."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False)

    app_env: Literal["development", "test", "production"] = "development"
    var_dir: Path = Path("var")
    database_url: str = ""
    db_pool_size: int = 10
    db_pool_pre_ping: bool = False
    redis_url: str = ""
    log_level: str = "INFO"
    log_json: bool = True

    # Auth
    auth_issuer: str = "https://login.dev.kk.local"
    auth_jwks_url: str = ""
    auth_jwks_file: str = ""
    auth_dev_issuer: bool = True
    auth_dev_private_key_file: str = ""
    auth_token_ttl_seconds: int = 3600
    auth_leeway_seconds: int = 30
    # OIDC login for the web pages (docs/web.md): MitID (citizens) / the municipality's SSO (staff)
    oidc_issuer_url: str = ""  # empty: the "Log ind" page offers only the dev issuer's demo users
    oidc_client_id: str = "kk-web"

    # Secrets for personal data
    cpr_pseudonym_key: str = DEV_CPR_PSEUDONYM_KEY
    data_encryption_keys: str = Field(
        default=DEV_DATA_ENCRYPTION_KEY,
        description="Comma-separated Fernet keys; the first encrypts, all decrypt (key rotation).",
    )
    qr_signing_key: str = DEV_QR_SIGNING_KEY

    # Service addresses (for cross-service HTTP calls and links)
    kontrol_url: str = "http://127.0.0.1:8001"
    koerekort_url: str = "http://127.0.0.1:8002"
    vicevaert_url: str = "http://127.0.0.1:8003"
    sms_ydelse_url: str = "http://127.0.0.1:8004"

    # kontrol: candidates not opened within this many days expire and leave the queue (0: never)
    kontrol_candidate_max_age_days: int = Field(default=180, ge=0)
    # kontrol: a data source that has not answered within this many seconds counts as unavailable
    kontrol_source_timeout_seconds: float = Field(default=10.0, gt=0)
    # kontrol: simulated outages of the register simulators, e.g. "bbr=down,fasit=slow:30" (empty: all up)
    kontrol_source_faults: str = ""

    # Notifications
    sms_sender: Literal["simulator", "sms_ydelse"] = "simulator"
    digital_post: Literal["simulator"] = "simulator"

    # sms_ydelse: SMS gateway, callbacks from the gateway, synthetic registers (docs/sms_ydelse/configuration.md)
    sms_gateway: Literal["simulator", "kannel", "nemsms"] = "simulator"
    kannel_sendsms_url: str = "http://127.0.0.1:13013/cgi-bin/sendsms"
    kannel_username: str = "kk"
    kannel_password: str = ""
    nemsms_url: str = ""
    nemsms_api_key: str = ""
    sms_callback_base_url: str = ""  # where gateways reach sms_ydelse (delivery reports); default sms_ydelse_url
    sms_callback_secret: str = DEV_SMS_CALLBACK_SECRET
    sms_ydelse_citizens_file: str = ""  # extra synthetic citizens (JSON) for the register simulators
    sms_ydelse_survey: bool = True
    # sms_ydelse rate limits: accepted IVR requests per calling number (withheld numbers are not limited
    # by number) per hour and per 24 hours, and SMS per citizen (CPR) per Copenhagen calendar day
    sms_ydelse_caller_limit_per_hour: int = Field(default=5, ge=1)
    sms_ydelse_caller_limit_per_day: int = Field(default=10, ge=1)
    sms_ydelse_cpr_sms_limit_per_day: int = Field(default=3, ge=1)

    # viceværtsopgaver: KASA Helpdesk exchange and e-mail to orderers (docs/viceværtsopgaver/configuration.md)
    kasa_helpdesk: Literal["simulator", "http"] = "simulator"
    kasa_helpdesk_url: str = ""
    kasa_helpdesk_token: str = ""
    vicevaert_email: Literal["simulator", "smtp"] = "simulator"
    vicevaert_smtp_host: str = ""
    vicevaert_smtp_port: int = 587
    vicevaert_smtp_username: str = ""
    vicevaert_smtp_password: str = ""
    vicevaert_mail_from: str = "vicevaertsopgaver@kk.dk"

    # Queue
    outbox_poll_seconds: float = 0.2
    outbox_batch_size: int = 500
    task_max_retries: int = 8
    task_retry_base_seconds: float = 2.0
    worker_concurrency: int = Field(default=4, ge=1)
    worker_nice: int = Field(default=15, ge=0, le=19)
    worker_sched_idle: bool = False
    # Hot endpoints that are one statement (new IVR calls, delivery reports) run on an asyncio engine on the
    # event loop instead of a thread-pool hop: about twice the requests per core (docs/configuration.md).
    db_async_hot_paths: bool = True

    @model_validator(mode="after")
    def _refuse_dev_secrets_in_production(self) -> Settings:
        if self.app_env != "production":
            return self
        problems = []
        if self.cpr_pseudonym_key == DEV_CPR_PSEUDONYM_KEY:
            problems.append("CPR_PSEUDONYM_KEY")
        if DEV_DATA_ENCRYPTION_KEY in self.data_encryption_keys.split(","):
            problems.append("DATA_ENCRYPTION_KEYS")
        if self.qr_signing_key == DEV_QR_SIGNING_KEY:
            problems.append("QR_SIGNING_KEY")
        if self.sms_callback_secret == DEV_SMS_CALLBACK_SECRET:
            problems.append("SMS_CALLBACK_SECRET")
        if self.auth_dev_issuer:
            problems.append("AUTH_DEV_ISSUER")
        if not (self.auth_jwks_url or self.auth_jwks_file):
            problems.append("AUTH_JWKS_URL or AUTH_JWKS_FILE")
        if not self.database_url:
            problems.append("DATABASE_URL")
        if self.oidc_issuer_url and not _is_real_oidc_issuer(self.oidc_issuer_url):
            problems.append("OIDC_ISSUER_URL (the simulator, a local address or not https)")
        if problems:
            raise ValueError("production refuses dev-only or missing settings: " + ", ".join(problems))
        return self

    @property
    def effective_database_url(self) -> str:
        """The configured database, or the embedded SQLite default under var_dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'db' / 'main.sqlite').as_posix()}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    @property
    def tasks_in_process(self) -> bool:
        """Without a Redis URL, queued tasks run in-process (embedded default)."""
        return not self.redis_url


def _is_real_oidc_issuer(url: str) -> bool:
    """An https issuer that is neither the local OIDC simulator nor a loopback/.local host."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    loopback = ("localhost", "127.0.0.1", "::1", "0.0.0.0")  # noqa: S104 - refused, not bound
    local = host in loopback or host.endswith((".local", ".localhost"))
    return parts.scheme == "https" and not local and OIDC_SIMULATOR_PATH not in parts.path


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process (cached; tests clear the cache after changing the environment)."""
    return Settings()
