"""Admission control and the priority lane, under a real flood: ``walletguard serve
--workers 2`` on the test database with a tight money-path bound, many payer threads
each with a connection of its own (half on each worker), and freezes sent meanwhile.

Payments beyond the bound wait, then are answered 503 ``unavailable`` with
``Retry-After`` having done nothing; freezes never wait in that queue and are never
shed. The verdict on the money is what the database says afterwards."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from tests import factories, races
from tests.conftest import running_server
from walletguard.ledger import service as ledger
from walletguard.ledger.models import LedgerTransfer
from walletguard.runtime import Platform

TOP_UP = 10_000_000
PAYERS = 24  # one owner each, so no payment waits on another's wallet lock
FREEZES = 4
PIN_AUTH = {"method": "pin", "pin": factories.PIN}


@dataclass(frozen=True)
class Answer:
    payer: int
    key: str
    amount: int
    status: int
    code: str | None
    retry_after: str | None
    seconds: float
    instance: str


@dataclass(frozen=True)
class Flood:
    payments: list[Answer]
    freezes: list[tuple[int, float]]  # status, seconds
    owners: list[factories.Owner]
    frozen: list[factories.Owner]


def _flood(server: str, platform: Platform, merchant_id: str) -> Flood:
    owners = [factories.register_owner(platform, balance=TOP_UP) for _ in range(PAYERS)]
    frozen = [factories.register_owner(platform, balance=TOP_UP) for _ in range(FREEZES)]
    warm_up = factories.register_owner(platform, balance=TOP_UP)
    payments: list[Answer] = []
    freezes: list[tuple[int, float]] = []
    errors: list[BaseException] = []
    stop = threading.Event()
    start = threading.Barrier(PAYERS + 1)

    def payer(index: int, http: httpx.Client) -> None:
        owner = owners[index]
        try:
            start.wait()
            n = 0
            while not stop.is_set():
                n += 1
                key, amount = f"flood-{index}-{n}", 100 + n % 7
                sent = time.perf_counter()
                response = http.post("/v1/payments", json={
                    "merchant_id": merchant_id, "amount": amount, "auth": PIN_AUTH},
                    headers={**owner.headers, "Idempotency-Key": key})
                payments.append(Answer(
                    index, key, amount, response.status_code,
                    None if response.status_code == 201 else response.json().get("code"),
                    response.headers.get("Retry-After"), time.perf_counter() - sent,
                    races.instance_of(response)))
        except BaseException as exc:  # an unknown outcome fails the test below
            errors.append(exc)
            stop.set()

    def freezer() -> None:
        try:
            with httpx.Client(base_url=server, timeout=60) as http:
                # One freeze first, on the connection the measured ones use: a worker's
                # first priority request opens the lane's pool and compiles its
                # statements (a CI run's median of four took one such cold freeze in).
                http.post("/v1/freeze", json={"reason": "warm-up"}, headers=warm_up.headers)
                start.wait()
                time.sleep(1.0)  # let the queue build
                for owner in frozen:
                    sent = time.perf_counter()
                    response = http.post("/v1/freeze", json={"reason": "phone lost"},
                                         headers=owner.headers)
                    freezes.append((response.status_code, time.perf_counter() - sent))
                    time.sleep(0.2)
        except BaseException as exc:
            errors.append(exc)
        finally:
            stop.set()

    with races.clients_on_both_workers(server, PAYERS, timeout=60) as clients:
        threads = [threading.Thread(target=payer, args=(i, clients[i])) for i in range(PAYERS)]
        threads.append(threading.Thread(target=freezer))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    assert not any(t.is_alive() for t in threads), "a flooding thread hung"
    assert not errors, errors
    return Flood(payments, freezes, owners, frozen)


def _assert_books_match(platform: Platform, flood: Flood) -> None:
    """Every owner's balance and ledger equal its acknowledged payments, to the fen."""
    with platform.db.transaction() as db:
        for index, owner in enumerate(flood.owners):
            paid = [a.amount for a in flood.payments if a.payer == index and a.status == 201]
            assert ledger.get_wallet(db, owner.user_id).balance == TOP_UP - sum(paid)
            posted = db.execute(
                select(func.count(), func.coalesce(func.sum(LedgerTransfer.amount), 0))
                .where(LedgerTransfer.user_id == owner.user_id,
                       LedgerTransfer.kind == "payment")).one()
            assert tuple(posted) == (len(paid), sum(paid))
        assert ledger.check_conservation(db).ok


@pytest.fixture
def queueing_server(database_url: str, data_dir: Path) -> Iterator[str]:
    """One payment at a time per worker, and a long wait: the rest queue, none is shed
    (not even at once by the pace: twelve waiting per worker would need 10 s each)."""
    with running_server(database_url, data_dir, env={
            "WALLETGUARD_MONEY_IN_FLIGHT": "1", "WALLETGUARD_MONEY_WAIT_SECONDS": "120"}) as base:
        yield base


@pytest.fixture
def shedding_server(database_url: str, data_dir: Path) -> Iterator[str]:
    """One payment at a time per worker, and almost no wait: most of a flood is shed."""
    with running_server(database_url, data_dir, env={
            "WALLETGUARD_MONEY_IN_FLIGHT": "1",
            "WALLETGUARD_MONEY_WAIT_SECONDS": "0.02"}) as base:
        yield base


def test_a_freeze_does_not_wait_behind_queued_payments(
    platform: Platform, queueing_server: str
) -> None:
    flood = _flood(queueing_server, platform, factories.merchant(platform))

    races.assert_both_workers(a.instance for a in flood.payments)
    assert {a.status for a in flood.payments} == {201}, "a long wait sheds nothing"
    assert [status for status, _ in flood.freezes] == [201] * FREEZES
    _assert_books_match(platform, flood)
    if platform.db.is_sqlite:
        # SQLite has one writer and no fair queue for it (its busy handler sleeps and
        # retries): a freeze waits for the write lock like every write, so only what
        # holds on both databases is asserted here.
        return
    # Twelve payers per worker and one payment worked on at a time: a payment waits for
    # about eleven others. A freeze that queued with them would take at least as long as
    # they do (it is more work than a payment); passing the queue it takes about one
    # payment's time and its own lock waits. Compared within the run, as the shared
    # machine's speed varies.
    payment = statistics.median(a.seconds for a in flood.payments)
    freeze = statistics.median(seconds for _, seconds in flood.freezes)
    assert freeze < payment * 0.6, f"freeze {freeze * 1000:.0f} ms, payment {payment * 1000:.0f} ms"


def test_payments_beyond_the_bound_are_shed_with_retry_after_and_freezes_never_are(
    platform: Platform, shedding_server: str
) -> None:
    merchant_id = factories.merchant(platform)
    flood = _flood(shedding_server, platform, merchant_id)

    races.assert_both_workers(a.instance for a in flood.payments)
    shed = [a for a in flood.payments if a.status == 503]
    assert shed, "twenty-four payers against two slots: some must be shed"
    assert [a for a in flood.payments if a.status == 201], "and some must pass"
    assert {(a.status, a.code) for a in flood.payments} == {(201, None), (503, "unavailable")}
    assert {a.retry_after for a in shed} == {"1"}
    assert [status for status, _ in flood.freezes] == [201] * FREEZES
    _assert_books_match(platform, flood)

    # A shed payment did nothing, not even claim its key: sent again with the same key
    # once the flood is over, it is a first attempt and goes through.
    again = shed[0]
    owner = flood.owners[again.payer]
    retried = httpx.post(f"{shedding_server}/v1/payments", timeout=30, json={
        "merchant_id": merchant_id, "amount": again.amount, "auth": PIN_AUTH},
        headers={**owner.headers, "Idempotency-Key": again.key})
    assert retried.status_code == 201, retried.text
    with platform.db.transaction() as db:
        paid = sum(a.amount for a in flood.payments if a.payer == again.payer and a.status == 201)
        assert ledger.get_wallet(db, owner.user_id).balance == TOP_UP - paid - again.amount
