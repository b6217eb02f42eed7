from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from walletguard.db import Base, UTCDateTime


class User(Base):
    """A wallet owner. Phone, real name and ID number are sealed (AES-GCM); the phone
    is found through its blind index only."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    phone_index: Mapped[str] = mapped_column(String(64), unique=True)
    phone_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    real_name_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    id_number_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    password_hash: Mapped[str] = mapped_column(String(200))
    account_class: Mapped[int] = mapped_column(Integer, default=2)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TrustedContact(Base):
    """Another owner this user named in advance (recovery approvals, lost-phone alerts)."""

    __tablename__ = "trusted_contacts"
    __table_args__ = (UniqueConstraint("user_id", "contact_user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    contact_user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    relation: Mapped[str] = mapped_column(String(40))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
