from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from walletguard.db import Base, UTCDateTime


class PaymentPin(Base):
    """The payment PIN as a keyed hash (HMAC-SHA-256, pepper outside the database) and
    the consecutive-failure counter, changed only under the owner's wallet lock."""

    __tablename__ = "payment_pins"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    salt: Mapped[bytes] = mapped_column(LargeBinary(16))
    digest: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BiometricBinding(Base):
    """A WebAuthn platform credential registered on one device."""

    __tablename__ = "biometric_bindings"
    __table_args__ = (
        ForeignKeyConstraint(["user_id", "device_id"], ["devices.user_id", "devices.id"]),
        # A credential id is unique per owner: an assertion names its owner's session.
        UniqueConstraint("user_id", "credential_id"),
    )

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(40), index=True)
    credential_id: Mapped[bytes] = mapped_column(LargeBinary)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    sign_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    revoke_reason: Mapped[str | None] = mapped_column(String(60), default=None)


class WebAuthnChallenge(Base):
    """A single-use challenge for registration or a payment assertion."""

    __tablename__ = "webauthn_challenges"
    __table_args__ = (
        ForeignKeyConstraint(["user_id", "device_id"], ["devices.user_id", "devices.id"]),
    )

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(40))
    purpose: Mapped[str] = mapped_column(String(20))
    challenge: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
