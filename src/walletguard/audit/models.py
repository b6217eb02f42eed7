from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from walletguard.db import Base, UTCDateTime, next_serial


class AuditChain(Base):
    """The head of one hash chain. Each owner has a chain (appended under the owner's
    wallet lock, so owners never contend); staff and platform actions go to ``system``."""

    __tablename__ = "audit_chains"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    length: Mapped[int] = mapped_column(BigInteger)
    head_hash: Mapped[str] = mapped_column(String(64))


class AuditEvent(Base):
    """Append-only. ``hash`` = SHA-256 over the previous hash and this row's content."""

    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("chain_id", "seq"),)

    chain_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=False, default=next_serial("audit_events"))
    seq: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(80), index=True)
    reason: Mapped[str | None] = mapped_column(String(500), default=None)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
