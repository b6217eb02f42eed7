"""The policy: every number the domain knows, with its default (DOMAIN.md) and a
one-line reason. Operators override any of them in a TOML file
(``WALLETGUARD_POLICY_FILE``); ``docs/policy.md`` is generated from this model
(``walletguard policy docs``).
"""

from __future__ import annotations

import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from walletguard.errors import ConfigurationError

# The window of every ``*_per_hour`` and ``*_per_day`` limit below. Not a setting: the
# limit's name fixes it, and an operator who changed it would change what the number means.
HOURLY_WINDOW = timedelta(hours=1)
DAILY_WINDOW = timedelta(days=1)


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
    challenge_minutes: int = Field(
        5, gt=0, description="a WebAuthn challenge (to bind or to pay) can be answered this long"
    )

    @property
    def challenge_duration(self) -> timedelta:
        return timedelta(minutes=self.challenge_minutes)


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
    window_minutes: int = Field(
        15, gt=0, description="window for login throttling (fixed, from the first failure)"
    )
    registrations_per_ip_per_hour: int = Field(
        30, gt=0, description="sign-ups from one IP per hour (a 409 says a phone is registered)"
    )
    session_idle_minutes: int = Field(
        60 * 24 * 30, gt=0, description="an owner session unused this long expires"
    )
    session_touch_minutes: int = Field(
        5,
        gt=0,
        description="a session's last use is written at most this often (one write per "
        "interval, not per request; the idle expiry may come up to this much early)",
    )

    @model_validator(mode="after")
    def _touch_within_idle(self) -> LoginPolicy:
        if self.session_touch_minutes >= self.session_idle_minutes:
            raise ValueError("login.session_touch_minutes must be shorter than "
                             "login.session_idle_minutes")
        return self

    @property
    def session_touch(self) -> timedelta:
        return timedelta(minutes=self.session_touch_minutes)


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
    mature_days: int = Field(
        7, gt=0, description="a contact approves a recovery only this long after the owner "
        "named them; a case carried by approvals waits at least this long before it completes"
    )
    approvals_required: int = Field(
        0, ge=0, description="approvals from distinct matured contacts a recovery needs (k of "
        "n); 0 means ceil(n/2) of the n contacts named"
    )
    approval_link_hours: float = Field(
        24, gt=0, description="a recovery-approval link sent to a contact is valid this long"
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


class RecoveryPolicy(_Section):
    """Recovery cases (DOMAIN.md "Recovery", seed 002): what each channel's evidence is
    worth, what each purpose needs, and the delays no staff role can shorten."""

    case_hours: float = Field(
        72, gt=0, description="a recovery case expires this long after it opens")
    cases_per_ip_per_hour: int = Field(
        20, gt=0, description="recovery cases one address may open per hour, any phone")
    max_failed_verifications: int = Field(
        5, gt=0, description="failed verifications in one case, all channels together, "
        "after which the case goes to manual review (seed 002)")
    max_failed_per_channel: int = Field(
        3, gt=0, description="failed verifications of one channel in one case before that "
        "channel closes for the case")
    required_assurance: dict[str, int] = Field(
        default_factory=lambda: {"reset_pin": 60, "unfreeze": 80, "unlock": 80,
                                 "new_device": 80},
        description="evidence strength each purpose needs in total")
    strength: dict[str, int] = Field(
        default_factory=lambda: {"bank_card": 40, "id_document": 50, "device_biometric": 60,
                                 "trusted_contacts": 50, "appeal": 80, "hotline_voice": 30,
                                 "history_quiz": 20, "branch": 120},
        description="what one passed verification of each channel is worth")
    low_assurance_channels: tuple[str, ...] = Field(
        ("history_quiz", "hotline_voice"), strict=False,
        description="knowledge insiders or leaks expose; together they count at most "
        "low_assurance_cap and never complete a case alone")
    low_assurance_cap: int = Field(
        20, ge=0, description="the most that low-assurance channels add together")
    risk_surcharge: int = Field(
        30, ge=0, description="added to the required assurance after a SIM change, a lost-"
        "phone report or a freeze, or when recovering to a device not yet trusted")
    sim_change_lookback_hours: int = Field(
        240, ge=0, description="a SIM change this recent raises the bar and voids evidence "
        "sent to the account phone (CAMARA SIM Swap default)")
    security_delay_hours: float = Field(
        24, gt=0, description="a completion to a device not yet trusted waits this long; "
        "the owner's other channels may cancel it meanwhile")
    new_payee_block_hours: float = Field(
        48, ge=0, description="after a completion, transfers to new payees stay blocked")
    bank_daily_attempts: dict[str, int] = Field(
        default_factory=lambda: {"state": 5, "joint_stock": 3, "city_rural": 2},
        description="bank-card verifications per owner per day by bank tier (seed 002 §1)")
    bank_otp_minutes: int = Field(
        10, gt=0, description="a reserved-phone OTP is valid this long (NIST 800-63B)")
    face_match_min: float = Field(
        0.80, gt=0, le=1, description="face liveness match needed with the ID document")
    quiz_min_transactions: int = Field(
        20, gt=0, description="transactions on record before the history quiz asks from them "
        "(seed 002 §3)")
    quiz_questions: int = Field(
        7, gt=0, description="questions in one history quiz (recent amounts, merchants, dates)")
    quiz_lookback_days: int = Field(
        90, gt=0, description="the history quiz asks about payments this recent")
    quiz_pass_score: int = Field(
        85, gt=0, le=100, description="score out of 100 that passes the history quiz")
    quiz_merchant_match_min: int = Field(
        80, gt=0, le=100, description="fuzzy match (rapidfuzz WRatio) a merchant-name answer "
        "needs")
    quiz_date_tolerance_days: int = Field(
        2, ge=0, description="a date answer this many days off still counts")
    voice_match_min: float = Field(
        0.80, gt=0, le=1, description="voiceprint match the hotline's verifier must report")
    hotline_hours: tuple[int, int] = Field(
        (8, 22), strict=False, description="the hotline voice channel is open from the first to "
        "the second hour, operator time (the policy's timezone; seed 002 §7)")
    appeal_sla_hours: float = Field(
        72, gt=0, description="an appeal ticket is answered within this long (seed 002 §5); "
        "the agent queue shows the due time")
    appeal_min_score: int = Field(
        50, ge=0, le=100, description="an appeal whose account-history form scored below "
        "this cannot be recommended for approval (seed 002 §5: under 50 % rarely passes)")
    appeal_merchant_match: int = Field(
        80, ge=0, le=100, description="fuzzy match (rapidfuzz WRatio) a counterparty named "
        "in an appeal form needs against one the owner really paid")
    appeal_history_days: int = Field(
        180, gt=0, description="how far back an appeal form's recent counterparties, "
        "amounts and top-ups are looked for")
    channel_change_step_up_minutes: int = Field(
        20, gt=0, description="changing a recovery channel (phone, trusted contacts) needs a "
        "step-up met this recently in the same session")
    channel_change_cooling_off_hours: float = Field(
        48, gt=0, description="a recovery-channel change waits this long before it takes "
        "effect; the old channel is told and any owner session may cancel meanwhile")
    emergency_code_max: int = Field(
        50_000, gt=0, description="the most an emergency temporary payment code may pay "
        "(minor units; seed 002 §8: ≤ 500)")
    emergency_code_hours: float = Field(2, gt=0, description="an emergency code is valid this long")
    emergency_code_refused_categories: tuple[str, ...] = Field(
        ("virtual_goods", "game_credits", "gift_cards", "digital_content"), strict=False,
        description="merchant categories an emergency code never pays (virtual goods)")

    @model_validator(mode="after")
    def _hotline_hours(self) -> RecoveryPolicy:
        opens, closes = self.hotline_hours
        if not 0 <= opens < closes <= 24:
            raise ValueError("recovery.hotline_hours must be (opens, closes) with "
                             "0 <= opens < closes <= 24")
        return self


CHECKUP_FINDINGS = ("password_free", "contacts", "lost_devices", "untrusted", "stale",
                    "guessing")


class CheckupPolicy(_Section):
    """The security checkup page (seed 000's monthly "payment security day"): what each
    finding costs out of a score of 100. Password-free payments and missing contacts weigh
    most: seed 000 finds most theft after a loss goes through password-free payments."""

    weights: dict[str, int] = Field(
        default_factory=lambda: {"password_free": 30, "contacts": 25, "lost_devices": 15,
                                 "untrusted": 10, "stale": 10, "guessing": 10},
        description="points each finding takes off the checkup score of 100 (password_free, "
        "contacts, lost_devices, untrusted, stale, guessing)")
    stale_days: int = Field(
        90, gt=0, description="a bound device not seen for this long is a checkup finding")
    alert_days: int = Field(
        30, gt=0, description="the checkup lists and weighs the security alerts of this many "
        "days")

    @model_validator(mode="after")
    def _known(self) -> CheckupPolicy:
        if set(self.weights) != set(CHECKUP_FINDINGS):
            raise ValueError(f"checkup.weights: give exactly {', '.join(CHECKUP_FINDINGS)}")
        if any(w < 0 for w in self.weights.values()):
            raise ValueError("checkup.weights: no weight may be negative")
        return self


ChecklistCategory = Literal["carrier", "payment", "bank", "e-commerce", "social", "police"]
CHECKLIST_CATEGORIES: tuple[ChecklistCategory, ...] = get_args(ChecklistCategory)
RISK_RULES = ("new_device", "fingerprint_changed", "impossible_travel", "anonymizing_ip",
              "unusual_country", "sim_swap_recent", "carrier_unknown", "velocity",
              "amount_outlier", "new_payee", "unusual_hour", "after_lost_report")


class RiskThresholds(_Section):
    """Scores at or above which a decision is step_up, deny, lock (lock > deny > step_up)."""

    step_up: float = Field(gt=0, description="score that asks for a step-up")
    deny: float = Field(gt=0, description="score that refuses")
    lock: float = Field(gt=0, description="score that places a risk lock")

    @model_validator(mode="after")
    def _ordered(self) -> RiskThresholds:
        if not self.step_up <= self.deny <= self.lock:
            raise ValueError("risk thresholds must be step_up <= deny <= lock")
        return self


class RiskPolicy(_Section):
    """The risk engine (DOMAIN.md, "Risk signals"): each rule that fires adds its weight;
    the sum is compared with the thresholds of the sensitivity in force."""

    enabled: bool = Field(True, description="evaluate logins, payments, transfers, PIN changes, "
                          "device bindings and recovery steps")
    sensitivity: Literal["low", "medium", "high"] = Field(
        "medium", description="which thresholds apply (seed 000 recommends medium)")
    weights: dict[str, float] = Field(
        default_factory=lambda: {
            "new_device": 25.0, "fingerprint_changed": 30.0, "impossible_travel": 45.0,
            "anonymizing_ip": 20.0, "unusual_country": 20.0, "sim_swap_recent": 50.0,
            "carrier_unknown": 5.0, "velocity": 35.0, "amount_outlier": 30.0,
            "new_payee": 15.0, "unusual_hour": 10.0, "after_lost_report": 60.0},
        description="score each rule adds when it fires (a rule left out weighs 0)")
    thresholds: dict[str, RiskThresholds] = Field(
        default_factory=lambda: {
            "low": RiskThresholds(step_up=60, deny=90, lock=130),
            "medium": RiskThresholds(step_up=40, deny=70, lock=100),
            "high": RiskThresholds(step_up=25, deny=55, lock=85)},
        strict=False, description="step_up / deny / lock scores per sensitivity")
    impossible_travel_kmh: float = Field(
        900, gt=0, description="great-circle speed between located events that is impossible")
    travel_min_km: float = Field(
        50, ge=0, description="shorter jumps never count as travel (location noise)")
    velocity_window_minutes: int = Field(
        10, gt=0, description="the window money events are counted and summed in")
    velocity_max_count: int = Field(
        4, gt=0, description="money events in the window beyond which velocity fires")
    velocity_max_sum: int = Field(
        1_000_000, gt=0, description="amount in the window beyond which velocity fires")
    amount_min_history: int = Field(
        5, ge=1, description="payments seen before an amount can be called unusual")
    amount_outlier_spread: float = Field(
        3.0, gt=0, description="how many robust deviations of log(amount) above the median "
        "make an outlier")
    amount_outlier_min_ratio: float = Field(
        3.0, ge=1, description="an outlier is at least this many times the typical amount")
    amount_outlier_floor: int = Field(
        5_000, ge=0, description="amounts below this are never outliers (minor units)")
    amount_learning_rate: float = Field(
        0.1, gt=0, le=1, description="step of the streaming median and deviation")
    unusual_hour_min_events: int = Field(
        20, ge=1, description="events seen before an hour can be called unusual")
    unusual_hour_share: float = Field(
        0.02, ge=0, le=1, description="an hour (with its neighbours) this rare is unusual")
    unusual_country_min_events: int = Field(
        5, ge=1, description="located events seen before a country can be called unusual")
    unusual_country_share: float = Field(
        0.05, ge=0, le=1, description="a country this rare for the owner is unusual")
    sms_void_after_travel_hours: int = Field(
        24, ge=0, description="an SMS step-up code counts for nothing this long after "
        "impossible travel")
    lost_report_days: int = Field(
        30, gt=0, description="events this long after a lost-phone report are suspect")
    trip_mute_days_max: int = Field(
        60, gt=0, description="longest trip an owner may confirm (mutes impossible travel)")
    known_payees_kept: int = Field(
        200, gt=0, description="payees remembered per owner (the least recent is forgotten)")
    known_devices_kept: int = Field(20, gt=0, description="devices remembered per owner")
    countries_kept: int = Field(20, gt=0, description="countries remembered per owner")
    brake_window_minutes: int = Field(
        15, gt=0, description="the window the live deny rate is measured over (every "
        "worker's decisions together)")
    brake_min_events: int = Field(
        50, gt=0, description="events in the window before the brake may trip")
    brake_deny_ceiling: float = Field(
        0.2, gt=0, le=1, description="deny rate above which deny and lock fall back to step-up")
    brake_sync_seconds: float = Field(
        2.0, gt=0, le=300, description="how often each worker shares its brake counts and "
        "reads the others' (off the request path; the others' count is this stale at most)")
    brake_slice_seconds: int = Field(
        60, gt=0, description="the brake's shared counts are kept per slice of this length "
        "(the window's edge moves a slice at a time for the other workers' decisions)")

    @model_validator(mode="after")
    def _known(self) -> RiskPolicy:
        unknown = set(self.weights) - set(RISK_RULES)
        if unknown:
            raise ValueError(f"risk.weights: unknown rules {sorted(unknown)}")
        missing = {"low", "medium", "high"} - set(self.thresholds)
        if missing:
            raise ValueError(f"risk.thresholds: missing {sorted(missing)}")
        return self

    @property
    def in_force(self) -> RiskThresholds:
        return self.thresholds[self.sensitivity]


class ChecklistEntry(_Section):
    key: str
    name: str
    category: ChecklistCategory
    hotline: str
    say: str = Field(description="what the owner should ask for on the call")


def _default_urgency() -> dict[ChecklistCategory, float]:
    return {"carrier": 2.0, "payment": 2.0, "bank": 2.0, "e-commerce": 6.0, "social": 24.0,
            "police": 24.0}


class IncidentPolicy(_Section):
    urgency_hours: dict[ChecklistCategory, float] = Field(
        default_factory=_default_urgency,
        description="due time per checklist category, counted from the report (seed 000 §6)",
    )
    linked_platforms: tuple[ChecklistEntry, ...] = Field(
        default_factory=lambda: DEFAULT_PLATFORMS,
        strict=False,
        description="the checklist: carriers, payment apps, banks, police (seeds 000/001)",
    )

    @model_validator(mode="after")
    def _every_category_has_a_due_time(self) -> IncidentPolicy:
        # Refused at start-up rather than given a made-up due time: an override file that
        # replaces urgency_hours must say how urgent each checklist entry is.
        missing = sorted({p.category for p in self.linked_platforms} - set(self.urgency_hours))
        if missing:
            raise ValueError(f"incidents.urgency_hours has no due time for {missing}")
        if any(hours <= 0 for hours in self.urgency_hours.values()):
            raise ValueError("incidents.urgency_hours must be positive")
        return self


class EvidencePolicy(_Section):
    """The evidence pack for police and insurers, disputes and claims (seed 000 §4)."""

    window_hours_before: float = Field(
        24, gt=0, description="the suspicious window opens this long before the lost-phone "
        "report: the pack lists every transaction from then, and only these may be disputed")
    window_hours_after: float = Field(
        24, gt=0, description="the suspicious window closes this long after the report")
    wallet_insurance_limit: int = Field(
        500_000, gt=0, description="wallet security insurance (账户安全险) pays at most this "
        "per case (seed 000 §4: 5,000 yuan); a larger claim is refused")
    third_party_insurance_limit: int = Field(
        5_000_000, gt=0, description="a third-party insurer pays at most this per case "
        "(seed 000 §4: 10,000-50,000 yuan)")
    card_insurance_limit: int | None = Field(
        None, description="card insurance pays up to the card's credit limit, which this "
        "wallet does not know: no cap unless set")


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
    recovery: RecoveryPolicy = Field(default_factory=RecoveryPolicy)
    risk: RiskPolicy = Field(default_factory=RiskPolicy)
    notifications: NotificationPolicy = Field(default_factory=NotificationPolicy)
    checkup: CheckupPolicy = Field(default_factory=CheckupPolicy)
    evidence: EvidencePolicy = Field(default_factory=EvidencePolicy)
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
