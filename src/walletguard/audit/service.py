"""The audit log: append-only, one SHA-256 hash chain per owner plus a ``system`` chain.

An owner's chain is appended under that owner's wallet lock (or the chain head's own row
lock), so chains never fork; ``verify`` recomputes every chain and names the first row
that does not match.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from walletguard.audit.models import AuditChain, AuditEvent
from walletguard.observability import events as business_events

GENESIS = "0" * 64
SYSTEM_CHAIN = "system"


def _digest(prev_hash: str, event: AuditEvent) -> str:
    body = json.dumps(
        [event.chain_id, event.seq, event.at.isoformat(), event.actor, event.action,
         event.subject, event.reason, event.data],
        ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str,
    )
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def append(
    db: Session, *, actor: str, action: str, subject: str, at: datetime,
    reason: str | None = None, data: dict[str, Any] | None = None, chain: str | None = None,
) -> AuditEvent:
    """Append one event. ``chain`` is the owner's user id, or ``system`` by default."""
    chain_id = chain or SYSTEM_CHAIN
    at = at.astimezone(UTC)
    head = db.execute(
        select(AuditChain).where(AuditChain.id == chain_id).with_for_update()
    ).scalar_one_or_none()
    if head is None:
        head = AuditChain(id=chain_id, length=0, head_hash=GENESIS)
        db.add(head)
    event = AuditEvent(
        chain_id=chain_id, seq=head.length + 1, at=at, actor=actor, action=action,
        subject=subject, reason=reason, data=data or {}, prev_hash=head.head_hash, hash="",
    )
    event.hash = _digest(head.head_hash, event)
    head.length = event.seq
    head.head_hash = event.hash
    db.add(event)
    business_events.recorded(db, event)  # counted and logged once it commits
    return event


# The most events one read returns: a page, never the whole history of a busy owner.
MAX_PAGE = 500


@dataclass(frozen=True)
class EventPage:
    """Events newest first; ``older`` is the ``before`` of the next (older) page, None
    when there is nothing older."""

    items: list[AuditEvent]
    older: int | None


def events_for(
    db: Session, *, subject: str, before: int | None = None, since: datetime | None = None,
    actions: Collection[str] | None = None, limit: int = 50,
) -> EventPage:
    """The subject's events, newest first, ``limit`` (at most ``MAX_PAGE``) at a time.
    Paged by event id (the order they were appended in), so a page is the same however
    many events arrive meanwhile: ``before`` is the ``older`` of the page before."""
    limit = max(1, min(limit, MAX_PAGE))
    query = select(AuditEvent).where(AuditEvent.subject == subject)
    if before is not None:
        query = query.where(AuditEvent.id < before)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if actions is not None:
        query = query.where(AuditEvent.action.in_(list(actions)))
    # One row past the page says whether an older page exists, without a count.
    rows = list(db.execute(query.order_by(AuditEvent.id.desc()).limit(limit + 1)).scalars())
    items = rows[:limit]
    return EventPage(items=items, older=items[-1].id if len(rows) > limit else None)


def event_with_hash(db: Session, hash_: str) -> AuditEvent | None:
    """The event whose hash is ``hash_`` (an evidence pack names one), if any. Its chain
    is proven intact by ``verify``, so its content and everything before it are as
    recorded."""
    return db.execute(select(AuditEvent).where(AuditEvent.hash == hash_.strip().lower())
                      .limit(1)).scalar_one_or_none()


@dataclass(frozen=True)
class ChainBreak:
    chain_id: str
    seq: int
    event_id: int
    problem: str


@dataclass(frozen=True)
class VerifyReport:
    chains: int
    events: int
    first_break: ChainBreak | None


def verify(db: Session) -> VerifyReport:
    """Recompute every chain from genesis; compare with the stored heads too, so a
    deleted tail is caught as well as an edited row."""
    heads = {c.id: c for c in db.execute(select(AuditChain)).scalars()}
    rows = db.execute(
        select(AuditEvent).order_by(AuditEvent.chain_id, AuditEvent.seq)
    ).scalars()
    expected: dict[str, tuple[int, str]] = {}
    count = 0
    for event in rows:
        count += 1
        seq, prev = expected.get(event.chain_id, (0, GENESIS))
        if event.seq != seq + 1:
            return VerifyReport(len(heads), count, ChainBreak(
                event.chain_id, event.seq, event.id, f"sequence gap: expected {seq + 1}"))
        if event.prev_hash != prev or _digest(prev, event) != event.hash:
            return VerifyReport(len(heads), count, ChainBreak(
                event.chain_id, event.seq, event.id, "hash does not match the row's content"))
        expected[event.chain_id] = (event.seq, event.hash)
    for chain_id, head in heads.items():
        if expected.get(chain_id, (0, GENESIS)) != (head.length, head.head_hash):
            return VerifyReport(len(heads), count, ChainBreak(
                chain_id, head.length, 0, "chain head does not match its last row (rows removed?)"))
    for chain_id, (seq, _) in expected.items():
        if chain_id not in heads:
            return VerifyReport(len(heads), count, ChainBreak(
                chain_id, seq, 0, "rows exist for a chain whose head is missing"))
    return VerifyReport(len(heads), count, None)
