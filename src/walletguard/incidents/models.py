from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, ForeignKeyConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from walletguard.db import Base, UTCDateTime, next_serial


class Incident(Base):
    """A lost-phone incident: what was done, when, and what the owner still has to do."""

    __tablename__ = "incidents"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    reported_via: Mapped[str] = mapped_column(String(20))
    reported_by: Mapped[str] = mapped_column(String(80))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="open")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class IncidentEvent(Base):
    __tablename__ = "incident_events"
    __table_args__ = (
        ForeignKeyConstraint(["user_id", "incident_id"], ["incidents.user_id", "incidents.id"]),
    )

    user_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=False, default=next_serial("incident_events"))
    incident_id: Mapped[str] = mapped_column(String(40), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(60))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


class ChecklistItem(Base):
    __tablename__ = "checklist_items"
    __table_args__ = (
        ForeignKeyConstraint(["user_id", "incident_id"], ["incidents.user_id", "incidents.id"]),
    )

    user_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    incident_id: Mapped[str] = mapped_column(String(40), index=True)
    key: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(20))
    hotline: Mapped[str] = mapped_column(String(40))
    say: Mapped[str] = mapped_column(String(500))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
