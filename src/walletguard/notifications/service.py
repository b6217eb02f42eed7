"""The outbox: notifications are rows written in the same transaction as the change
that caused them, so a change is never committed without its notice (or vice versa).
Delivery (push, SMS, e-mail, webhooks) reads the outbox after commit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from walletguard.db import table_of
from walletguard.devices.models import Device
from walletguard.identity.models import TrustedContact
from walletguard.notifications.models import OutboxMessage


def enqueue(
    db: Session, *, topic: str, user_id: str | None, recipients: Iterable[tuple[str, str]],
    payload: dict[str, Any], now: datetime,
) -> int:
    """One outbox row per (channel, recipient). Returns how many were written."""
    rows = [
        {"topic": topic, "user_id": user_id, "channel": channel, "recipient": recipient,
         "payload": payload, "created_at": now, "attempts": 0}
        for channel, recipient in recipients
    ]
    if rows:
        db.execute(insert(table_of(OutboxMessage)), rows)
    return len(rows)


def owner_channels(
    db: Session, *, user_id: str, exclude_device: str | None = None, contacts: bool = False
) -> list[tuple[str, str]]:
    """Every channel that reaches the owner: SMS to the account phone, push to each active
    trusted device (except ``exclude_device``; an untrusted device may be anyone's), and,
    when asked, the trusted contacts."""
    channels: list[tuple[str, str]] = [("sms", user_id)]
    devices = db.execute(
        select(Device.id).where(Device.user_id == user_id, Device.status == "active",
                                Device.trust == "trusted")
    ).scalars()
    channels += [("push", d) for d in devices if d != exclude_device]
    if contacts:
        trusted = db.execute(
            select(TrustedContact.contact_user_id).where(TrustedContact.user_id == user_id)
        ).scalars()
        channels += [("contact_sms", c) for c in trusted]
    return channels


def notify_owner(
    db: Session, *, topic: str, user_id: str, payload: dict[str, Any], now: datetime,
    exclude_device: str | None = None, contacts: bool = False,
) -> int:
    return enqueue(db, topic=topic, user_id=user_id, payload=payload, now=now,
                   recipients=owner_channels(db, user_id=user_id, exclude_device=exclude_device,
                                             contacts=contacts))
