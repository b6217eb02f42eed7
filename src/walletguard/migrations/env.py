"""Alembic environment: the URL comes from the caller (walletguard.schema) or settings."""

from __future__ import annotations

from alembic import context

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
            context.configure(connection=conn, target_metadata=Base.metadata,
                              render_as_batch=True, **COMPARE_OPTIONS)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


run_migrations()
