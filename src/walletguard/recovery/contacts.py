"""Trusted-contact approvals (seed 002 §4; docs/recovery-channels.md).

The owner named 3–5 other owners in advance (``identity.set_trusted_contacts``). A case
asks each *matured* contact — named at least ``trusted_contacts.mature_days`` ago — for
an approval: each gets a one-time link (and its QR code) on their own phone and e-mail.
The link is ``<case id>.<nonce>``; only its keyed digest is stored, with its expiry and
the one contact it was sent to. Reading the link (``GET``) never spends it — mail
scanners and link previews fetch every link they see; deciding (``POST``) spends it, by
one conditional UPDATE, so of any number of parallel or replayed posts exactly one
counts.

The link is not enough on its own: the contact decides from a trusted session of their
own account, and only the contact it was sent to. A link is a bearer secret that travels
by SMS and e-mail, so it is forwarded, shoulder-surfed and phished; were it the whole
credential, anyone holding it could approve a stranger's recovery. Requiring the
contact's own signed-in, trusted device turns a forwarded or stolen link into a refusal
that spends nothing (the named contact can still use it).

When approvals from ``k`` distinct matured contacts are in (``approvals_required``, or
ceil(n/2) of the n named), the case gets its ``trusted_contacts`` evidence. A contact
who refuses is heard: the refusal counts as a failed verification of the case (towards
manual review) and the owner is told on every channel. The owner may void the collected
approvals (and the evidence they made) from any session while the case is open. A case
carried by approvals waits at least the maturing period before it completes
(``minimum_wait``): the owner's other channels get that long to notice approvals that a
thief talked the contacts into.
"""

from __future__ import annotations

import io
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import segno
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from walletguard.audit import service as audit
from walletguard.auth.principal import Principal, Role
from walletguard.crypto import Keyring, keyed_digest
from walletguard.db import judged, new_id, rowcount
from walletguard.errors import Conflict, Forbidden, NotFound
from walletguard.identity import validation
from walletguard.identity.models import TrustedContact, User
from walletguard.ledger import service as ledger
from walletguard.notifications import service as notifications
from walletguard.policy import Policy
from walletguard.recovery.models import RecoveryApproval, RecoveryCase, RecoveryEvidence

CHANNEL = "trusted_contacts"
Decision = Literal["approve", "refuse"]
# Case states in which approvals may be asked for, given and voided (service.py's names).
_LIVE = ("open", "delayed")


@dataclass(frozen=True)
class ApprovalView:
    """What the holder of a link sees (nothing that identifies the owner beyond what
    the contact already knows of their friend: a masked name)."""

    owner_name_masked: str
    purpose: str
    status: str  # pending, approved, refused, voided, expired, closed
    expires_at: datetime
    approvals: int
    approvals_required: int
    link: str
    qr_svg: str


def _digest(keys: Keyring, case_id: str, nonce: str) -> str:
    return keyed_digest(keys.token_key, f"recovery-approval:{case_id}:{nonce}")


def link_for(base: str, token: str) -> str:
    """The link a contact is sent: the web page that shows and decides it (a person opens
    it in a browser; the JSON API route ``/v1/recovery-approvals/{token}`` takes the same
    token for the app)."""
    return f"{base.rstrip('/')}/security/approvals/{token}"


def qr_svg(link: str) -> str:
    """The link as a QR code (an SVG data URI), for a contact who reads the request on a
    computer and decides on their phone."""
    return str(segno.make(link, error="m").svg_data_uri(scale=4))


def qr_svg_document(link: str) -> str:
    """The same QR code as an SVG document, for a page whose CSP refuses ``data:``
    images (it serves the code from a route of its own)."""
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="svg", scale=4, xmldecl=False)
    return out.getvalue().decode()


def matured(db: Session, *, policy: Policy, user_id: str, now: datetime) -> list[str]:
    """Contacts named at least ``mature_days`` ago: only they are asked and counted."""
    since = now - timedelta(days=policy.trusted_contacts.mature_days)
    return list(db.execute(select(TrustedContact.contact_user_id).where(
        TrustedContact.user_id == user_id, TrustedContact.added_at <= since)
        .order_by(TrustedContact.contact_user_id)).scalars())


def required_approvals(db: Session, *, policy: Policy, user_id: str) -> int:
    """k of n: the policy's number, or ceil(n/2) of the n contacts named (at least 1)."""
    rules = policy.trusted_contacts
    if rules.approvals_required:
        return rules.approvals_required
    named = db.execute(select(func.count()).select_from(TrustedContact).where(
        TrustedContact.user_id == user_id)).scalar_one()
    return max(1, math.ceil(named / 2))


def request(db: Session, *, keys: Keyring, policy: Policy, case: RecoveryCase,
            link_base: str, now: datetime) -> datetime:
    """Ask every matured contact not yet asked (or whose link expired) for an approval;
    a contact with a live link is not asked again. The caller holds the wallet lock.
    Returns the new links' expiry."""
    expires_at = min(now + timedelta(hours=policy.trusted_contacts.approval_link_hours),
                     case.expires_at)
    asked = {a.contact_user_id: a for a in db.execute(select(RecoveryApproval).where(
        RecoveryApproval.user_id == case.user_id,
        RecoveryApproval.case_id == case.id)).scalars()}
    sent = 0
    for contact_id in matured(db, policy=policy, user_id=case.user_id, now=now):
        earlier = asked.get(contact_id)
        if earlier is not None and (earlier.decided_at is not None
                                    or earlier.voided_at is not None
                                    or earlier.expires_at > now):
            continue
        nonce = secrets.token_urlsafe(24)
        token = f"{case.id}.{nonce}"
        if earlier is None:
            db.add(RecoveryApproval(
                user_id=case.user_id, id=new_id("rap"), case_id=case.id,
                contact_user_id=contact_id, token_digest=_digest(keys, case.id, nonce),
                requested_at=now, expires_at=expires_at))
        else:  # an expired link is replaced: the old one stays dead
            earlier.token_digest = _digest(keys, case.id, nonce)
            earlier.requested_at, earlier.expires_at = now, expires_at
        # The link is a secret: the outbox keeps it sealed, the worker opens it to send.
        # Only the contact's own phone and e-mail get it (not the in-app inbox, which
        # keeps what it shows in the clear).
        notifications.enqueue(
            db, topic="recovery.approval_requested", user_id=case.user_id, now=now,
            recipients=[(c, r) for c, r in notifications.owner_channels(
                db, user_id=contact_id) if c in ("sms", "email")],
            payload={"case_id": case.id, "purpose": case.purpose,
                     "expires_at": expires_at.isoformat(),
                     **notifications.sealed(keys.vault, approval_link=link_for(link_base,
                                                                               token))})
        sent += 1
    db.flush()
    audit.append(db, actor="public:recovery", action="recovery.approvals_requested",
                 subject=case.user_id, at=now, chain=case.user_id,
                 data={"case_id": case.id, "sent": sent})
    return expires_at


def _find(db: Session, *, keys: Keyring, token: str) -> RecoveryApproval:
    case_id, _, nonce = token.partition(".")
    approval = db.execute(select(RecoveryApproval).where(
        RecoveryApproval.token_digest == _digest(keys, case_id, nonce),
        RecoveryApproval.case_id == case_id)).scalar_one_or_none() if nonce else None
    if approval is None:
        raise NotFound("no such approval link")
    return approval


def _status(approval: RecoveryApproval, case: RecoveryCase, now: datetime) -> str:
    if approval.voided_at is not None:
        return "voided"
    if approval.decision is not None:
        return "approved" if approval.decision == "approve" else "refused"
    if case.status not in _LIVE or case.expires_at <= now:
        return "closed"
    if approval.expires_at <= now:
        return "expired"
    return "pending"


def _approvals(db: Session, *, policy: Policy, case: RecoveryCase, now: datetime) -> list[str]:
    """Distinct matured contacts whose approval stands."""
    still = set(matured(db, policy=policy, user_id=case.user_id, now=now))
    return sorted(c for c in db.execute(select(RecoveryApproval.contact_user_id).where(
        RecoveryApproval.user_id == case.user_id, RecoveryApproval.case_id == case.id,
        RecoveryApproval.decision == "approve", RecoveryApproval.voided_at.is_(None)))
        .scalars() if c in still)


def show(db: Session, *, keys: Keyring, policy: Policy, token: str, link_base: str,
         now: datetime) -> ApprovalView:
    """What the link shows. Reads only: a prefetch by a mail scanner spends nothing."""
    approval = _find(db, keys=keys, token=token)
    case = db.get_one(RecoveryCase, (approval.user_id, approval.case_id))
    owner = db.get_one(User, approval.user_id)
    link = link_for(link_base, token)
    return ApprovalView(
        owner_name_masked=validation.mask_name(keys.vault.open("real_name",
                                                               owner.real_name_sealed)),
        purpose=case.purpose, status=_status(approval, case, now),
        expires_at=approval.expires_at,
        approvals=len(_approvals(db, policy=policy, case=case, now=now)),
        approvals_required=required_approvals(db, policy=policy, user_id=case.user_id),
        link=link, qr_svg=qr_svg(link))


def decide(db: Session, *, keys: Keyring, policy: Policy, contact: Principal, token: str,
           decision: Decision, link_base: str, now: datetime) -> ApprovalView:
    """The contact approves or refuses, once. Refusals: ``not_found`` (no such link),
    ``forbidden`` (not the contact it was sent to, or no longer a matured contact: the
    link stays usable by its contact), ``conflict`` (spent, voided, expired, or the case
    is no longer open)."""
    contact.require(Role.OWNER)
    approval = _find(db, keys=keys, token=token)
    wallet = ledger.lock_wallet(db, approval.user_id)  # the owner's: the one lock
    db.refresh(approval)
    case = db.get_one(RecoveryCase, (approval.user_id, approval.case_id))
    db.refresh(case)
    if contact.user_id != approval.contact_user_id:
        raise Forbidden("this approval link was sent to another trusted contact")
    if approval.contact_user_id not in matured(db, policy=policy, user_id=case.user_id,
                                               now=now):
        raise Forbidden("you are not (or not yet) a trusted contact who may approve")
    status = _status(approval, case, now)
    if status != "pending":
        raise Conflict(f"this approval link is {status}", approval_status=status)
    with judged(db):
        spent = rowcount(db.execute(
            update(RecoveryApproval)
            .where(RecoveryApproval.user_id == approval.user_id,
                   RecoveryApproval.id == approval.id,
                   RecoveryApproval.decided_at.is_(None),
                   RecoveryApproval.voided_at.is_(None),
                   RecoveryApproval.expires_at > now)
            .values(decision=decision, decided_at=now, decided_by=contact.ref)))
        if spent != 1:
            raise Conflict("this approval link was used already", approval_status="used")
        audit.append(db, actor=contact.ref, action=f"recovery.approval_{decision}d",
                     subject=case.user_id, at=now, chain=wallet.user_id,
                     data={"case_id": case.id, "approval_id": approval.id})
        if decision == "refuse":
            _heard_refusal(db, policy=policy, case=case, now=now)
        else:
            _collect(db, policy=policy, case=case, now=now)
    db.refresh(approval)
    return show(db, keys=keys, policy=policy, token=token, link_base=link_base, now=now)


def _collect(db: Session, *, policy: Policy, case: RecoveryCase, now: datetime) -> None:
    approvals = _approvals(db, policy=policy, case=case, now=now)
    if len(approvals) < required_approvals(db, policy=policy, user_id=case.user_id):
        return
    have = db.execute(select(RecoveryEvidence.id).where(
        RecoveryEvidence.user_id == case.user_id, RecoveryEvidence.case_id == case.id,
        RecoveryEvidence.channel == CHANNEL)).first()
    if have is not None:
        return
    db.add(RecoveryEvidence(user_id=case.user_id, id=new_id("rev"), case_id=case.id,
                            channel=CHANNEL, strength=policy.recovery.strength[CHANNEL],
                            at=now, detail={"approved_by": approvals, "risk": case.risk}))
    audit.append(db, actor="public:recovery", action="recovery.verified",
                 subject=case.user_id, at=now, chain=case.user_id,
                 data={"case_id": case.id, "channel": CHANNEL,
                       "strength": policy.recovery.strength[CHANNEL]})
    notifications.notify_owner(db, topic="recovery.approvals_collected", user_id=case.user_id,
                               now=now, payload={"case_id": case.id,
                                                 "how_to_void": f"POST /v1/recovery-cases/"
                                                                f"{case.id}/approvals/void"})


def _heard_refusal(db: Session, *, policy: Policy, case: RecoveryCase, now: datetime) -> None:
    """A contact said no: one failed verification of the case (conditional, like every
    count), and past the limit the case waits for manual review."""
    counted = rowcount(db.execute(
        update(RecoveryCase)
        .where(RecoveryCase.user_id == case.user_id, RecoveryCase.id == case.id,
               RecoveryCase.status == "open",
               RecoveryCase.failures < policy.recovery.max_failed_verifications)
        .values(failures=RecoveryCase.failures + 1)))
    if not counted:
        db.execute(update(RecoveryCase)
                   .where(RecoveryCase.user_id == case.user_id, RecoveryCase.id == case.id,
                          RecoveryCase.status == "open")
                   .values(status="review"))
    notifications.notify_owner(db, topic="recovery.approval_refused", user_id=case.user_id,
                               now=now, payload={"case_id": case.id})


def void(db: Session, *, owner: Principal, case_id: str, now: datetime) -> int:
    """The owner voids every approval collected for a case (and the evidence they
    made). Any session of the owner may: like a cancel, it can only slow a recovery."""
    owner.require(Role.OWNER, untrusted_ok=True)
    wallet = ledger.lock_wallet(db, str(owner.user_id))
    case = db.get(RecoveryCase, (wallet.user_id, case_id))
    if case is None:
        raise NotFound("no such recovery case")
    if case.status not in (*_LIVE, "review") or case.expires_at <= now:
        raise Conflict(f"this recovery case is {case.status}", case_status=case.status)
    voided = rowcount(db.execute(
        update(RecoveryApproval)
        .where(RecoveryApproval.user_id == case.user_id, RecoveryApproval.case_id == case.id,
               RecoveryApproval.voided_at.is_(None))
        .values(voided_at=now)))
    db.execute(delete(RecoveryEvidence).where(
        RecoveryEvidence.user_id == case.user_id, RecoveryEvidence.case_id == case.id,
        RecoveryEvidence.channel == CHANNEL))
    audit.append(db, actor=owner.ref, action="recovery.approvals_voided",
                 subject=case.user_id, at=now, chain=wallet.user_id,
                 data={"case_id": case.id, "voided": voided})
    return voided


def minimum_wait(db: Session, *, policy: Policy, case: RecoveryCase) -> timedelta | None:
    """How long a case carried by approvals waits before it completes, or None."""
    carried = db.execute(select(RecoveryEvidence.id).where(
        RecoveryEvidence.user_id == case.user_id, RecoveryEvidence.case_id == case.id,
        RecoveryEvidence.channel == CHANNEL)).first()
    return timedelta(days=policy.trusted_contacts.mature_days) if carried else None
