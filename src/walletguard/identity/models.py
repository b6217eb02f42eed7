from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from walletguard.db import Base, UTCDateTime, next_serial


class User(Base):
    """A wallet owner. Phone, real name and ID number are sealed (AES-GCM); the phone
    is found through its blind index only, in ``phone_claims`` (which makes it unique)."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    phone_index: Mapped[str] = mapped_column(String(64))
    phone_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    real_name_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    id_number_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    password_hash: Mapped[str] = mapped_column(String(200))
    account_class: Mapped[int] = mapped_column(Integer, default=2)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PhoneClaim(Base):
    """Lookup (``walletguard.distribution``): the one account a phone belongs to, keyed by
    the phone's blind index. Claimed by ``INSERT … ON CONFLICT DO NOTHING`` at sign-up, so
    of many concurrent sign-ups with one phone exactly one gets it, on every node."""

    __tablename__ = "phone_claims"

    phone_index: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(40))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TrustedContact(Base):
    """Another owner this user named in advance (recovery approvals, lost-phone alerts).
    The contact is another owner's row (on another shard): named by id, not a foreign key."""

    __tablename__ = "trusted_contacts"
    __table_args__ = (UniqueConstraint("user_id", "contact_user_id"),)

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False,
                                    default=next_serial("trusted_contacts"))
    contact_user_id: Mapped[str] = mapped_column(String(40))
    relation: Mapped[str] = mapped_column(String(40))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
