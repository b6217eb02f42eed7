"""``walletguard worker``: delivers the outbox and runs the periodic jobs.

Claiming. A worker claims a batch in one short transaction: the due rows (pending, not
backed off, not leased) get ``attempts + 1`` and a lease (``notifications.lease_seconds``)
and the transaction commits before anything is sent, so no database lock is held across
a network call. On PostgreSQL the rows are picked with ``SELECT … FOR UPDATE SKIP
LOCKED``, so several workers take disjoint batches without waiting on each other; the
UPDATE repeats the due condition, so a row is claimed by one worker whatever the backend.
On SQLite every writing transaction holds the database write lock (``BEGIN IMMEDIATE``),
which serialises the claims: several workers are safe there too, but one is plenty.

Delivering and recording. The channel is called with the message's idempotency key; its
answer is recorded in a second transaction (``delivered_at``, or a back-off of
``backoff_base_seconds · 2^(attempts-1)`` capped at ``backoff_max_seconds``, or dead after
``max_attempts``). A row with ``delivered_at`` is never claimed again, so nothing
acknowledged is sent twice. A worker killed between the receiver's acceptance and the
record leaves a leased row; when the lease runs out another worker delivers it again
*with the same key*. That is the honest guarantee: at-least-once to the channel, once per
key to a receiver that dedupes (the inbox does by primary key; the verification helper's
docs tell webhook receivers to; e-mail clients thread on ``Message-ID``).
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from walletguard.auth import throttle
from walletguard.db import rowcount, table_of
from walletguard.identity.models import User
from walletguard.incidents.models import ChecklistItem, Incident
from walletguard.notifications import service, webhooks
from walletguard.notifications.channels import (
    Channels,
    DeliveryFailed,
    HttpWebhooks,
    SandboxSink,
    SmsChannel,
    SmtpEmail,
    message_key,
)
from walletguard.notifications.models import InboxMessage, OutboxMessage, Partner
from walletguard.notifications.templates import Rendered, render
from walletguard.recovery import channel_changes
from walletguard.restrictions.models import Restriction
from walletguard.runtime import Platform

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Claimed:
    id: int
    topic: str
    user_id: str | None
    channel: str
    recipient: str
    payload: dict[str, Any]
    created_at: datetime
    attempts: int


def build_channels(platform: Platform) -> Channels:
    settings = platform.settings
    timeout = platform.policy.notifications.delivery_timeout_seconds
    sandbox = settings.mode != "production"
    return Channels(
        email=(SmtpEmail(host=settings.smtp_host, port=settings.smtp_port,
                         sender=settings.smtp_sender, timeout=timeout,
                         starttls=settings.smtp_starttls) if settings.smtp_host else None),
        webhooks=HttpWebhooks(timeout=timeout),
        sms=SmsChannel(platform.sms),
        push=SandboxSink(settings.data_dir / "sandbox-push.jsonl") if sandbox else None,
        staff=SandboxSink(settings.data_dir / "sandbox-staff.jsonl") if sandbox else None,
    )


def _due(now: datetime) -> list[Any]:
    return [OutboxMessage.delivered_at.is_(None), OutboxMessage.dead_at.is_(None),
            or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
            or_(OutboxMessage.leased_until.is_(None), OutboxMessage.leased_until <= now)]


def claim(db: Session, *, platform: Platform, now: datetime) -> list[Claimed]:
    rules = platform.policy.notifications
    # A row whose last allowed attempt was cut short (its worker died) is dead, not retried.
    db.execute(update(OutboxMessage).where(*_due(now),
                                           OutboxMessage.attempts >= rules.max_attempts)
               .values(dead_at=now, last_error="the last attempt did not finish"))
    pick = (select(OutboxMessage.id).where(*_due(now),
                                           OutboxMessage.attempts < rules.max_attempts)
            .order_by(OutboxMessage.id).limit(rules.batch_size))
    if not platform.db.is_sqlite:
        pick = pick.with_for_update(skip_locked=True)
    ids = list(db.execute(pick).scalars())
    if not ids:
        return []
    t = table_of(OutboxMessage)
    rows = db.execute(
        update(t).where(t.c.id.in_(ids), *_due(now))
        .values(attempts=t.c.attempts + 1,
                leased_until=now + timedelta(seconds=rules.lease_seconds))
        .returning(t.c.id, t.c.topic, t.c.user_id, t.c.channel, t.c.recipient, t.c.payload,
                   t.c.created_at, t.c.attempts)
    ).all()
    claimed = [Claimed(id=r.id, topic=r.topic,
                       user_id=None if r.user_id == service.SYSTEM_OWNER else r.user_id,
                       channel=r.channel,
                       recipient=r.recipient, payload=r.payload,
                       created_at=r.created_at,
                       attempts=r.attempts) for r in rows]
    return sorted(claimed, key=lambda c: c.id)


def backoff(rules_base: float, rules_max: float, attempts: int) -> timedelta:
    return timedelta(seconds=min(rules_max, rules_base * 2 ** max(0, attempts - 1)))


def record_delivered(db: Session, *, message_id: int, now: datetime) -> bool:
    return rowcount(db.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id,
                                    OutboxMessage.delivered_at.is_(None))
        .values(delivered_at=now, leased_until=None, last_error=None))) == 1


def record_failed(db: Session, *, platform: Platform, message: Claimed, failure: DeliveryFailed,
                  now: datetime) -> bool:
    """Back off, or dead-letter; returns whether the message is now dead."""
    rules = platform.policy.notifications
    dead = failure.permanent or message.attempts >= rules.max_attempts
    values: dict[str, Any] = {"leased_until": None, "last_error": failure.reason[:300]}
    if dead:
        values["dead_at"] = now
    else:
        values["next_attempt_at"] = now + backoff(rules.backoff_base_seconds,
                                                  rules.backoff_max_seconds, message.attempts)
    db.execute(update(OutboxMessage).where(OutboxMessage.id == message.id,
                                           OutboxMessage.delivered_at.is_(None)).values(**values))
    return dead


class Deliverer:
    """Turns one claimed row into one channel call."""

    def __init__(self, platform: Platform, channels: Channels) -> None:
        self.platform = platform
        self.channels = channels

    def _owner_phone(self, db: Session, user_id: str) -> str:
        user = db.get(User, user_id)
        if user is None:
            raise DeliveryFailed("no such user", permanent=True)
        return self.platform.keys.vault.open("phone", user.phone_sealed)

    def _rendered(self, db: Session, message: Claimed, *, for_user: str | None) -> Rendered:
        policy = self.platform.policy
        return render(message.topic, service.opened(self.platform.keys.vault, message.payload),
                      locale=service.locale_of(db, policy=policy, user_id=for_user),
                      at=message.created_at, timezone=policy.timezone,
                      currency=policy.currency)

    def deliver(self, message: Claimed) -> None:
        """Raises ``DeliveryFailed``; returns when the receiver accepted the message.

        Everything read from the database is read in a short transaction closed before
        the network call, so no connection waits on a slow receiver."""
        key = message_key(message.id)
        at = self.platform.clock.now()
        channel = message.channel
        with self.platform.db.transaction() as db:
            if channel in ("inbox", "alert"):
                self._to_inbox(db, message)
                return
            if channel in ("sms", "contact_sms"):
                to = self._owner_phone(db, message.recipient)
                text = self._rendered(db, message, for_user=message.recipient).body
                call: Any = lambda: self.channels.sms.send(to=to, text=text, at=at)  # noqa: E731
            elif channel == "email":
                if self.channels.email is None:
                    raise DeliveryFailed("e-mail is not configured (WALLETGUARD_SMTP_HOST)",
                                         permanent=True)
                address = service.settings_of(db, vault=self.platform.keys.vault,
                                              policy=self.platform.policy,
                                              user_id=message.recipient)["email"]
                if address is None:
                    raise DeliveryFailed("the owner removed the e-mail address", permanent=True)
                shown = self._rendered(db, message, for_user=message.recipient)
                email = self.channels.email
                call = lambda: email.send(key=key, to=address, subject=shown.subject,  # noqa: E731
                                          body=shown.body, locale=shown.locale)
            elif channel == "webhook":
                partner = db.get(Partner, message.recipient)
                if partner is None or not partner.enabled:
                    raise DeliveryFailed("no such enabled partner", permanent=True)
                secret = service.partner_secret(self.platform.keys.vault, partner)
                url = partner.webhook_url
                body = self._webhook_body(db, message, key, secret)
                call = lambda: self.channels.webhooks.post(  # noqa: E731
                    key=key, url=url, secret=secret, body=body, at=at)
            elif channel in ("push", "staff"):
                sink = self.channels.push if channel == "push" else self.channels.staff
                if sink is None:
                    raise DeliveryFailed(f"no {channel} provider is configured", permanent=True)
                shown = self._rendered(db, message, for_user=message.user_id)
                call = lambda: sink.send(key=key, to=message.recipient,  # noqa: E731
                                         subject=shown.subject, body=shown.body, at=at)
            else:
                raise DeliveryFailed(f"unknown channel {channel!r}", permanent=True)
        call()

    def _to_inbox(self, db: Session, message: Claimed) -> None:
        user_id = message.recipient
        shown = self._rendered(db, message, for_user=user_id)
        dialect = postgresql if not self.platform.db.is_sqlite else sqlite
        # Keyed by the outbox row: a repeat after a crash is a no-op, not a second message.
        db.execute(dialect.insert(table_of(InboxMessage)).values(
            user_id=user_id, outbox_id=message.id, topic=message.topic,
            subject=shown.subject[:200], body=shown.body, created_at=message.created_at,
        ).on_conflict_do_nothing())
        record_delivered(db, message_id=message.id, now=self.platform.clock.now())

    def _webhook_body(self, db: Session, message: Claimed, key: str, secret: bytes) -> bytes:
        event = message.payload.get("event", message.topic)
        data = {k: v for k, v in message.payload.items() if k != "event"}
        if event == service.LOST_DEVICE_EVENT and message.user_id is not None:
            # The partner links the owner by phone number, the one identifier a carrier,
            # bank or other wallet shares with us — but never in clear: a digest keyed
            # with this partner's secret, which it recomputes for its own customers'
            # numbers (docs/security.md, "Partner webhooks carry no phone number").
            data["phone_digest"] = webhooks.phone_digest(
                secret, self._owner_phone(db, message.user_id))
        return json.dumps({"id": key, "type": event, "created_at": message.created_at.isoformat(),
                           "data": data}, ensure_ascii=False, sort_keys=True).encode()


@dataclass
class TickReport:
    claimed: int = 0
    delivered: int = 0
    retried: int = 0
    dead: int = 0


def deliver_due(platform: Platform, deliverer: Deliverer) -> TickReport:
    report = TickReport()
    with platform.db.transaction() as db:
        batch = claim(db, platform=platform, now=platform.clock.now())
    report.claimed = len(batch)
    for message in batch:
        try:
            deliverer.deliver(message)
        except DeliveryFailed as failure:
            with platform.db.transaction() as db:
                dead = record_failed(db, platform=platform, message=message, failure=failure,
                                     now=platform.clock.now())
            report.dead += dead
            report.retried += not dead
            log.warning("delivery failed", extra={"outbox_id": message.id,
                                                  "channel": message.channel,
                                                  "reason": failure.reason, "dead": dead})
            continue
        if message.channel not in ("inbox", "alert"):  # the inbox recorded itself
            with platform.db.transaction() as db:
                record_delivered(db, message_id=message.id, now=platform.clock.now())
        report.delivered += 1
    return report


# ---- periodic jobs -----------------------------------------------------------------------

def run_jobs(platform: Platform) -> dict[str, int]:
    """Prune counters; remind open checklist items before they are due; tell owners when
    a time-limited restriction has ended and before a lift's cooling-off window closes;
    apply recovery-channel changes whose cooling-off window has passed. Each notice has a
    dedupe key, so running the jobs again (or on two workers) repeats nothing."""
    rules = platform.policy.notifications
    now = platform.clock.now()
    done: dict[str, int] = {}
    with platform.db.transaction() as db:
        done["pruned"] = throttle.prune(db, now=now,
                                        older_than=timedelta(hours=rules.prune_older_than_hours))
    with platform.db.transaction() as db:
        done["checklist_reminders"] = _checklist_reminders(db, platform=platform, now=now)
        done["cooling_off_reminders"] = _cooling_off_reminders(db, platform=platform, now=now)
        done["expired_restrictions"] = _expired_restrictions(db, platform=platform, now=now)
    done["channel_changes"] = _matured_channel_changes(platform, now=now)
    return done


def _matured_channel_changes(platform: Platform, *, now: datetime) -> int:
    """Apply recovery-channel changes whose cooling-off window has passed, each in its own
    transaction under its owner's wallet lock (``recovery.channel_changes.apply`` applies
    a change once, however many workers run this)."""
    with platform.db.transaction() as db:
        matured = channel_changes.due(db, now=now)
    for user_id, change_id in matured:
        with platform.db.transaction() as db:
            channel_changes.apply(db, keys=platform.keys, user_id=user_id,
                                  change_id=change_id, now=now)
    return len(matured)


def _checklist_reminders(db: Session, *, platform: Platform, now: datetime) -> int:
    ahead = timedelta(minutes=platform.policy.notifications.checklist_reminder_minutes)
    rows = db.execute(
        select(ChecklistItem, Incident.user_id)
        .join(Incident, (Incident.user_id == ChecklistItem.user_id)
              & (Incident.id == ChecklistItem.incident_id))
        .where(ChecklistItem.done_at.is_(None), Incident.status == "open",
               ChecklistItem.due_at > now, ChecklistItem.due_at <= now + ahead)
    ).all()
    sent = 0
    for item, user_id in rows:
        sent += service.notify_owner(
            db, topic="incident.checklist_reminder", user_id=user_id, now=now,
            dedupe_key=f"reminder:{item.id}",
            payload={"incident_id": item.incident_id, "item": item.key, "name": item.name,
                     "hotline": item.hotline, "say": item.say,
                     "due_at": item.due_at.isoformat()})
    return sent


def _cooling_off_reminders(db: Session, *, platform: Platform, now: datetime) -> int:
    ahead = timedelta(minutes=platform.policy.notifications.cooling_off_reminder_minutes)
    rows = db.execute(select(Restriction).where(
        Restriction.lifted_at.is_not(None), Restriction.cancellable_until > now,
        Restriction.cancellable_until <= now + ahead)).scalars()
    return sum(service.notify_owner(
        db, topic="wallet.cooling_off_ending", user_id=r.user_id, now=now,
        dedupe_key=f"cooling:{r.id}",
        payload={"restriction_id": r.id,
                 "cancellable_until": r.cancellable_until.isoformat()
                 if r.cancellable_until else None}) for r in rows)


def _expired_restrictions(db: Session, *, platform: Platform, now: datetime) -> int:
    # Look back one job interval and a margin: a worker that was down longer still tells
    # the owner (the dedupe key keeps it to once), without replaying all history.
    since = now - timedelta(days=1)
    rows = db.execute(select(Restriction).where(
        Restriction.lifted_at.is_(None), Restriction.expires_at.is_not(None),
        Restriction.expires_at <= now, Restriction.expires_at > since)).scalars()
    return sum(service.notify_owner(
        db, topic="wallet.restriction_expired", user_id=r.user_id, now=now,
        dedupe_key=f"expired:{r.id}",
        payload={"restriction_id": r.id, "kind": r.kind}) for r in rows)


def run(platform: Platform, *, stop: threading.Event, once: bool = False) -> TickReport:
    """Deliver until ``stop`` is set (SIGTERM/SIGINT): the batch in hand is finished first.
    With ``once``, one pass over what is due, then return."""
    rules = platform.policy.notifications
    deliverer = Deliverer(platform, build_channels(platform))
    total = TickReport()
    next_jobs = 0.0
    clock = _Monotonic()
    while not stop.is_set():
        if clock.now() >= next_jobs:
            run_jobs(platform)
            next_jobs = clock.now() + rules.jobs_every_seconds
        tick = deliver_due(platform, deliverer)
        for name in ("claimed", "delivered", "retried", "dead"):
            setattr(total, name, getattr(total, name) + getattr(tick, name))
        if once and tick.claimed == 0:
            break
        if tick.claimed == 0:
            stop.wait(rules.poll_seconds)
    return total


class _Monotonic:
    def now(self) -> float:
        import time

        return time.monotonic()

