"""Devices and their sessions: login binds a session to a device; unbinding, loss or a
wipe ends the device's sessions and biometric bindings at once; remote commands wait
for the device to connect."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, get_args

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from walletguard import text
from walletguard.audit import service as audit
from walletguard.auth import service as auth
from walletguard.auth import throttle
from walletguard.auth.principal import Principal, Role
from walletguard.credentials import service as credentials
from walletguard.crypto import Keyring, keyed_digest
from walletguard.db import judged, new_id, rowcount
from walletguard.devices.models import Device, DeviceChallenge, DeviceCommand, DeviceSession
from walletguard.errors import Forbidden, InvalidInput, NotFound, RateLimited, Unauthenticated
from walletguard.identity import service as identity
from walletguard.identity import validation
from walletguard.identity.models import User
from walletguard.ledger import service as ledger
from walletguard.ledger.service import LockedWallet
from walletguard.notifications import service as notifications
from walletguard.policy import Policy
from walletguard.restrictions import service as restrictions
from walletguard.risk import service as risk_service
from walletguard.risk.service import RiskEngine
from walletguard.risk.signals import Event

CommandType = Literal["ring", "lost_mode", "wipe"]
COMMAND_TYPES: tuple[CommandType, ...] = get_args(CommandType)
Trust = Literal["trusted", "untrusted"]
# What a finder can dial: digits, an optional leading +, spaces, dashes, parentheses.
_CONTACT_NUMBER = re.compile(r"\+?[0-9][0-9 ()-]{2,30}")
ENDED = ("unbound", "lost", "wiped")


@dataclass(frozen=True)
class DeviceRef:
    """A device by its full key (owner, id): what a device's command feed acts for."""

    user_id: str
    id: str


@dataclass(frozen=True)
class DeviceInfo:
    id: str
    name: str
    platform: str
    fingerprint: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LoginContext:
    """Where a login comes from. ``ip``, ``lat`` and ``lon`` are what the device reports
    (risk signals, shown in the device list); ``peer_ip`` is the address the request
    actually came from, and the only one the per-IP throttle counts — a client cannot
    pick the bucket its guesses land in."""

    ip: str | None = None
    lat: float | None = None
    lon: float | None = None
    peer_ip: str | None = None


@dataclass(frozen=True)
class StartedSession:
    token: str
    device: Device
    session: DeviceSession
    new_device: bool
    challenge: DeviceChallenge | None = None
    risk_reasons: tuple[dict[str, str], ...] = ()

    @property
    def trusted(self) -> bool:
        return self.session.trusted


def fingerprint_digest(keys: Keyring, fingerprint: dict[str, Any]) -> str:
    canonical = json.dumps(fingerprint, sort_keys=True, separators=(",", ":"), default=str)
    return keyed_digest(keys.token_key, "fingerprint:" + canonical)


def start_session(
    db: Session, *, keys: Keyring, policy: Policy, phone: str, password: str,
    device: DeviceInfo, context: LoginContext, now: datetime, risk: RiskEngine | None = None,
) -> StartedSession:
    """Log in on a device. A password alone is not the owner: the session is trusted only
    on the owner's first device, or on a device already trusted that presents the same
    fingerprint; any other login gets an untrusted session and a step-up challenge
    (``devices.challenges``).

    Failed attempts are throttled, never locked (NIST SP 800-63B §5.2.2): per address,
    per account from that address, and per account from everywhere — the last one does
    not hold back a trusted device, so a flood of guesses cannot lock the owner out.
    Attempts are counted before the password is judged (one conditional upsert per key),
    so parallel guesses cannot slip past a limit; a success gives its attempt back and
    clears the account's counts."""
    rules = policy.login
    window = timedelta(minutes=rules.window_minutes)
    user = identity.find_by_phone(db, vault=keys.vault, phone=phone)
    account = user.phone_index if user is not None else keys.vault.blind_index(
        "phone", _phone_key(phone))
    address = context.peer_ip
    # No address: an in-process caller (``http.deps.client_ip`` refuses network requests
    # without one), counted per account only.
    keys_and_limits = [] if address is None else [
        (f"login:ip:{address}", rules.max_failures_per_ip),
        (f"login:acct-ip:{account}:{address}", rules.max_failures_per_account_per_address),
    ]
    if user is None or not _trusted_device_presented(db, keys=keys, user_id=user.id,
                                                     info=device):
        keys_and_limits.append((f"login:acct:{account}", rules.max_failures_per_account))
    full = [key for key, limit in keys_and_limits
            if throttle.hit(db, key=key, window=window, now=now) > limit]
    # The attempt is counted above, before the savepoint: a refusal below keeps the count.
    with judged(db):
        if full:
            wait = max(throttle.seconds_left(db, key=key, window=window, now=now)
                       for key in full)
            raise RateLimited("too many login attempts; try again later", retry_after=wait)
        if not identity.check_password(keys, user, password) or user is None:
            raise Unauthenticated("phone or password is wrong")
        # The right password ends the run of failures on the account (NIST: consecutive
        # failures); the address gives this attempt back but keeps what it tried elsewhere.
        for key, _limit in keys_and_limits:
            if key.startswith("login:ip:"):
                throttle.refund(db, key=key)
            else:
                throttle.clear(db, key=key)
        return _open_session(db, keys=keys, policy=policy, user=user, device=device,
                             context=context, now=now, risk=risk)


def _open_session(
    db: Session, *, keys: Keyring, policy: Policy, user: User, device: DeviceInfo,
    context: LoginContext, now: datetime, risk: RiskEngine | None = None,
) -> StartedSession:
    # The login's one lock, taken before any other row of the owner (the lock order in
    # ``walletguard.db``): the risk state is read and written back below, and without it
    # two parallel logins would each fold their event into the same old state and one
    # would be lost; it also orders a login after a lift that ends unproven sessions.
    wallet = ledger.lock_wallet(db, user.id) if _judges_risk(risk) else None
    restrictions.check(db, user_id=user.id, action=restrictions.Action.LOGIN, now=now)
    bound, is_new, trusted = _bind_device(db, keys=keys, user_id=user.id, info=device,
                                          context=context, now=now)
    reasons = _judge_login_risk(db, keys=keys, engine=risk, wallet=wallet,
                                device_id=bound.id, device=device, context=context, now=now)
    if reasons:
        # A risky login gets an untrusted session: the device-trust step-up decides.
        trusted = False
    token = auth.new_session_token(user.id)
    session = DeviceSession(id=new_id("ses"), user_id=user.id, device_id=bound.id,
                            token_digest=keys.token_digest(token), created_at=now,
                            last_used_at=now, trusted=trusted)
    db.add(session)
    challenge = None
    if not trusted:
        db.flush()
        challenge = open_challenge_for(db, policy=policy, session=session, device=bound,
                                       fingerprint=fingerprint_digest(keys, device.fingerprint),
                                       now=now)
    audit.append(db, actor=f"owner:{user.id}", action="session.started", subject=user.id,
                 at=now, chain=user.id,
                 data={"device_id": bound.id, "new_device": is_new, "ip": context.ip,
                       "trust": "trusted" if trusted else "untrusted"})
    if is_new:
        notifications.notify_owner(db, topic="device.new_login", user_id=user.id, now=now,
                                   exclude_device=bound.id,
                                   payload={"device_id": bound.id, "name": bound.name,
                                            "challenge_id": challenge.id if challenge
                                            else None})
    return StartedSession(token=token, device=bound, session=session, new_device=is_new,
                          challenge=challenge, risk_reasons=tuple(reasons))


def _judges_risk(engine: RiskEngine | None) -> bool:
    return engine is not None and engine.policy.risk.enabled


def _judge_login_risk(
    db: Session, *, keys: Keyring, engine: RiskEngine | None, wallet: LockedWallet | None,
    device_id: str, device: DeviceInfo, context: LoginContext, now: datetime,
) -> list[dict[str, str]]:
    """The risk engine on a login, after the password and under the wallet lock: deny
    and lock refuse (with reasons); a step-up returns its reasons and the session opens
    untrusted. The device is named by its wallet id, as the session's later payments
    name it.

    A standing lost-phone report is not weighed here (it is on every other event): the
    reported phone cannot log in at all (``devices``' own rule), and a login on another
    device is how the owner starts a recovery from a replacement phone; that session is
    untrusted anyway (a new device), and the report's freeze stops its payments."""
    if engine is None or wallet is None or not engine.policy.risk.enabled:
        return []
    user_id = wallet.user_id
    event = Event(at=now, type="login", device_id=device_id,
                  fingerprint=fingerprint_digest(keys, device.fingerprint), ip=context.ip,
                  lat=context.lat, lon=context.lon)
    evaluation = risk_service.evaluate(db, engine=engine, wallet=wallet, event=event,
                                       now=now, exclude_device=device_id)
    if evaluation.decision.outcome == "step_up":
        risk_service.keep_all(evaluation)(db)
        return evaluation.reasons
    # wallet=None: the lock was taken inside the login's savepoint, which a refusal
    # rolls back (releasing it on PostgreSQL), so a risk lock locks the wallet again.
    risk_service.enforce(db, evaluation, wallet=None, user_id=user_id, now=now)
    return []


def _phone_key(phone: str) -> str:
    """The phone as the throttle counts it: one bucket however the number is written."""
    try:
        return validation.normalize_phone(phone)
    except InvalidInput:
        return phone.strip()


def _trusted_device_presented(db: Session, *, keys: Keyring, user_id: str,
                              info: DeviceInfo) -> bool:
    found = db.execute(
        select(Device.trust, Device.status, Device.fingerprint_digest)
        .where(Device.user_id == user_id, Device.client_device_id == info.id)
    ).one_or_none()
    return found is not None and found.status == "active" and found.trust == "trusted" and (
        found.fingerprint_digest == fingerprint_digest(keys, info.fingerprint))


def _bind_device(
    db: Session, *, keys: Keyring, user_id: str, info: DeviceInfo, context: LoginContext,
    now: datetime,
) -> tuple[Device, bool, bool]:
    """The device for this login, whether it is new, and whether the session is trusted."""
    digest = fingerprint_digest(keys, info.fingerprint)
    found = db.execute(
        select(Device).where(Device.user_id == user_id, Device.client_device_id == info.id)
    ).scalar_one_or_none()
    if found is not None and found.status in ("lost", "wiped"):
        raise Forbidden("this device was reported lost; recover the account from a new device")
    is_new = found is None or found.status == "unbound"
    trusted = False
    if found is None:
        first = db.execute(select(Device.id).where(Device.user_id == user_id).limit(1)
                           ).first() is None
        found = Device(id=new_id("dev"), user_id=user_id, client_device_id=info.id,
                       first_seen_at=now, trusted_since=now, fingerprint_digest=digest,
                       name=info.name, platform=info.platform, last_seen_at=now,
                       trust="trusted" if first else "untrusted",
                       trusted_at=now if first else None,
                       trusted_via="first_device" if first else None)
        db.add(found)
        trusted = first
    elif found.status == "unbound":
        # An unbound device comes back as a new one: it earns trust again.
        found.status, found.trusted_since, found.ended_at = "active", now, None
        found.trust, found.trusted_at, found.trusted_via = "untrusted", None, None
    elif found.fingerprint_digest != digest:
        # Same device id, different hardware or software: an anomalous login, and not
        # proof of the trusted device (its id is no secret).
        found.last_anomaly_at = now
    else:
        trusted = found.trust == "trusted"
    if trusted or found.trust != "trusted":
        # An unproven login never rewrites what identifies a trusted device; its
        # challenge carries the new fingerprint, adopted if the challenge is met.
        found.fingerprint_digest = digest
        found.name, found.platform = info.name, info.platform
    found.last_seen_at = now
    found.last_ip, found.last_lat, found.last_lon = context.ip, context.lat, context.lon
    db.flush()
    return found, is_new, trusted


def open_challenge_for(
    db: Session, *, policy: Policy, session: DeviceSession, device: Device, fingerprint: str,
    now: datetime, challenge_id: str | None = None,
) -> DeviceChallenge:
    """Open the step-up an untrusted session answers, and tell the owner's trusted devices
    (which list and approve it). ``challenge_id`` lets a refusal name the challenge it is
    about to keep (a risk step-up on a payment)."""
    challenge = DeviceChallenge(
        id=challenge_id or new_id("chg"), user_id=session.user_id, device_id=device.id,
        session_id=session.id, status="pending", created_at=now, codes_sent=0,
        code_submissions=0, fingerprint_digest=fingerprint,
        expires_at=now + timedelta(minutes=policy.device_trust.challenge_minutes))
    db.add(challenge)
    session.challenge_id = challenge.id
    notifications.enqueue(
        db, topic="device.trust_requested", user_id=session.user_id, now=now,
        recipients=[("push", d) for d in trusted_device_ids(db, user_id=session.user_id)],
        payload={"challenge_id": challenge.id, "device_id": device.id, "name": device.name})
    return challenge


def trusted_device_ids(db: Session, *, user_id: str) -> list[str]:
    return list(db.execute(
        select(Device.id).where(Device.user_id == user_id, Device.status == "active",
                                Device.trust == "trusted")
    ).scalars())


def list_devices(db: Session, *, owner: Principal) -> list[Device]:
    """Bound devices, and devices reported lost (so the owner can still ring, message
    or wipe them from another device)."""
    return list(db.execute(
        select(Device).where(Device.user_id == owner.user_id,
                             Device.status.in_(("active", "lost")))
        .order_by(Device.first_seen_at)
    ).scalars())


def _owned_device(db: Session, owner: Principal, device_id: str) -> Device:
    device = db.get(Device, (owner.user_id, device_id))
    if device is None:
        raise NotFound("no such device")
    return device


def find_device(db: Session, *, device_id: str, user_id: str | None) -> Device | None:
    """A device by its owner and id; staff may name a device by id alone (a look-up over
    every shard on Citus, off the hot paths)."""
    if user_id is not None:
        return db.get(Device, (user_id, device_id))
    return db.execute(select(Device).where(Device.id == device_id)).scalar_one_or_none()


def end_device(
    db: Session, *, device: Device, status: str, reason: str, actor: Principal, now: datetime
) -> int:
    """Unbind, mark lost or wiped: every session and biometric binding of the device
    ends in this transaction. Returns how many sessions were revoked."""
    if status not in ENDED:
        raise ValueError(status)
    revoked = rowcount(db.execute(
        update(DeviceSession)
        .where(DeviceSession.user_id == device.user_id, DeviceSession.device_id == device.id,
               DeviceSession.revoked_at.is_(None))
        .values(revoked_at=now, revoke_reason=reason)
    ))
    credentials.revoke_bindings(db, user_id=device.user_id, device_id=device.id, reason=reason,
                                now=now)
    device.status, device.ended_at = status, now
    audit.append(db, actor=actor.ref, action=f"device.{status}", subject=device.user_id,
                 reason=reason, at=now, chain=device.user_id,
                 data={"device_id": device.id, "sessions_revoked": revoked})
    return int(revoked)


def unbind_device(db: Session, *, owner: Principal, device_id: str, now: datetime) -> Device:
    owner.require(Role.OWNER)
    device = _owned_device(db, owner, device_id)
    if device.status != "active":
        raise NotFound("no such device")
    end_device(db, device=device, status="unbound", reason="unbound by owner", actor=owner,
               now=now)
    notifications.notify_owner(db, topic="device.unbound", user_id=device.user_id, now=now,
                               payload={"device_id": device.id, "name": device.name})
    return device


def end_session(db: Session, *, owner: Principal, now: datetime) -> None:
    """Log out: the caller's own session ends; the device stays bound (and trusted)."""
    owner.require(Role.OWNER, untrusted_ok=True)
    db.execute(update(DeviceSession)
               .where(DeviceSession.user_id == owner.user_id,
                      DeviceSession.id == owner.session_id, DeviceSession.revoked_at.is_(None))
               .values(revoked_at=now, revoke_reason="logged out"))


def revoke_all_sessions(
    db: Session, *, user_id: str, reason: str, now: datetime, except_session: str | None = None
) -> int:
    query = update(DeviceSession).where(DeviceSession.user_id == user_id,
                                        DeviceSession.revoked_at.is_(None))
    if except_session is not None:
        query = query.where(DeviceSession.id != except_session)
    return rowcount(db.execute(query.values(revoked_at=now, revoke_reason=reason)))



def issue_command(
    db: Session, *, actor: Principal, device_id: str, type: str, now: datetime,
    message: str | None = None, contact_number: str | None = None,
) -> DeviceCommand:
    """Queue ring / lost_mode / wipe for a device; it stays queued until the device
    connects. The owner or an agent may send one; an untrusted session may ring and set
    lost mode (easy to stop), but a wipe needs a trusted one."""
    actor.require(Role.OWNER, Role.AGENT, Role.SYSTEM, untrusted_ok=type != "wipe")
    if type not in COMMAND_TYPES:
        raise InvalidInput(f"type must be one of {', '.join(COMMAND_TYPES)}", field="type")
    device = find_device(db, device_id=device_id,
                         user_id=actor.user_id if actor.role == Role.OWNER else None)
    if device is None:
        raise NotFound("no such device")
    if device.status in ("wiped", "unbound"):
        raise InvalidInput("this device is no longer bound", field="device_id")
    message = (text.free_text(message, field="message", max_length=text.TEXT_MAX)
               if message and message.strip() else None)
    contact_number = (contact_number or "").strip() or None
    if type == "lost_mode" and message is None:
        raise InvalidInput("lost_mode shows a message on the lost phone; give one",
                           field="message")
    if contact_number is not None and not _CONTACT_NUMBER.fullmatch(contact_number):
        raise InvalidInput("contact_number must be a phone number", field="contact_number")
    command = DeviceCommand(id=new_id("cmd"), user_id=device.user_id, device_id=device.id,
                            type=type, message=message, contact_number=contact_number,
                            issued_by=actor.ref, created_at=now)
    db.add(command)
    audit.append(db, actor=actor.ref, action=f"device.command_{type}", subject=device.user_id,
                 at=now, chain=device.user_id, data={"device_id": device.id,
                                                     "command_id": command.id})
    return command


def fetch_commands(db: Session, *, device: DeviceRef, now: datetime) -> list[DeviceCommand]:
    """What a device receives when it connects: every command not yet acknowledged."""
    commands = list(db.execute(
        select(DeviceCommand)
        .where(DeviceCommand.user_id == device.user_id, DeviceCommand.device_id == device.id,
               DeviceCommand.acknowledged_at.is_(None))
        .order_by(DeviceCommand.created_at, DeviceCommand.id)
    ).scalars())
    for command in commands:
        if command.delivered_at is None:
            command.delivered_at = now
    return commands


def acknowledge_command(
    db: Session, *, device: DeviceRef, command_id: str, now: datetime
) -> DeviceCommand:
    """The device confirms it carried the command out. A wipe ends the device."""
    command = db.get(DeviceCommand, (device.user_id, command_id))
    if command is None or command.device_id != device.id:
        raise NotFound("no such command")
    if command.acknowledged_at is None:
        command.acknowledged_at = now
        command.delivered_at = command.delivered_at or now
        if command.type == "wipe":
            ended = db.get(Device, (device.user_id, device.id))
            if ended is not None and ended.status != "wiped":
                end_device(db, device=ended, status="wiped", reason="remote wipe carried out",
                           actor=Principal(role=Role.SYSTEM, id="device"), now=now)
    return command


def lost_device_commands_stay_reachable(db: Session, *, user_id: str | None,
                                        token_digest: str) -> DeviceRef | None:
    """The lost device whose (revoked) session ``token_digest`` names, if any
    (``user_id``: the owner the token names)."""
    if user_id is None:
        return None
    row = db.execute(
        select(DeviceSession.device_id)
        .join(Device, (Device.user_id == DeviceSession.user_id)
              & (Device.id == DeviceSession.device_id))
        .where(DeviceSession.user_id == user_id, Device.user_id == user_id,
               DeviceSession.token_digest == token_digest, Device.status == "lost")
    ).scalar_one_or_none()
    return None if row is None else DeviceRef(user_id=user_id, id=row)


def command_feed_device(
    db: Session, *, keys: Keyring, policy: Policy, token: str, now: datetime
) -> DeviceRef:
    """The device a command-feed request (fetch, acknowledge) comes from: a live device
    session's, or a device reported lost presenting its revoked token. A lost phone has
    no valid session, yet it must still fetch its queued lost-mode message and wipe, and
    acknowledge them; that is all its old token can do — every other route refuses it.

    Refusals: ``unauthenticated`` (no live session and no lost device behind the token,
    or a staff key: the feed is a device's)."""
    lost = lost_device_commands_stay_reachable(db, user_id=auth.session_owner(token),
                                               token_digest=keys.token_digest(token))
    if lost is not None:
        return lost
    caller = auth.authenticate(db, keys=keys, policy=policy, token=token, now=now)
    if caller.device_id is None or caller.user_id is None:
        raise Unauthenticated("a device session is needed")
    return DeviceRef(user_id=caller.user_id, id=caller.device_id)
