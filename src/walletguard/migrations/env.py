"""Alembic environment: the URL comes from the caller (walletguard.schema) or settings."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection

from walletguard.db import make_engine
from walletguard.models import Base
from walletguard.schema import COMPARE_OPTIONS

config = context.config


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from walletguard.config import Settings

    return Settings().resolved_database_url


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=Base.metadata,
                          render_as_batch=True, **COMPARE_OPTIONS)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(_url(), pool_size=1)
    try:
        with engine.connect() as conn:
            raw = _sqlite_foreign_keys_off(conn)
            context.configure(connection=conn, target_metadata=Base.metadata,
                              render_as_batch=True, **COMPARE_OPTIONS)
            with context.begin_transaction():
                context.run_migrations()
                if raw is not None:
                    _check_foreign_keys(conn)
            if raw is not None:
                raw.execute("PRAGMA foreign_keys=ON")
    finally:
        engine.dispose()


def _sqlite_foreign_keys_off(conn: Connection) -> Any:
    """On SQLite, foreign keys are off while revisions run (before the transaction:
    SQLite ignores the pragma inside one). A revision that rebuilds a table others refer
    to (batch mode: copy, drop, rename) would otherwise fail, or leave SQLite's count of
    deferred violations wrong; every key is checked once, before the commit."""
    if conn.dialect.name != "sqlite":
        return None
    raw = conn.connection.dbapi_connection
    assert raw is not None
    raw.execute("PRAGMA foreign_keys=OFF")
    return raw


def _check_foreign_keys(conn: Connection) -> None:
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        raise RuntimeError(f"the migration left rows whose foreign keys do not hold: {broken}")


run_migrations()
