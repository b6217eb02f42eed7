"""What the operator does with money: merchants, top-ups from the clearing account,
refunds. Each locks the one owner wallet it changes, once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from walletguard import text
from walletguard.audit import service as audit
from walletguard.auth.principal import Principal, Role
from walletguard.db import new_id
from walletguard.errors import InvalidInput, NotFound
from walletguard.ledger import idempotency
from walletguard.ledger import service as ledger
from walletguard.ledger.models import LedgerTransfer
from walletguard.notifications import service as notifications
from walletguard.payments.models import Merchant
from walletguard.payments.service import check_amount, merchant_account, replay
from walletguard.policy import Policy


def create_merchant(
    db: Session, *, actor: Principal, policy: Policy, name: str, category: str, now: datetime,
    idempotency_key: str | None = None,
) -> Merchant:
    """A retry with the same ``idempotency_key`` gets the merchant the first call made
    (merchants never change, so the row is the first answer).

    Refusals: ``forbidden``, ``invalid_input``, ``idempotency_conflict``."""
    actor.require(Role.OPERATOR)

    def create() -> dict[str, Any]:
        cleaned = text.free_text(name, field="name", max_length=text.NAME_MAX)
        kind = text.free_text(category, field="category", max_length=text.LABEL_MAX)
        merchant_id = new_id("mer")
        account = ledger.open_account(db, kind="merchant", owner_id=merchant_id,
                                      currency=policy.currency, now=now)
        db.add(Merchant(id=merchant_id, name=cleaned, category=kind, account_id=account.id,
                        created_at=now))
        audit.append(db, actor=actor.ref, action="merchant.created", subject=merchant_id,
                     at=now, data={"name": cleaned, "category": kind})
        return {"id": merchant_id, "name": cleaned, "category": kind}

    answer = idempotency.once(db, scope=actor.ref, key=idempotency_key, now=now, status=201,
                              payload={"route": "merchants",
                                       "body": {"name": name, "category": category}},
                              work=create)
    return db.get_one(Merchant, answer["id"])


def top_up(
    db: Session, *, actor: Principal, user_id: str, amount: int, idempotency_key: str | None,
    now: datetime,
) -> dict[str, Any]:
    """Money in from the operator's clearing account.

    Refusals: ``forbidden``, ``invalid_input``, ``not_found`` (wallet),
    ``idempotency_conflict``."""
    actor.require(Role.OPERATOR)
    check_amount(amount)
    wallet = ledger.lock_wallet(db, user_id)
    claim = idempotency.claim(db, scope=actor.ref, key=idempotency_key,
                              payload={"op": "topup", "user_id": user_id, "amount": amount},
                              now=now)
    if claim.replay is not None:
        return replay(claim.replay)
    transfer = ledger.top_up(db, wallet=wallet, amount=amount, now=now)
    audit.append(db, actor=actor.ref, action="wallet.topped_up", subject=user_id, at=now,
                 chain=user_id, data={"transfer_id": transfer.id, "amount": amount})
    notifications.enqueue(db, topic="transaction.alert", user_id=user_id, now=now,
                          recipients=[("alert", user_id)],
                          payload={"transfer_id": transfer.id, "kind": "topup",
                                   "amount": amount})
    body = {"id": transfer.id, "balance": wallet.balance, "amount": amount,
            "currency": wallet.currency}
    claim.remember(db, 201, body)
    return body


def refund_payment(
    db: Session, *, actor: Principal, payment_id: str, amount: int | None, reason: str,
    idempotency_key: str | None, now: datetime,
) -> dict[str, Any]:
    """Reverse a payment in part or whole as new entries; the original is never edited
    beyond its running refunded total, which the payer's wallet lock serialises.

    Refusals: ``forbidden``, ``not_found`` (payment), ``invalid_input`` (more than is
    left), ``idempotency_conflict``."""
    actor.require(Role.OPERATOR)
    # The operator names the payment alone: found over every shard (off the hot paths),
    # then read again by its full key under the payer's wallet lock.
    payer = db.execute(
        select(LedgerTransfer.user_id)
        .where(LedgerTransfer.id == payment_id, LedgerTransfer.kind == "payment")
    ).scalars().first()
    if payer is None:
        raise NotFound("no such payment")
    wallet = ledger.lock_wallet(db, payer)
    payment = db.get(LedgerTransfer, (payer, payment_id), populate_existing=True)
    assert payment is not None
    refund_amount = payment.amount - payment.refunded if amount is None else amount
    claim = idempotency.claim(db, scope=actor.ref, key=idempotency_key,
                              payload={"op": "refund", "payment_id": payment_id,
                                       "amount": amount, "reason": reason}, now=now)
    if claim.replay is not None:
        return replay(claim.replay)
    if refund_amount <= 0 or payment.refunded + refund_amount > payment.amount:
        raise InvalidInput("a refund cannot exceed what is left of the payment",
                           field="amount", refundable=payment.amount - payment.refunded)
    from_account = merchant_account(db, str(payment.counterparty_id))
    refund = ledger.post(db, kind="refund", user_id=payment.user_id,
                         counterparty_id=payment.counterparty_id, currency=payment.currency,
                         now=now, refund_of=payment.id,
                         legs=[ledger.Leg(from_account, -refund_amount),
                               ledger.Leg(wallet.account_id, refund_amount)])
    payment.refunded += refund_amount
    ledger.credit_wallet(wallet, refund_amount, now)
    audit.append(db, actor=actor.ref, action="payment.refunded", subject=payment.user_id,
                 at=now, chain=payment.user_id, reason=reason,
                 data={"payment_id": payment.id, "refund_id": refund.id,
                       "amount": refund_amount})
    body = {"id": refund.id, "payment_id": payment.id, "amount": refund_amount,
            "refunded_total": payment.refunded, "balance": wallet.balance}
    claim.remember(db, 201, body)
    return body


def merchant_balance(db: Session, *, merchant_id: str) -> int:
    """Refusals: ``not_found``."""
    account = db.execute(select(Merchant.account_id).where(Merchant.id == merchant_id)
                         ).scalar_one_or_none()
    if account is None:
        raise NotFound("no such merchant")
    return ledger.account_balance(db, account)
