"""Freeze, lock and observation: placing them, the guard every action passes, and the
ways out.

Every change here locks the owner's wallet row first — the row every payment locks —
so a freeze and a payment are ordered by the database: once ``place_freeze``'s
transaction commits, no payment that locks the wallet afterwards passes ``guard``.
Easy to stop, hard to restart: placing needs little, lifting needs an agent, a teller
with an in-person document check, or a completed recovery, and every lift can be
cancelled by the owner within the cooling-off window.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, Literal, get_args

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from walletguard import text
from walletguard.audit import service as audit
from walletguard.auth import service as auth
from walletguard.auth.principal import Principal, Role
from walletguard.crypto import Keyring
from walletguard.db import new_id
from walletguard.errors import (
    AccountFrozen,
    AccountLocked,
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    PinLocked,
)
from walletguard.identity import validation
from walletguard.identity.models import User
from walletguard.ledger import idempotency
from walletguard.ledger import service as ledger
from walletguard.ledger.service import LockedWallet
from walletguard.notifications import service as notifications
from walletguard.policy import Policy
from walletguard.restrictions.models import DocumentCheck, Restriction


class _Word(StrEnum):
    """A vocabulary word; its repr is the word, so a refusal that lists the allowed values
    (a request model's ``Literal[Scope.PAYMENTS, …]``) reads 'payments', not the enum."""

    def __repr__(self) -> str:
        return repr(self.value)


class Kind(_Word):
    FREEZE = "freeze"
    LOCK = "lock"
    OBSERVATION = "observation"


class Scope(_Word):
    PAYMENTS = "payments"  # payments, transfers, red packets
    ACCOUNT = "account"  # also login and settings
    NONE = "none"  # observation: nothing blocked, lower limits


class Action(StrEnum):
    PAY = "pay"
    LOGIN = "login"
    SETTINGS = "settings"


PIN_LOCK_SOURCE = "pin"
# The freeze a lost-phone report places (``incidents.report_lost_phone``).
LOST_PHONE_SOURCE = "lost_phone"
# The observation a completed recovery starts; placed_at is the completion time.
RECOVERY_SOURCE = "recovery"
OWNER_SOURCE = "owner"
DocumentType = Literal["resident_id", "passport", "drivers_licence", "electronic_id"]
DOCUMENT_TYPES: tuple[DocumentType, ...] = get_args(DocumentType)
# A Chinese driving licence number is the holder's resident ID number, and the eID app
# shows the resident ID number too: all three can be checked against the one on file.
RESIDENT_ID_DOCUMENTS = ("resident_id", "drivers_licence", "electronic_id")
# ICAO 9303 machine-readable document number: up to nine upper-case letters and digits.
# Chinese passports (E + 8 digits, E + letter + 7 digits, G/D/S/P + 7-8 digits) are all of
# this form; a foreign owner's passport may be any of it.
_PASSPORT_NUMBER = re.compile(r"[A-Z0-9]{6,9}")
_SEVERITY = {Kind.FREEZE: 0, Kind.LOCK: 1, Kind.OBSERVATION: 2}


def active(db: Session, *, user_id: str, now: datetime) -> list[Restriction]:
    """Restrictions in force now: not lifted, not expired. One indexed read."""
    rows = db.execute(
        select(Restriction).where(
            Restriction.user_id == user_id,
            Restriction.lifted_at.is_(None),
            or_(Restriction.expires_at.is_(None), Restriction.expires_at > now),
        )
    ).scalars()
    return sorted(rows, key=lambda r: (_SEVERITY[Kind(r.kind)], r.placed_at))


def _blocks(restriction: Restriction, action: Action) -> bool:
    if restriction.kind == Kind.OBSERVATION:
        return False
    if restriction.scope == Scope.ACCOUNT:
        return True
    return restriction.scope == Scope.PAYMENTS and action == Action.PAY


def guard(restrictions: Sequence[Restriction], action: Action) -> None:
    """Refuse ``action`` if any restriction blocks it, the strictest first. Callers on the
    money path pass restrictions read under the wallet lock they hold."""
    for restriction in restrictions:
        if _blocks(restriction, action):
            raise _refusal(restriction)


def _refusal(restriction: Restriction) -> DomainError:
    extra: dict[str, Any] = {"restriction_id": restriction.id}
    if restriction.expires_at is not None:
        extra["until"] = restriction.expires_at.isoformat()
    if restriction.kind == Kind.FREEZE:
        return AccountFrozen(f"the wallet is frozen: {restriction.reason}", **extra)
    if restriction.source == PIN_LOCK_SOURCE:
        return PinLocked("too many wrong PINs; the PIN is locked", **extra)
    return AccountLocked(f"the account is locked: {restriction.reason}", **extra)


def state_of(restrictions: Sequence[Restriction]) -> str:
    """One word for the owner: the strictest restriction in force, or ``active``."""
    if not restrictions:
        return "active"
    strictest = restrictions[0]
    return {"freeze": "frozen", "lock": "locked", "observation": "observation"}[strictest.kind]


def in_observation(restrictions: Sequence[Restriction]) -> bool:
    return any(r.kind == Kind.OBSERVATION for r in restrictions)


def check(db: Session, *, user_id: str, action: Action, now: datetime) -> None:
    """Guard an action that does not move money (login, settings) without a lock."""
    guard(active(db, user_id=user_id, now=now), action)


def _new(
    *, user_id: str, kind: Kind, scope: Scope, source: str, reason: str, placed_by: str,
    now: datetime, expires_at: datetime | None = None, incident_id: str | None = None,
    restriction_id: str | None = None,
) -> Restriction:
    reason = text.free_text(reason, field="reason", max_length=text.TEXT_MAX)
    return Restriction(
        id=restriction_id or new_id("rst"), user_id=user_id, kind=kind.value,
        scope=scope.value, source=source, reason=reason, placed_by=placed_by, placed_at=now,
        expires_at=expires_at, incident_id=incident_id,
    )


def _place(db: Session, wallet: LockedWallet, restriction: Restriction) -> None:
    """Every restriction enters here: the wallet row (locked by the caller) is marked, so
    the money path knows to read the restrictions table (see ``active_on_locked``)."""
    db.add(restriction)
    wallet.may_be_restricted = True


def lost_report_standing(active: list[Restriction]) -> bool:
    """Whether a lost-phone report's freeze is among ``active`` (a risk signal)."""
    return any(r.source == LOST_PHONE_SOURCE for r in active)


def active_on_locked(db: Session, *, wallet: LockedWallet, now: datetime) -> list[Restriction]:
    """``active`` for a locked wallet (the money path, a freeze joining one that
    stands), skipping the read when no restriction was ever placed since the mark was
    last cleared. The mark is set under the same wallet lock
    by every placement and cleared here only when nothing is in force, so it can be
    stale-true (one wasted read) but never stale-false."""
    if not wallet.may_be_restricted:
        return []
    found = active(db, user_id=wallet.user_id, now=now)
    if not found:
        wallet.may_be_restricted = False
    return found


def place_freeze(
    db: Session, *, actor: Principal, wallet: LockedWallet, scope: Scope, reason: str,
    source: str, now: datetime, incident_id: str | None = None,
) -> Restriction:
    """Freeze a wallet whose row the caller has locked. Once the caller's transaction
    commits, no payment that locks the wallet afterwards can pass the guard. A freeze also
    turns password-free payments off."""
    user_id = wallet.user_id
    restriction = _new(user_id=user_id, kind=Kind.FREEZE, scope=scope, source=source,
                       reason=reason, placed_by=actor.ref, now=now, incident_id=incident_id)
    _place(db, wallet, restriction)
    _password_free_off(wallet, now)
    audit.append(db, actor=actor.ref, action="restriction.freeze_placed", subject=user_id,
                 reason=restriction.reason, at=now, chain=user_id,
                 data={"restriction_id": restriction.id, "scope": scope.value,
                       "source": source})
    notifications.notify_owner(db, topic="wallet.frozen", user_id=user_id, now=now,
                               payload={"restriction_id": restriction.id,
                                        "scope": scope.value, "reason": restriction.reason})
    return restriction


def _password_free_off(wallet: LockedWallet, now: datetime) -> None:
    wallet.password_free_enabled = False
    wallet.password_free_in_a_row = 0
    wallet.updated_at = now


def place_lock(
    db: Session, *, wallet: LockedWallet, scope: Scope, source: str, reason: str,
    expires_at: datetime | None, now: datetime, actor: Principal,
    restriction_id: str | None = None,
) -> Restriction:
    """A lock placed by the system (PIN failures, risk, repeated declines) on a wallet the
    caller has locked (locks are placed on the money path). ``restriction_id`` lets a
    refusal name the lock it is about to keep."""
    user_id = wallet.user_id
    restriction = _new(user_id=user_id, kind=Kind.LOCK, scope=scope, source=source,
                       reason=reason, placed_by=actor.ref, now=now, expires_at=expires_at,
                       restriction_id=restriction_id)
    _place(db, wallet, restriction)
    audit.append(db, actor=actor.ref, action="restriction.lock_placed", subject=user_id,
                 reason=reason, at=now, chain=user_id,
                 data={"restriction_id": restriction.id, "scope": scope.value, "source": source,
                       "expires_at": expires_at.isoformat() if expires_at else None})
    notifications.notify_owner(db, topic="wallet.locked", user_id=user_id, now=now,
                               payload={"restriction_id": restriction.id, "reason": reason})
    return restriction


def start_observation(
    db: Session, *, wallet: LockedWallet, reason: str, policy: Policy, now: datetime,
    actor: Principal, source: str = "system",
) -> Restriction:
    """Lower limits and no password-free payments for the observation period. A
    recovery's observation has ``source`` ``recovery``: the money path reads the 48 h
    new-payee block from it (``RECOVERY_SOURCE``)."""
    user_id = wallet.user_id
    until = now + timedelta(days=policy.restrictions.observation_days)
    restriction = _new(user_id=user_id, kind=Kind.OBSERVATION, scope=Scope.NONE,
                       source=source, reason=reason, placed_by=actor.ref, now=now,
                       expires_at=until)
    _place(db, wallet, restriction)
    _password_free_off(wallet, now)
    audit.append(db, actor=actor.ref, action="restriction.observation_started",
                 subject=user_id, reason=reason, at=now, chain=user_id,
                 data={"restriction_id": restriction.id, "until": until.isoformat()})
    return restriction


@dataclass(frozen=True)
class DocumentEvidence:
    """What a teller saw in person (seed 004)."""

    document_type: str
    document_number: str
    branch: str

    def validated(self, *, today: date) -> DocumentEvidence:
        """The evidence with its number in normal form (upper case, no spaces, full-width
        digits made ASCII), checked as its type demands, or ``invalid_input``. A refusal
        never repeats the number."""
        if self.document_type not in DOCUMENT_TYPES:
            raise InvalidInput(f"document_type must be one of {', '.join(DOCUMENT_TYPES)}",
                               field="evidence.document_type")
        number = unicodedata.normalize("NFKC", self.document_number).strip().upper()
        if self.document_type in RESIDENT_ID_DOCUMENTS:
            try:
                number = validation.normalize_resident_id(number, today=today)
            except InvalidInput:
                raise InvalidInput(
                    f"document_number is not a valid resident ID number (GB 11643), which "
                    f"a {self.document_type.replace('_', ' ')} carries",
                    field="evidence.document_number") from None
        elif not _PASSPORT_NUMBER.fullmatch(number):
            raise InvalidInput("document_number is not a passport number (ICAO 9303: 6-9 "
                               "letters and digits, no punctuation)",
                               field="evidence.document_number")
        branch = text.free_text(self.branch, field="evidence.branch", max_length=text.NAME_MAX)
        return DocumentEvidence(document_type=self.document_type, document_number=number,
                                branch=branch)


def _find(db: Session, restriction_id: str) -> Restriction | None:
    """A restriction by id alone, as staff name it (a look-up over every shard on Citus,
    off the hot paths)."""
    return db.execute(select(Restriction).where(Restriction.id == restriction_id)
                      ).scalar_one_or_none()


def _lockable(db: Session, restriction_id: str) -> tuple[Restriction, LockedWallet]:
    found = _find(db, restriction_id)
    if found is None:
        raise NotFound("no such restriction")
    wallet = ledger.lock_wallet(db, found.user_id)
    db.refresh(found)
    return found, wallet


def check_document(db: Session, *, keys: Keyring, user_id: str,
                   document: DocumentEvidence) -> None:
    """A document carrying a resident ID number must carry the account holder's own: the
    one number the wallet holds (sealed) and can compare. ``document`` is validated."""
    if document.document_type not in RESIDENT_ID_DOCUMENTS:
        return
    # The model, not identity's service: identity's use cases ask this module's guard.
    user = db.get_one(User, user_id)
    on_file = keys.vault.open("id_number", user.id_number_sealed)
    if document.document_number != on_file:
        raise InvalidInput(f"the {document.document_type.replace('_', ' ')} shown is not "
                           "the account holder's", field="evidence.document_number")


def lift(
    db: Session, *, actor: Principal, restriction_id: str, reason: str, policy: Policy,
    keys: Keyring, now: datetime, evidence: dict[str, Any] | None = None,
    document: DocumentEvidence | None = None,
) -> Restriction:
    """Lift a freeze or lock. Agents lift with a reason; tellers only after recording an
    in-person document check. The owner is told on every channel and may cancel the lift
    within the cooling-off window."""
    actor.require(Role.AGENT, Role.TELLER, Role.SYSTEM)
    if actor.role == Role.TELLER and document is None:
        raise InvalidInput("a teller records the in-person document check before a lift",
                           field="evidence")
    reason = text.free_text(reason, field="reason", max_length=text.TEXT_MAX)
    if document is not None:
        document = document.validated(today=now.date())
    restriction, wallet = _lockable(db, restriction_id)
    if restriction.kind == Kind.OBSERVATION:
        # Observation (and the new-payee block a recovery's observation carries) is a
        # wait no staff role shortens: it ends on its own.
        raise Conflict("an observation period ends on its own; no role lifts it early")
    if restriction.lifted_at is not None or (
        restriction.expires_at is not None and restriction.expires_at <= now
    ):
        raise Conflict("this restriction is no longer in force")
    check_id = None
    if document is not None:
        check_document(db, keys=keys, user_id=restriction.user_id, document=document)
        check = DocumentCheck(
            id=new_id("doc"), user_id=restriction.user_id, restriction_id=restriction.id,
            document_type=document.document_type,
            document_number_sealed=keys.vault.seal("document_number",
                                                   document.document_number),
            branch=document.branch, teller=actor.ref, checked_at=now,
        )
        db.add(check)
        check_id = check.id
    evidence = {**(evidence or {}), **({"document_check": check_id} if check_id else {})}
    return lift_locked(db, wallet=wallet, restriction=restriction, actor=actor, reason=reason,
                       evidence=evidence, policy=policy, now=now)


def lift_locked(
    db: Session, *, wallet: LockedWallet, restriction: Restriction, actor: Principal,
    reason: str, evidence: dict[str, Any], policy: Policy, now: datetime,
) -> Restriction:
    """The lift itself, for a use case that holds the owner's wallet lock (``lift``, a
    completed recovery case): recorded, cancellable within the cooling-off window, every
    unproven session ended, the owner told."""
    restriction.lifted_at = now
    restriction.lifted_by = actor.ref
    restriction.lift_reason = reason
    restriction.lift_evidence = evidence
    window = timedelta(hours=policy.restrictions.unfreeze_cooling_off_hours)
    restriction.cancellable_until = now + window
    # The lift proves the owner to staff, not whoever logged in meanwhile: every untrusted
    # session, and every session opened while the restriction stood, ends here.
    ended = auth.revoke_unproven_sessions(db, user_id=restriction.user_id,
                                          opened_since=restriction.placed_at,
                                          reason=f"{restriction.kind} lifted", now=now)
    audit.append(db, actor=actor.ref, action=f"restriction.{restriction.kind}_lifted",
                 subject=restriction.user_id, reason=reason, at=now, chain=restriction.user_id,
                 data={"restriction_id": restriction.id, "evidence": restriction.lift_evidence,
                       "sessions_ended": ended})
    notifications.notify_owner(
        db, topic="wallet.restriction_lifted", user_id=restriction.user_id, now=now,
        payload={"restriction_id": restriction.id, "kind": restriction.kind,
                 "cancellable_until": restriction.cancellable_until.isoformat(),
                 "how_to_cancel": f"DELETE /v1/restrictions/{restriction.id}/lift"},
    )
    if restriction.source == LOST_PHONE_SOURCE:
        start_observation(db, wallet=wallet, policy=policy, now=now, actor=actor,
                          reason="wallet returned after a lost-phone report")
    return restriction


def cancel_lift(
    db: Session, *, actor: Principal, restriction_id: str, now: datetime
) -> Restriction:
    """The owner says "that was not me": the lifted restriction is placed again."""
    actor.require(Role.OWNER)
    restriction, wallet = _lockable(db, restriction_id)
    if restriction.user_id != actor.user_id:
        raise NotFound("no such restriction")
    if restriction.lifted_at is None or restriction.cancellable_until is None:
        raise Conflict("this restriction has not been lifted")
    if restriction.reinstated_by is not None:
        raise Conflict("this lift was already cancelled")
    if now > restriction.cancellable_until:
        raise Conflict("the cooling-off window has passed; freeze the wallet instead")
    again = _new(user_id=restriction.user_id, kind=Kind(restriction.kind),
                 scope=Scope(restriction.scope), source=restriction.source,
                 # visible_only: a reason stored before free text was checked must not
                 # stop the owner from undoing a lift.
                 reason=("lift cancelled by the owner: "
                         + text.visible_only(restriction.reason))[:text.TEXT_MAX],
                 placed_by=actor.ref, now=now, expires_at=restriction.expires_at,
                 incident_id=restriction.incident_id)
    _place(db, wallet, again)
    db.flush()  # the new row first: ``reinstated_by`` is a foreign key to it
    restriction.reinstated_by = again.id
    if again.kind == Kind.FREEZE:
        _password_free_off(wallet, now)  # any freeze turns password-free payments off
    audit.append(db, actor=actor.ref, action="restriction.lift_cancelled",
                 subject=restriction.user_id, at=now, chain=restriction.user_id,
                 data={"restriction_id": restriction.id, "reinstated_as": again.id})
    notifications.notify_owner(db, topic="wallet.frozen", user_id=restriction.user_id, now=now,
                               payload={"restriction_id": again.id, "reason": again.reason})
    return again


def placed_by_label(restriction: Restriction) -> str:
    """Who placed ``restriction``, in the words its owner is shown. Owner views never
    carry the actor ref: a public report's ref once held the reporter's address, and a
    key id means nothing to an owner. Staff views keep the ref."""
    role, _, actor_id = restriction.placed_by.partition(":")
    if role == Role.OWNER:
        # Another owner places a freeze only as a trusted contact reporting a lost phone.
        return "you" if actor_id == restriction.user_id else "trusted contact"
    return _PLACED_BY_WORDS.get(role, "system")


_PLACED_BY_WORDS = {Role.PUBLIC.value: "public report", Role.AGENT.value: "agent",
                    Role.TELLER.value: "teller", Role.INSTITUTION.value: "institution",
                    Role.OPERATOR.value: "operator"}


def get_for_owner(db: Session, *, owner: Principal, restriction_id: str) -> Restriction:
    found = (db.get(Restriction, (owner.user_id, restriction_id)) if owner.role == Role.OWNER
             else _find(db, restriction_id))
    if found is None:
        raise NotFound("no such restriction")
    return found


def view(restriction: Restriction, *, for_owner: bool = False) -> dict[str, Any]:
    """A restriction as staff see it (``placed_by`` is the actor ref), or as its owner
    does (``for_owner``: ``placed_by`` in words, never an address or a key id)."""
    r = restriction
    return {
        "id": r.id, "user_id": r.user_id, "kind": r.kind, "scope": r.scope, "source": r.source,
        "reason": r.reason,
        "placed_by": placed_by_label(r) if for_owner else r.placed_by,
        "placed_at": r.placed_at.isoformat(),
        "expires_at": r.expires_at.isoformat() if r.expires_at else None,
        "lifted_at": r.lifted_at.isoformat() if r.lifted_at else None,
        "cancellable_until": r.cancellable_until.isoformat() if r.cancellable_until else None,
    }


def in_force_view(restriction: Restriction) -> dict[str, Any]:
    """What stands on the owner's wallet, as the wallet view shows it: no reason text and
    no actor ref, so a glance at the wallet says what is blocked, since when and until
    when, and who placed it in words."""
    r = restriction
    return {"id": r.id, "kind": r.kind, "scope": r.scope, "since": r.placed_at.isoformat(),
            "until": r.expires_at.isoformat() if r.expires_at else None,
            "placed_by": placed_by_label(r)}


def of_user(db: Session, *, actor: Principal, user_id: str, now: datetime) -> list[Restriction]:
    """The restrictions in force on a user, for staff deciding what to lift (the strictest
    first). The role is judged before the user is looked up."""
    actor.require(Role.AGENT, Role.TELLER)
    if db.get(User, user_id) is None:
        raise NotFound("no such user")
    return active(db, user_id=user_id, now=now)


def agent_freeze(
    db: Session, *, actor: Principal, user_id: str, scope: Scope, reason: str, now: datetime,
    idempotency_key: str | None = None,
) -> dict[str, Any]:
    """A hotline freeze: the whole account by default (seed 000). Answers the staff view
    of the restriction; a retry with the same ``idempotency_key`` gets the first answer.

    Refusals: ``forbidden``, ``not_found`` (no wallet), ``invalid_input``,
    ``idempotency_conflict``."""
    actor.require(Role.AGENT)
    wallet = ledger.lock_wallet(db, user_id)
    return idempotency.once(
        db, scope=actor.ref, key=idempotency_key, now=now, status=201,
        payload={"route": f"restrict:{user_id}",
                 "body": {"kind": Kind.FREEZE.value, "scope": scope.value, "reason": reason}},
        work=lambda: view(place_freeze(db, actor=actor, wallet=wallet, scope=scope,
                                       reason=reason, source="agent", now=now)))


def owner_freeze(
    db: Session, *, actor: Principal, reason: str, now: datetime,
    idempotency_key: str | None = None,
) -> dict[str, Any]:
    """Easy to stop: any session of the owner may freeze, trusted or not. Answers the
    owner's view of the freeze and ``joined``: a freeze the owner placed that still stands
    is joined, not stacked, so repeating the button leaves one freeze to lift (judged
    under the wallet lock, so two at once cannot both place one). A retry with the same
    ``idempotency_key`` gets the first answer.

    Refusals: ``forbidden``, ``invalid_input``, ``idempotency_conflict``."""
    actor.require(Role.OWNER, untrusted_ok=True)
    if actor.user_id is None:
        raise Forbidden("an owner session is needed")
    wallet = ledger.lock_wallet(db, actor.user_id)

    def freeze() -> dict[str, Any]:
        # Judged whether or not a freeze stands, so a repeat is no way around the check.
        text.free_text(reason, field="reason", max_length=text.TEXT_MAX)
        standing = next((r for r in active_on_locked(db, wallet=wallet, now=now)
                         if r.kind == Kind.FREEZE and r.source == OWNER_SOURCE), None)
        if standing is not None:
            return {**view(standing, for_owner=True), "joined": True}
        placed = place_freeze(db, actor=actor, wallet=wallet, scope=Scope.PAYMENTS,
                              reason=reason, source=OWNER_SOURCE, now=now)
        return {**view(placed, for_owner=True), "joined": False}

    return idempotency.once(db, scope=actor.ref, key=idempotency_key, now=now, status=201,
                            payload={"route": "freeze", "body": {"reason": reason}}, work=freeze)
