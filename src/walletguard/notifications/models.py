from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from walletguard.db import Base, UTCDateTime, next_serial


class OutboxMessage(Base):
    """A notification committed with the change that caused it; a worker delivers it.

    Its life: pending (``delivered_at`` and ``dead_at`` NULL) → claimed by a worker until
    ``leased_until`` → delivered, or back to pending with ``next_attempt_at`` after a
    failure, or dead after ``notifications.max_attempts``. ``dedupe_key`` makes a periodic
    job's notice (a reminder) a unique insert, so two workers never enqueue it twice."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "delivered_at", "id"),
                      UniqueConstraint("user_id", "dedupe_key"))

    # The owner the notice is about, or ``SYSTEM_OWNER`` for one about no owner.
    user_id: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=False, default=next_serial("outbox"))
    topic: Mapped[str] = mapped_column(String(60))
    channel: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(String(80))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    dead_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_error: Mapped[str | None] = mapped_column(String(300), default=None)
    dedupe_key: Mapped[str | None] = mapped_column(String(120), default=None)


class NotificationSettings(Base):
    """How an owner is reached beyond SMS and the app: template language, e-mail."""

    __tablename__ = "notification_settings"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    locale: Mapped[str] = mapped_column(String(10))
    email_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class InboxMessage(Base):
    """The in-app inbox. Keyed by the outbox row it came from, so a delivery repeated
    after a crash is the same row, not a second message."""

    __tablename__ = "inbox_messages"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    outbox_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                           primary_key=True, autoincrement=False)
    topic: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class Partner(Base):
    """A linked platform (carrier, bank, wallet, e-commerce) that receives signed webhooks.
    The signing secret is sealed with the PII key: it is needed in clear to sign, so it
    cannot be a digest, and it is never logged or shown after creation."""

    __tablename__ = "partners"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(20))
    webhook_url: Mapped[str] = mapped_column(String(500))
    secret_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PartnerAcknowledgement(Base):
    """A partner said it acted on a lost-phone event (first acknowledgement kept)."""

    __tablename__ = "partner_acknowledgements"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    incident_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    partner_key: Mapped[str] = mapped_column(ForeignKey("partners.key"), primary_key=True)
    acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reference: Mapped[str | None] = mapped_column(String(100), default=None)
