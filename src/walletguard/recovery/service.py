"""Recovery cases and emergency payment codes (DOMAIN.md "Recovery", seeds 002 and 004).

A case opens for a purpose on a phone number, from no session at all (the owner may have
lost every device). Each verification channel that passes adds evidence with a strength
(``policy.recovery.strength``); the case may complete once the evidence reaches the
purpose's required assurance. The bar rises (``risk_surcharge``) after a SIM change,
while a freeze or lost-phone report stands, or when the case recovers to a device not
yet trusted — and evidence sent to the account phone (the bank's reserved-phone OTP)
counts for nothing within ``sim_change_lookback_hours`` of a SIM change.

No account oracle: opening a case for a phone without a wallet answers exactly as for
one with a wallet (same channels, same required assurance, an id of the same form); such
a *phantom* case stores nothing, and its verifications fail and are counted like real
ones (in the throttle table) until it goes to manual review. Case ids carry a keyed tag,
so ids never issued are told apart from phantoms without a row.

Counting: every verification is counted before it is judged, by one conditional UPDATE
per case (``failures < max``) and per channel; the count is written before the judged
savepoint and kept with a refusal. Past the case limit the case is in ``review``: no
channel can complete it, only staff.

Completion locks the owner's wallet (the one lock) and then: checks status, expiry and
assurance; to a device not yet trusted it first waits ``security_delay_hours`` (every
channel is told and any owner session may cancel); then sets the new PIN, lifts what the
purpose covers, trusts the recovering device, ends every other session, starts
observation and blocks new payees for ``new_payee_block_hours``. No staff role shortens
any of these waits: there is no code path that sets ``delay_until`` earlier.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from walletguard.adapters.bank import BankGateway, CardFacts, luhn_valid
from walletguard.adapters.carrier import CarrierSignals
from walletguard.adapters.identity_check import IdentityVerifier
from walletguard.adapters.voice import VoiceVerifier
from walletguard.audit import service as audit
from walletguard.auth import throttle
from walletguard.auth.principal import Principal, Role
from walletguard.credentials import service as credentials
from walletguard.credentials.service import RelyingParty
from walletguard.crypto import Keyring, keyed_digest
from walletguard.db import judged, new_id, rowcount
from walletguard.devices import challenges
from walletguard.devices.models import Device, DeviceSession
from walletguard.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidBiometric,
    InvalidCode,
    InvalidInput,
    MethodNotAvailable,
    NotFound,
    RateLimited,
    VerificationFailed,
)
from walletguard.identity import service as identity
from walletguard.identity.models import User
from walletguard.ledger import service as ledger
from walletguard.ledger.service import LockedWallet
from walletguard.notifications import service as notifications
from walletguard.policy import Policy, RecoveryPolicy
from walletguard.recovery import contacts, quiz, voice
from walletguard.recovery.models import (
    EmergencyCode,
    RecoveryCase,
    RecoveryChannelState,
    RecoveryEvidence,
)
from walletguard.restrictions import service as restrictions
from walletguard.restrictions.models import Restriction
from walletguard.risk import service as risk_service
from walletguard.risk.service import RiskEngine

Purpose = Literal["reset_pin", "unfreeze", "unlock", "new_device"]
PURPOSES: tuple[Purpose, ...] = ("reset_pin", "unfreeze", "unlock", "new_device")
# Channels a case may be verified through from the public endpoint; ``branch`` is the
# teller's (``branch_verify``), never the public's.
PUBLIC_CHANNELS = ("bank_card", "id_document", "trusted_contacts", "history_quiz",
                   "device_biometric", "hotline_voice")
# Evidence that travels to the account phone: void after a recent SIM change.
_ACCOUNT_PHONE_CHANNELS = {"bank_card"}
_OPEN, _REVIEW, _DELAYED = "open", "review", "delayed"
_COMPLETED, _CANCELLED, _EXPIRED = "completed", "cancelled", "expired"


@dataclass(frozen=True)
class Ports:
    """The outside world recovery channels reach, chosen in settings."""

    bank: BankGateway
    identity_verifier: IdentityVerifier
    carrier: CarrierSignals
    voice: VoiceVerifier
    rp: RelyingParty  # the device-biometric channel's WebAuthn relying party
    link_base: str  # where approval links point (the app's origin)
    risk: RiskEngine | None = None  # each verification and completion is a risk event


@dataclass(frozen=True)
class CaseView:
    id: str
    purpose: str
    status: str
    channels: list[str]
    assurance: int
    required_assurance: int
    expires_at: datetime
    delay_until: datetime | None = None


@dataclass(frozen=True)
class Prompt:
    """A channel's first step (approval links sent, quiz questions, WebAuthn options):
    no verification yet, nothing counted. Its shape never depends on the account, so a
    phantom case prompts exactly like a real one."""

    case_id: str
    channel: str
    next_step: str
    detail: dict[str, Any]


def available_channels(ports: Ports) -> list[str]:
    """What the platform offers, the same for every phone (never what one account has)."""
    offered = {"bank_card": ports.bank.available,
               "id_document": ports.identity_verifier.available,
               "trusted_contacts": True, "history_quiz": True, "device_biometric": True,
               "hotline_voice": ports.voice.available}
    return [c for c in PUBLIC_CHANNELS if offered[c]]


# ---- ids and lookup --------------------------------------------------------------------


def _tag(keys: Keyring, body: str) -> str:
    return keyed_digest(keys.token_key, f"recovery-case:{body}")[:12]


def _new_case_id(keys: Keyring) -> str:
    body = secrets.token_hex(10)
    return f"rc_{body}{_tag(keys, body)}"


def _issued(keys: Keyring, case_id: str) -> bool:
    if not case_id.startswith("rc_") or len(case_id) != 35:
        return False
    body, tag = case_id[3:23], case_id[23:]
    return hmac.compare_digest(tag, _tag(keys, body))


def _find(db: Session, keys: Keyring, case_id: str) -> RecoveryCase | None:
    """The case, None for a phantom; ``not_found`` for an id never issued."""
    if not _issued(keys, case_id):
        raise NotFound("no such recovery case")
    return db.execute(select(RecoveryCase).where(RecoveryCase.id == case_id)).scalar_one_or_none()


def _status(case: RecoveryCase, now: datetime) -> str:
    if case.status in (_OPEN, _REVIEW, _DELAYED) and case.expires_at <= now:
        return _EXPIRED
    return case.status


# For the channel modules beside this one (``recovery.appeals``).
find_case, case_status = _find, _status


# ---- opening ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RecoveringDevice:
    """The device the owner recovers to: the app's device id (``devices.client_device_id``)."""

    id: str


def open_case(
    db: Session, *, keys: Keyring, policy: Policy, ports: Ports, phone: str, purpose: str,
    device: RecoveringDevice | None, client_ip: str | None, now: datetime,
) -> CaseView:
    """Open a case. Answers the same whether or not ``phone`` has a wallet."""
    rules = policy.recovery
    if purpose not in PURPOSES:
        raise InvalidInput(f"purpose must be one of {', '.join(PURPOSES)}", field="purpose")
    if purpose == "new_device" and device is None:
        raise InvalidInput("a new_device case names the device to trust", field="device")
    key = f"recovery:open:ip:{client_ip or 'no-address'}"
    opened = throttle.hit(db, key=key, window=timedelta(hours=1), now=now)
    if opened > rules.cases_per_ip_per_hour:
        _refuse(db, RateLimited("too many recovery cases from this address; try later",
                                retry_after=throttle.seconds_left(
                                    db, key=key, window=timedelta(hours=1), now=now)))
    case_id = _new_case_id(keys)
    base = rules.required_assurance[purpose]
    expires_at = now + timedelta(hours=rules.case_hours)
    user = identity.find_by_phone(db, vault=keys.vault, phone=phone)
    view = CaseView(id=case_id, purpose=purpose, status=_OPEN,
                    channels=available_channels(ports), assurance=0,
                    required_assurance=base, expires_at=expires_at)
    if user is None:
        return view
    wallet = ledger.lock_wallet(db, user.id)
    risk = _risk(db, keys=keys, rules=rules, ports=ports, user_id=user.id,
                 purpose=purpose, device=device, now=now)
    case = RecoveryCase(
        user_id=user.id, id=case_id, purpose=purpose, status=_OPEN, created_at=now,
        expires_at=expires_at, required_assurance=base, failures=0, risk=risk,
        device_id=device.id if device else None, opened_by=f"public:{client_ip or '-'}")
    db.add(case)
    audit.append(db, actor=case.opened_by, action="recovery.case_opened", subject=user.id,
                 at=now, chain=wallet.user_id,
                 data={"case_id": case_id, "purpose": purpose, "risk": risk})
    # Every recovery notifies the owner (NIST 800-63B): a case the owner did not open is
    # the first sign of an attack.
    notifications.notify_owner(db, topic="recovery.case_opened", user_id=user.id, now=now,
                               payload={"case_id": case_id, "purpose": purpose,
                                        "how_to_cancel":
                                            f"POST /v1/recovery-cases/{case_id}/cancel"})
    return view


def _risk(
    db: Session, *, keys: Keyring, rules: RecoveryPolicy, ports: Ports, user_id: str,
    purpose: str, device: RecoveringDevice | None, now: datetime,
) -> list[str]:
    """Why this case needs more evidence than the purpose's base, if it does."""
    reasons = []
    phone = identity.phone_of(db, vault=keys.vault, user_id=user_id)
    changed = ports.carrier.last_sim_change(phone)
    if changed is not None and now - changed < timedelta(hours=rules.sim_change_lookback_hours):
        reasons.append("sim_change")
    if any(r.kind == restrictions.Kind.FREEZE
           for r in restrictions.active(db, user_id=user_id, now=now)):
        reasons.append("frozen")
    # A new_device case is about a new device by definition: its security delay covers
    # that. Any other purpose asked for from an untrusted device needs more evidence.
    if (purpose != "new_device" and device is not None
            and _trusted_device(db, user_id, device.id) is None):
        reasons.append("new_device")
    return reasons


def _trusted_device(db: Session, user_id: str, client_device_id: str) -> Device | None:
    return db.execute(select(Device).where(
        Device.user_id == user_id, Device.client_device_id == client_device_id,
        Device.status == "active", Device.trust == "trusted")).scalar_one_or_none()


def required(case: RecoveryCase, rules: RecoveryPolicy) -> int:
    return case.required_assurance + (rules.risk_surcharge if case.risk else 0)


def assurance(db: Session, case: RecoveryCase, rules: RecoveryPolicy) -> tuple[int, bool]:
    """(total, whether any evidence is not low-assurance). Low-assurance channels together
    add at most ``low_assurance_cap``: knowledge a leak exposes never carries a case."""
    rows = db.execute(select(RecoveryEvidence.channel, RecoveryEvidence.strength).where(
        RecoveryEvidence.user_id == case.user_id, RecoveryEvidence.case_id == case.id)).all()
    low = sum(s for c, s in rows if c in rules.low_assurance_channels)
    strong = [s for c, s in rows if c not in rules.low_assurance_channels]
    return sum(strong) + min(low, rules.low_assurance_cap), bool(strong)


def _view(db: Session, case: RecoveryCase, policy: Policy, ports: Ports,
          now: datetime) -> CaseView:
    total, _ = assurance(db, case, policy.recovery)
    return CaseView(id=case.id, purpose=case.purpose, status=_status(case, now),
                    channels=available_channels(ports), assurance=total,
                    required_assurance=required(case, policy.recovery),
                    expires_at=case.expires_at, delay_until=case.delay_until)


# ---- verifying -------------------------------------------------------------------------


def verify(
    db: Session, *, keys: Keyring, policy: Policy, ports: Ports, case_id: str, channel: str,
    fields: dict[str, Any], now: datetime,
) -> CaseView | Prompt:
    """Add evidence through one public channel. Counted before judged; a failure keeps
    its count. A channel's first step answers a ``Prompt`` (see ``_prompt_step``).
    Refusals: ``verification_failed`` (with ``attempts_left``), ``method_not_available``,
    ``conflict`` (case not open), ``not_found``."""
    rules = policy.recovery
    if channel not in PUBLIC_CHANNELS:
        raise InvalidInput(f"channel must be one of {', '.join(PUBLIC_CHANNELS)}",
                           field="channel")
    if channel not in available_channels(ports):
        raise MethodNotAvailable(f"the {channel} channel is not offered on this platform")
    if channel == voice.CHANNEL and not voice.in_hours(policy, now):
        opens, closes = rules.hotline_hours
        raise MethodNotAvailable(f"the hotline answers from {opens:02d}:00 to {closes:02d}:00 "
                                 f"({policy.timezone})")
    prompting = _prompt_step(channel, fields)
    sending_otp = channel == "bank_card" and "otp" not in fields
    card = _card_digits(fields) if sending_otp else ""
    case = _find(db, keys, case_id)
    if case is None:
        if sending_otp:
            return _phantom_bank_otp(db, policy=policy, ports=ports, case_id=case_id,
                                     card=card, now=now)
        if prompting:
            return _phantom_prompt(keys=keys, policy=policy, ports=ports, case_id=case_id,
                                   channel=channel, now=now)
        return _phantom_failure(db, rules, case_id, now)
    wallet = ledger.lock_wallet(db, case.user_id)
    db.refresh(case)
    status = _status(case, now)
    if status != _OPEN:
        raise Conflict(f"this recovery case is {status}", case_status=status)
    # A bank OTP first needs a code sent; sending is not a verification.
    if sending_otp:
        return _send_bank_otp(db, keys=keys, policy=policy, ports=ports, case=case,
                              wallet=wallet, card=card, now=now)
    if prompting:
        return _prompt(db, keys=keys, policy=policy, ports=ports, case=case, channel=channel,
                       now=now)
    left = _count_attempt(db, rules, case, channel)
    with judged(db):
        case.risk = risk_service.judge_recovery_step(db, engine=ports.risk, wallet=wallet,
                                             case_risk=case.risk, device_id=case.device_id,
                                             now=now)
        strength = _judge(db, keys=keys, policy=policy, ports=ports, case=case,
                          wallet=wallet, channel=channel, fields=fields, now=now, left=left)
        db.add(RecoveryEvidence(user_id=case.user_id, id=new_id("rev"), case_id=case.id,
                                channel=channel, strength=strength, at=now,
                                detail={"risk": case.risk}))
        _passed(db, case, channel)
        audit.append(db, actor="public:recovery", action="recovery.verified",
                     subject=case.user_id, at=now, chain=wallet.user_id,
                     data={"case_id": case.id, "channel": channel, "strength": strength})
    return _view(db, case, policy, ports, now)


def _prompt_step(channel: str, fields: dict[str, Any]) -> bool:
    """Whether this call is a channel's first step rather than a verification: asking
    the contacts (the evidence arrives with their approvals), fetching quiz questions,
    fetching WebAuthn options."""
    return (channel == contacts.CHANNEL
            or (channel == "history_quiz" and "answers" not in fields)
            or (channel == "device_biometric" and "assertion" not in fields))


def _prompt(db: Session, *, keys: Keyring, policy: Policy, ports: Ports, case: RecoveryCase,
            channel: str, now: datetime) -> Prompt:
    if channel == contacts.CHANNEL:
        until = contacts.request(db, keys=keys, policy=policy, case=case,
                                 link_base=ports.link_base, now=now)
        return Prompt(case_id=case.id, channel=channel, next_step="approvals_requested",
                      detail={"expires_at": until.isoformat()})
    if channel == "history_quiz":
        state = _channel_state(db, case, channel)
        pending = state.pending or {}
        if not pending.get("questions"):
            pending = quiz.issue(db, keys=keys, policy=policy, user_id=case.user_id,
                                 case_id=case.id, now=now).pending()
            state.pending = pending
        return Prompt(case_id=case.id, channel=channel, next_step="answer_quiz",
                      detail={"questions": pending["questions"]})
    device = _trusted_device(db, case.user_id, case.device_id) if case.device_id else None
    options = credentials.begin_recovery_assertion(
        db, rp=ports.rp, policy=policy, user_id=case.user_id,
        device_id=device.id if device else None, now=now)
    return Prompt(case_id=case.id, channel=channel, next_step="webauthn_assertion",
                  detail={"options": options})


def _phantom_prompt(*, keys: Keyring, policy: Policy, ports: Ports, case_id: str,
                    channel: str, now: datetime) -> Prompt:
    """A phantom case's first step, shaped exactly like a real one's (nothing stored)."""
    if channel == contacts.CHANNEL:
        until = now + timedelta(hours=policy.trusted_contacts.approval_link_hours)
        return Prompt(case_id=case_id, channel=channel, next_step="approvals_requested",
                      detail={"expires_at": until.isoformat()})
    if channel == "history_quiz":
        decoy = quiz.decoy(keys=keys, policy=policy, case_id=case_id, now=now)
        return Prompt(case_id=case_id, channel=channel, next_step="answer_quiz",
                      detail={"questions": decoy.questions})
    return Prompt(case_id=case_id, channel=channel, next_step="webauthn_assertion",
                  detail={"options": credentials.decoy_recovery_assertion(ports.rp, policy)})


def _count_attempt(db: Session, rules: RecoveryPolicy, case: RecoveryCase,
                   channel: str) -> int:
    """Count one verification against the case and the channel, before judging it (one
    conditional UPDATE each); returns the case's attempts left after this one. A case
    past its limit goes to manual review."""
    counted = db.execute(
        update(RecoveryCase)
        .where(RecoveryCase.user_id == case.user_id, RecoveryCase.id == case.id,
               RecoveryCase.status == _OPEN,
               RecoveryCase.failures < rules.max_failed_verifications)
        .values(failures=RecoveryCase.failures + 1)
        .returning(RecoveryCase.failures)
    ).scalar_one_or_none()
    if counted is None:
        db.execute(update(RecoveryCase)
                   .where(RecoveryCase.user_id == case.user_id, RecoveryCase.id == case.id,
                          RecoveryCase.status == _OPEN)
                   .values(status=_REVIEW))
        _refuse(db, Conflict("too many failed verifications: this case waits for manual "
                             "review", case_status=_REVIEW))
    _channel_state(db, case, channel)
    per_channel = db.execute(
        update(RecoveryChannelState)
        .where(RecoveryChannelState.user_id == case.user_id,
               RecoveryChannelState.case_id == case.id,
               RecoveryChannelState.channel == channel,
               RecoveryChannelState.failures < rules.max_failed_per_channel)
        .values(failures=RecoveryChannelState.failures + 1,
                attempts=RecoveryChannelState.attempts + 1)
        .returning(RecoveryChannelState.failures)
    ).scalar_one_or_none()
    if per_channel is None:
        _refuse(db, VerificationFailed(f"the {channel} channel is closed for this case "
                                       "(too many failures); try another channel",
                                       attempts_left=0))
    return rules.max_failed_verifications - int(counted or 0)


def _passed(db: Session, case: RecoveryCase, channel: str) -> None:
    """A verification that passed gives back what ``_count_attempt`` counted as a failure
    (counting first is what keeps parallel guesses exact)."""
    db.execute(update(RecoveryCase)
               .where(RecoveryCase.user_id == case.user_id, RecoveryCase.id == case.id)
               .values(failures=RecoveryCase.failures - 1))
    db.execute(update(RecoveryChannelState)
               .where(RecoveryChannelState.user_id == case.user_id,
                      RecoveryChannelState.case_id == case.id,
                      RecoveryChannelState.channel == channel)
               .values(failures=RecoveryChannelState.failures - 1, pending=None))
    db.refresh(case)


def _channel_state(db: Session, case: RecoveryCase, channel: str) -> RecoveryChannelState:
    key = (case.user_id, case.id, channel)
    state = db.get(RecoveryChannelState, key)
    if state is None:
        # The wallet lock is held: no other transaction inserts this row meanwhile.
        state = RecoveryChannelState(user_id=case.user_id, case_id=case.id, channel=channel,
                                     attempts=0, failures=0)
        db.add(state)
        db.flush()
    return state


def _phantom_failure(db: Session, rules: RecoveryPolicy, case_id: str,
                     now: datetime) -> CaseView:
    """A phantom case fails every verification, counted and answered as a real case."""
    key = f"recovery:phantom:{case_id}"
    counted = throttle.hit(db, key=key, window=timedelta(hours=rules.case_hours), now=now)
    if counted > rules.max_failed_verifications:
        _refuse(db, Conflict("too many failed verifications: this case waits for manual "
                             "review", case_status=_REVIEW))
    _refuse(db, VerificationFailed("the verification did not pass",
                                   attempts_left=rules.max_failed_verifications - counted))
    raise AssertionError("unreachable")


def _refuse(db: Session, refusal: DomainError) -> None:
    """Raise ``refusal`` so that what was counted before it commits (a refusal judged
    with nothing in the savepoint keeps everything written before it)."""
    with judged(db):
        raise refusal


refuse = _refuse


def _fail(left: int, why: str) -> VerificationFailed:
    # One answer for every way a channel fails: which fact was wrong is an oracle.
    del why
    return VerificationFailed("the verification did not pass", attempts_left=max(0, left))


def _judge(
    db: Session, *, keys: Keyring, policy: Policy, ports: Ports, case: RecoveryCase,
    wallet: LockedWallet, channel: str, fields: dict[str, Any], now: datetime, left: int,
) -> int:
    """The strength this verification is worth, or a refusal."""
    rules = policy.recovery
    strength = rules.strength[channel]
    if channel == "bank_card":
        state = _channel_state(db, case, channel)
        pending = state.pending or {}
        ticket = pending.get("ticket")
        if not ticket or not ports.bank.check_otp(str(ticket), str(fields["otp"]), now=now):
            raise _fail(left, "otp")
        if channel in _ACCOUNT_PHONE_CHANNELS and "sim_change" in case.risk:
            # The code went to a phone whose SIM just changed: it proves the SIM, not the
            # owner. The verification passes, and is worth nothing.
            return 0
        return strength
    if channel == "id_document":
        reading = ports.identity_verifier.read(
            document_image=str(fields.get("document_image", "")),
            selfie_image=str(fields.get("selfie_image", "")))
        if reading is None:
            raise _fail(left, "unreadable")
        user = db.get_one(User, case.user_id)
        on_file = keys.vault.open("id_number", user.id_number_sealed)
        if (not hmac.compare_digest(reading.id_number, on_file)
                or reading.expires_on < now.date()
                or reading.face_match < rules.face_match_min):
            raise _fail(left, "mismatch")
        return strength
    if channel == "history_quiz":
        state = _channel_state(db, case, channel)
        given = fields.get("answers")
        scored = quiz.score(policy=policy, pending=state.pending or {},
                            given=given if isinstance(given, dict) else {})
        if scored < rules.quiz_pass_score:
            # Spent: the next request draws new questions (one quiz's choices are not
            # walked by retrying).
            raise _fail(left, "quiz").keeping(lambda db: _discard_pending(db, case, channel))
        return strength
    if channel == "device_biometric":
        device = _trusted_device(db, case.user_id, case.device_id) if case.device_id else None
        assertion = fields.get("assertion")
        try:
            credentials.verify_recovery_assertion(
                db, rp=ports.rp, policy=policy, user_id=case.user_id,
                device_id=device.id if device else None,
                assertion=assertion if isinstance(assertion, dict) else {}, now=now)
        except (InvalidBiometric, InvalidInput) as refused:
            raise _fail(left, "assertion").keeping(*refused.keeps) from None
        return strength
    if channel == voice.CHANNEL:
        if voice.passed(ports.voice, policy, str(fields.get("call_ref", ""))) is None:
            raise _fail(left, "voice")
        return strength
    raise InvalidInput("unknown channel", field="channel")


def _discard_pending(db: Session, case: RecoveryCase, channel: str) -> None:
    db.execute(update(RecoveryChannelState)
               .where(RecoveryChannelState.user_id == case.user_id,
                      RecoveryChannelState.case_id == case.id,
                      RecoveryChannelState.channel == channel)
               .values(pending=None))


def _card_digits(fields: dict[str, Any]) -> str:
    """The card number of the card channel's first step, Luhn-checked before any case is
    looked up, so a phone without a wallet refuses a bad number exactly as one with."""
    digits = str(fields.get("card_number", "")).replace(" ", "")
    if not luhn_valid(digits):
        raise InvalidInput("card_number is not a valid card number (Luhn)",
                           field="card_number")
    return digits


def _bank_attempt(db: Session, *, policy: Policy, ports: Ports, key: str, card: str,
                  now: datetime) -> CardFacts | None:
    """Count one card-code request against the bank tier's daily limit (seed 002 §1);
    what the bank knows of the card."""
    facts = ports.bank.card(card)
    tier = facts.tier if facts else "city_rural"
    day = timedelta(days=1)
    key = f"{key}:{tier}"
    if throttle.hit(db, key=key, window=day, now=now) > policy.recovery.bank_daily_attempts[tier]:
        _refuse(db, RateLimited("no more card verifications today for this bank",
                                retry_after=throttle.seconds_left(db, key=key, window=day,
                                                                  now=now)))
    return facts


def _phantom_bank_otp(db: Session, *, policy: Policy, ports: Ports, case_id: str, card: str,
                      now: datetime) -> Prompt:
    """A phantom case's card step: counted like a real one (per case: a phantom has no
    owner) and answered like a sent code."""
    _bank_attempt(db, policy=policy, ports=ports, key=f"recovery:bank:phantom:{case_id}",
                  card=card, now=now)
    return Prompt(case_id=case_id, channel="bank_card", next_step="otp_sent", detail={})


def _send_bank_otp(
    db: Session, *, keys: Keyring, policy: Policy, ports: Ports, case: RecoveryCase,
    wallet: LockedWallet, card: str, now: datetime,
) -> Prompt:
    """Step one of the card channel: a Luhn-valid card whose reserved phone is the account
    phone gets a code there. Counted per owner per day by the bank's tier (seed 002 §1),
    before the bank is asked; every miss answers like a sent code, and a phantom case's
    step answers the same (``_phantom_bank_otp``)."""
    facts = _bank_attempt(db, policy=policy, ports=ports, key=f"recovery:bank:{case.user_id}",
                          card=card, now=now)
    phone = identity.phone_of(db, vault=keys.vault, user_id=case.user_id)
    state = _channel_state(db, case, "bank_card")
    if facts is not None and hmac.compare_digest(facts.reserved_phone, phone):
        ticket = ports.bank.send_reserved_phone_otp(
            card, valid=timedelta(minutes=policy.recovery.bank_otp_minutes), now=now)
        state.pending = {"ticket": ticket.id}
    else:
        state.pending = {"ticket": None}
    audit.append(db, actor="public:recovery", action="recovery.bank_otp_requested",
                 subject=case.user_id, at=now, chain=wallet.user_id,
                 data={"case_id": case.id, "card_last4": card[-4:]})
    return Prompt(case_id=case.id, channel="bank_card", next_step="otp_sent", detail={})


# ---- the teller (seed 004) ---------------------------------------------------------------


def branch_verify(
    db: Session, *, keys: Keyring, policy: Policy, ports: Ports, actor: Principal,
    case_id: str, document: restrictions.DocumentEvidence, now: datetime,
) -> CaseView:
    """A bank teller checked the owner in person (resident ID, passport, driver's licence,
    electronic ID, per seed 004) and records it as the case's evidence."""
    actor.require(Role.TELLER)
    document = document.validated(today=now.date())
    case = _find(db, keys, case_id)
    if case is None:
        raise NotFound("no such recovery case")
    wallet = ledger.lock_wallet(db, case.user_id)
    db.refresh(case)
    status = _status(case, now)
    if status not in (_OPEN, _REVIEW):
        raise Conflict(f"this recovery case is {status}", case_status=status)
    with judged(db):
        restrictions.check_document(db, keys=keys, user_id=case.user_id, document=document)
        db.add(RecoveryEvidence(
            user_id=case.user_id, id=new_id("rev"), case_id=case.id, channel="branch",
            strength=policy.recovery.strength["branch"], at=now,
            detail={"teller": actor.ref, "document_type": document.document_type,
                    "branch": document.branch}))
        if case.status == _REVIEW:
            case.status = _OPEN  # an in-person check is the manual review
        audit.append(db, actor=actor.ref, action="recovery.branch_verified",
                     subject=case.user_id, at=now, chain=wallet.user_id,
                     data={"case_id": case.id, "document_type": document.document_type,
                           "branch": document.branch})
    return _view(db, case, policy, ports, now)


# ---- completing ------------------------------------------------------------------------


@dataclass(frozen=True)
class Completion:
    case: CaseView
    lifted: list[str]
    sessions_ended: int
    observation_until: datetime | None
    new_payees_blocked_until: datetime | None


def complete(
    db: Session, *, keys: Keyring, policy: Policy, ports: Ports, case_id: str,
    new_pin: str | None, now: datetime,
) -> Completion:
    """Act on a case whose evidence reached the required assurance (see the module doc).
    A first call for a device not yet trusted starts the security delay and answers
    ``delayed``; a call after it completes."""
    rules = policy.recovery
    case = _find(db, keys, case_id)
    if case is None:
        raise Conflict("this recovery case has not reached the required assurance")
    wallet = ledger.lock_wallet(db, case.user_id)
    db.refresh(case)
    status = _status(case, now)
    if status not in (_OPEN, _DELAYED):
        raise Conflict(f"this recovery case is {status}", case_status=status)
    case.risk = risk_service.judge_recovery_step(db, engine=ports.risk, wallet=wallet,
                                         case_risk=case.risk, device_id=case.device_id, now=now)
    total, strong = assurance(db, case, rules)
    if total < required(case, rules) or not strong:
        raise Conflict("this recovery case has not reached the required assurance",
                       assurance=total, required_assurance=required(case, rules))
    if case.purpose == "reset_pin" and not new_pin:
        raise InvalidInput("new_pin is required to reset the PIN", field="new_pin")
    device = _device_of(db, case)
    if case.purpose == "new_device" and device is None:
        raise Conflict("log in on the device you recover to first (it waits untrusted)")
    # A case carried by trusted-contact approvals waits too, from any device.
    wait = contacts.minimum_wait(db, policy=policy, case=case)
    with judged(db):
        if status == _OPEN and (not _trusted_before(device, case) or wait):
            return _start_delay(db, policy, ports, case, wallet, now, at_least=wait)
        if case.delay_until is not None and now < case.delay_until:
            raise Conflict("the security delay has not passed", case_status=_DELAYED,
                           until=case.delay_until.isoformat())
        return _act(db, keys=keys, policy=policy, ports=ports, case=case, wallet=wallet,
                    device=device, new_pin=new_pin, now=now)


def _trusted_before(device: Device | None, case: RecoveryCase) -> bool:
    """Whether the recovering device was trusted before the case opened. A device trusted
    since (by an agent's ``trust_device_by_staff``, say) still waits the security delay:
    no staff action shortens it."""
    return (device is not None and device.trust == "trusted"
            and (device.trusted_at is None or device.trusted_at <= case.created_at))


def _device_of(db: Session, case: RecoveryCase) -> Device | None:
    if case.device_id is None:
        return None
    return db.execute(select(Device).where(
        Device.user_id == case.user_id, Device.client_device_id == case.device_id,
        Device.status == "active")).scalar_one_or_none()


def _start_delay(db: Session, policy: Policy, ports: Ports, case: RecoveryCase,
                 wallet: LockedWallet, now: datetime,
                 at_least: timedelta | None = None) -> Completion:
    delay = max(timedelta(hours=policy.recovery.security_delay_hours),
                at_least or timedelta(0))
    case.status, case.delay_until = _DELAYED, now + delay
    # A case may outlive its expiry only by the delay it must wait.
    case.expires_at = max(case.expires_at, case.delay_until + delay)
    audit.append(db, actor="public:recovery", action="recovery.delay_started",
                 subject=case.user_id, at=now, chain=wallet.user_id,
                 data={"case_id": case.id, "until": case.delay_until.isoformat()})
    notifications.notify_owner(
        db, topic="recovery.pending", user_id=case.user_id, now=now, contacts=True,
        payload={"case_id": case.id, "purpose": case.purpose,
                 "completes_at": case.delay_until.isoformat(),
                 "how_to_cancel": f"POST /v1/recovery-cases/{case.id}/cancel"})
    return Completion(case=_view(db, case, policy, ports, now), lifted=[], sessions_ended=0,
                      observation_until=None, new_payees_blocked_until=None)


_LIFTS: dict[str, tuple[str, ...]] = {
    "reset_pin": ("pin",),  # the PIN lock, nothing else
    "unfreeze": ("freeze",),
    "unlock": ("lock",),
    "new_device": (),
}


def _act(
    db: Session, *, keys: Keyring, policy: Policy, ports: Ports, case: RecoveryCase,
    wallet: LockedWallet, device: Device | None, new_pin: str | None, now: datetime,
) -> Completion:
    actor = Principal(role=Role.SYSTEM, id=f"recovery:{case.id}")
    lifted = [r.id for r in _lift_covered(db, policy=policy, wallet=wallet, case=case,
                                          actor=actor, now=now)]
    if new_pin:
        credentials.reset_pin(db, keys=keys, policy=policy, wallet=wallet, pin=new_pin,
                              actor=actor, now=now)
    keep: set[str] = set()
    if device is not None:
        challenges.trust_device_by_recovery(db, wallet=wallet, device=device,
                                            case_id=case.id, now=now)
        keep = set(db.execute(select(DeviceSession.id).where(
            DeviceSession.user_id == case.user_id, DeviceSession.device_id == device.id,
            DeviceSession.revoked_at.is_(None))).scalars())
    ended = _end_other_sessions(db, user_id=case.user_id, keep=keep, now=now)
    observation = restrictions.start_observation(
        db, wallet=wallet, reason=f"recovered ({case.purpose})", policy=policy, now=now,
        actor=actor, source=restrictions.RECOVERY_SOURCE)
    blocked_until = now + timedelta(hours=policy.recovery.new_payee_block_hours)
    case.status, case.completed_at = _COMPLETED, now
    audit.append(db, actor=actor.ref, action="recovery.completed", subject=case.user_id,
                 at=now, chain=wallet.user_id,
                 data={"case_id": case.id, "purpose": case.purpose, "lifted": lifted,
                       "sessions_ended": ended, "device_id": device.id if device else None})
    notifications.notify_owner(db, topic="recovery.completed", user_id=case.user_id, now=now,
                               contacts=True,
                               payload={"case_id": case.id, "purpose": case.purpose})
    return Completion(case=_view(db, case, policy, ports, now), lifted=lifted,
                      sessions_ended=ended, observation_until=observation.expires_at,
                      new_payees_blocked_until=blocked_until)


def _lift_covered(db: Session, *, policy: Policy, wallet: LockedWallet, case: RecoveryCase,
                  actor: Principal, now: datetime) -> list[Restriction]:
    """Lift what the purpose covers, as ``restrictions.lift`` does (reason, evidence,
    cooling-off window, the owner told), under the lock this use case holds."""
    covers = _LIFTS[case.purpose]
    lifted = []
    for r in restrictions.active(db, user_id=case.user_id, now=now):
        is_pin_lock = r.kind == restrictions.Kind.LOCK and r.source == restrictions.PIN_LOCK_SOURCE
        if ("pin" in covers and is_pin_lock) or (r.kind in covers and not is_pin_lock) or (
                case.purpose == "unlock" and is_pin_lock):
            restrictions.lift_locked(db, wallet=wallet, restriction=r, actor=actor,
                                     reason=f"recovery case {case.id} completed",
                                     evidence={"recovery_case": case.id}, policy=policy,
                                     now=now)
            lifted.append(r)
    return lifted


def _end_other_sessions(db: Session, *, user_id: str, keep: set[str], now: datetime) -> int:
    """Every session but the recovering device's, trusted or not: a thief's trusted
    session on the stolen phone ends here too."""
    query = update(DeviceSession).where(DeviceSession.user_id == user_id,
                                        DeviceSession.revoked_at.is_(None))
    if keep:
        query = query.where(DeviceSession.id.not_in(keep))
    return rowcount(db.execute(query.values(revoked_at=now, revoke_reason="recovered")))


def cancel(db: Session, *, owner: Principal, case_id: str, now: datetime) -> CaseView:
    """"That was not me": any session of the owner, trusted or not, cancels an open or
    delayed case (easy to stop)."""
    owner.require(Role.OWNER, untrusted_ok=True)
    wallet = ledger.lock_wallet(db, str(owner.user_id))
    case = db.get(RecoveryCase, (wallet.user_id, case_id))
    if case is None:
        raise NotFound("no such recovery case")
    status = _status(case, now)
    if status not in (_OPEN, _REVIEW, _DELAYED):
        raise Conflict(f"this recovery case is {status}", case_status=status)
    case.status, case.cancelled_at, case.cancelled_by = _CANCELLED, now, owner.ref
    audit.append(db, actor=owner.ref, action="recovery.cancelled", subject=wallet.user_id,
                 at=now, chain=wallet.user_id, data={"case_id": case.id})
    return CaseView(id=case.id, purpose=case.purpose, status=_CANCELLED, channels=[],
                    assurance=0, required_assurance=case.required_assurance,
                    expires_at=case.expires_at)


def cases_of(db: Session, *, actor: Principal, user_id: str, policy: Policy, ports: Ports,
             now: datetime) -> list[CaseView]:
    """The owner's cases that may still act (open, in review, or waiting out the security
    delay), newest first. The owner reads their own from any session, trusted or not (a
    thief's case must be easy to see and stop); a teller (to record the in-person check)
    and an agent read anyone's."""
    if actor.role == Role.OWNER:
        actor.require(Role.OWNER, untrusted_ok=True)
        if str(actor.user_id) != user_id:
            raise Forbidden("an owner reads only their own recovery cases")
    else:
        actor.require(Role.TELLER, Role.AGENT)
    rows = db.execute(select(RecoveryCase).where(
        RecoveryCase.user_id == user_id,
        RecoveryCase.status.in_((_OPEN, _REVIEW, _DELAYED)),
        RecoveryCase.expires_at > now).order_by(RecoveryCase.created_at.desc())).scalars()
    return [_view(db, case, policy, ports, now) for case in rows]


def new_payees_blocked(db: Session, *, user_id: str, policy: Policy, now: datetime) -> bool:
    """Whether a recovery completed within ``new_payee_block_hours`` (transfers to payees
    the owner never paid stay blocked meanwhile)."""
    since = now - timedelta(hours=policy.recovery.new_payee_block_hours)
    return db.execute(select(RecoveryCase.id).where(
        RecoveryCase.user_id == user_id, RecoveryCase.status == _COMPLETED,
        RecoveryCase.completed_at > since).limit(1)).first() is not None


# ---- emergency temporary payment code (seed 002 §8) --------------------------------------


@dataclass(frozen=True)
class IssuedCode:
    code: str
    expires_at: datetime
    limit: int


def _code_digest(keys: Keyring, user_id: str, code: str) -> str:
    return keyed_digest(keys.token_key, f"emergency-code:{user_id}:{code}")


def issue_emergency_code(
    db: Session, *, keys: Keyring, policy: Policy, actor: Principal, user_id: str,
    document_checked: bool, amount: int, now: datetime,
    document: restrictions.DocumentEvidence | None = None,
) -> IssuedCode:
    """An institution (hospital, police desk) that checked the owner's ID document in
    person issues a one-off code: at most ``emergency_code_max``, valid
    ``emergency_code_hours``, single use. Only its keyed digest is stored. With
    ``document`` (what the desk saw: its type, number and the desk as ``branch``), a
    document carrying a resident ID number must be the holder's, and its type and the
    desk are recorded with the code (never the number)."""
    actor.require(Role.INSTITUTION)
    rules = policy.recovery
    if document_checked is not True:
        raise InvalidInput("an emergency code needs the in-person document check first",
                           field="document_checked")
    if not 0 < amount <= rules.emergency_code_max:
        raise InvalidInput(f"amount must be between 1 and {rules.emergency_code_max}",
                           field="amount")
    if document is not None:
        document = document.validated(today=now.date())
    wallet = ledger.lock_wallet(db, user_id)
    seen: dict[str, Any] = {"checked_in_person": True, "by": actor.ref}
    if document is not None:
        # Before any write: a refusal here leaves nothing behind.
        restrictions.check_document(db, keys=keys, user_id=wallet.user_id, document=document)
        seen |= {"document_type": document.document_type, "place": document.branch}
    code = "".join(secrets.choice("23456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(10))
    expires_at = now + timedelta(hours=rules.emergency_code_hours)
    row = EmergencyCode(user_id=wallet.user_id, id=new_id("emc"),
                        code_digest=_code_digest(keys, wallet.user_id, code),
                        limit_minor=amount, issued_by=actor.ref, issued_at=now,
                        expires_at=expires_at,
                        document=seen)
    db.add(row)
    audit.append(db, actor=actor.ref, action="emergency_code.issued", subject=wallet.user_id,
                 at=now, chain=wallet.user_id,
                 data={"code_id": row.id, "limit": amount,
                       "expires_at": expires_at.isoformat()})
    notifications.notify_owner(db, topic="emergency_code.issued", user_id=wallet.user_id,
                               now=now, payload={"limit": amount,
                                                 "expires_at": expires_at.isoformat()})
    return IssuedCode(code=code, expires_at=expires_at, limit=amount)


def redeem_emergency_code(
    db: Session, *, keys: Keyring, policy: Policy, wallet: LockedWallet, code: str,
    amount: int, merchant_category: str | None, payment_id: str, now: datetime,
) -> None:
    """Spend the code on one payment: one conditional UPDATE decides, so of any number of
    parallel uses exactly one passes. Refused for virtual goods. Its use starts
    observation. The caller holds the wallet lock and runs this inside its judged part."""
    rules = policy.recovery
    if merchant_category is not None and merchant_category.strip().lower() in {
            c.lower() for c in rules.emergency_code_refused_categories}:
        raise Forbidden("an emergency code cannot pay for virtual goods")
    digest = _code_digest(keys, wallet.user_id, code.strip().upper())
    used = db.execute(
        update(EmergencyCode)
        .where(EmergencyCode.user_id == wallet.user_id, EmergencyCode.code_digest == digest,
               EmergencyCode.used_at.is_(None), EmergencyCode.expires_at > now,
               EmergencyCode.limit_minor >= amount)
        .values(used_at=now, used_for=payment_id)
        .returning(EmergencyCode.id)
    ).scalar_one_or_none()
    if used is None:
        raise InvalidCode("the emergency code is not valid: wrong, used, expired, or below "
                          "this amount")
    restrictions.start_observation(
        db, wallet=wallet, reason="emergency payment code used", policy=policy, now=now,
        actor=Principal(role=Role.SYSTEM, id="emergency-code"))
    audit.append(db, actor="system:emergency-code", action="emergency_code.used",
                 subject=wallet.user_id, at=now, chain=wallet.user_id,
                 data={"code_id": used, "payment_id": payment_id, "amount": amount})
