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
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from walletguard.db import Base, UTCDateTime


class LedgerAccount(Base):
    """A double-entry account: an owner wallet, a merchant, or the platform clearing
    account that top-ups come from. All accounts' entries sum to zero."""

    __tablename__ = "ledger_accounts"

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
    __table_args__ = (CheckConstraint("balance >= held AND held >= 0", name="not_overdrawn"),)

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("ledger_accounts.id"), unique=True)
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
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LedgerTransfer(Base):
    """One money movement (top-up, payment, transfer, refund): the header of a set of
    entries that sum to zero. Never edited, except the running refunded amount."""

    __tablename__ = "ledger_transfers"
    __table_args__ = (Index("ix_ledger_transfers_user_created", "user_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str | None] = mapped_column(String(40), default=None)
    counterparty_id: Mapped[str | None] = mapped_column(String(40), default=None)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    auth_method: Mapped[str | None] = mapped_column(String(20), default=None)
    category: Mapped[str | None] = mapped_column(String(40), default=None)
    refund_of: Mapped[str | None] = mapped_column(ForeignKey("ledger_transfers.id"), default=None)
    refunded: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    transfer_id: Mapped[str] = mapped_column(ForeignKey("ledger_transfers.id"), index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("ledger_accounts.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class IdempotencyRecord(Base):
    """The first answer given under an idempotency key — a refusal as well as a success."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    scope: Mapped[str] = mapped_column(String(80))
    key: Mapped[str] = mapped_column(String(200))
    request_digest: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
