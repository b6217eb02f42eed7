"""The outbox: notifications are rows written in the same transaction as the change
that caused them, so a change is never committed without its notice (or vice versa).
``walletguard worker`` (notifications/worker.py) delivers them after commit.

Also here: the owner's notification settings (locale, e-mail), the in-app inbox, and the
partners (linked platforms) that receive signed webhooks and acknowledge them."""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import insert, literal, select, union_all, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from walletguard.audit import service as audit
from walletguard.auth.principal import Principal, Role
from walletguard.crypto import PiiVault
from walletguard.db import Inserts, table_of
from walletguard.devices.models import Device
from walletguard.errors import Conflict, InvalidInput, NotFound
from walletguard.identity.models import TrustedContact
from walletguard.notifications.models import (
    InboxMessage,
    NotificationSettings,
    OutboxMessage,
    Partner,
    PartnerAcknowledgement,
)
from walletguard.notifications.templates import LOCALES
from walletguard.policy import Policy

LOST_DEVICE_EVENT = "wallet.owner.lost_device"
#: The outbox owner of a notice about no owner (a staff alert): its distribution key.
SYSTEM_OWNER = "system"
PARTNER_CATEGORIES = ("carrier", "bank", "wallet", "e-commerce", "payment")


def enqueue(
    db: Session, *, topic: str, user_id: str | None, recipients: Iterable[tuple[str, str]],
    payload: dict[str, Any], now: datetime, dedupe_key: str | None = None,
    into: Inserts | None = None,
) -> int:
    """One outbox row per (channel, recipient). Returns how many were written. With
    ``into`` the rows join the caller's other closing writes (see ``db.Inserts``).

    With ``dedupe_key`` (periodic jobs: one reminder per checklist item) a row whose key
    exists is skipped by the database, so two workers running the same job at once
    enqueue it once."""
    rows = [
        {"topic": topic, "user_id": user_id or SYSTEM_OWNER, "channel": channel,
         "recipient": recipient,
         "payload": payload, "created_at": now, "attempts": 0,
         "dedupe_key": None if dedupe_key is None else f"{dedupe_key}:{channel}:{recipient}"}
        for channel, recipient in recipients
    ]
    if not rows:
        return 0
    if into is not None:
        if dedupe_key is not None:
            raise ValueError("a deduplicated notice is written on its own")
        into.add(table_of(OutboxMessage), rows)
        return len(rows)
    if dedupe_key is None:
        db.execute(insert(table_of(OutboxMessage)), rows)
        return len(rows)
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    written = 0
    for row in rows:
        statement = dialect.insert(table_of(OutboxMessage)).values(**row)
        result = db.execute(
            statement.on_conflict_do_nothing(index_elements=["user_id", "dedupe_key"])
            .returning(table_of(OutboxMessage).c.id))
        written += len(result.all())
    return written


_SEALED = "sealed"


def sealed(vault: PiiVault, **fields: str) -> dict[str, Any]:
    """Payload fields that are secrets (a recovery-approval link): the outbox row keeps
    them sealed, and the worker opens them only to render the message it sends."""
    return {_SEALED: {name: base64.b64encode(vault.seal(f"outbox:{name}", value)).decode()
                      for name, value in fields.items()}}


def opened(vault: PiiVault, payload: dict[str, Any]) -> dict[str, Any]:
    """The payload with its sealed fields opened (for rendering only)."""
    hidden = payload.get(_SEALED)
    if not isinstance(hidden, dict):
        return payload
    shown = {k: v for k, v in payload.items() if k != _SEALED}
    shown.update({name: vault.open(f"outbox:{name}", base64.b64decode(value))
                  for name, value in hidden.items()})
    return shown


_CHANNEL_ORDER = {"email": 0, "push": 1, "contact_sms": 2}


def owner_channels(
    db: Session, *, user_id: str, exclude_device: str | None = None, contacts: bool = False
) -> list[tuple[str, str]]:
    """Every channel that reaches the owner: SMS to the account phone, the in-app inbox,
    e-mail when the owner gave an address, push to each active trusted device (except
    ``exclude_device``; an untrusted device may be anyone's), and, when asked, the
    trusted contacts."""
    # One statement for the three kinds of reachable place: a freeze and a lost-phone
    # report notify on the priority lane, where every round trip counts.
    reachable = [
        select(literal("email"), NotificationSettings.user_id).where(
            NotificationSettings.user_id == user_id,
            NotificationSettings.email_sealed.is_not(None)),
        select(literal("push"), Device.id).where(
            Device.user_id == user_id, Device.status == "active", Device.trust == "trusted"),
    ]
    if contacts:
        reachable.append(select(literal("contact_sms"), TrustedContact.contact_user_id)
                         .where(TrustedContact.user_id == user_id))
    found = [(str(kind), str(place)) for kind, place in db.execute(union_all(*reachable))]
    found.sort(key=lambda row: _CHANNEL_ORDER[row[0]])  # stable: each kind keeps its order
    channels: list[tuple[str, str]] = [("sms", user_id), ("inbox", user_id)]
    channels += [(kind, place) for kind, place in found
                 if not (kind == "push" and place == exclude_device)]
    return channels


def notify_owner(
    db: Session, *, topic: str, user_id: str, payload: dict[str, Any], now: datetime,
    exclude_device: str | None = None, contacts: bool = False, dedupe_key: str | None = None,
) -> int:
    return enqueue(db, topic=topic, user_id=user_id, payload=payload, now=now,
                   dedupe_key=dedupe_key,
                   recipients=owner_channels(db, user_id=user_id, exclude_device=exclude_device,
                                             contacts=contacts))


# ---- the owner's settings and inbox ------------------------------------------------------

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s.]{2,}$")


def settings_of(db: Session, *, vault: PiiVault, policy: Policy,
                user_id: str) -> dict[str, Any]:
    row = db.get(NotificationSettings, user_id)
    email = (vault.open("email", row.email_sealed)
             if row is not None and row.email_sealed is not None else None)
    return {"locale": row.locale if row else policy.notifications.default_locale,
            "email": email}


def set_settings(
    db: Session, *, vault: PiiVault, policy: Policy, owner: Principal,
    locale: str | None, email: str | None, clear_email: bool, now: datetime,
) -> dict[str, Any]:
    owner.require(Role.OWNER)  # an e-mail address is a contact channel: trusted sessions only
    user_id = str(owner.user_id)
    if locale is not None and locale not in LOCALES:
        raise InvalidInput(f"locale must be one of {', '.join(LOCALES)}", field="locale")
    if email is not None and not _EMAIL.match(email.strip()):
        raise InvalidInput("not an e-mail address", field="email")
    row = db.get(NotificationSettings, user_id, with_for_update=True)
    if row is None:
        row = NotificationSettings(user_id=user_id, locale=policy.notifications.default_locale,
                                   updated_at=now)
        db.add(row)
    if locale is not None:
        row.locale = locale
    if clear_email:
        row.email_sealed = None
    elif email is not None:
        row.email_sealed = vault.seal("email", email.strip())
    row.updated_at = now
    db.flush()
    return settings_of(db, vault=vault, policy=policy, user_id=user_id)


def locale_of(db: Session, *, policy: Policy, user_id: str | None) -> str:
    row = None if user_id is None else db.get(NotificationSettings, user_id)
    return row.locale if row is not None else policy.notifications.default_locale


def inbox(db: Session, *, owner: Principal, limit: int = 100) -> list[InboxMessage]:
    owner.require(Role.OWNER, untrusted_ok=True)  # reading is open to an untrusted session
    return list(db.execute(
        select(InboxMessage).where(InboxMessage.user_id == owner.user_id)
        .order_by(InboxMessage.outbox_id.desc()).limit(limit)
    ).scalars())


# ---- partners ----------------------------------------------------------------------------

@dataclass(frozen=True)
class NewPartner:
    partner: Partner
    secret: str


def add_partner(
    db: Session, *, vault: PiiVault, key: str, name: str, category: str, webhook_url: str,
    now: datetime, actor: Principal | None = None,
) -> NewPartner:
    """An operator links a platform. The signing secret is generated here, returned once
    (to hand to the partner) and stored sealed. With ``actor`` (the CLI), audited on the
    system chain."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,39}", key):
        raise InvalidInput("key: lower-case letters, digits and dashes", field="key")
    if category not in PARTNER_CATEGORIES:
        raise InvalidInput(f"category must be one of {', '.join(PARTNER_CATEGORIES)}",
                           field="category")
    if not webhook_url.startswith(("https://", "http://")):
        raise InvalidInput("webhook_url must be an http(s) URL", field="webhook_url")
    if db.get(Partner, key) is not None:
        raise Conflict(f"partner {key!r} exists")
    secret = "whsec_" + secrets.token_urlsafe(32)
    partner = Partner(key=key, name=name, category=category, webhook_url=webhook_url,
                      secret_sealed=vault.seal("partner_secret", secret), enabled=True,
                      created_at=now)
    db.add(partner)
    db.flush()
    if actor is not None:
        audit.append(db, actor=actor.ref, action="partner.added", subject=key, at=now,
                     data={"name": name, "category": category, "webhook_url": webhook_url})
    return NewPartner(partner=partner, secret=secret)


def list_partners(db: Session) -> list[Partner]:
    return list(db.execute(select(Partner).order_by(Partner.key)).scalars())


def disable_partner(db: Session, *, key: str, actor: Principal, reason: str,
                    now: datetime) -> Partner:
    """Unlink a platform: it receives nothing more (messages still queued for it end at
    their next attempt) and its acknowledgements are refused. The row stays, so the
    incident timelines that name its past acknowledgements still hold."""
    partner = db.get(Partner, key, with_for_update=True)
    if partner is None:
        raise NotFound(f"no partner {key!r}")
    if not partner.enabled:
        raise Conflict(f"partner {key!r} is already removed")
    partner.enabled = False
    audit.append(db, actor=actor.ref, action="partner.removed", subject=key, at=now,
                 reason=reason)
    db.flush()
    return partner


def partner_secret(vault: PiiVault, partner: Partner) -> bytes:
    return vault.open("partner_secret", partner.secret_sealed).encode()


def partner_recipients(db: Session) -> list[tuple[Literal["webhook"], str]]:
    return [("webhook", key) for key in db.execute(
        select(Partner.key).where(Partner.enabled.is_(True)).order_by(Partner.key)).scalars()]


def acknowledge(
    db: Session, *, partner: Partner, incident_user_id: str, incident_id: str,
    reference: str | None, now: datetime,
) -> PartnerAcknowledgement:
    """A partner's acknowledgement of a lost-device event; the first one is kept (a retry
    of the acknowledgement answers the same)."""
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    db.execute(dialect.insert(table_of(PartnerAcknowledgement)).values(
        user_id=incident_user_id, incident_id=incident_id, partner_key=partner.key,
        acknowledged_at=now, reference=reference).on_conflict_do_nothing())
    ack = db.get(PartnerAcknowledgement, (incident_user_id, incident_id, partner.key))
    if ack is None:
        raise NotFound("no such incident")
    return ack


def acknowledgements(db: Session, *, user_id: str,
                     incident_id: str) -> list[PartnerAcknowledgement]:
    return list(db.execute(
        select(PartnerAcknowledgement).where(PartnerAcknowledgement.user_id == user_id,
                                             PartnerAcknowledgement.incident_id == incident_id)
        .order_by(PartnerAcknowledgement.acknowledged_at)
    ).scalars())


def mark_read(db: Session, *, owner: Principal, outbox_id: int, now: datetime) -> None:
    owner.require(Role.OWNER, untrusted_ok=True)
    db.execute(update(InboxMessage).where(InboxMessage.user_id == owner.user_id,
                                          InboxMessage.outbox_id == outbox_id,
                                          InboxMessage.read_at.is_(None)).values(read_at=now))
