"""Changing a recovery channel: the account phone and the trusted contacts (issue 18 §4).

A thief holding the owner's unlocked phone must not quietly swap the channels a recovery
trusts. So a change

1. needs a **fresh step-up** in the requesting session: a challenge approved within
   ``channel_change_step_up_minutes`` (20) — by another trusted device with the PIN, or a
   code to the account phone with the PIN (void after a SIM change or under a freeze, as
   every SMS step-up is). Without one the answer is ``step_up_required`` with a
   ``challenge_id`` to meet and retry with;
2. does **not** take effect at once: it waits ``channel_change_cooling_off_hours`` (48 h,
   twice the recovery security delay), while the *old* channels hear of it — every
   channel of the owner (the SMS goes to the phone still on file, which is the old one)
   and, for a contacts change, the old contacts too. Any session of the owner, trusted or
   not, cancels it in one call;
3. is **void** if, during the window, the wallet is frozen or locked (a lost-phone report
   freezes) or a recovery completes: the owner who noticed has spoken.

What takes effect when: nothing changes before ``effective_at``; the worker's periodic
job (``notifications.worker.run_jobs``) applies matured changes, each in its own
transaction under the owner's wallet lock, so a change is applied once however many
workers run. A new trusted contact's ``added_at`` (its maturing, before it may approve a
recovery) starts when the change applies.

The bound bank card is no separate channel here: the card channel sends its code to the
card's reserved phone, which must equal the account phone, so it follows the phone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from walletguard.audit import service as audit
from walletguard.auth.principal import Principal, Role
from walletguard.crypto import Keyring
from walletguard.db import judged, new_id
from walletguard.devices import service as devices
from walletguard.devices.models import Device, DeviceChallenge, DeviceSession
from walletguard.errors import Conflict, NotFound, StepUpRequired
from walletguard.identity import service as identity
from walletguard.identity import validation
from walletguard.ledger import service as ledger
from walletguard.notifications import service as notifications
from walletguard.policy import Policy
from walletguard.recovery.models import RecoveryCase, RecoveryChannelChange
from walletguard.restrictions import service as restrictions
from walletguard.restrictions.models import Restriction

Kind = Literal["trusted_contacts", "phone"]
_PENDING, _APPLIED, _CANCELLED, _VOID = "pending", "applied", "cancelled", "void"
# What the owner is told when a waiting change ends by itself.
_ENDED_TOPICS = {_APPLIED: "recovery_channel.change_applied", _VOID: "recovery_channel.change_void"}
_OWNER_STEP_UPS = ("device_approval", "sms_code_and_pin")


@dataclass(frozen=True)
class ChangeView:
    id: str
    kind: str
    status: str
    requested_at: datetime
    effective_at: datetime
    ended_at: datetime | None
    end_reason: str | None


def view(change: RecoveryChannelChange) -> ChangeView:
    return ChangeView(id=change.id, kind=change.kind, status=change.status,
                      requested_at=change.requested_at, effective_at=change.effective_at,
                      ended_at=change.ended_at, end_reason=change.end_reason)


# ---- requesting --------------------------------------------------------------------------


def request_trusted_contacts(
    db: Session, *, keys: Keyring, policy: Policy, owner: Principal,
    contacts: list[identity.ContactEntry], challenge_id: str | None, now: datetime,
) -> ChangeView:
    """Ask to make ``contacts`` the trusted contacts, after the cooling-off window.
    Refusals: ``invalid_input`` (the list, judged first), ``step_up_required``,
    ``conflict`` (a change of the contacts already waits), the restrictions' refusals."""
    owner.require(Role.OWNER)
    user_id = str(owner.user_id)
    ledger.lock_wallet(db, user_id)
    restrictions.check(db, user_id=user_id, action=restrictions.Action.SETTINGS, now=now)
    chosen = identity.validate_trusted_contacts(db, keys=keys, policy=policy, user_id=user_id,
                                                contacts=contacts)
    return _request(db, keys=keys, policy=policy, owner=owner, kind="trusted_contacts",
                    payload={"contacts": chosen}, challenge_id=challenge_id, now=now)


def request_phone(
    db: Session, *, keys: Keyring, policy: Policy, owner: Principal, phone: str,
    challenge_id: str | None, now: datetime,
) -> ChangeView:
    """Ask to make ``phone`` the account phone, after the cooling-off window. Whether
    another account has that phone is not told (it would be an oracle): such a change is
    void when it comes to apply."""
    owner.require(Role.OWNER)
    user_id = str(owner.user_id)
    ledger.lock_wallet(db, user_id)
    restrictions.check(db, user_id=user_id, action=restrictions.Action.SETTINGS, now=now)
    e164 = validation.normalize_phone(phone)
    return _request(db, keys=keys, policy=policy, owner=owner, kind="phone",
                    payload={"phone": e164}, challenge_id=challenge_id, now=now)


def _request(
    db: Session, *, keys: Keyring, policy: Policy, owner: Principal, kind: Kind,
    payload: dict[str, Any], challenge_id: str | None, now: datetime,
) -> ChangeView:
    user_id = str(owner.user_id)
    rules = policy.recovery
    with judged(db):
        if not fresh_step_up(db, policy=policy, owner=owner, challenge_id=challenge_id,
                             now=now):
            raise _step_up(owner, policy, now)
        waiting = db.execute(select(RecoveryChannelChange.id).where(
            RecoveryChannelChange.user_id == user_id, RecoveryChannelChange.kind == kind,
            RecoveryChannelChange.status == _PENDING)).first()
        if waiting is not None:
            raise Conflict("a change of this channel is already waiting; cancel it first",
                           change_id=waiting[0])
        change = RecoveryChannelChange(
            user_id=user_id, id=new_id("chc"), kind=kind, status=_PENDING,
            payload_sealed=keys.vault.seal("channel_change", json.dumps(payload)),
            requested_at=now, requested_by=owner.ref,
            effective_at=now + timedelta(hours=rules.channel_change_cooling_off_hours))
        db.add(change)
        audit.append(db, actor=owner.ref, action="recovery_channel.change_requested",
                     subject=user_id, at=now, chain=user_id,
                     data={"change_id": change.id, "kind": kind,
                           "effective_at": change.effective_at.isoformat()})
        # The old channels hear of it: the SMS still goes to the phone on file, and for a
        # contacts change the contacts named now are told too.
        notifications.notify_owner(
            db, topic="recovery_channel.change_requested", user_id=user_id, now=now,
            contacts=kind == "trusted_contacts",
            payload={"change_id": change.id, "kind": kind,
                     "effective_at": change.effective_at.isoformat(),
                     "how_to_cancel": f"POST /v1/channel-changes/{change.id}/cancel"})
        return view(change)


def fresh_step_up(db: Session, *, policy: Policy, owner: Principal, challenge_id: str | None,
                  now: datetime) -> bool:
    """A challenge of this session, approved by the owner (another trusted device, or code
    and PIN — not an agent's ``trust_device_by_staff``, which meets a device's open
    challenges) within ``channel_change_step_up_minutes``."""
    if challenge_id is None or owner.session_id is None:
        return False
    found = db.get(DeviceChallenge, (str(owner.user_id), challenge_id))
    window = timedelta(minutes=policy.recovery.channel_change_step_up_minutes)
    return (found is not None and found.status == "approved"
            and found.method in _OWNER_STEP_UPS
            and found.session_id == owner.session_id and found.decided_at is not None
            and now - found.decided_at <= window)


def _step_up(owner: Principal, policy: Policy, now: datetime) -> StepUpRequired:
    challenge_id = new_id("chg")

    def open_challenge(db: Session) -> None:
        session = db.get(DeviceSession, (owner.user_id, owner.session_id))
        device = db.get(Device, (owner.user_id, owner.device_id))
        if session is not None and device is not None:
            devices.open_challenge_for(db, policy=policy, session=session, device=device,
                                       fingerprint=device.fingerprint_digest, now=now,
                                       challenge_id=challenge_id)

    refusal = StepUpRequired(
        "changing a recovery channel needs a fresh confirmation: approve the challenge "
        "from another trusted device, or with a code and your PIN, then retry with "
        "challenge_id", methods=["device_approval", "sms_code_and_pin"],
        challenge_id=challenge_id)
    return refusal.keeping(open_challenge)


# ---- cancelling and listing ----------------------------------------------------------------


def cancel(db: Session, *, owner: Principal, change_id: str, now: datetime) -> ChangeView:
    """"That was not me": any session of the owner, trusted or not, cancels a waiting
    change (easy to stop, as a recovery case is)."""
    owner.require(Role.OWNER, untrusted_ok=True)
    user_id = str(owner.user_id)
    ledger.lock_wallet(db, user_id)
    change = db.get(RecoveryChannelChange, (user_id, change_id))
    if change is None:
        raise NotFound("no such channel change")
    if change.status != _PENDING:
        raise Conflict(f"this change is {change.status}", change_status=change.status)
    _end(change, status=_CANCELLED, by=owner.ref, reason="cancelled by the owner", now=now)
    audit.append(db, actor=owner.ref, action="recovery_channel.change_cancelled",
                 subject=user_id, at=now, chain=user_id,
                 data={"change_id": change.id, "kind": change.kind})
    notifications.notify_owner(db, topic="recovery_channel.change_cancelled", user_id=user_id,
                               now=now, payload={"change_id": change.id, "kind": change.kind})
    return view(change)


def changes_of(db: Session, *, owner: Principal) -> list[ChangeView]:
    """The owner's channel changes, the latest first."""
    owner.require(Role.OWNER, untrusted_ok=True)
    rows = db.execute(select(RecoveryChannelChange).where(
        RecoveryChannelChange.user_id == owner.user_id)
        .order_by(RecoveryChannelChange.requested_at.desc(), RecoveryChannelChange.id)
    ).scalars()
    return [view(c) for c in rows]


def _end(change: RecoveryChannelChange, *, status: str, by: str, reason: str,
         now: datetime) -> None:
    change.status, change.ended_at, change.ended_by, change.end_reason = status, now, by, reason


# ---- applying (the worker's periodic job) -------------------------------------------------


def due(db: Session, *, now: datetime, limit: int = 100) -> list[tuple[str, str]]:
    """(user id, change id) of waiting changes whose window has passed, oldest first."""
    return [(u, i) for u, i in db.execute(
        select(RecoveryChannelChange.user_id, RecoveryChannelChange.id).where(
            RecoveryChannelChange.status == _PENDING,
            RecoveryChannelChange.effective_at <= now)
        .order_by(RecoveryChannelChange.effective_at).limit(limit)).all()]


def apply(db: Session, *, keys: Keyring, user_id: str, change_id: str, now: datetime) -> str:
    """Apply one matured change under the owner's wallet lock, or void it (see the module
    doc); returns the change's status afterwards. Applying twice applies once."""
    ledger.lock_wallet(db, user_id)
    change = db.get(RecoveryChannelChange, (user_id, change_id))
    if change is None:
        raise NotFound("no such channel change")
    db.refresh(change)
    if change.status != _PENDING or change.effective_at > now:
        return change.status
    actor = f"system:channel-change:{change.id}"
    why_void = _overtaken(db, change)
    payload = json.loads(keys.vault.open("channel_change", change.payload_sealed))
    if why_void is None and change.kind == "trusted_contacts":
        identity.replace_trusted_contacts(db, user_id=user_id, chosen=payload["contacts"],
                                          actor=actor, now=now)
    elif why_void is None and not identity.set_phone(db, keys=keys, user_id=user_id,
                                                     phone=payload["phone"], actor=actor,
                                                     now=now):
        why_void = "another account has this phone"
    status = _VOID if why_void else _APPLIED
    _end(change, status=status, by=actor, reason=why_void or "cooling-off window passed",
         now=now)
    audit.append(db, actor=actor, action=f"recovery_channel.change_{status}", subject=user_id,
                 at=now, chain=user_id, reason=why_void,
                 data={"change_id": change.id, "kind": change.kind})
    notifications.notify_owner(db, topic=_ENDED_TOPICS[status], user_id=user_id,
                               now=now, payload={"change_id": change.id, "kind": change.kind})
    return status


def _overtaken(db: Session, change: RecoveryChannelChange) -> str | None:
    """Why the owner's situation since the request voids the change, if it does."""
    frozen = db.execute(select(Restriction.id).where(
        Restriction.user_id == change.user_id,
        Restriction.kind.in_((restrictions.Kind.FREEZE.value, restrictions.Kind.LOCK.value)),
        Restriction.placed_at >= change.requested_at).limit(1)).first()
    if frozen is not None:
        return "the wallet was frozen or locked during the cooling-off window"
    recovered = db.execute(select(RecoveryCase.id).where(
        RecoveryCase.user_id == change.user_id, RecoveryCase.status == "completed",
        RecoveryCase.completed_at >= change.requested_at).limit(1)).first()
    if recovered is not None:
        return "a recovery completed during the cooling-off window"
    return None

