"""Recovery cases, their evidence, their per-channel failure counts, and emergency codes.

Every table is an owner table: ``user_id`` leads each primary key, and references
between them carry it (the distribution rule). A case is found by its id alone from the
public endpoints, through ``ix_recovery_cases_id`` (not unique on its own: ids are random
and uniqueness is per owner)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from walletguard.db import Base, UTCDateTime


class RecoveryCase(Base):
    __tablename__ = "recovery_cases"
    __table_args__ = (Index("ix_recovery_cases_id", "id"),)

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))
    # open → (review) → delayed → completed; or expired / cancelled
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    required_assurance: Mapped[int] = mapped_column(Integer)
    failures: Mapped[int] = mapped_column(Integer)
    risk: Mapped[list[str]] = mapped_column(JSON)
    device_id: Mapped[str | None] = mapped_column(String(100), default=None)
    device_name: Mapped[str | None] = mapped_column(String(100), default=None)
    device_platform: Mapped[str | None] = mapped_column(String(20), default=None)
    fingerprint_digest: Mapped[str | None] = mapped_column(String(64), default=None)
    delay_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    cancelled_by: Mapped[str | None] = mapped_column(String(80), default=None)
    opened_by: Mapped[str] = mapped_column(String(80))


class RecoveryEvidence(Base):
    """One verification that passed, with what it was worth when it passed."""

    __tablename__ = "recovery_evidence"
    __table_args__ = (
        ForeignKeyConstraint(["user_id", "case_id"],
                             ["recovery_cases.user_id", "recovery_cases.id"]),
        UniqueConstraint("user_id", "case_id", "channel"),
    )

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(30))
    strength: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


class RecoveryChannelState(Base):
    """Per case and channel: failures (counted by a conditional UPDATE before judging)
    and the one pending step a channel may hold (a bank OTP ticket)."""

    __tablename__ = "recovery_channel_states"
    __table_args__ = (
        ForeignKeyConstraint(["user_id", "case_id"],
                             ["recovery_cases.user_id", "recovery_cases.id"]),
    )

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    channel: Mapped[str] = mapped_column(String(30), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer)
    failures: Mapped[int] = mapped_column(Integer)
    pending: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)


class EmergencyCode(Base):
    """A one-off payment code an institution issued after an in-person document check
    (seed 002 §8). Only its keyed digest is stored; ``used_at`` is set once, by one
    conditional UPDATE."""

    __tablename__ = "emergency_codes"
    __table_args__ = (UniqueConstraint("user_id", "code_digest"),)

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    code_digest: Mapped[str] = mapped_column(String(64))
    limit_minor: Mapped[int] = mapped_column(Integer)
    issued_by: Mapped[str] = mapped_column(String(80))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    used_for: Mapped[str | None] = mapped_column(String(40), default=None)


class RecoveryApproval(Base):
    """One trusted contact asked to approve one case (seed 002 §4). The link the contact
    got carries the case id and a nonce; only their keyed digest is stored, found by
    ``ix_recovery_approvals_token``. ``decided_at`` is set once, by one conditional
    UPDATE; ``voided_at`` when the owner voids the collected approvals.

    ``contact_user_id`` is a plain column next to ``user_id``: ``users`` is being
    re-keyed, so no foreign key points at it from here (it names another owner)."""

    __tablename__ = "recovery_approvals"
    __table_args__ = (
        ForeignKeyConstraint(["user_id", "case_id"],
                             ["recovery_cases.user_id", "recovery_cases.id"]),
        UniqueConstraint("user_id", "case_id", "contact_user_id"),
        Index("ix_recovery_approvals_token", "token_digest"),
    )

    user_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(40))
    contact_user_id: Mapped[str] = mapped_column(String(40))
    token_digest: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decision: Mapped[str | None] = mapped_column(String(10), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    decided_by: Mapped[str | None] = mapped_column(String(80), default=None)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class RecoveryAppeal(Base):
    """An appeal ticket on a case (seed 002 §5): the account-history form's score (never
    the answers: an agent sees how well the form matched, not the owner's history) and
    the two-step decision — one agent recommends, a different agent approves.

    ``user_id`` is a plain column (no key to ``users``: that table is being re-keyed);
    the case is referred to with the owner's id, as the distribution rule asks."""

    __tablename__ = "recovery_appeals"
    __table_args__ = (
        ForeignKeyConstraint(["user_id", "case_id"],
                             ["recovery_cases.user_id", "recovery_cases.id"]),
        UniqueConstraint("user_id", "case_id"),
        Index("ix_recovery_appeals_id", "id"),
        Index("ix_recovery_appeals_queue", "status", "due_at"),
    )

    user_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(40))
    # pending → recommended → approved; or rejected (by either agent)
    status: Mapped[str] = mapped_column(String(20))
    score: Mapped[int] = mapped_column(Integer)
    breakdown: Mapped[dict[str, Any]] = mapped_column(JSON)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recommended_by: Mapped[str | None] = mapped_column(String(80), default=None)
    recommended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    recommend_note: Mapped[str | None] = mapped_column(String(500), default=None)
    decided_by: Mapped[str | None] = mapped_column(String(80), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    decision_note: Mapped[str | None] = mapped_column(String(500), default=None)


class RecoveryChannelChange(Base):
    """A change of a recovery channel (the account phone, the trusted contacts) waiting
    out its cooling-off window. ``payload_sealed`` holds the new value, sealed (a phone
    number is PII). Applied by the worker's periodic job once ``effective_at`` passes,
    unless cancelled or voided (a freeze, a lost-phone report or a recovery meanwhile)."""

    __tablename__ = "recovery_channel_changes"
    __table_args__ = (Index("ix_recovery_channel_changes_due", "status", "effective_at"),)

    user_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    # pending → applied; or cancelled (by the owner) / void (overtaken, see the doc)
    status: Mapped[str] = mapped_column(String(20))
    payload_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    requested_by: Mapped[str] = mapped_column(String(80))
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    ended_by: Mapped[str | None] = mapped_column(String(80), default=None)
    end_reason: Mapped[str | None] = mapped_column(String(200), default=None)
