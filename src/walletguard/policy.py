"""The policy: every number the domain knows, with its default (DOMAIN.md) and a
one-line reason. Operators override any of them in a TOML file
(``WALLETGUARD_POLICY_FILE``); ``docs/policy.md`` is generated from this model
(``walletguard policy docs``).
"""

from __future__ import annotations

import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from walletguard.errors import ConfigurationError


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class PinPolicy(_Section):
    length: int = Field(6, gt=0, description="digits in a payment PIN")
    max_consecutive_failures: int = Field(
        5,
        gt=0,
        description="wrong PINs in a row that place a PIN lock (PSD2 RTS art. 4: at most 5)",
    )
    lock_hours: float = Field(3, gt=0, description="how long a PIN lock lasts before it expires")
    offer_biometric_after_failures: int = Field(
        2, gt=0, description="wrong PINs after which the refusal offers biometric, when available"
    )

    @property
    def lock_duration(self) -> timedelta:
        return timedelta(hours=self.lock_hours)


class BiometricPolicy(_Section):
    min_device_age_days: int = Field(30, ge=0, description="a device must be known this long")
    anomaly_free_days: int = Field(7, ge=0, description="no anomalous login within this many days")


class LimitsProfile(_Section):
    """Daily outgoing limits by authentication strength."""

    single_factor_daily: int = Field(
        100_000, gt=0, description="< 2 verification elements, per day"
    )
    two_factor_daily: int = Field(
        500_000, gt=0, description="PIN or biometric on a bound device, per day"
    )
    default_daily_limit: int = Field(
        500_000, gt=0, description="a new wallet's daily outgoing limit"
    )
    max_daily_limit: int = Field(
        5_000_000, gt=0, description="the highest daily limit an owner may raise to (with step-up)"
    )
    password_free_per_payment: int = Field(
        20_000, gt=0, description="low-value exemption per payment"
    )
    password_free_daily: int = Field(100_000, gt=0, description="low-value exemption, cumulative")
    password_free_consecutive: int = Field(5, gt=0, description="low-value exemptions in a row")


PROFILES: dict[str, LimitsProfile] = {
    # PBOC 2015 No. 43 art. 24 (amounts in fen).
    "cn-pboc-43": LimitsProfile(),
    # Delegated Regulation (EU) 2018/389 art. 16 (amounts in cents).
    "eu-psd2-rts": LimitsProfile(
        single_factor_daily=10_000,
        two_factor_daily=500_000,
        default_daily_limit=500_000,
        max_daily_limit=5_000_000,
        password_free_per_payment=3_000,
        password_free_daily=10_000,
        password_free_consecutive=5,
    ),
}


class LoginPolicy(_Section):
    max_failures_per_account: int = Field(
        100,
        gt=0,
        description="failed logins per account per window from all places together; a "
        "trusted device is not held back by it (NIST 800-63B §5.2.2: throttle, not lock)",
    )
    max_failures_per_account_per_address: int = Field(
        10, gt=0, description="failed logins per account from one address per window"
    )
    max_failures_per_ip: int = Field(50, gt=0, description="failed logins per IP per window")
    window_minutes: int = Field(15, gt=0, description="sliding window for login throttling")
    registrations_per_ip_per_hour: int = Field(
        30, gt=0, description="sign-ups from one IP per hour (a 409 says a phone is registered)"
    )
    session_idle_minutes: int = Field(
        60 * 24 * 30, description="an owner session unused this long expires"
    )


class DeviceTrustPolicy(_Section):
    challenge_minutes: int = Field(
        30, gt=0, description="how long a new device's step-up challenge stays open"
    )
    code_minutes: int = Field(
        10, gt=0, description="an SMS step-up code is valid this long (NIST 800-63B: ≤ 10 min)"
    )
    code_max_submissions: int = Field(
        5, gt=0, description="submissions one SMS code accepts, counted before the check (Kratos)"
    )
    codes_per_challenge: int = Field(
        3, gt=0, description="SMS codes one challenge may send (each replaces the last)"
    )
    code_length: int = Field(6, gt=0, description="digits in an SMS step-up code")
    sim_change_quiet_hours: int = Field(
        240, ge=0, description="an SMS code is void this long after a SIM change (carrier signal)"
    )


class TransferPolicy(_Section):
    unknown_recipients_per_day: int = Field(
        20, gt=0,
        description="transfers an owner may try to phones without a wallet per day (each "
        "answer says whether a phone is registered)",
    )


class RestrictionPolicy(_Section):
    unfreeze_cooling_off_hours: float = Field(
        24, gt=0, description="after a lift, the owner may cancel it (re-freeze) within this window"
    )
    observation_days: int = Field(
        15, gt=0, description="observation after recovery or a lost phone"
    )
    observation_limit_factor: float = Field(
        0.5, gt=0, le=1, description="daily limit multiplier in observation"
    )
    payment_failure_lock_count: int = Field(
        10, gt=0, description="declined payments in a row that place a payments lock"
    )
    payment_failure_lock_hours: float = Field(1, gt=0, description="how long that lock lasts")


class TrustedContactsPolicy(_Section):
    min_contacts: int = Field(
        3, gt=0, description="fewest trusted contacts an owner names (seed 002 §4)"
    )
    max_contacts: int = Field(5, gt=0, description="most trusted contacts an owner names")
    min_known_days: int = Field(
        180, gt=0, description="a contact must be a walletguard owner this long to approve"
    )
    reports_per_contact_per_day: int = Field(
        3,
        gt=0,
        description="lost-phone reports one trusted contact may make for one owner per day "
        "(repeats that join the standing incident count too)",
    )


class LostPhonePolicy(_Section):
    """The public report (no sign-in). What one address does never keeps a report from
    another address from acting: nothing here counts a phone across addresses towards a
    refusal (docs/security.md, "The public lost-phone report")."""

    reports_per_ip_per_hour: int = Field(
        10, gt=0, description="public lost-phone reports from one address per hour, any phone"
    )
    reports_per_phone_per_ip_per_hour: int = Field(
        5,
        gt=0,
        description="reports naming one phone from one address per hour (matching or not: "
        "counting only misses would tell a guesser which try matched)",
    )
    guessing_alert_failures_per_hour: int = Field(
        10,
        gt=0,
        description="non-matching reports naming one phone, from any address, after which "
        "the owner and staff are told someone is guessing (once per hour; never a refusal)",
    )
    response_floor_ms: int = Field(
        300,
        ge=0,
        description="the public report never answers sooner (measured from the request's "
        "start, after the commit), so a match, a miss and a frozen wallet take the same time",
    )


class ChecklistEntry(_Section):
    key: str
    name: str
    category: Literal["carrier", "payment", "bank", "e-commerce", "social", "police"]
    hotline: str
    say: str = Field(description="what the owner should ask for on the call")


class IncidentPolicy(_Section):
    urgency_hours: dict[str, float] = Field(
        default_factory=lambda: {
            "carrier": 2.0,
            "payment": 2.0,
            "bank": 2.0,
            "e-commerce": 6.0,
            "social": 24.0,
            "police": 24.0,
        },
        description="due time per checklist category, counted from the report (seed 000 §6)",
    )
    linked_platforms: tuple[ChecklistEntry, ...] = Field(
        default_factory=lambda: DEFAULT_PLATFORMS,
        strict=False,
        description="the checklist: carriers, payment apps, banks, police (seeds 000/001)",
    )


class NotificationPolicy(_Section):
    """The outbox worker (``walletguard worker``): delivery, retries, periodic jobs."""

    max_attempts: int = Field(
        8, gt=0, description="deliveries tried per message before it is dead-lettered "
        "(an attempt cut short by a killed worker counts)")
    backoff_base_seconds: float = Field(
        2, gt=0, description="wait after the first failed attempt; doubled after each one")
    backoff_max_seconds: float = Field(
        3600, gt=0, description="the longest wait between two attempts")
    lease_seconds: float = Field(
        120, gt=0, description="a claimed message is another worker's to retry after this "
        "long without an answer (must exceed delivery_timeout_seconds)")
    delivery_timeout_seconds: float = Field(
        10, gt=0, description="a channel (SMTP, webhook) that has not answered by then failed")
    batch_size: int = Field(20, gt=0, description="messages one worker claims at a time")
    poll_seconds: float = Field(
        1, gt=0, description="how long an idle worker sleeps before looking again")
    webhook_tolerance_seconds: int = Field(
        300, gt=0, description="a receiver refuses a signed webhook whose timestamp is "
        "further than this from its clock (replay window)")
    checklist_reminder_minutes: int = Field(
        30, gt=0, description="an open checklist item is reminded this long before it is due")
    cooling_off_reminder_minutes: int = Field(
        60, gt=0, description="the owner is reminded this long before a lift's cooling-off "
        "window (restrictions.unfreeze_cooling_off_hours) closes")
    jobs_every_seconds: float = Field(
        60, gt=0, description="how often the worker runs its periodic jobs")
    prune_older_than_hours: int = Field(
        24, ge=2, description="rate-limit counters older than this are dropped by the worker")
    default_locale: Literal["zh-CN", "en"] = Field(
        "zh-CN", description="the template language of an owner who has not chosen one")

    @model_validator(mode="after")
    def _lease_outlives_a_delivery(self) -> NotificationPolicy:
        if self.lease_seconds <= self.delivery_timeout_seconds:
            raise ValueError("notifications.lease_seconds must exceed delivery_timeout_seconds")
        return self


DEFAULT_PLATFORMS: tuple[ChecklistEntry, ...] = (
    ChecklistEntry(
        key="china-mobile",
        name="China Mobile",
        category="carrier",
        hotline="10086",
        say="Report the phone lost and suspend the SIM (挂失停机); ask for a new SIM.",
    ),
    ChecklistEntry(
        key="china-unicom",
        name="China Unicom",
        category="carrier",
        hotline="10010",
        say="Report the phone lost and suspend the SIM (挂失停机).",
    ),
    ChecklistEntry(
        key="china-telecom",
        name="China Telecom",
        category="carrier",
        hotline="10000",
        say="Report the phone lost and suspend the SIM (挂失停机).",
    ),
    ChecklistEntry(
        key="wechat-pay",
        name="WeChat Pay",
        category="payment",
        hotline="95017",
        say="Freeze WeChat Pay and the WeChat account (冻结微信支付).",
    ),
    ChecklistEntry(
        key="alipay",
        name="Alipay",
        category="payment",
        hotline="95188",
        say="Freeze the Alipay account (冻结支付宝).",
    ),
    ChecklistEntry(
        key="jd-finance",
        name="JD Finance",
        category="e-commerce",
        hotline="95118",
        say="Freeze JD Finance / JD Pay and review recent orders.",
    ),
    ChecklistEntry(
        key="banks",
        name="Your banks",
        category="bank",
        hotline="(on your card)",
        say="Report bound bank cards and ask to block mobile and quick payments.",
    ),
    ChecklistEntry(
        key="police",
        name="Police (110)",
        category="police",
        hotline="110",
        say="File a report; ask for the report number for the insurer.",
    ),
)


class Policy(_Section):
    regulatory_profile: Literal["cn-pboc-43", "eu-psd2-rts"] = Field(
        "cn-pboc-43", description="which regulatory profile sets the limits"
    )
    currency: str = Field("CNY", description="the wallet currency (ISO 4217)")
    timezone: str = Field("Asia/Shanghai", description="the day boundary for daily limits")
    pin: PinPolicy = Field(default_factory=PinPolicy)
    biometric: BiometricPolicy = Field(default_factory=BiometricPolicy)
    login: LoginPolicy = Field(default_factory=LoginPolicy)
    device_trust: DeviceTrustPolicy = Field(default_factory=DeviceTrustPolicy)
    transfers: TransferPolicy = Field(default_factory=TransferPolicy)
    restrictions: RestrictionPolicy = Field(default_factory=RestrictionPolicy)
    trusted_contacts: TrustedContactsPolicy = Field(default_factory=TrustedContactsPolicy)
    lost_phone: LostPhonePolicy = Field(default_factory=LostPhonePolicy)
    incidents: IncidentPolicy = Field(default_factory=IncidentPolicy)
    notifications: NotificationPolicy = Field(default_factory=NotificationPolicy)
    limits_override: LimitsProfile | None = Field(
        None, description="replace the profile's limits entirely (all keys of [limits_override])"
    )

    @model_validator(mode="after")
    def _sane(self) -> Policy:
        if self.pin.max_consecutive_failures < 1:
            raise ValueError("pin.max_consecutive_failures must be at least 1")
        return self

    @property
    def limits(self) -> LimitsProfile:
        return self.limits_override or PROFILES[self.regulatory_profile]


def load_policy(path: Path | None) -> Policy:
    if path is None:
        return Policy()
    try:
        data = tomllib.loads(Path(path).read_text())
        return Policy.model_validate(data)
    except (OSError, tomllib.TOMLDecodeError, ValidationError) as exc:
        raise ConfigurationError(f"policy file {path}: {exc}") from exc
