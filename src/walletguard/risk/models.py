from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from walletguard.db import Base, UTCDateTime


class RiskDecision(Base):
    """A decision some rule had a say in: every rule's outcome and reason (``rules``), what
    the owner was told (``reasons``), and what the shadow candidate would have decided on
    the same state."""

    __tablename__ = "risk_decisions"
    __table_args__ = (Index("ix_risk_decisions_user_at", "user_id", "at"),
                      Index("ix_risk_decisions_at", "at"))

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    event_type: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(10))
    score: Mapped[float] = mapped_column(Float)
    sensitivity: Mapped[str] = mapped_column(String(10))
    braked: Mapped[bool] = mapped_column(Boolean, default=False)
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    reasons: Mapped[list[str]] = mapped_column(JSON)
    overrides: Mapped[list[str]] = mapped_column(JSON)
    shadow_outcome: Mapped[str | None] = mapped_column(String(10), default=None)
    shadow_score: Mapped[float | None] = mapped_column(Float, default=None)
    shadow_rules: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, default=None)


class RiskPolicyChange(Base):
    """A candidate risk policy: proposed by one staff member, run in shadow, and switched
    live only when a second one approves (maker-checker). Platform-wide, not an owner's."""

    __tablename__ = "risk_policy_changes"
    __table_args__ = (Index("ix_risk_policy_changes_status", "status"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    candidate: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20))  # shadow, live, rejected, retired
    proposed_by: Mapped[str] = mapped_column(String(80))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(80), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class RiskStepUp(Base):
    """The step-up a risky payment or transfer asked for, bound to that operation: its
    kind, amount and payee. A challenge met for it lets exactly one operation like it
    through (``used_at`` is set by one conditional UPDATE), never a second one, and never
    another amount or payee. No foreign key: the owner's ids sit beside ``user_id``."""

    __tablename__ = "risk_step_ups"

    user_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    challenge_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    amount: Mapped[int] = mapped_column(Integer)
    payee: Mapped[str | None] = mapped_column(String(80), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class RiskBrakeCount(Base):
    """One worker's live decisions in one time slice: how many, how many the score
    denied or locked. Each worker writes only its own rows (from a background thread,
    never on a request's path) and reads the others', so the brake judges the combined
    deny rate of every worker. A lookup table keyed by ``slice:worker``."""

    __tablename__ = "risk_brake_counts"
    __table_args__ = (Index("ix_risk_brake_counts_slice", "slice_start"),)

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    slice_start: Mapped[int] = mapped_column(Integer)  # epoch seconds
    worker: Mapped[str] = mapped_column(String(40))
    events: Mapped[int] = mapped_column(Integer)
    denied: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
