"""Settings from the environment (prefix ``WALLETGUARD_``) and the secrets kept apart
from the database.

Secrets (PII encryption key, PIN pepper, token key) are never stored in the database:
in production mode they must come from the environment; in development they are
generated once into ``<data_dir>/secrets.toml`` with a warning.
"""

from __future__ import annotations

import base64
import logging
import os
import secrets
import tomllib
from functools import cached_property
from pathlib import Path
from typing import Literal

from argon2 import PasswordHasher
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from walletguard.crypto import Keyring, PasswordHashing
from walletguard.errors import ConfigurationError
from walletguard.policy import Policy, load_policy

log = logging.getLogger(__name__)

SECRET_NAMES = ("pii_key", "pin_pepper", "token_key")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WALLETGUARD_", extra="ignore")

    mode: Literal["development", "production", "test"] = Field(
        "development", description="production refuses generated secrets and sandbox adapters"
    )
    data_dir: Path = Field(Path("./var"), description="where the SQLite file and dev secrets live")
    database_url: str | None = Field(None, description="SQLAlchemy URL; default SQLite in data_dir")
    policy_file: Path | None = Field(None, description="TOML file overriding policy defaults")
    pii_key: SecretStr | None = Field(None, description="base64 32-byte AES-GCM key for PII")
    pin_pepper: SecretStr | None = Field(None, description="base64 32-byte HMAC key for PINs")
    token_key: SecretStr | None = Field(None, description="base64 32-byte HMAC key for tokens")
    db_pool_size: int = Field(10, description="connections per worker process")
    priority_pool_size: int = Field(
        2, ge=1, description="database connections per worker kept for the priority lane: "
        "freezes, lost-phone reports and lock placements never wait for one behind payments")
    money_in_flight: int = Field(
        2, ge=1, le=32, description="payments and transfers worked on at once per worker "
        "(admission control); more wait in arrival order. 2 keeps a worker's core busy "
        "with the database on loopback; raise it when the database is far "
        "(docs/operations.md)")
    money_wait_seconds: float = Field(
        1.0, ge=0, description="how long a payment or transfer waits for a money-path slot "
        "before it is told 503 unavailable with Retry-After (nothing done)")
    max_body_bytes: int = Field(64 * 1024, description="larger request bodies get 413")
    log_level: str = "INFO"
    webauthn_rp_id: str = Field("localhost", description="WebAuthn relying-party id (domain)")
    webauthn_rp_name: str = Field("walletguard", description="shown by the authenticator")
    webauthn_origins: list[str] = Field(
        default_factory=lambda: ["http://localhost:8000"],
        description="origins the wallet app's WebAuthn ceremonies come from",
    )
    sms_adapter: Literal["sandbox", "disabled"] | None = Field(
        None, description="SMS port for step-up codes; default sandbox outside production, "
        "disabled in production (sandbox is refused there)")
    carrier_adapter: Literal["sandbox", "none"] | None = Field(
        None, description="carrier SIM-change signals; default sandbox outside production, "
        "none in production (sandbox is refused there)")
    bank_adapter: Literal["sandbox", "none"] | None = Field(
        None, description="bank port for the card + reserved-phone recovery channel; default "
        "sandbox outside production, none in production (sandbox is refused there)")
    identity_verifier_adapter: Literal["sandbox", "none"] | None = Field(
        None, description="ID document + liveness port for recovery; default sandbox outside "
        "production, none in production (sandbox is refused there)")
    voice_verifier_adapter: Literal["sandbox", "none"] | None = Field(
        None, description="hotline voiceprint port for recovery; default sandbox outside "
        "production, none in production (sandbox is refused there)")
    risk_geo_file: Path | None = Field(
        None, description="IP geolocation for the risk engine: a MaxMind .mmdb (GeoLite2 / "
        "GeoIP2 Country), or a sandbox .json; default the shipped sandbox outside production, "
        "none in production")
    risk_ip_lists_dir: Path | None = Field(
        None, description="directory of vpn.txt, proxy.txt, datacentre.txt, tor.txt (CIDR a "
        "line); default the shipped sample (documentation ranges only)")
    smtp_host: str | None = Field(
        None, description="SMTP server for owner e-mail notices; unset: e-mail is not sent")
    smtp_port: int = Field(25, description="SMTP server port")
    smtp_sender: str = Field("walletguard@localhost", description="From: of notice e-mails")
    smtp_starttls: bool = Field(False, description="upgrade the SMTP connection with STARTTLS")
    password_hash_memory_kib: int = Field(
        64 * 1024, description="argon2id memory cost for login passwords (RFC 9106 second choice)"
    )
    password_hash_concurrency: int = Field(
        1, ge=1, description="password hashes (login, sign-up) run at once per worker; "
        "more wait (each takes a core for most of a second at the default cost)"
    )
    password_hash_wait_seconds: float = Field(
        2.0, ge=0, description="how long a login waits for a hashing slot before it is "
        "told 503 unavailable with Retry-After"
    )
    forwarded_allow_ips: str = Field(
        "", description="comma-separated addresses of proxies whose X-Forwarded-For is "
        "believed (the client address every per-IP limit counts); empty: none, the peer "
        "address is the client"
    )

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'walletguard.db').resolve()}"

    def adapter(self, name: Literal["sms", "carrier", "bank", "identity_verifier",
                                    "voice_verifier"]) -> str:
        """The configured adapter, refusing a sandbox in production."""
        chosen = {"sms": self.sms_adapter, "carrier": self.carrier_adapter,
                  "bank": self.bank_adapter,
                  "identity_verifier": self.identity_verifier_adapter,
                  "voice_verifier": self.voice_verifier_adapter}[name]
        if chosen is None:
            production_default = "disabled" if name == "sms" else "none"
            return production_default if self.mode == "production" else "sandbox"
        if chosen == "sandbox" and self.mode == "production":
            raise ConfigurationError(f"WALLETGUARD_{name.upper()}_ADAPTER=sandbox is for "
                                     "demos and tests, not production")
        return chosen

    @cached_property
    def policy(self) -> Policy:
        return load_policy(self.policy_file)

    @cached_property
    def keys(self) -> Secrets:
        return Secrets.resolve(self)

    @cached_property
    def keyring(self) -> Keyring:
        keys = self.keys
        hasher = PasswordHasher(time_cost=3, memory_cost=self.password_hash_memory_kib,
                                parallelism=1)
        return Keyring(pii_key=keys.pii_key, pin_pepper=keys.pin_pepper,
                       token_key=keys.token_key,
                       passwords=PasswordHashing(
                           hasher, concurrency=self.password_hash_concurrency,
                           wait_seconds=self.password_hash_wait_seconds))


class Secrets:
    """The three keys, decoded to bytes."""

    def __init__(self, pii_key: bytes, pin_pepper: bytes, token_key: bytes) -> None:
        self.pii_key = pii_key
        self.pin_pepper = pin_pepper
        self.token_key = token_key

    @classmethod
    def resolve(cls, settings: Settings) -> Secrets:
        given = {name: getattr(settings, name) for name in SECRET_NAMES}
        values: dict[str, str] = {n: v.get_secret_value() for n, v in given.items() if v}
        missing = [n for n in SECRET_NAMES if n not in values]
        if missing and settings.mode == "production":
            env = ", ".join(f"WALLETGUARD_{n.upper()}" for n in missing)
            raise ConfigurationError(f"production mode needs secrets from the environment: {env}")
        if missing:
            values.update(_dev_secrets(settings.data_dir, missing))
        decoded = {}
        for name in SECRET_NAMES:
            try:
                decoded[name] = base64.b64decode(values[name], validate=True)
            except ValueError:
                # from None: the decoder's message could quote the secret
                raise ConfigurationError(
                    f"WALLETGUARD_{name.upper()} must be base64 (32 random bytes)") from None
        short = [n for n, v in decoded.items() if len(v) < 32]
        if short:
            env = ", ".join(f"WALLETGUARD_{n.upper()}" for n in short)
            raise ConfigurationError(f"secrets must decode to at least 32 bytes: {env}")
        return cls(**decoded)


def new_secret() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def _dev_secrets(data_dir: Path, names: list[str], *, first_try: bool = True) -> dict[str, str]:
    """Development secrets from ``<data_dir>/secrets.toml``, generated on first use.

    The file is created whole, readable by its owner only, and exclusively: when two
    processes start together on an empty data dir, one file wins and both use it (a
    process that encrypted with a key nobody kept would lose that data)."""
    path = data_dir / "secrets.toml"
    try:
        return _stored_or_generated(data_dir, path, names, first_try=first_try)
    except OSError as exc:
        raise ConfigurationError(f"cannot write development secrets into {path}: "
                                 f"{exc.strerror or type(exc).__name__}") from None


def _stored_or_generated(data_dir: Path, path: Path, names: list[str], *,
                         first_try: bool) -> dict[str, str]:
    stored = _read_secrets(path)
    absent = [n for n in names if n not in stored]
    if absent:
        create = not stored and first_try
        log.warning("generating development secrets into %s (set them in production)", path)
        data_dir.mkdir(parents=True, exist_ok=True)
        stored.update({n: new_secret() for n in absent})
        staged = path.with_name(f".secrets.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as out:
                out.writelines(f'{k} = "{v}"\n' for k, v in stored.items())
            if not create:  # it lacked a secret: complete it, atomically
                os.replace(staged, path)
            else:
                try:
                    os.link(staged, path)  # fails if another process got there first
                except FileExistsError:
                    return _dev_secrets(data_dir, names, first_try=False)  # adopt theirs
        finally:
            staged.unlink(missing_ok=True)
    return {n: stored[n] for n in names}


def _read_secrets(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    try:
        return {k: str(v) for k, v in tomllib.loads(path.read_text()).items()}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"cannot read development secrets {path}: "
                                 f"{type(exc).__name__}") from None
