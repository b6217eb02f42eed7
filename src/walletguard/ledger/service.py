"""The ledger: double-entry accounts, balanced transfers, wallet balances, conservation.

Owner wallets are the only accounts locked on the money path; merchant and clearing
accounts are credited by appending entries (hot accounts never take a row lock) and
their balance is the sum of their entries.

Distribution (ADR 0008): a transfer and its entries live on its owner's shard; a shared
account's leg (merchant, clearing) is written there too, so a payment, a top-up or a
refund touches one owner's rows only. A transfer between two owners is written on both
sides (one header copy each, each holding its side's entry).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NewType

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from walletguard.db import Inserts, new_id, table_of
from walletguard.errors import InsufficientFunds, InvalidInput, NotFound
from walletguard.ledger.models import LedgerAccount, LedgerEntry, LedgerTransfer, Wallet
from walletguard.policy import Policy

CLEARING_ACCOUNT = "acc_platform_clearing"

#: A wallet whose row this transaction has locked: only ``lock_wallet`` makes one. Code
#: that must run under the wallet lock (judging a PIN, placing a restriction, moving money)
#: takes it as an argument, so the type checker proves the lock was taken — once.
LockedWallet = NewType("LockedWallet", Wallet)


def open_wallet(db: Session, *, user_id: str, policy: Policy, now: datetime) -> Wallet:
    account = LedgerAccount(user_id=user_id, id=new_id("acc"), kind="wallet", owner_id=user_id,
                            currency=policy.currency, created_at=now)
    db.add(account)
    db.flush()
    wallet = Wallet(user_id=user_id, account_id=account.id, currency=policy.currency,
                    balance=0, held=0, daily_limit=policy.limits.default_daily_limit,
                    updated_at=now)
    db.add(wallet)
    return wallet


def open_account(db: Session, *, kind: str, owner_id: str, currency: str,
                 now: datetime) -> LedgerAccount:
    """A shared account (a merchant's): its own distribution key (``user_id = id``)."""
    account_id = new_id("acc")
    account = LedgerAccount(user_id=account_id, id=account_id, kind=kind, owner_id=owner_id,
                            currency=currency, created_at=now)
    db.add(account)
    return account


# Built once, its owner bound: built per call, a select and its cache key cost as much CPU
# as running it (bench/http_inprocess.py).
_LOCK_WALLET = (select(Wallet).where(Wallet.user_id == bindparam("user_id")).with_for_update()
                .execution_options(populate_existing=True))


def lock_wallet(db: Session, user_id: str) -> LockedWallet:
    """Lock the owner's wallet row: the first lock of every money movement and every
    restriction change (see the lock order in ``walletguard.db``). A use case takes it
    once and hands the ``LockedWallet`` on."""
    wallet = db.execute(_LOCK_WALLET, {"user_id": user_id}).scalar_one_or_none()
    if wallet is None:
        raise NotFound("no such wallet")
    return LockedWallet(wallet)


def lock_wallets(db: Session, user_ids: list[str]) -> dict[str, LockedWallet]:
    """Lock several wallets in ascending id order (a transfer locks payer and payee)."""
    return {uid: lock_wallet(db, uid) for uid in sorted(set(user_ids))}


def get_wallet(db: Session, user_id: str) -> Wallet:
    wallet = db.get(Wallet, user_id)
    if wallet is None:
        raise NotFound("no such wallet")
    return wallet


def paid_before(db: Session, *, user_id: str, counterparty_id: str, before: datetime) -> bool:
    """Whether the owner paid or transferred to ``counterparty_id`` by ``before``."""
    return db.execute(select(LedgerTransfer.id).where(
        LedgerTransfer.user_id == user_id, LedgerTransfer.counterparty_id == counterparty_id,
        LedgerTransfer.kind.in_(("payment", "transfer")),
        LedgerTransfer.created_at <= before).limit(1)).first() is not None


@dataclass(frozen=True)
class Leg:
    account_id: str
    amount: int
    #: The owner whose shard the leg lives on: another owner's wallet leg names that
    #: owner; None (a shared account's leg, or the transfer owner's own) is the transfer's.
    user_id: str | None = None


def post(
    db: Session, *, kind: str, legs: list[Leg], currency: str, now: datetime,
    user_id: str, counterparty_id: str | None = None,
    auth_method: str | None = None, category: str | None = None,
    refund_of: str | None = None, transfer_id: str | None = None,
    into: Inserts | None = None,
) -> LedgerTransfer:
    """Write one transfer and its entries. Legs must sum to zero; wallet balances are
    the caller's to update under the wallet lock it already holds.

    Rows are written with Core inserts (two statements, no unit-of-work): this is on
    every payment's path. With ``into`` they join the caller's other closing writes
    instead, written when the caller writes ``into`` (one statement on PostgreSQL).
    A leg on another owner's shard (``Leg.user_id``) gets that
    owner's copy of the header, naming the transfer's owner as its counterparty. The
    returned transfer is a detached record of what was written.
    """
    if sum(leg.amount for leg in legs) != 0:
        raise ValueError("a ledger transfer must balance")
    row = {
        "id": transfer_id or new_id("txn"), "kind": kind, "user_id": user_id,
        "counterparty_id": counterparty_id,
        "amount": sum(leg.amount for leg in legs if leg.amount > 0), "currency": currency,
        "auth_method": auth_method, "category": category, "refund_of": refund_of,
        "refunded": 0, "created_at": now,
    }
    others = sorted({leg.user_id for leg in legs
                     if leg.user_id is not None and leg.user_id != user_id})
    writes = into or Inserts()
    writes.add(table_of(LedgerTransfer), [
        row, *({**row, "user_id": other, "counterparty_id": user_id, "refund_of": None}
               for other in others)])
    writes.add(table_of(LedgerEntry), [
        {"user_id": leg.user_id or user_id, "transfer_id": row["id"],
         "account_id": leg.account_id, "amount": leg.amount, "created_at": now}
        for leg in legs
    ])
    if into is None:
        writes.write(db)
    return LedgerTransfer(**row)


def debit_wallet(wallet: LockedWallet, amount: int, now: datetime) -> None:
    """Take ``amount`` from a locked wallet; available balance is balance − holds."""
    if amount <= 0:
        raise InvalidInput("amount must be positive", field="amount")
    if wallet.balance - wallet.held < amount:
        raise InsufficientFunds(
            "the wallet's available balance is too low", available=wallet.balance - wallet.held
        )
    wallet.balance -= amount
    wallet.updated_at = now


def credit_wallet(wallet: LockedWallet, amount: int, now: datetime) -> None:
    wallet.balance += amount
    wallet.updated_at = now


def top_up(db: Session, *, wallet: LockedWallet, amount: int, now: datetime) -> LedgerTransfer:
    """Money in from the platform clearing account (the operator's bank side)."""
    if amount <= 0:
        raise InvalidInput("amount must be positive", field="amount")
    transfer = post(db, kind="topup", user_id=wallet.user_id, counterparty_id=CLEARING_ACCOUNT,
                    currency=wallet.currency, now=now,
                    legs=[Leg(CLEARING_ACCOUNT, -amount), Leg(wallet.account_id, amount)])
    credit_wallet(wallet, amount, now)
    return transfer


def account_balance(db: Session, account_id: str) -> int:
    """A shared account's balance: its entries summed over every owner's shard."""
    total = db.execute(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0))
        .where(LedgerEntry.account_id == account_id)
    ).scalar_one()
    return int(total)


@dataclass(frozen=True)
class ConservationReport:
    accounts: int
    entries: int
    total: int
    unbalanced_transfers: list[str]
    wallet_mismatches: list[tuple[str, int, int]]
    over_refunded: list[str]

    @property
    def ok(self) -> bool:
        return (self.total == 0 and not self.unbalanced_transfers
                and not self.wallet_mismatches and not self.over_refunded)


def check_conservation(db: Session) -> ConservationReport:
    """All entries sum to zero, every transfer balances, every wallet balance equals its
    account's entries, and no payment is refunded beyond its amount.

    On Citus each query runs on every shard and the coordinator adds up: the wallet sums
    are grouped by owner and joined to the wallets on the owner (colocated), since a
    wallet's entries live on its owner's shard."""
    accounts = db.execute(select(func.count()).select_from(LedgerAccount)).scalar_one()
    entries, total = db.execute(
        select(func.count(), func.coalesce(func.sum(LedgerEntry.amount), 0))
    ).one()
    unbalanced = db.execute(
        select(LedgerEntry.transfer_id).group_by(LedgerEntry.transfer_id)
        .having(func.sum(LedgerEntry.amount) != 0)
    ).scalars().all()
    sums = (
        select(LedgerEntry.user_id, LedgerEntry.account_id,
               func.sum(LedgerEntry.amount).label("total"))
        .group_by(LedgerEntry.user_id, LedgerEntry.account_id).subquery()
    )
    mismatches = db.execute(
        select(Wallet.user_id, Wallet.balance, func.coalesce(sums.c.total, 0))
        .outerjoin(sums, (sums.c.user_id == Wallet.user_id)
                   & (sums.c.account_id == Wallet.account_id))
        .where(Wallet.balance != func.coalesce(sums.c.total, 0))
    ).all()
    over = db.execute(
        select(LedgerTransfer.id).where(LedgerTransfer.refunded > LedgerTransfer.amount)
    ).scalars().all()
    return ConservationReport(
        accounts=int(accounts), entries=int(entries), total=int(total),
        unbalanced_transfers=list(unbalanced),
        wallet_mismatches=[(str(u), int(b), int(s)) for u, b, s in mismatches],
        over_refunded=list(over),
    )
