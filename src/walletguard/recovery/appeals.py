"""The appeal ticket channel (seed 002 §5) and its agent queue, with maker-checker.

An owner who cannot pass any self-service channel — or whose case went to manual
``review`` after too many failures — files the account-history form on the case: the
month the account was opened, devices used, counterparties paid, recent amounts and
top-ups. It is scored against the facts the wallet holds (devices, the ledger, the
registration time); the score and a per-part breakdown are stored, **never the answers**,
and the agent queue shows only those: an agent learns how well a form matched, not the
owner's history (bribed agents leaking transaction histories is the threat).

Two agents decide an approval (maker-checker, four eyes):

1. an agent ``recommend``\\ s it (after the call-back to the phone on file the seed
   describes; a form scoring under ``appeal_min_score`` cannot be recommended);
2. a **different** agent ``approve``\\ s it. The recommending agent's own approval is
   refused, audited; no role — operator, system, teller — decides appeals at all.

Either agent may ``reject``. An approved appeal adds evidence ``appeal`` with the policy's
strength and moves a case in ``review`` back to ``open``; it never completes the case and
never touches its security delay: the owner still calls ``complete`` (which waits the
delay for an untrusted device, with every channel told). Tickets are due
``appeal_sla_hours`` after submission; filing one keeps the case alive past that.

A phantom case (a phone without a wallet) answers an appeal exactly as a real one, and
stores nothing: no account oracle here either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, get_args
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.orm import Session

from walletguard import text
from walletguard.audit import service as audit
from walletguard.auth import throttle
from walletguard.auth.principal import Principal, Role
from walletguard.crypto import Keyring
from walletguard.db import judged, new_id
from walletguard.devices.models import Device
from walletguard.errors import Conflict, Forbidden, InvalidInput, NotFound
from walletguard.identity.models import User
from walletguard.ledger import service as ledger
from walletguard.ledger.models import LedgerTransfer
from walletguard.notifications import service as notifications
from walletguard.payments.models import Merchant
from walletguard.policy import Policy
from walletguard.recovery import service as recovery
from walletguard.recovery.models import RecoveryAppeal, RecoveryCase, RecoveryEvidence

Decision = Literal["recommend", "approve", "reject"]
DECISIONS: tuple[Decision, ...] = get_args(Decision)
_PENDING, _RECOMMENDED, _APPROVED, _REJECTED = "pending", "recommended", "approved", "rejected"
# What the owner is told of a decided appeal (a recommendation alone tells nothing).
_DECIDED_TOPICS = {_APPROVED: "recovery.appeal_approved", _REJECTED: "recovery.appeal_rejected"}
# A list part is fully right with this many right answers (or every fact, if fewer).
_ANSWERS_NEEDED = 3


@dataclass(frozen=True)
class AppealForm:
    """The account-history form (seed 002 §5). Every part is optional; an empty part
    scores nothing."""

    registered_month: str | None = None  # "YYYY-MM", in the operator's time zone
    device_names: list[str] = field(default_factory=list)
    counterparties: list[str] = field(default_factory=list)  # merchants paid
    amounts: list[int] = field(default_factory=list)  # recent payments, minor units
    top_ups: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class AppealView:
    id: str
    case_id: str
    status: str
    due_at: datetime
    submitted_at: datetime


@dataclass(frozen=True)
class QueueItem:
    id: str
    case_id: str
    purpose: str
    case_status: str
    status: str
    score: int
    breakdown: dict[str, Any]
    submitted_at: datetime
    due_at: datetime
    overdue: bool
    recommended_by: str | None
    decided_by: str | None


def _view(appeal: RecoveryAppeal) -> AppealView:
    return AppealView(id=appeal.id, case_id=appeal.case_id, status=appeal.status,
                      due_at=appeal.due_at, submitted_at=appeal.submitted_at)


# ---- filing ------------------------------------------------------------------------------


def submit(db: Session, *, keys: Keyring, policy: Policy, case_id: str, form: AppealForm,
           now: datetime) -> AppealView:
    """File an appeal on a case that is ``open`` or in ``review``; one per case.
    Refusals: ``not_found`` (an id never issued), ``conflict`` (case not open or in
    review, or already appealed)."""
    rules = policy.recovery
    due_at = now + timedelta(hours=rules.appeal_sla_hours)
    case = recovery.find_case(db, keys, case_id)
    if case is None:
        return _phantom(db, policy, case_id, due_at, now)
    wallet = ledger.lock_wallet(db, case.user_id)
    db.refresh(case)
    status = recovery.case_status(case, now)
    if status not in ("open", "review"):
        raise Conflict(f"this recovery case is {status}", case_status=status)
    if db.execute(select(RecoveryAppeal.id).where(
            RecoveryAppeal.user_id == case.user_id,
            RecoveryAppeal.case_id == case.id)).first() is not None:
        raise Conflict("an appeal is already filed for this recovery case")
    score, breakdown = score_form(db, policy=policy, user_id=case.user_id, form=form, now=now)
    appeal = RecoveryAppeal(user_id=case.user_id, id=new_id("apl"), case_id=case.id,
                            status=_PENDING, score=score, breakdown=breakdown,
                            submitted_at=now, due_at=due_at)
    db.add(appeal)
    # The case must outlive the ticket: the owner completes it after the decision.
    case.expires_at = max(case.expires_at, due_at + timedelta(hours=rules.case_hours))
    audit.append(db, actor="public:recovery", action="recovery.appeal_submitted",
                 subject=case.user_id, at=now, chain=wallet.user_id,
                 data={"case_id": case.id, "appeal_id": appeal.id, "score": score})
    notifications.notify_owner(db, topic="recovery.appeal_submitted", user_id=case.user_id,
                               now=now, payload={"case_id": case.id, "appeal_id": appeal.id,
                                                 "how_to_cancel":
                                                     f"POST /v1/recovery-cases/{case.id}/cancel"})
    return _view(appeal)


def _phantom(db: Session, policy: Policy, case_id: str, due_at: datetime,
             now: datetime) -> AppealView:
    """A phantom case takes one appeal, as a real case does, and stores nothing but the
    count that makes a second one answer ``conflict`` too."""
    key = f"recovery:phantom-appeal:{case_id}"
    window = timedelta(hours=policy.recovery.case_hours + policy.recovery.appeal_sla_hours)
    if throttle.hit(db, key=key, window=window, now=now) > 1:
        recovery.refuse(db, Conflict("an appeal is already filed for this recovery case"))
    return AppealView(id=new_id("apl"), case_id=case_id, status=_PENDING, due_at=due_at,
                      submitted_at=now)


# ---- scoring -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Facts:
    registered_month: str
    device_names: list[str]
    counterparties: list[str]
    amounts: list[int]
    top_ups: list[int]


def _facts(db: Session, *, policy: Policy, user_id: str, now: datetime) -> _Facts:
    user = db.get_one(User, user_id)
    month = user.created_at.astimezone(ZoneInfo(policy.timezone)).strftime("%Y-%m")
    names = list(db.execute(select(Device.name).where(Device.user_id == user_id)).scalars())
    since = now - timedelta(days=policy.recovery.appeal_history_days)
    rows = db.execute(select(LedgerTransfer.kind, LedgerTransfer.amount,
                             LedgerTransfer.counterparty_id).where(
        LedgerTransfer.user_id == user_id, LedgerTransfer.created_at >= since,
        LedgerTransfer.kind.in_(("payment", "transfer", "topup")))).all()
    merchant_ids = {c for k, _, c in rows if k == "payment" and c}
    merchants = list(db.execute(select(Merchant.name).where(
        Merchant.id.in_(merchant_ids))).scalars()) if merchant_ids else []
    return _Facts(registered_month=month, device_names=names, counterparties=merchants,
                  amounts=[a for k, a, _ in rows if k in ("payment", "transfer")],
                  top_ups=[a for k, a, _ in rows if k == "topup"])


def _list_part(given: list[Any], facts: list[Any], same: Any) -> float | None:
    """Right answers (each fact used once) less wrong ones, over the answers needed;
    None when the wallet holds no such fact (the part is not scored)."""
    if not facts:
        return None
    left = list(facts)
    right = 0
    for answer in given:
        match = next((f for f in left if same(answer, f)), None)
        if match is not None:
            left.remove(match)
            right += 1
    wrong = len(given) - right
    needed = min(_ANSWERS_NEEDED, len(facts))
    return max(0, min(right, needed) - wrong) / needed


def score_form(db: Session, *, policy: Policy, user_id: str, form: AppealForm,
               now: datetime) -> tuple[int, dict[str, Any]]:
    """The form's score (0–100) against the wallet's facts, and per part how it did.
    Names match fuzzily (``appeal_merchant_match``), amounts exactly (seed 002 §3)."""
    facts = _facts(db, policy=policy, user_id=user_id, now=now)
    threshold = policy.recovery.appeal_merchant_match

    def names_match(a: str, b: str) -> bool:
        return bool(fuzz.WRatio(a.strip().casefold(), b.strip().casefold()) >= threshold)

    parts: dict[str, float | None] = {
        "registered_month": float(form.registered_month == facts.registered_month),
        "device_names": _list_part(form.device_names, facts.device_names, names_match),
        "counterparties": _list_part(form.counterparties, facts.counterparties, names_match),
        "amounts": _list_part(form.amounts, facts.amounts, lambda a, b: a == b),
        "top_ups": _list_part(form.top_ups, facts.top_ups, lambda a, b: a == b),
    }
    scored = {k: v for k, v in parts.items() if v is not None}
    total = round(100 * sum(scored.values()) / len(scored))
    breakdown = {k: {"score": round(100 * v), "answers": _answers(form, k)}
                 for k, v in scored.items()}
    return total, breakdown


def _answers(form: AppealForm, part: str) -> int:
    value = getattr(form, part)
    return len(value) if isinstance(value, list) else int(value is not None)


# ---- the agent queue ---------------------------------------------------------------------


def queue(db: Session, *, actor: Principal, now: datetime,
          include_decided: bool = False) -> list[QueueItem]:
    """Appeals waiting for a decision, the soonest due first (agents only)."""
    actor.require(Role.AGENT)
    waiting = [_PENDING, _RECOMMENDED] + ([_APPROVED, _REJECTED] if include_decided else [])
    rows = db.execute(
        select(RecoveryAppeal, RecoveryCase)
        .join(RecoveryCase, (RecoveryCase.user_id == RecoveryAppeal.user_id)
              & (RecoveryCase.id == RecoveryAppeal.case_id))
        .where(RecoveryAppeal.status.in_(waiting))
        .order_by(RecoveryAppeal.due_at, RecoveryAppeal.id)).all()
    return [QueueItem(id=a.id, case_id=a.case_id, purpose=c.purpose,
                      case_status=recovery.case_status(c, now), status=a.status,
                      score=a.score, breakdown=a.breakdown, submitted_at=a.submitted_at,
                      due_at=a.due_at, overdue=a.status in (_PENDING, _RECOMMENDED)
                      and a.due_at <= now, recommended_by=a.recommended_by,
                      decided_by=a.decided_by)
            for a, c in rows]


# ---- deciding ----------------------------------------------------------------------------


def decide(db: Session, *, policy: Policy, actor: Principal, appeal_id: str,
           decision: str, note: str, now: datetime) -> AppealView:
    """One agent's step (see the module doc). Refusals: ``forbidden`` (not an agent, or
    the recommending agent approving: audited), ``conflict`` (wrong state, score too low,
    case no longer open), ``not_found``, ``invalid_input``."""
    actor.require(Role.AGENT)
    if decision not in DECISIONS:
        raise InvalidInput(f"decision must be one of {', '.join(DECISIONS)}",
                           field="decision")
    note = text.free_text(note, field="note", max_length=text.TEXT_MAX)
    if not note.strip():
        raise InvalidInput("a decision carries a note", field="note")
    found = db.execute(select(RecoveryAppeal).where(RecoveryAppeal.id == appeal_id)
                       ).scalars().first()
    if found is None:
        raise NotFound("no such appeal")
    wallet = ledger.lock_wallet(db, found.user_id)
    db.refresh(found)
    appeal = found
    case = db.get_one(RecoveryCase, (appeal.user_id, appeal.case_id))
    with judged(db):
        if decision == "reject":
            if appeal.status not in (_PENDING, _RECOMMENDED):
                raise Conflict(f"this appeal is {appeal.status}", appeal_status=appeal.status)
            appeal.status, appeal.decided_by, appeal.decided_at = _REJECTED, actor.ref, now
            appeal.decision_note = note
        elif decision == "recommend":
            if appeal.status != _PENDING:
                raise Conflict(f"this appeal is {appeal.status}", appeal_status=appeal.status)
            if appeal.score < policy.recovery.appeal_min_score:
                raise Conflict("the account-history form scored too low to recommend",
                               score=appeal.score,
                               min_score=policy.recovery.appeal_min_score)
            appeal.status, appeal.recommended_by, appeal.recommended_at = (
                _RECOMMENDED, actor.ref, now)
            appeal.recommend_note = note
        else:
            _approve(db, policy=policy, actor=actor, appeal=appeal, case=case, note=note,
                     now=now)
        audit.append(db, actor=actor.ref, action=f"recovery.appeal_{decision}",
                     subject=appeal.user_id, at=now, chain=wallet.user_id,
                     reason=note, data={"appeal_id": appeal.id, "case_id": appeal.case_id})
    if decision != "recommend":
        notifications.notify_owner(db, topic=_DECIDED_TOPICS[appeal.status],
                                   user_id=appeal.user_id, now=now,
                                   payload={"case_id": appeal.case_id,
                                            "appeal_id": appeal.id})
    return _view(appeal)


def _approve(db: Session, *, policy: Policy, actor: Principal, appeal: RecoveryAppeal,
             case: RecoveryCase, note: str, now: datetime) -> None:
    if appeal.status != _RECOMMENDED:
        raise Conflict("an approval needs another agent's recommendation first",
                       appeal_status=appeal.status)
    if appeal.recommended_by == actor.ref:
        def record(db: Session) -> None:
            audit.append(db, actor=actor.ref, action="recovery.appeal_self_approval_refused",
                         subject=appeal.user_id, at=now, chain=appeal.user_id,
                         data={"appeal_id": appeal.id, "case_id": appeal.case_id})

        raise Forbidden("maker-checker: the agent who recommended an appeal cannot approve "
                        "it; another agent must").keeping(record)
    status = recovery.case_status(case, now)
    if status not in ("open", "review"):
        raise Conflict(f"this recovery case is {status}", case_status=status)
    db.add(RecoveryEvidence(
        user_id=case.user_id, id=new_id("rev"), case_id=case.id, channel="appeal",
        strength=policy.recovery.strength["appeal"], at=now,
        detail={"appeal_id": appeal.id, "recommended_by": appeal.recommended_by,
                "approved_by": actor.ref, "score": appeal.score}))
    if case.status == "review":
        case.status = "open"  # the appeal was the manual review
    appeal.status, appeal.decided_by, appeal.decided_at = _APPROVED, actor.ref, now
    appeal.decision_note = note
