"""SIGKILL the whole server (supervisor and workers) at random moments under payment
load, start it again on the same database, retry every unsettled payment under its own
key: nothing acknowledged is lost, nothing is applied twice, and the CLI's ledger and
audit checks pass. PostgreSQL only (the production database); the long form with more
kills and payments is ``bench/crash_restart.py``."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import conftest
from tests.databases import fresh_database
from tests.resilience import drill
from walletguard import schema

pytestmark = pytest.mark.skipif(not conftest._postgres_available(),
                                reason="needs PostgreSQL on 127.0.0.1:5432")

KILLS = 3
CONNECTIONS = 4
OWNERS = 8


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    with fresh_database("postgresql", tmp_path) as url:
        schema.upgrade(url)
        yield url


def test_sigkilled_server_loses_no_acknowledged_payment_and_applies_none_twice(
    database: str, tmp_path: Path,
) -> None:
    platform = drill.platform_for(database, tmp_path)
    try:
        books = drill.seed(platform, owners=OWNERS, top_up=1_000_000)
    finally:
        platform.db.dispose()
    rng = random.Random()
    server = drill.Server(database, tmp_path)
    server.start()
    stop = threading.Event()
    acknowledged_after: list[int] = []
    try:
        threads = drill.run_load(server.base, books, stop=stop, connections=CONNECTIONS)
        for _ in range(KILLS):
            time.sleep(rng.uniform(1.0, 2.5))
            server.kill()
            marker = len(books.attempts)
            time.sleep(rng.uniform(0.0, 0.3))
            server.start()
            time.sleep(0.8)  # let the load find the new server before the next kill
            acknowledged_after.append(sum(a.acknowledged for a in books.attempts[marker:]))
        stop.set()
        for thread in threads:
            thread.join(drill.REQUEST_TIMEOUT + 5)
        retried = drill.settle(server.base, books)
        wrong_replays = drill.replays_of_acknowledged(server.base, books)
        verdict = drill.audit_books(database, books)
        failed_checks = drill.cli_checks(server)
    finally:
        stop.set()
        server.stop()

    outcomes = books.outcomes()
    assert retried > 0, f"no payment was cut off by {KILLS} kills: {outcomes}"
    assert all(acknowledged_after), f"no payment succeeded after some restart: {acknowledged_after}"
    assert not [a for a in books.attempts if a.unsettled], outcomes
    refused = [a for a in books.attempts if not a.acknowledged]
    assert not refused, f"refused after retry: {[(a.status, a.code) for a in refused][:5]}"
    assert verdict.lost == [], verdict.lost
    assert verdict.doubled == [], verdict.doubled
    assert verdict.balances_wrong == [], verdict.balances_wrong
    assert wrong_replays == [], wrong_replays
    assert failed_checks == {}, failed_checks
