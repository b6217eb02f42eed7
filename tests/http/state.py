"""What the database holds, to assert that a refused request changed nothing.

Rate-limit counters (``throttle_buckets``) are left out: counting attempts, refused ones
included, is their job (sign-ups, logins and public reports are counted before they are
judged). So are the risk brake's per-worker counts (``risk_brake_counts``): each served
worker's background thread writes them every ``brake_sync_seconds``, never a request, so
a test server's worker may write them while another test's request runs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, func, select

from walletguard.models import Base
from walletguard.runtime import Platform

NOT_WRITTEN_BY_THE_REQUEST = frozenset({"throttle_buckets", "risk_brake_counts"})


def _domain_tables() -> list[Table]:
    return [t for t in Base.metadata.sorted_tables
            if t.name not in NOT_WRITTEN_BY_THE_REQUEST]


def row_counts(platform: Platform) -> dict[str, int]:
    """Rows per table, for every table the models declare."""
    with platform.db.engine.connect() as conn:
        return {
            table.name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
            for table in _domain_tables()
        }


def contents(platform: Platform) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order: stronger than counts (an UPDATE that
    should not have happened shows up too)."""
    snapshot: dict[str, list[tuple[Any, ...]]] = {}
    with platform.db.engine.connect() as conn:
        for table in _domain_tables():
            rows = conn.execute(select(table)).all()
            snapshot[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return snapshot


def changed_tables(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(name for name in before.keys() | after.keys()
                  if before.get(name) != after.get(name))
