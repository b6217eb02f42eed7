from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from walletguard.db import Base, UTCDateTime


class PoliceReport(Base):
    """What the owner entered for the police and the insurer (seed 000 §4)."""

    __tablename__ = "police_reports"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    incident_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    report_number: Mapped[str] = mapped_column(String(60))
    station: Mapped[str | None] = mapped_column(String(200), default=None)
    reported_on: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Dispute(Base):
    """The owner says one transaction in the suspicious window was not theirs."""

    __tablename__ = "disputes"
    __table_args__ = (UniqueConstraint("user_id", "transfer_id"),)

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    incident_id: Mapped[str] = mapped_column(String(40))
    transfer_id: Mapped[str] = mapped_column(String(40))
    amount: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(500), default=None)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    decided_by: Mapped[str | None] = mapped_column(String(80), default=None)


class Claim(Base):
    """An insurance claim for an incident, with its required documents checklisted."""

    __tablename__ = "claims"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    incident_id: Mapped[str] = mapped_column(String(40))
    insurer_type: Mapped[str] = mapped_column(String(30))
    amount: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    status: Mapped[str] = mapped_column(String(20))
    documents: Mapped[dict[str, Any]] = mapped_column(JSON)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(80), default=None)
    note: Mapped[str | None] = mapped_column(String(500), default=None)
