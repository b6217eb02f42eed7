from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, ForeignKeyConstraint, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from walletguard.db import Base, UTCDateTime


class Restriction(Base):
    """A freeze, lock or observation on one owner. Active while not lifted and not
    expired; time-based expiry is read from ``expires_at``, no scheduler needed."""

    __tablename__ = "restrictions"
    __table_args__ = (
        Index("ix_restrictions_active", "user_id", "lifted_at"),
        ForeignKeyConstraint(["user_id", "reinstated_by"],
                             ["restrictions.user_id", "restrictions.id"]),
    )

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    scope: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(500))
    placed_by: Mapped[str] = mapped_column(String(80))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    incident_id: Mapped[str | None] = mapped_column(String(40), default=None)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    lifted_by: Mapped[str | None] = mapped_column(String(80), default=None)
    lift_reason: Mapped[str | None] = mapped_column(String(500), default=None)
    lift_evidence: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    cancellable_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    reinstated_by: Mapped[str | None] = mapped_column(String(40), default=None)


class DocumentCheck(Base):
    """A teller's in-person identity check (seed 004), recorded before a lift."""

    __tablename__ = "document_checks"
    __table_args__ = (
        ForeignKeyConstraint(["user_id", "restriction_id"],
                             ["restrictions.user_id", "restrictions.id"]),
    )

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    restriction_id: Mapped[str] = mapped_column(String(40))
    document_type: Mapped[str] = mapped_column(String(30))
    document_number_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    branch: Mapped[str] = mapped_column(String(200))
    teller: Mapped[str] = mapped_column(String(80))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime)
