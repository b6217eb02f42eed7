"""The freeze interleaving, made to happen on purpose rather than hoped for.

``test_freeze_race`` throws many payments at a freeze and looks at what came out; these
probes force the one interleaving that matters and check its outcome, through the real
``walletguard serve --workers 2`` on the test database.

PostgreSQL. The test holds the owner's wallet row lock in its own transaction (the real
``ledger.lock_wallet``, ``SELECT … FOR UPDATE``), sends a payment, and waits until
PostgreSQL shows that payment's backend waiting on a lock held by the test's backend
(``pg_blocking_pids``, ``wait_event_type = 'Lock'``). The payment is then inside the
money path: authenticated, in its transaction, at its first lock. The test places the
freeze with the real ``owner_freeze`` in that same locked transaction and commits, which
releases the lock with the freeze already visible. The payment must then be refused
``account_frozen`` and move nothing: whatever it decides, it must decide from what it read
*after* the lock it was waiting for. (Placing the freeze over HTTP instead would not keep
the order: the freeze would queue behind the payment on the same lock.)

The second probe is the other order: the payment already holds the wallet lock, kept
there by an uncommitted idempotency row the test inserted under the payment's key (the
claim's insert waits on the unique index while the wallet is locked). A freeze sent then
must wait for the payment (PostgreSQL shows it blocked by the payment's backend), the
payment succeeds, the freeze answers after it, and the next payment is refused.

SQLite. Every transaction begins ``BEGIN IMMEDIATE`` (the one database write lock), so a
payment cannot get *inside* the money path while another transaction is open: it waits at
its first ``BEGIN``. The faithful analogue holds that write lock in the test (the same
``lock_wallet`` call takes it), sends the payment, waits until it has been in flight for a
while without an answer (SQLite shows no waiters, so this is observed from outside),
commits the freeze in the locked transaction, and asserts the refusal. It proves the payment
judges what it read after the lock, not before; it cannot catch a check-then-act inside the
money path, because on SQLite nothing can interleave with a transaction that is running.
The second probe has no SQLite form (a payment cannot be held mid-transaction).

Mutation note (tried once each on PostgreSQL and SQLite, then reverted; not committed):
- the restriction guard read moved before ``lock_wallet`` in ``authorize_payment``
  (check-then-act, the guard judging that earlier read): the first probe FAILED on
  PostgreSQL: the payment waited on the lock, then answered 201 (balance 9300) after the
  freeze had committed. It passed on SQLite, as explained above. ``test_freeze_race``
  passed on both backends under this mutation: its window is too narrow to catch it.
- ``.with_for_update()`` removed from ``ledger.lock_wallet``: both probes FAILED on
  PostgreSQL ("answered without waiting": the payment paid 201 while the test's
  transaction believed it held the wallet; the freeze answered without waiting for the
  payment holding it). ``test_freeze_race`` failed on PostgreSQL too (a lost update: the
  wallet said 999287, its ledger account 997073). SQLite passed: its write lock
  serialises the transactions whatever the code locks.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import func, select, text

from tests import factories
from walletguard.ledger import service as ledger
from walletguard.ledger.models import IdempotencyRecord, LedgerTransfer
from walletguard.restrictions import service as restrictions
from walletguard.runtime import Platform

BALANCE = 10_000
PRICE = 700
WAIT = 20.0  # seconds to see the payment (or the freeze) blocked before giving up
SQLITE_IN_FLIGHT = 1.0  # seconds a payment must be pending before SQLite counts it waiting


class InFlight:
    """One HTTP request sent on its own thread; its response once it answers."""

    def __init__(self, send: Callable[[], httpx.Response]) -> None:
        self.response: httpx.Response | None = None
        self.answered_at: float | None = None
        self.error: BaseException | None = None

        def run() -> None:
            try:
                self.response = send()
                self.answered_at = time.monotonic()
            except BaseException as exc:  # re-raised in result(): nothing lost in a thread
                self.error = exc

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def result(self) -> httpx.Response:
        self.thread.join(60)
        assert not self.thread.is_alive(), "the request never answered"
        if self.error is not None:
            raise self.error
        assert self.response is not None
        return self.response


def pay(server: str, owner: factories.Owner, merchant_id: str, key: str) -> httpx.Response:
    return httpx.post(f"{server}/v1/payments", timeout=60,
                      headers={**owner.headers, "Idempotency-Key": key},
                      json={"merchant_id": merchant_id, "amount": PRICE,
                            "auth": {"method": "pin", "pin": factories.PIN}})


def blocked_by(platform: Platform, holder_pid: int) -> list[str]:
    """The queries of backends now waiting on a lock that ``holder_pid`` holds."""
    with platform.db.engine.connect() as conn:
        return list(conn.execute(text(
            "SELECT query FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND :pid = ANY(pg_blocking_pids(pid))"),
            {"pid": holder_pid}).scalars())


def wait_until_blocked(platform: Platform, holder_pid: int, request: InFlight) -> str:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        waiting = blocked_by(platform, holder_pid)
        if waiting:
            return waiting[0]
        assert request.thread.is_alive(), f"answered without waiting: {request.result().text}"
        time.sleep(0.01)
    raise AssertionError("the request never waited on the held lock")


def payments_of(platform: Platform, user_id: str) -> int:
    with platform.db.transaction() as db:
        return int(db.execute(select(func.count()).select_from(LedgerTransfer).where(
            LedgerTransfer.user_id == user_id, LedgerTransfer.kind == "payment")).scalar_one())


def test_a_payment_waiting_on_the_wallet_lock_is_refused_by_the_freeze_committed_meanwhile(
    platform: Platform, server: str,
) -> None:
    merchant_id = factories.merchant(platform)
    owner = factories.register_owner(platform, balance=BALANCE)
    before = factories.money_snapshot(platform)

    with platform.db.transaction() as db:
        ledger.lock_wallet(db, owner.user_id)
        payment = InFlight(lambda: pay(server, owner, merchant_id, "probe-1"))
        if platform.db.is_sqlite:
            time.sleep(SQLITE_IN_FLIGHT)
            assert payment.thread.is_alive(), payment.result().text
        else:
            me = int(db.execute(text("SELECT pg_backend_pid()")).scalar_one())
            waiting = wait_until_blocked(platform, me, payment)
            assert "wallets" in waiting, waiting  # it waits on the wallet row, our lock
        restrictions.owner_freeze(db, actor=owner.principal, reason="phone lost",
                                  now=platform.clock.now())
    refused = payment.result()

    factories.assert_problem(refused, 403, "account_frozen")
    assert factories.money_snapshot(platform).balances == before.balances
    assert payments_of(platform, owner.user_id) == 0
    with platform.db.transaction() as db:
        assert ledger.check_conservation(db).ok
    # The refusal is what the key remembers: a retry cannot turn it into a payment.
    factories.assert_problem(pay(server, owner, merchant_id, "probe-1"), 403, "account_frozen")


def test_a_freeze_sent_while_a_payment_holds_the_wallet_waits_for_it(
    platform: Platform, server: str,
) -> None:
    if platform.db.is_sqlite:
        pytest.skip("SQLite cannot hold a payment mid-transaction: it waits at BEGIN")
    merchant_id = factories.merchant(platform)
    owner = factories.register_owner(platform, balance=BALANCE)

    # An uncommitted row under the payment's key: the payment's claim waits on it, with
    # the wallet already locked (the lock comes first in the money path).
    hold = platform.db.sessions()
    try:
        hold.add(IdempotencyRecord(user_id=owner.user_id, scope=f"owner:{owner.user_id}",
                                   key="probe-2",
                                   request_digest="held by the test", status_code=0,
                                   response={}, created_at=platform.clock.now()))
        hold.flush()
        me = int(hold.execute(text("SELECT pg_backend_pid()")).scalar_one())
        payment = InFlight(lambda: pay(server, owner, merchant_id, "probe-2"))
        assert "idempotency" in wait_until_blocked(platform, me, payment)
        with platform.db.engine.connect() as conn:
            payer = int(conn.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND :me = ANY(pg_blocking_pids(pid))"), {"me": me}).scalar_one())
        freeze = InFlight(lambda: httpx.post(f"{server}/v1/freeze", timeout=60,
                                             json={"reason": "phone lost"},
                                             headers=owner.headers))
        assert "wallets" in wait_until_blocked(platform, payer, freeze)
    finally:
        hold.rollback()
        hold.close()

    paid, frozen = payment.result(), freeze.result()
    assert paid.status_code == 201, paid.text
    assert frozen.status_code == 201, frozen.text
    assert payment.answered_at is not None and freeze.answered_at is not None
    assert paid.json()["balance"] == BALANCE - PRICE
    factories.assert_problem(pay(server, owner, merchant_id, "probe-2-after"), 403,
                             "account_frozen")
    assert payments_of(platform, owner.user_id) == 1
    with platform.db.transaction() as db:
        assert ledger.get_wallet(db, owner.user_id).balance == BALANCE - PRICE
        assert ledger.check_conservation(db).ok
