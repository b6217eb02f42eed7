"""The process-wide parts every edge (HTTP, CLI, tests) builds once from settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from walletguard.adapters.bank import BankGateway, NoBank, SandboxBank
from walletguard.adapters.carrier import CarrierSignals, SandboxCarrier, UnknownCarrier
from walletguard.adapters.geo import GeoLocator, IpRanges, MaxMindGeo, NoGeo, SandboxGeo
from walletguard.adapters.identity_check import (
    IdentityVerifier,
    NoIdentityVerifier,
    SandboxIdentityVerifier,
)
from walletguard.adapters.sms import DisabledSms, SandboxSms, SmsSender
from walletguard.adapters.voice import NoVoiceVerifier, SandboxVoiceVerifier, VoiceVerifier
from walletguard.clock import Clock, SystemClock
from walletguard.config import Settings
from walletguard.credentials.service import RelyingParty
from walletguard.crypto import Keyring
from walletguard.db import Database
from walletguard.errors import ConfigurationError
from walletguard.payments.service import MoneyPath
from walletguard.policy import Policy
from walletguard.risk.service import RiskEngine

RISK_SAMPLES = Path(__file__).parent / "data" / "risk"


@dataclass
class Platform:
    settings: Settings
    db: Database
    keys: Keyring
    policy: Policy
    clock: Clock
    money: MoneyPath
    sms: SmsSender
    carrier: CarrierSignals
    bank: BankGateway
    identity_verifier: IdentityVerifier
    risk: RiskEngine
    voice_verifier: VoiceVerifier

    @classmethod
    def build(cls, settings: Settings, *, clock: Clock | None = None) -> Platform:
        policy = settings.policy
        keys = settings.keyring
        rp = RelyingParty(id=settings.webauthn_rp_id, name=settings.webauthn_rp_name,
                          origins=tuple(settings.webauthn_origins))
        risk = RiskEngine(policy=policy, geo=geo_locator(settings),
                          ranges=IpRanges.from_dir(settings.risk_ip_lists_dir or RISK_SAMPLES))
        return cls(
            settings=settings, risk=risk,
            db=Database(settings.resolved_database_url, pool_size=settings.db_pool_size,
                        priority_pool_size=settings.priority_pool_size),
            keys=keys, policy=policy, clock=clock or SystemClock(),
            money=MoneyPath(keys=keys, policy=policy, rp=rp, risk=risk),
            sms=(SandboxSms(settings.data_dir / "sandbox-sms.jsonl")
                 if settings.adapter("sms") == "sandbox" else DisabledSms()),
            carrier=(SandboxCarrier(settings.data_dir / "sandbox-carrier.json")
                     if settings.adapter("carrier") == "sandbox" else UnknownCarrier()),
            bank=(SandboxBank(settings.data_dir / "sandbox-bank.json")
                  if settings.adapter("bank") == "sandbox" else NoBank()),
            identity_verifier=(
                SandboxIdentityVerifier(settings.data_dir / "sandbox-identity.json")
                if settings.adapter("identity_verifier") == "sandbox"
                else NoIdentityVerifier()),
            voice_verifier=(
                SandboxVoiceVerifier(settings.data_dir / "sandbox-voice.json")
                if settings.adapter("voice_verifier") == "sandbox" else NoVoiceVerifier()),
        )

    @property
    def session_idle_timeout(self) -> timedelta:
        return timedelta(minutes=self.policy.login.session_idle_minutes)


def geo_locator(settings: Settings) -> GeoLocator:
    path = settings.risk_geo_file
    if path is None:
        return NoGeo() if settings.mode == "production" else SandboxGeo(
            RISK_SAMPLES / "sandbox-geo.json")
    if path.suffix == ".mmdb":
        return MaxMindGeo(path)
    if settings.mode == "production":
        raise ConfigurationError(f"WALLETGUARD_RISK_GEO_FILE={path.name} is a sandbox "
                                 "(JSON) file, for demos and tests: production reads a "
                                 "MaxMind .mmdb")
    return SandboxGeo(path)
