"""Fixed-window counters bumped by one conditional upsert, so parallel requests in
several processes count exactly (no read-then-write)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from walletguard.auth.models import ThrottleBucket
from walletguard.db import rowcount


def hit(db: Session, *, key: str, window: timedelta, now: datetime) -> int:
    """Count one event under ``key``; return the count in the current window."""
    insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(ThrottleBucket).values(key=key, window_start=now, count=1)
    expired = ThrottleBucket.window_start < now - window
    upsert = stmt.on_conflict_do_update(
        index_elements=[ThrottleBucket.key],
        set_={
            "count": case((expired, 1), else_=ThrottleBucket.count + 1),
            "window_start": case((expired, stmt.excluded.window_start),
                                 else_=ThrottleBucket.window_start),
        },
    ).returning(ThrottleBucket.count)
    return int(db.execute(upsert).scalar_one())


def seconds_left(db: Session, *, key: str, window: timedelta, now: datetime) -> int:
    """Whole seconds until the current window of ``key`` ends (at least 1): the
    ``Retry-After`` of a refusal made because that window is full."""
    # A fresh read, not the identity map: ``hit`` updates the row behind the ORM's back.
    started = db.execute(
        select(ThrottleBucket.window_start).where(ThrottleBucket.key == key)
    ).scalar_one_or_none()
    if started is None:
        return 1
    ends = started + window
    return max(1, math.ceil((ends - now).total_seconds()))


def refund(db: Session, *, key: str) -> None:
    """Give back one event counted under ``key`` (an attempt that turned out fine)."""
    db.execute(update(ThrottleBucket)
               .where(ThrottleBucket.key == key, ThrottleBucket.count > 0)
               .values(count=ThrottleBucket.count - 1))


def clear(db: Session, *, key: str) -> None:
    bucket = db.get(ThrottleBucket, key)
    if bucket is not None:
        db.delete(bucket)


def prune(db: Session, *, now: datetime, older_than: timedelta) -> int:
    """Drop counters whose window started before ``now - older_than`` (every window in
    use is far shorter): one row per phone or address ever tried would otherwise stay."""
    return rowcount(db.execute(
        delete(ThrottleBucket).where(ThrottleBucket.window_start < now - older_than)))
