from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from walletguard.db import Base, UTCDateTime


class Device(Base):
    """An owner's phone as the wallet knows it. ``trusted_since`` starts the device's age
    for biometric payments; unbinding, loss or wipe ends its sessions and bindings.

    ``trust`` is ``trusted`` for the device an owner first logs in on and for a device
    that passed a step-up (``trusted_via``: ``first_device``, ``device_approval``,
    ``sms_code_and_pin``, ``staff``); every other device starts ``untrusted``."""

    __tablename__ = "devices"
    __table_args__ = (UniqueConstraint("user_id", "client_device_id"),)

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    client_device_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(100))
    platform: Mapped[str] = mapped_column(String(20))
    fingerprint_digest: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default="active")
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    trusted_since: Mapped[datetime] = mapped_column(UTCDateTime)
    last_ip: Mapped[str | None] = mapped_column(String(45), default=None)
    last_lat: Mapped[float | None] = mapped_column(Float, default=None)
    last_lon: Mapped[float | None] = mapped_column(Float, default=None)
    last_anomaly_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    trust: Mapped[str] = mapped_column(String(20), default="untrusted",
                                       server_default="untrusted")
    trusted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    trusted_via: Mapped[str | None] = mapped_column(String(40), default=None)


class DeviceSession(Base):
    """An owner token bound to one device. Checked against the database on every
    request, so a revoked session stops at once in every worker. The token names its
    owner (``auth.service``), so the check reads one owner's rows."""

    __tablename__ = "device_sessions"
    __table_args__ = (
        ForeignKeyConstraint(["user_id", "device_id"], ["devices.user_id", "devices.id"]),
        UniqueConstraint("user_id", "token_digest"),
    )

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(40), index=True)
    token_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    revoke_reason: Mapped[str | None] = mapped_column(String(60), default=None)
    # A session is trusted when its device was trusted at login with the same fingerprint,
    # or when its own step-up challenge was met; ``challenge_id`` names that challenge.
    trusted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    challenge_id: Mapped[str | None] = mapped_column(String(40), default=None)


class DeviceCommand(Base):
    """A remote command (ring, lost_mode, wipe), queued until the device next connects."""

    __tablename__ = "device_commands"
    __table_args__ = (
        ForeignKeyConstraint(["user_id", "device_id"], ["devices.user_id", "devices.id"]),
        Index("ix_device_commands_pending", "device_id", "acknowledged_at"),
    )

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(40))
    type: Mapped[str] = mapped_column(String(20))
    message: Mapped[str | None] = mapped_column(String(500), default=None)
    contact_number: Mapped[str | None] = mapped_column(String(32), default=None)
    issued_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class DeviceChallenge(Base):
    """A new or changed device asking to be trusted. Met by a trusted device's approval
    (with its PIN), or by a one-time code sent to the account phone plus the PIN; the
    code is stored as a keyed digest and accepts a bounded number of submissions, each
    counted by one conditional UPDATE before it is compared."""

    __tablename__ = "device_challenges"
    __table_args__ = (
        ForeignKeyConstraint(["user_id", "device_id"], ["devices.user_id", "devices.id"]),
        Index("ix_device_challenges_pending", "user_id", "status", "expires_at"),
    )

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(40))
    session_id: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    decided_by: Mapped[str | None] = mapped_column(String(80), default=None)
    method: Mapped[str | None] = mapped_column(String(40), default=None)
    # The fingerprint the asking login presented, adopted by the device if this is met.
    fingerprint_digest: Mapped[str] = mapped_column(String(64))
    code_digest: Mapped[str | None] = mapped_column(String(64), default=None)
    code_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    codes_sent: Mapped[int] = mapped_column(Integer, default=0)
    code_submissions: Mapped[int] = mapped_column(Integer, default=0)
