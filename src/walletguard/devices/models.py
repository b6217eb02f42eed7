from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from walletguard.db import Base, UTCDateTime


class Device(Base):
    """An owner's phone as the wallet knows it. ``trusted_since`` starts the device's age
    for biometric payments; unbinding, loss or wipe ends its sessions and bindings."""

    __tablename__ = "devices"
    __table_args__ = (UniqueConstraint("user_id", "client_device_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
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


class DeviceSession(Base):
    """An owner token bound to one device. Checked against the database on every
    request, so a revoked session stops at once in every worker."""

    __tablename__ = "device_sessions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), index=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    revoke_reason: Mapped[str | None] = mapped_column(String(60), default=None)


class DeviceCommand(Base):
    """A remote command (ring, lost_mode, wipe), queued until the device next connects."""

    __tablename__ = "device_commands"
    __table_args__ = (Index("ix_device_commands_pending", "device_id", "acknowledged_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"))
    type: Mapped[str] = mapped_column(String(20))
    message: Mapped[str | None] = mapped_column(String(500), default=None)
    contact_number: Mapped[str | None] = mapped_column(String(32), default=None)
    issued_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
