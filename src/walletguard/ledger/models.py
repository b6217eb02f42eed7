from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from walletguard.db import Base, UTCDateTime, next_serial


class LedgerAccount(Base):
    """A double-entry account: an owner wallet, a merchant, or the platform clearing
    account that top-ups come from. All accounts' entries sum to zero.

    ``user_id`` is the account's distribution key: its owner for a wallet account; a
    shared account (merchant, clearing) is its own key (``user_id = id``). Its entries
    do not live with it: they live with the transfer they belong to (ADR 0008)."""

    __tablename__ = "ledger_accounts"

    user_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    owner_id: Mapped[str | None] = mapped_column(String(40), index=True, default=None)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Wallet(Base):
    """An owner's wallet: the row every money movement and every restriction change
    locks first. ``balance`` is the wallet account's entry sum, kept in step in the
    same transaction; the day counters make limits a constant-time check."""

    __tablename__ = "wallets"
    __table_args__ = (
        CheckConstraint("balance >= held AND held >= 0", name="not_overdrawn"),
        ForeignKeyConstraint(["user_id", "account_id"],
                             ["ledger_accounts.user_id", "ledger_accounts.id"]),
        UniqueConstraint("user_id", "account_id"),
    )

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(40))
    currency: Mapped[str] = mapped_column(String(3))
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    held: Mapped[int] = mapped_column(BigInteger, default=0)
    daily_limit: Mapped[int] = mapped_column(BigInteger)
    counter_day: Mapped[date | None] = mapped_column(Date, default=None)
    spent_today: Mapped[int] = mapped_column(BigInteger, default=0)
    password_free_spent_today: Mapped[int] = mapped_column(BigInteger, default=0)
    password_free_in_a_row: Mapped[int] = mapped_column(Integer, default=0)
    password_free_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    password_free_per_payment: Mapped[int | None] = mapped_column(BigInteger, default=None)
    password_free_daily: Mapped[int | None] = mapped_column(BigInteger, default=None)
    declines_in_a_row: Mapped[int] = mapped_column(Integer, default=0)
    # Set by every restriction placed on this owner (under this row's lock), cleared by
    # the money path when none is in force: lets a payment skip the restrictions read.
    may_be_restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    # The risk engine's state of this owner (``risk.signals.State`` as JSON; None before
    # the first judged event) and how many judged events no rule fired on. Kept on this
    # row because every judged event holds its lock, so a payment reads and writes the
    # state with the row it locks and updates anyway: no statement of its own (ADR 0009).
    # Only ``risk.service`` reads or writes them.
    risk_state: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    risk_clean_allows: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LedgerTransfer(Base):
    """One money movement (top-up, payment, transfer, refund): the header of a set of
    entries that sum to zero. Never edited, except the running refunded amount.

    It lives on its owner's shard with its entries. A transfer between two owners is
    written once on each side (same id; ``user_id`` the side, ``counterparty_id`` the
    other), each copy holding that side's entry: each owner's history reads one shard."""

    __tablename__ = "ledger_transfers"
    __table_args__ = (
        Index("ix_ledger_transfers_user_created", "user_id", "created_at"),
        ForeignKeyConstraint(["user_id", "refund_of"],
                             ["ledger_transfers.user_id", "ledger_transfers.id"]),
    )

    user_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    counterparty_id: Mapped[str | None] = mapped_column(String(40), default=None)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    auth_method: Mapped[str | None] = mapped_column(String(20), default=None)
    category: Mapped[str | None] = mapped_column(String(40), default=None)
    refund_of: Mapped[str | None] = mapped_column(String(40), default=None)
    refunded: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LedgerEntry(Base):
    """One leg of a transfer, on the shard of the transfer copy it belongs to. The
    account may be another shard's (a merchant or the clearing account): no foreign key
    to it; ``walletguard ledger check`` proves every entry's account and balance."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        ForeignKeyConstraint(["user_id", "transfer_id"],
                             ["ledger_transfers.user_id", "ledger_transfers.id"]),
    )

    user_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=False, default=next_serial("ledger_entries"))
    transfer_id: Mapped[str] = mapped_column(String(40), index=True)
    account_id: Mapped[str] = mapped_column(String(40), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class IdempotencyRecord(Base):
    """The first answer given under an idempotency key — a refusal as well as a success."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("user_id", "scope", "key"),)

    # The owner whose wallet the request moves (a key is unique per owner and caller).
    user_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=False, default=next_serial("idempotency_records"))
    scope: Mapped[str] = mapped_column(String(80))
    key: Mapped[str] = mapped_column(String(200))
    request_digest: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
