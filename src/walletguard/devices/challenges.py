"""Step-up for a device that is not trusted yet (a new device, or a known device id with
another fingerprint). It is met in one of two ways the thief cannot meet:

- **device approval**: one of the owner's trusted devices lists the challenge and
  approves it with the payment PIN (or denies it: "that was not me");
- **SMS code and PIN**: a one-time code sent to the account phone, plus the payment PIN.
  Void while a freeze stands (a lost-phone report freezes) or within
  ``device_trust.sim_change_quiet_hours`` of a SIM change: the SIM may be in the thief's
  hands. Then only staff (``trust_device_by_staff``) or a recovery can trust a device.

Every use case takes the owner's wallet lock first when it judges a PIN (the lock order
in ``walletguard.db``), and decides a challenge with one conditional UPDATE, so two
approvals racing trust once and parallel code submissions are counted exactly.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from walletguard.adapters.carrier import CarrierSignals
from walletguard.adapters.sms import SmsSender
from walletguard.audit import service as audit
from walletguard.auth.principal import Principal, Role
from walletguard.credentials import service as credentials
from walletguard.crypto import Keyring, keyed_digest
from walletguard.db import judged
from walletguard.devices import service as devices
from walletguard.devices.models import Device, DeviceChallenge, DeviceSession
from walletguard.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidCode,
    InvalidInput,
    MethodNotAvailable,
    NotFound,
    RateLimited,
    StepUpRequired,
)
from walletguard.identity import service as identity
from walletguard.ledger import service as ledger
from walletguard.ledger.service import LockedWallet
from walletguard.notifications import service as notifications
from walletguard.policy import Policy
from walletguard.restrictions import service as restrictions
from walletguard.risk import service as risk


@dataclass(frozen=True)
class ChallengeView:
    id: str
    status: str
    device_id: str
    device_name: str
    platform: str
    last_ip: str | None
    created_at: datetime
    expires_at: datetime
    code_expires_at: datetime | None
    methods: list[str]


Status = Literal["pending", "approved", "denied", "expired"]


def _status(challenge: DeviceChallenge, now: datetime) -> str:
    if challenge.status == "pending" and challenge.expires_at <= now:
        return "expired"
    return challenge.status


def _view(db: Session, challenge: DeviceChallenge, now: datetime,
          methods: list[str]) -> ChallengeView:
    device = db.get(Device, (challenge.user_id, challenge.device_id))
    assert device is not None
    return ChallengeView(id=challenge.id, status=_status(challenge, now),
                         device_id=device.id, device_name=device.name,
                         platform=device.platform, last_ip=device.last_ip,
                         created_at=challenge.created_at, expires_at=challenge.expires_at,
                         code_expires_at=challenge.code_expires_at, methods=methods)


def _load(db: Session, *, user_id: str, challenge_id: str) -> DeviceChallenge:
    found = db.get(DeviceChallenge, (user_id, challenge_id))
    if found is None:
        raise NotFound("no such challenge")
    return found


def _sms_void_reason(
    db: Session, *, keys: Keyring, policy: Policy, carrier: CarrierSignals, sms: SmsSender,
    user_id: str, now: datetime,
) -> str | None:
    """Why the SMS code cannot count now, or None when it can."""
    if not sms.available:
        return "no SMS channel is configured on this platform"
    if any(r.kind == restrictions.Kind.FREEZE
           for r in restrictions.active(db, user_id=user_id, now=now)):
        return ("the wallet is frozen (a lost-phone report or a freeze stands), and the SIM "
                "may be in the wrong hands")
    changed = carrier.last_sim_change(identity.phone_of(db, vault=keys.vault, user_id=user_id))
    quiet = timedelta(hours=policy.device_trust.sim_change_quiet_hours)
    if changed is not None and now - changed < quiet:
        return "the SIM of the account phone changed recently"
    return risk.sms_void_reason(db, policy=policy, user_id=user_id, now=now)


def methods_for(
    db: Session, *, keys: Keyring, policy: Policy, carrier: CarrierSignals, sms: SmsSender,
    user_id: str, device_id: str, now: datetime,
) -> list[str]:
    """The step-up methods open to this device right now; empty means staff or recovery."""
    methods = []
    if any(d != device_id for d in devices.trusted_device_ids(db, user_id=user_id)):
        methods.append("device_approval")
    if _sms_void_reason(db, keys=keys, policy=policy, carrier=carrier, sms=sms,
                        user_id=user_id, now=now) is None:
        methods.append("sms_code_and_pin")
    return methods


def pending_for_approval(db: Session, *, owner: Principal, now: datetime) -> list[ChallengeView]:
    """What a trusted device sees: other devices asking to be trusted."""
    owner.require(Role.OWNER)
    rows = db.execute(
        select(DeviceChallenge).where(DeviceChallenge.user_id == owner.user_id,
                                      DeviceChallenge.status == "pending",
                                      DeviceChallenge.expires_at > now)
        .order_by(DeviceChallenge.created_at)
    ).scalars()
    return [_view(db, c, now, ["device_approval"]) for c in rows]


def challenge_view(
    db: Session, *, keys: Keyring, policy: Policy, carrier: CarrierSignals, sms: SmsSender,
    owner: Principal, challenge_id: str, now: datetime,
) -> ChallengeView:
    """The asking session sees its own challenge (and which methods are open to it);
    trusted sessions see any of the owner's."""
    owner.require(Role.OWNER, untrusted_ok=True)
    challenge = _load(db, user_id=str(owner.user_id), challenge_id=challenge_id)
    if not owner.trusted and challenge.session_id != owner.session_id:
        raise NotFound("no such challenge")
    return _view(db, challenge, now, methods_for(
        db, keys=keys, policy=policy, carrier=carrier, sms=sms, user_id=challenge.user_id,
        device_id=challenge.device_id, now=now))


def new_challenge(db: Session, *, policy: Policy, keys: Keyring, owner: Principal,
                  now: datetime) -> DeviceChallenge:
    """An untrusted session whose challenge expired or was denied asks again."""
    owner.require(Role.OWNER, untrusted_ok=True)
    if owner.trusted:
        raise Conflict("this session is already trusted")
    session = db.get(DeviceSession, (owner.user_id, owner.session_id))
    device = db.get(Device, (owner.user_id, owner.device_id))
    assert session is not None and device is not None
    if session.challenge_id is not None:
        current = db.get(DeviceChallenge, (session.user_id, session.challenge_id))
        if current is not None and _status(current, now) == "pending":
            return current
        if current is not None and current.status == "denied":
            raise Forbidden("the owner denied this device")
    return devices.open_challenge_for(db, policy=policy, session=session, device=device,
                                      fingerprint=device.fingerprint_digest, now=now)


def approve(
    db: Session, *, keys: Keyring, policy: Policy, owner: Principal, challenge_id: str,
    pin: str, now: datetime, engine: risk.RiskEngine | None = None,
) -> DeviceChallenge:
    """A trusted device approves another device of the owner, confirming with the PIN (a
    wrong PIN counts toward the PIN lock). The binding is a ``device_bind`` risk event;
    this approval is the step-up it could ask for (``risk.judge_device_bind``)."""
    owner.require(Role.OWNER)
    user_id = str(owner.user_id)
    wallet = ledger.lock_wallet(db, user_id)
    challenge = _load(db, user_id=user_id, challenge_id=challenge_id)
    if challenge.device_id == owner.device_id:
        raise Forbidden("a device cannot approve itself")
    _pending(challenge, now)
    with judged(db):
        _judge_pin(db, keys=keys, policy=policy, wallet=wallet, pin=pin, now=now)
        return _trust(db, challenge, via="device_approval", by=owner, now=now,
                      wallet=wallet, engine=engine)


def deny(db: Session, *, owner: Principal, challenge_id: str, now: datetime) -> DeviceChallenge:
    """"That was not me": the asking session ends at once, and a device that was never
    trusted is unbound. Needs nothing more than a trusted session (easy to stop)."""
    owner.require(Role.OWNER)
    challenge = _load(db, user_id=str(owner.user_id), challenge_id=challenge_id)
    decided = _decide(db, challenge, status="denied", by=owner, method="denied", now=now)
    if not decided:
        raise Conflict("this challenge is no longer pending")
    device = db.get(Device, (challenge.user_id, challenge.device_id))
    assert device is not None
    if device.trust == "untrusted" and device.status == "active":
        devices.end_device(db, device=device, status="unbound", reason="denied by the owner",
                           actor=owner, now=now)
    else:
        db.execute(update(DeviceSession)
                   .where(DeviceSession.user_id == challenge.user_id,
                          DeviceSession.id == challenge.session_id,
                          DeviceSession.revoked_at.is_(None))
                   .values(revoked_at=now, revoke_reason="denied by the owner"))
    audit.append(db, actor=owner.ref, action="device.trust_denied", subject=challenge.user_id,
                 at=now, chain=challenge.user_id,
                 data={"challenge_id": challenge.id, "device_id": challenge.device_id})
    return challenge


def send_code(
    db: Session, *, keys: Keyring, policy: Policy, sms: SmsSender, carrier: CarrierSignals,
    owner: Principal, challenge_id: str, now: datetime,
) -> DeviceChallenge:
    """Send a one-time code to the account phone for the asking session's own challenge.
    A new code replaces the last one and its submission count."""
    owner.require(Role.OWNER, untrusted_ok=True)
    user_id = str(owner.user_id)
    challenge = _own(db, owner=owner, challenge_id=challenge_id)
    _pending(challenge, now)
    void = _sms_void_reason(db, keys=keys, policy=policy, carrier=carrier, sms=sms,
                            user_id=user_id, now=now)
    if void is not None:
        raise MethodNotAvailable(f"a code sent by SMS cannot trust a device now: {void}. "
                                 "Approve from a trusted device, or ask an agent or a "
                                 "bank teller to verify you", methods=methods_for(
                                     db, keys=keys, policy=policy, carrier=carrier, sms=sms,
                                     user_id=user_id, device_id=challenge.device_id, now=now))
    rules = policy.device_trust
    code = f"{secrets.randbelow(10 ** rules.code_length):0{rules.code_length}d}"
    sent = db.execute(
        update(DeviceChallenge)
        .where(DeviceChallenge.user_id == user_id, DeviceChallenge.id == challenge.id,
               DeviceChallenge.codes_sent < rules.codes_per_challenge)
        .values(codes_sent=DeviceChallenge.codes_sent + 1,
                code_digest=_code_digest(keys, challenge.id, code), code_submissions=0,
                code_expires_at=now + timedelta(minutes=rules.code_minutes))
        .returning(DeviceChallenge.codes_sent)
    ).scalar_one_or_none()
    if sent is None:
        wait = max(1, int((challenge.expires_at - now).total_seconds()))
        raise RateLimited("no more codes for this challenge; ask for a new challenge later",
                          retry_after=wait)
    db.refresh(challenge)
    phone = identity.phone_of(db, vault=keys.vault, user_id=user_id)
    sms.send(to=phone, at=now, text=(
        f"walletguard: {code} confirms a new device. Valid {rules.code_minutes} min. "
        "Never share it: nobody from walletguard will ask for it."))
    audit.append(db, actor=owner.ref, action="device.trust_code_sent", subject=user_id,
                 at=now, chain=user_id, data={"challenge_id": challenge.id, "sent": sent})
    return challenge


def verify_code(
    db: Session, *, keys: Keyring, policy: Policy, sms: SmsSender, carrier: CarrierSignals,
    owner: Principal, challenge_id: str, code: str, pin: str, now: datetime,
    engine: risk.RiskEngine | None = None,
) -> DeviceChallenge:
    """The code and the PIN together trust the asking device. The submission is counted
    (one conditional UPDATE) before the code is compared, and kept when refused; the PIN is
    judged only after a right code. The binding is a ``device_bind`` risk event: when the
    engine asks for a step-up, a code sent by SMS is not enough, and the challenge stays
    open for a trusted device to approve."""
    owner.require(Role.OWNER, untrusted_ok=True)
    user_id = str(owner.user_id)
    wallet = ledger.lock_wallet(db, user_id)
    challenge = _own(db, owner=owner, challenge_id=challenge_id)
    _pending(challenge, now)
    void = _sms_void_reason(db, keys=keys, policy=policy, carrier=carrier, sms=sms,
                            user_id=user_id, now=now)
    if void is not None:
        raise MethodNotAvailable(f"a code sent by SMS cannot trust a device now: {void}")
    limit = policy.device_trust.code_max_submissions
    counted = db.execute(
        update(DeviceChallenge)
        .where(DeviceChallenge.user_id == user_id, DeviceChallenge.id == challenge.id,
               DeviceChallenge.status == "pending", DeviceChallenge.code_digest.is_not(None),
               DeviceChallenge.code_expires_at > now,
               DeviceChallenge.code_submissions < limit)
        .values(code_submissions=DeviceChallenge.code_submissions + 1)
        .returning(DeviceChallenge.code_digest, DeviceChallenge.code_submissions)
    ).one_or_none()
    if counted is None:
        raise InvalidCode("no code is open: it expired or was tried too often; ask for a "
                          "new one", attempts_left=0)
    # The submission is counted above, before the savepoint: a refusal below keeps it.
    with judged(db):
        if not hmac.compare_digest(str(counted.code_digest),
                                   _code_digest(keys, challenge.id, code.strip())):
            raise InvalidCode("wrong code", attempts_left=limit - counted.code_submissions)
        _judge_pin(db, keys=keys, policy=policy, wallet=wallet, pin=pin, now=now)
        db.refresh(challenge)

        def step_up() -> DomainError:
            return StepUpRequired(
                "binding this device looks unusual, and a code sent by SMS is not enough: "
                "approve it from one of your trusted devices", methods=["device_approval"],
                challenge_id=challenge.id)

        return _trust(db, challenge, via="sms_code_and_pin", by=owner, now=now,
                      wallet=wallet, engine=engine, step_up=step_up)


def trust_device_by_staff(
    db: Session, *, actor: Principal, device_id: str, reason: str, now: datetime,
    evidence: dict[str, Any] | None = None,
) -> Device:
    """An agent who verified the owner (hotline), or a teller after an in-person document
    check, trusts the device the owner holds; its live sessions become trusted and its open
    challenges are met."""
    actor.require(Role.AGENT, Role.TELLER)
    reason = reason.strip()
    if not reason or len(reason) > 500:
        raise InvalidInput("reason must be 1-500 characters", field="reason")
    # Staff name the device by id alone (off the hot paths: every shard on Citus).
    device = devices.find_device(db, device_id=device_id, user_id=None)
    if device is None:
        raise NotFound("no such device")
    ledger.lock_wallet(db, device.user_id)
    db.refresh(device)
    if device.status != "active":
        raise Conflict("only an active device can be trusted")
    pending = list(db.execute(
        select(DeviceChallenge).where(DeviceChallenge.user_id == device.user_id,
                                      DeviceChallenge.device_id == device.id,
                                      DeviceChallenge.status == "pending")).scalars())
    for challenge in pending:
        _decide(db, challenge, status="approved", by=actor, method="staff", now=now)
    _trust_device(db, device, via="staff", by=actor, now=now,
                  fingerprint=device.fingerprint_digest, reason=reason,
                  data={"evidence": evidence or {}})
    db.execute(update(DeviceSession)
               .where(DeviceSession.user_id == device.user_id,
                      DeviceSession.device_id == device.id, DeviceSession.revoked_at.is_(None))
               .values(trusted=True))
    return device


def trust_device_by_recovery(
    db: Session, *, wallet: LockedWallet, device: Device, case_id: str, now: datetime,
) -> Device:
    """A completed recovery case trusts the device it names (the owner's way back when no
    trusted device is left). The caller holds the owner's wallet lock (``wallet``)."""
    assert device.user_id == wallet.user_id
    pending = list(db.execute(
        select(DeviceChallenge).where(DeviceChallenge.user_id == device.user_id,
                                      DeviceChallenge.device_id == device.id,
                                      DeviceChallenge.status == "pending")).scalars())
    by = Principal(role=Role.SYSTEM, id=f"recovery:{case_id}")
    for challenge in pending:
        _decide(db, challenge, status="approved", by=by, method="recovery", now=now)
    _trust_device(db, device, via="recovery", by=by, now=now,
                  fingerprint=device.fingerprint_digest, reason="recovery case completed",
                  data={"case_id": case_id})
    db.execute(update(DeviceSession)
               .where(DeviceSession.user_id == device.user_id,
                      DeviceSession.device_id == device.id, DeviceSession.revoked_at.is_(None))
               .values(trusted=True))
    return device


# ---- helpers --------------------------------------------------------------------------


def _own(db: Session, *, owner: Principal, challenge_id: str) -> DeviceChallenge:
    challenge = _load(db, user_id=str(owner.user_id), challenge_id=challenge_id)
    if challenge.session_id != owner.session_id:
        raise NotFound("no such challenge")
    return challenge


def _pending(challenge: DeviceChallenge, now: datetime) -> None:
    status = _status(challenge, now)
    if status != "pending":
        raise Conflict(f"this challenge is {status}", status_of_challenge=status)


def _judge_pin(db: Session, *, keys: Keyring, policy: Policy, wallet: LockedWallet, pin: str,
               now: datetime) -> None:
    active = restrictions.active(db, user_id=wallet.user_id, now=now)
    restrictions.guard([r for r in active if r.source == restrictions.PIN_LOCK_SOURCE],
                       restrictions.Action.PAY)
    credentials.judge_pin(db, keys=keys, policy=policy, wallet=wallet, pin=pin, now=now)


def _code_digest(keys: Keyring, challenge_id: str, code: str) -> str:
    return keyed_digest(keys.token_key, f"device-trust-code:{challenge_id}:{code}")


def _decide(db: Session, challenge: DeviceChallenge, *, status: str, by: Principal,
            method: str, now: datetime) -> bool:
    decided = db.execute(
        update(DeviceChallenge)
        .where(DeviceChallenge.user_id == challenge.user_id,
               DeviceChallenge.id == challenge.id, DeviceChallenge.status == "pending")
        .values(status=status, decided_at=now, decided_by=by.ref, method=method)
        .returning(DeviceChallenge.id)
    ).scalar_one_or_none()
    db.refresh(challenge)
    return decided is not None


def _trust(db: Session, challenge: DeviceChallenge, *, via: str, by: Principal,
           now: datetime, wallet: LockedWallet, engine: risk.RiskEngine | None,
           step_up: Callable[[], DomainError] | None = None) -> DeviceChallenge:
    if not _decide(db, challenge, status="approved", by=by, method=via, now=now):
        raise Conflict("this challenge is no longer pending")
    device = db.get(Device, (challenge.user_id, challenge.device_id))
    assert device is not None
    if device.status != "active":
        raise Conflict("the device is no longer bound")
    if device.trust != "trusted":
        # A device becoming trusted is judged; a challenge a trusted device's payment
        # opened (a risk step-up) binds nothing new, and its payment is judged on retry.
        risk.judge_device_bind(db, engine=engine, wallet=wallet, device_id=device.id,
                               fingerprint=challenge.fingerprint_digest, ip=device.last_ip,
                               now=now, approved_by_device=via == "device_approval",
                               step_up=step_up)
    _trust_device(db, device, via=via, by=by, now=now,
                  fingerprint=challenge.fingerprint_digest, reason=None,
                  data={"challenge_id": challenge.id})
    db.execute(update(DeviceSession)
               .where(DeviceSession.user_id == challenge.user_id,
                          DeviceSession.id == challenge.session_id,
                      DeviceSession.revoked_at.is_(None))
               .values(trusted=True))
    return challenge


def _trust_device(db: Session, device: Device, *, via: str, by: Principal, now: datetime,
                  fingerprint: str, reason: str | None, data: dict[str, Any]) -> None:
    device.trust, device.trusted_at, device.trusted_via = "trusted", now, via
    device.fingerprint_digest = fingerprint
    audit.append(db, actor=by.ref, action="device.trusted", subject=device.user_id,
                 reason=reason, at=now, chain=device.user_id,
                 data={"device_id": device.id, "via": via, **data})
    notifications.notify_owner(db, topic="device.trusted", user_id=device.user_id, now=now,
                               payload={"device_id": device.id, "name": device.name,
                                        "via": via})
