"""Payment credentials: the PIN (set, change, judge under the wallet lock) and WebAuthn
biometric bindings (register on a device, verify a payment assertion)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, parse_client_data_json
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorAttachment,
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    UserVerificationRequirement,
)

from walletguard.audit import service as audit
from walletguard.auth.principal import Principal, Role
from walletguard.credentials import pin as pin_rules
from walletguard.credentials.models import BiometricBinding, PaymentPin, WebAuthnChallenge
from walletguard.crypto import Keyring
from walletguard.db import hold, judged, new_id, rowcount
from walletguard.devices.models import Device
from walletguard.errors import (
    Forbidden,
    InvalidBiometric,
    InvalidInput,
    InvalidPin,
    PinLocked,
    PinNotSet,
    StepUpRequired,
)
from walletguard.identity import validation
from walletguard.identity.models import User
from walletguard.ledger import service as ledger
from walletguard.ledger.models import Wallet
from walletguard.ledger.service import LockedWallet
from walletguard.notifications import service as notifications
from walletguard.policy import Policy
from walletguard.restrictions import service as restrictions
from walletguard.risk import service as risk_service
from walletguard.risk.service import RiskEngine
from walletguard.risk.signals import Event


@dataclass(frozen=True)
class RelyingParty:
    id: str
    name: str
    origins: tuple[str, ...]


# ---- payment PIN -------------------------------------------------------------------


def set_pin(
    db: Session, *, keys: Keyring, policy: Policy, owner: Principal, pin: str,
    current_pin: str | None, now: datetime, risk: RiskEngine | None = None,
) -> None:
    """Set the first PIN, or change it with the current one (a wrong current PIN counts
    toward the PIN lock like a wrong payment PIN; the risk engine judges a change)."""
    owner.require(Role.OWNER)
    user_id = str(owner.user_id)
    wallet = ledger.lock_wallet(db, user_id)
    with judged(db):
        _set_pin(db, keys=keys, policy=policy, owner=owner, wallet=wallet, pin=pin,
                 current_pin=current_pin, now=now, risk=risk)


def _set_pin(
    db: Session, *, keys: Keyring, policy: Policy, owner: Principal, wallet: LockedWallet,
    pin: str, current_pin: str | None, now: datetime, risk: RiskEngine | None = None,
) -> None:
    user_id = wallet.user_id
    active = restrictions.active(db, user_id=user_id, now=now)
    restrictions.guard(active, restrictions.Action.SETTINGS)
    user = db.get(User, user_id)
    assert user is not None
    birth = validation.birth_date_of(keys.vault.open("id_number", user.id_number_sealed))
    existing = db.get(PaymentPin, user_id)
    if existing is not None:
        if current_pin is None:
            raise InvalidInput("current_pin is needed to change the PIN", field="current_pin")
        restrictions.guard([r for r in active if r.source == restrictions.PIN_LOCK_SOURCE],
                           restrictions.Action.PAY)
        judge_pin(db, keys=keys, policy=policy, wallet=wallet, pin=current_pin,
                  now=now)
        if risk is not None and risk.policy.risk.enabled:
            event = Event(at=now, type="pin_change", device_id=owner.device_id,
                          lost_report_standing=restrictions.lost_report_standing(active))
            risk_service.enforce(db, risk_service.evaluate(
                db, engine=risk, wallet=wallet, event=event, now=now,
                exclude_device=owner.device_id), wallet=wallet, user_id=user_id, now=now)
    pin_rules.check_new_pin(pin, length=policy.pin.length, birth=birth)
    salt = pin_rules.new_salt()
    digest = pin_rules.pin_digest(keys.pin_pepper, salt, user_id, pin)
    if existing is None:
        db.add(PaymentPin(user_id=user_id, salt=salt, digest=digest, failures=0, set_at=now))
    else:
        existing.salt, existing.digest, existing.failures, existing.set_at = salt, digest, 0, now
    audit.append(db, actor=owner.ref, action="pin.set" if existing is None else "pin.changed",
                 subject=user_id, at=now, chain=user_id)
    notifications.notify_owner(db, topic="pin.changed", user_id=user_id, now=now, payload={})


def reset_pin(
    db: Session, *, keys: Keyring, policy: Policy, wallet: LockedWallet, pin: str,
    actor: Principal, now: datetime,
) -> None:
    """Set a new PIN without the current one. Only a completed recovery case calls this;
    the caller holds the wallet lock and has lifted the PIN lock it covers."""
    user_id = wallet.user_id
    user = db.get(User, user_id)
    assert user is not None
    birth = validation.birth_date_of(keys.vault.open("id_number", user.id_number_sealed))
    pin_rules.check_new_pin(pin, length=policy.pin.length, birth=birth)
    salt = pin_rules.new_salt()
    digest = pin_rules.pin_digest(keys.pin_pepper, salt, user_id, pin)
    existing = db.get(PaymentPin, user_id)
    if existing is None:
        db.add(PaymentPin(user_id=user_id, salt=salt, digest=digest, failures=0, set_at=now))
    else:
        existing.salt, existing.digest, existing.failures, existing.set_at = salt, digest, 0, now
    audit.append(db, actor=actor.ref, action="pin.reset", subject=user_id, at=now,
                 chain=user_id)
    notifications.notify_owner(db, topic="pin.changed", user_id=user_id, now=now, payload={})


# Built once, its owner bound (see ``ledger.service._LOCK_WALLET``).
_LOCK_WALLET_WITH_PIN = (
    select(Wallet, PaymentPin).join(PaymentPin, PaymentPin.user_id == Wallet.user_id)
    .where(Wallet.user_id == bindparam("user_id")).with_for_update()
    .execution_options(populate_existing=True))


def lock_wallet_with_pin(db: Session, user_id: str) -> LockedWallet:
    """``ledger.lock_wallet`` for a payment by PIN: the wallet row and the owner's PIN row
    locked and read in one statement, the PIN kept in the session for ``judge_pin`` (which
    then reads nothing). Both rows are locked, not only the wallet's: a ``FOR UPDATE``
    that waited for a lock re-reads only the rows it locks, so a PIN changed (under the
    wallet lock) while this one waited is read as changed. The lock order holds: the
    wallet row, then a row of its owner's. An owner without a PIN: the wallet alone."""
    found = db.execute(_LOCK_WALLET_WITH_PIN, {"user_id": user_id}).first()
    if found is None:
        return ledger.lock_wallet(db, user_id)
    wallet, pin = found
    hold(db, pin)
    return LockedWallet(wallet)


def judge_pin(
    db: Session, *, keys: Keyring, policy: Policy, wallet: LockedWallet, pin: str,
    now: datetime, offer_biometric: Callable[[], bool] | None = None,
) -> None:
    """Judge one PIN, inside the caller's ``judged`` part and under its wallet lock (the
    ``LockedWallet`` proves it), so attempts are judged one at a time. A wrong PIN is a
    refusal that keeps its count — one conditional UPDATE that never counts past the
    limit — and the last allowed failure keeps the lock it places."""
    if not db.in_nested_transaction():
        raise RuntimeError("judge_pin runs inside judged(): its refusal keeps the count")
    user_id = wallet.user_id
    record = db.get(PaymentPin, user_id)
    if record is None:
        raise PinNotSet("set a payment PIN first")
    if pin_rules.pin_matches(keys.pin_pepper, record.salt, user_id, pin, record.digest):
        if record.failures:
            record.failures = 0
        return
    limit = policy.pin.max_consecutive_failures
    left = limit - (record.failures + 1)
    locks = left <= 0
    lock_id, until = new_id("rst"), now + policy.pin.lock_duration

    def count_failure(db: Session) -> None:
        counted = db.execute(
            update(PaymentPin)
            .where(PaymentPin.user_id == user_id, PaymentPin.failures < limit)
            .values(failures=PaymentPin.failures + 1)
            .returning(PaymentPin.failures)
        ).scalar_one_or_none()
        if counted is None or counted >= limit:
            db.execute(update(PaymentPin).where(PaymentPin.user_id == user_id)
                       .values(failures=0))
            restrictions.place_lock(
                db, wallet=wallet, scope=restrictions.Scope.PAYMENTS,
                source=restrictions.PIN_LOCK_SOURCE, reason="too many wrong payment PINs",
                expires_at=until, now=now, restriction_id=lock_id,
                actor=Principal(role=Role.SYSTEM, id="pin-guard"))

    if locks:
        # attempts_left 0 marks the refusal that judged the last allowed PIN and placed
        # the lock; later attempts are refused by the guard without being judged.
        raise PinLocked("too many wrong PINs; the PIN is locked", restriction_id=lock_id,
                        until=until.isoformat(), attempts_left=0).keeping(count_failure)
    extra: dict[str, Any] = {"attempts_left": left}
    if (record.failures + 1 >= policy.pin.offer_biometric_after_failures
            and offer_biometric is not None and offer_biometric()):
        extra["biometric_available"] = True
        extra["methods"] = ["biometric"]
    raise InvalidPin(f"wrong payment PIN; {left} attempts left", **extra).keeping(count_failure)


# ---- biometric (WebAuthn) ----------------------------------------------------------


def biometric_eligible(db: Session, *, policy: Policy, user_id: str | None,
                       device_id: str | None, now: datetime) -> bool:
    """DOMAIN.md: a bound device known for ≥ 30 days with no anomalous login in 7 days."""
    if device_id is None or user_id is None:
        return False
    device = db.get(Device, (user_id, device_id))
    if device is None or device.status != "active":
        return False
    old_enough = now - device.trusted_since >= timedelta(days=policy.biometric.min_device_age_days)
    quiet = device.last_anomaly_at is None or (
        now - device.last_anomaly_at >= timedelta(days=policy.biometric.anomaly_free_days))
    return old_enough and quiet


def active_binding(db: Session, *, user_id: str | None,
                   device_id: str | None) -> BiometricBinding | None:
    if device_id is None or user_id is None:
        return None
    return db.execute(
        select(BiometricBinding).where(BiometricBinding.user_id == user_id,
                                       BiometricBinding.device_id == device_id,
                                       BiometricBinding.revoked_at.is_(None))
    ).scalars().first()


def _challenge(db: Session, *, policy: Policy, owner: Principal, purpose: str,
               now: datetime) -> bytes:
    row = WebAuthnChallenge(id=new_id("chl"), user_id=str(owner.user_id),
                            device_id=str(owner.device_id), purpose=purpose,
                            challenge=os.urandom(32),
                            expires_at=now + policy.biometric.challenge_duration)
    db.add(row)
    return row.challenge


def _timeout_ms(policy: Policy) -> int:
    """The options' ``timeout``: the browser gives up when the server would refuse anyway."""
    return int(policy.biometric.challenge_duration.total_seconds() * 1000)


def _use_challenge(db: Session, *, owner: Principal, purpose: str, client_data: bytes,
                   now: datetime) -> bytes:
    """Single use, by one conditional update."""
    try:
        challenge = parse_client_data_json(client_data).challenge
    except Exception as exc:
        raise InvalidBiometric("clientDataJSON is not valid") from exc
    if _spend_challenge(db, owner=owner, purpose=purpose, challenge=challenge, now=now) != 1:
        raise InvalidBiometric("the challenge is unknown, used or expired")
    return challenge


def _spend_challenge(db: Session, *, owner: Principal, purpose: str, challenge: bytes,
                     now: datetime) -> int:
    return rowcount(db.execute(
        update(WebAuthnChallenge)
        .where(WebAuthnChallenge.challenge == challenge,
               WebAuthnChallenge.user_id == owner.user_id,
               WebAuthnChallenge.device_id == owner.device_id,
               WebAuthnChallenge.purpose == purpose,
               WebAuthnChallenge.used_at.is_(None),
               WebAuthnChallenge.expires_at > now)
        .values(used_at=now)
    ))


def _client_data(credential: dict[str, Any]) -> bytes:
    try:
        return base64url_to_bytes(credential["response"]["clientDataJSON"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput("the credential is not a WebAuthn response",
                           field="credential") from exc


def begin_biometric_registration(
    db: Session, *, rp: RelyingParty, policy: Policy, owner: Principal, now: datetime
) -> dict[str, Any]:
    owner.require(Role.OWNER)
    challenge = _challenge(db, policy=policy, owner=owner, purpose="register", now=now)
    options = generate_registration_options(
        rp_id=rp.id, rp_name=rp.name, user_name=str(owner.user_id),
        user_id=str(owner.user_id).encode(), challenge=challenge,
        timeout=_timeout_ms(policy),
        authenticator_selection=AuthenticatorSelectionCriteria(
            authenticator_attachment=AuthenticatorAttachment.PLATFORM,
            user_verification=UserVerificationRequirement.REQUIRED),
    )
    result: dict[str, Any] = json.loads(options_to_json(options))
    return result


def finish_biometric_registration(
    db: Session, *, keys: Keyring, policy: Policy, rp: RelyingParty, owner: Principal,
    credential: dict[str, Any], pin: str, now: datetime, risk: RiskEngine | None = None,
) -> BiometricBinding:
    """Bind the device's platform authenticator. The payment PIN confirms it is the owner.
    The binding is a ``device_bind`` risk event (``risk.judge_device_bind``): a step-up
    it asks for cannot be met inside a WebAuthn ceremony, so it refuses the binding
    (``step_up_required``) like a deny, with the reasons."""
    owner.require(Role.OWNER)
    user_id = str(owner.user_id)
    wallet = ledger.lock_wallet(db, user_id)
    with judged(db):
        return _bind_biometric(db, keys=keys, policy=policy, rp=rp, owner=owner,
                               wallet=wallet, credential=credential, pin=pin, now=now,
                               risk=risk)


def _bind_biometric(
    db: Session, *, keys: Keyring, policy: Policy, rp: RelyingParty, owner: Principal,
    wallet: LockedWallet, credential: dict[str, Any], pin: str, now: datetime,
    risk: RiskEngine | None = None,
) -> BiometricBinding:
    user_id = wallet.user_id
    active = restrictions.active(db, user_id=user_id, now=now)
    restrictions.guard(active, restrictions.Action.PAY)
    judge_pin(db, keys=keys, policy=policy, wallet=wallet, pin=pin, now=now)
    challenge = _use_challenge(db, owner=owner, purpose="register",
                               client_data=_client_data(credential), now=now)
    try:
        verified = verify_registration_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=rp.id,
            expected_origin=list(rp.origins), require_user_verification=True)
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        raise InvalidBiometric(f"registration not accepted: {exc}") from exc
    device = db.get(Device, (owner.user_id, owner.device_id))
    risk_service.judge_device_bind(
        db, engine=risk, wallet=wallet, device_id=str(owner.device_id),
        fingerprint=device.fingerprint_digest if device else None,
        ip=device.last_ip if device else None, now=now)
    revoke_bindings(db, user_id=str(owner.user_id), device_id=str(owner.device_id),
                    reason="replaced", now=now)
    binding = BiometricBinding(
        id=new_id("bio"), user_id=user_id, device_id=str(owner.device_id),
        credential_id=verified.credential_id, public_key=verified.credential_public_key,
        sign_count=verified.sign_count, created_at=now)
    db.add(binding)
    audit.append(db, actor=owner.ref, action="biometric.bound", subject=user_id, at=now,
                 chain=user_id, data={"device_id": owner.device_id, "binding_id": binding.id})
    return binding


def begin_biometric_payment(
    db: Session, *, rp: RelyingParty, policy: Policy, owner: Principal, now: datetime
) -> dict[str, Any]:
    owner.require(Role.OWNER)
    binding = active_binding(db, user_id=owner.user_id, device_id=owner.device_id)
    if binding is None:
        raise Forbidden("no biometric binding on this device")
    challenge = _challenge(db, policy=policy, owner=owner, purpose="payment", now=now)
    options = generate_authentication_options(
        rp_id=rp.id, challenge=challenge, timeout=_timeout_ms(policy),
        allow_credentials=[PublicKeyCredentialDescriptor(id=binding.credential_id)],
        user_verification=UserVerificationRequirement.REQUIRED)
    result: dict[str, Any] = json.loads(options_to_json(options))
    return result


def verify_biometric(
    db: Session, *, rp: RelyingParty, policy: Policy, owner: Principal,
    assertion: dict[str, Any], now: datetime,
) -> None:
    """Judge a payment assertion; the caller holds the wallet lock."""
    if not biometric_eligible(db, policy=policy, user_id=owner.user_id,
                              device_id=owner.device_id, now=now):
        raise StepUpRequired("biometric payment is not available on this device yet",
                             methods=["pin"])
    binding = active_binding(db, user_id=owner.user_id, device_id=owner.device_id)
    if binding is None:
        raise StepUpRequired("no biometric binding on this device", methods=["pin"])
    challenge = _use_challenge(db, owner=owner, purpose="payment",
                               client_data=_client_data(assertion), now=now)
    try:
        verified = verify_authentication_response(
            credential=assertion, expected_challenge=challenge, expected_rp_id=rp.id,
            expected_origin=list(rp.origins), credential_public_key=binding.public_key,
            credential_current_sign_count=binding.sign_count, require_user_verification=True)
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        # The challenge stays spent: a rejected assertion cannot be tried again.
        raise InvalidBiometric(f"assertion not accepted: {exc}").keeping(
            lambda db: _spend_challenge(db, owner=owner, purpose="payment",
                                        challenge=challenge, now=now)) from exc
    binding.sign_count = verified.new_sign_count


# ---- recovery (seed 002 §6): an assertion from a still-bound device, with no session --------


def _device_holder(user_id: str, device_id: str) -> Principal:
    """Whom a recovery challenge belongs to: the owner's bound device, named by the case
    (the caller has no session; the assertion itself is what proves the device)."""
    return Principal(role=Role.SYSTEM, id="recovery", user_id=user_id, device_id=device_id)


def _assertion_options(rp: RelyingParty, policy: Policy, challenge: bytes,
                       credential_id: bytes) -> dict[str, Any]:
    options = generate_authentication_options(
        rp_id=rp.id, challenge=challenge, timeout=_timeout_ms(policy),
        allow_credentials=[PublicKeyCredentialDescriptor(id=credential_id)],
        user_verification=UserVerificationRequirement.REQUIRED)
    result: dict[str, Any] = json.loads(options_to_json(options))
    return result


def begin_recovery_assertion(
    db: Session, *, rp: RelyingParty, policy: Policy, user_id: str, device_id: str | None,
    now: datetime,
) -> dict[str, Any]:
    """WebAuthn request options for the biometric binding of ``device_id`` when it may
    pay by biometric (bound, known long enough, no recent anomaly); otherwise options of
    the same shape that no authenticator can answer, so the answer never tells whether a
    device, a binding or an account exists."""
    binding = active_binding(db, user_id=user_id, device_id=device_id)
    if device_id is None or binding is None or not biometric_eligible(
            db, policy=policy, user_id=user_id, device_id=device_id, now=now):
        return _assertion_options(rp, policy, os.urandom(32), os.urandom(32))
    challenge = _challenge(db, policy=policy, owner=_device_holder(user_id, device_id),
                           purpose="recovery", now=now)
    return _assertion_options(rp, policy, challenge, binding.credential_id)


def decoy_recovery_assertion(rp: RelyingParty, policy: Policy) -> dict[str, Any]:
    """Options for a case that does not exist: the same shape as a real one."""
    return _assertion_options(rp, policy, os.urandom(32), os.urandom(32))


def verify_recovery_assertion(
    db: Session, *, rp: RelyingParty, policy: Policy, user_id: str, device_id: str | None,
    assertion: dict[str, Any], now: datetime,
) -> None:
    """Judge a recovery assertion from the bound device (raises ``invalid_biometric``).
    The caller holds the wallet lock; the challenge stays spent after a rejection."""
    binding = active_binding(db, user_id=user_id, device_id=device_id)
    if device_id is None or binding is None or not biometric_eligible(
            db, policy=policy, user_id=user_id, device_id=device_id, now=now):
        raise InvalidBiometric("no biometric binding that may be used on this device")
    holder = _device_holder(user_id, device_id)
    challenge = _use_challenge(db, owner=holder, purpose="recovery",
                               client_data=_client_data(assertion), now=now)
    try:
        verified = verify_authentication_response(
            credential=assertion, expected_challenge=challenge, expected_rp_id=rp.id,
            expected_origin=list(rp.origins), credential_public_key=binding.public_key,
            credential_current_sign_count=binding.sign_count, require_user_verification=True)
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        raise InvalidBiometric(f"assertion not accepted: {exc}").keeping(
            lambda db: _spend_challenge(db, owner=holder, purpose="recovery",
                                        challenge=challenge, now=now)) from exc
    binding.sign_count = verified.new_sign_count


def revoke_bindings(db: Session, *, user_id: str, device_id: str, reason: str,
                    now: datetime) -> int:
    return rowcount(db.execute(
        update(BiometricBinding)
        .where(BiometricBinding.user_id == user_id, BiometricBinding.device_id == device_id,
               BiometricBinding.revoked_at.is_(None))
        .values(revoked_at=now, revoke_reason=reason)
    ))


def revoke_all_bindings(db: Session, *, user_id: str, reason: str, now: datetime) -> int:
    return rowcount(db.execute(
        update(BiometricBinding)
        .where(BiometricBinding.user_id == user_id, BiometricBinding.revoked_at.is_(None))
        .values(revoked_at=now, revoke_reason=reason)
    ))

