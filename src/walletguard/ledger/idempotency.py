"""Idempotency keys, claimed by one conditional insert before the work is done.

The claim is ``INSERT … ON CONFLICT DO NOTHING``: of two requests with the same key, the
second waits for the first to commit (PostgreSQL) or for the write lock (SQLite), then
finds the stored answer and replays it — a refusal as well as a success — or, if its
body differs, gets ``idempotency_conflict``.

A key is unique per caller (``scope``). Its record's distribution key (``user_id``) comes
from the scope: an owner's keys (``owner:<id>``) live on that owner's shard, next to the
wallet the request moves; a staff caller's keys on the caller's own key (an operator's
top-up is then written on two shards: two-phase commit on Citus, off the hot paths).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Text, bindparam, cast, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from walletguard.db import is_citus, judged, note_transaction_id, table_of
from walletguard.errors import DomainError, IdempotencyConflict, ReplayedRefusal
from walletguard.ledger.models import IdempotencyRecord

PENDING = 0


@dataclass(frozen=True)
class Claim:
    record_id: int | None
    replay: tuple[int, dict[str, Any]] | None = None
    user_id: str = ""

    def remember(self, db: Session, status_code: int, body: dict[str, Any]) -> None:
        if self.record_id is not None:
            db.execute(
                update(IdempotencyRecord)
                .where(IdempotencyRecord.user_id == self.user_id,
                       IdempotencyRecord.id == self.record_id)
                .values(status_code=status_code, response=body)
            )


NO_KEY = Claim(record_id=None)


def request_digest(payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def owner_of(scope: str) -> str:
    """The distribution key of a caller's idempotency records (revision 0007 back-fills
    the same)."""
    return scope.removeprefix("owner:") if scope.startswith("owner:") else scope


def _claim_statement(dialect: str, citus: bool) -> Any:
    """The claim's INSERT for a dialect, built once (``_CLAIMS``) with its values bound:
    building an INSERT and its cache key on every payment cost as much CPU as running it.
    On PostgreSQL it also reads the transaction's id (no extra round trip): if the
    COMMIT's reply is lost, the edge asks whether it took effect (``walletguard.db``).
    Citus allows no volatile function in a distributed INSERT's RETURNING: there it is one
    more statement."""
    postgres = dialect == "postgresql"
    insert = pg_insert if postgres else sqlite_insert
    xid = (cast(func.pg_current_xact_id(), Text) if postgres and not citus
           else literal(None, Text))
    # The Core table, not the model: an ORM INSERT given parameters runs as a bulk insert,
    # which SQLite cannot combine with RETURNING.
    table = table_of(IdempotencyRecord)
    return (insert(table)
            .values(user_id=bindparam("owner"), scope=bindparam("scope"),
                    key=bindparam("key"), request_digest=bindparam("digest"),
                    status_code=bindparam("status"),
                    response=bindparam("body", type_=table.c.response.type),
                    created_at=bindparam("now", type_=table.c.created_at.type))
            .on_conflict_do_nothing(index_elements=["user_id", "scope", "key"])
            .returning(table.c.id, xid))


_CLAIMS = {(dialect, citus): _claim_statement(dialect, citus)
           for dialect in ("postgresql", "sqlite") for citus in (False, True)}


def claim(
    db: Session, *, scope: str, key: str | None, payload: Any, now: datetime,
    expected: tuple[int, dict[str, Any]] | None = None,
) -> Claim:
    """Claim ``key`` for this request, or return the first answer given under it.

    ``expected`` is the answer the caller will give if its work succeeds; stored with the
    claim, it saves the money path a round trip. A refusal replaces it (``remember``)
    in the same transaction, so what commits is always the answer that was given."""
    if key is None:
        return NO_KEY
    owner = owner_of(scope)
    status, body = expected or (PENDING, {})
    digest = request_digest(payload)
    dialect = db.get_bind().dialect.name
    citus = dialect == "postgresql" and is_citus(db)
    claimed = db.execute(_CLAIMS[dialect, citus], {
        "owner": owner, "scope": scope, "key": key, "digest": digest, "status": status,
        "body": body, "now": now}).one_or_none()
    if claimed is not None:
        if citus:
            note_transaction_id(db, db.execute(select(cast(func.pg_current_xact_id(), Text))
                                               ).scalar_one())
        elif claimed[1] is not None:
            note_transaction_id(db, claimed[1])
        return Claim(record_id=claimed[0], user_id=owner)
    stored = db.execute(
        select(IdempotencyRecord).where(IdempotencyRecord.user_id == owner,
                                        IdempotencyRecord.scope == scope,
                                        IdempotencyRecord.key == key)
    ).scalar_one()
    if stored.request_digest != digest:
        raise IdempotencyConflict("this Idempotency-Key was used with another request")
    return Claim(record_id=None, replay=(stored.status_code, stored.response))


def once(
    db: Session, *, scope: str, key: str | None, payload: Any, now: datetime, status: int,
    work: Callable[[], dict[str, Any]],
) -> dict[str, Any]:
    """The answer to a state change that moves no money (a freeze, a merchant), given once
    per key: the first answer replayed, or ``work`` run in ``judged`` and its answer (a
    refusal as well) stored under the key. The caller takes its lock first, so the claim
    and the work are ordered after it; a refusal stored is raised again on every retry."""
    found = claim(db, scope=scope, key=key, payload=payload, now=now)
    if found.replay is not None:
        stored_status, body = found.replay
        if stored_status != status:
            raise ReplayedRefusal(stored_status, body)
        return body
    try:
        with judged(db):
            body = work()
    except DomainError as refusal:
        found.remember(db, refusal.status, refusal.problem())
        raise
    found.remember(db, status, body)
    return body
