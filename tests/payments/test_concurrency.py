"""Races on the money path, run for real: a ``walletguard serve --workers 2`` process on
the test database, contenders on threads lined up by a barrier, each with its own HTTP
client. The verdict is what the database says afterwards."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func, select

from tests import factories, races
from walletguard.ledger import service as ledger
from walletguard.ledger.models import LedgerTransfer
from walletguard.notifications.models import OutboxMessage
from walletguard.payments import operator as operations
from walletguard.runtime import Platform

PIN_AUTH = {"method": "pin", "pin": factories.PIN}


def race(server: str, contenders: int,
         request: Callable[[httpx.Client, int], httpx.Response]) -> list[httpx.Response]:
    """Run ``request`` on ``contenders`` threads released together; both worker processes
    must have answered some of them."""
    barrier = threading.Barrier(contenders)

    def contender(i: int, http: httpx.Client) -> httpx.Response:
        barrier.wait()
        return request(http, i)

    # connected before the line-up, half to each worker process
    with (races.clients_on_both_workers(server, contenders, timeout=90) as clients,
          ThreadPoolExecutor(contenders) as pool):
        responses = list(pool.map(contender, range(contenders), clients))
    races.assert_both_workers_served(responses)
    return responses


def _merchant(server: str, operator: dict[str, str]) -> str:
    created = httpx.post(f"{server}/v1/merchants", json={"name": "便利店", "category": "retail"},
                         headers=operator, timeout=30)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


@pytest.fixture
def operator(platform: Platform) -> dict[str, str]:
    # The server shares the test database, so a key made here works there.
    return factories.staff_headers(platform, "operator")


def test_forty_concurrent_payments_never_overdraw_a_balance_for_twenty(
    server: str, platform: Platform, operator: dict[str, str]
) -> None:
    price, affordable, contenders = 500, 20, 40
    merchant = _merchant(server, operator)
    owner = factories.remote_owner(server, operator, balance=price * affordable)

    responses = race(server, contenders, lambda http, i: http.post(
        "/v1/payments", json={"merchant_id": merchant, "amount": price, "auth": PIN_AUTH},
        headers={**owner.headers, "Idempotency-Key": f"race-{i}"}))

    paid = [r for r in responses if r.status_code == 201]
    refused = [r for r in responses if r.status_code != 201]
    assert len(paid) == affordable
    # Each success saw its own balance: the payments were judged one after another.
    assert sorted(r.json()["balance"] for r in paid) == list(range(0, price * affordable, price))
    codes = Counter(factories.assert_problem(r, r.status_code, str(r.json()["code"]))["code"]
                    for r in refused)
    # Declines in a row place a payments lock (DOMAIN.md: repeated payment failures); the
    # requests judged after it are refused by the guard.
    declines = min(contenders - affordable,
                   platform.policy.restrictions.payment_failure_lock_count)
    assert codes == Counter({"insufficient_funds": declines,
                             "account_locked": contenders - affordable - declines})
    with platform.db.transaction() as db:
        assert ledger.get_wallet(db, owner.user_id).balance == 0
        assert ledger.check_conservation(db).ok
        assert operations.merchant_balance(db, merchant_id=merchant) == price * affordable
        assert db.execute(select(func.count()).select_from(LedgerTransfer).where(
            LedgerTransfer.user_id == owner.user_id,
            LedgerTransfer.kind == "payment")).scalar_one() == affordable
        assert db.execute(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.user_id == owner.user_id,
            OutboxMessage.topic == "transaction.alert")).scalar_one() == affordable + 1


def test_concurrent_retries_under_one_idempotency_key_pay_once(
    server: str, platform: Platform, operator: dict[str, str]
) -> None:
    merchant = _merchant(server, operator)
    owner = factories.remote_owner(server, operator, balance=10_000)
    body = {"merchant_id": merchant, "amount": 1_000, "auth": PIN_AUTH}

    responses = race(server, 20, lambda http, _: http.post(
        "/v1/payments", json=body, headers={**owner.headers, "Idempotency-Key": "tap-once"}))

    assert [r.status_code for r in responses] == [201] * 20
    assert len({r.json()["id"] for r in responses}) == 1
    with platform.db.transaction() as db:
        assert ledger.get_wallet(db, owner.user_id).balance == 9_000
        assert ledger.check_conservation(db).ok


def test_transfers_crossing_in_both_directions_neither_deadlock_nor_lose_money(
    server: str, platform: Platform, operator: dict[str, str]
) -> None:
    alice = factories.remote_owner(server, operator, balance=10_000)
    bob = factories.remote_owner(server, operator, balance=10_000)
    pairs = [(alice, bob), (bob, alice)]

    responses = race(server, 30, lambda http, i: http.post(
        "/v1/transfers", json={"to_phone": pairs[i % 2][1].phone, "amount": 100 + i % 2,
                               "auth": PIN_AUTH}, headers=pairs[i % 2][0].headers))

    assert [r.status_code for r in responses] == [201] * 30, [r.text for r in responses]
    with platform.db.transaction() as db:
        # 15 × 100 from Alice, 15 × 101 from Bob.
        assert ledger.get_wallet(db, alice.user_id).balance == 10_000 - 1_500 + 1_515
        assert ledger.get_wallet(db, bob.user_id).balance == 10_000 - 1_515 + 1_500
        assert ledger.check_conservation(db).ok
