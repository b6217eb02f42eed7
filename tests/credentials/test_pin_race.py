"""However many wrong PINs arrive at once, at most five are judged: a real
``walletguard serve --workers 2`` process, 30 contenders released by a barrier."""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import select, text

from tests import factories, races
from walletguard.audit.models import AuditEvent
from walletguard.credentials import service as credentials
from walletguard.credentials.models import PaymentPin
from walletguard.errors import DomainError
from walletguard.ledger import service as ledger
from walletguard.restrictions.models import Restriction
from walletguard.runtime import Platform

WRONG_PIN = "582947"


def test_thirty_concurrent_wrong_pins_are_judged_at_most_five_times(
    server: str, platform: Platform
) -> None:
    operator = factories.staff_headers(platform, "operator")
    merchant = httpx.post(f"{server}/v1/merchants", json={"name": "便利店", "category": "retail"},
                          headers=operator, timeout=30).json()["id"]
    owner = factories.remote_owner(server, operator, balance=10_000)
    contenders = 30
    barrier = threading.Barrier(contenders)

    def guess(i: int, http: httpx.Client) -> httpx.Response:
        barrier.wait()
        return http.post("/v1/payments", headers={**owner.headers,
                                                  "Idempotency-Key": f"guess-{i}"},
                         json={"merchant_id": merchant, "amount": 100,
                               "auth": {"method": "pin", "pin": WRONG_PIN}})

    with (races.clients_on_both_workers(server, contenders, timeout=90) as clients,
          ThreadPoolExecutor(contenders) as pool):
        responses = list(pool.map(guess, range(contenders), clients))
    races.assert_both_workers_served(responses)

    problems = [factories.assert_problem(r, 403, str(r.json()["code"])) for r in responses]
    codes = Counter(p["code"] for p in problems)
    assert codes == Counter({"invalid_pin": 4, "pin_locked": contenders - 4})
    # The judged attempts: four told how many were left, one placed the lock ...
    assert Counter(p["attempts_left"] for p in problems if p["code"] == "invalid_pin") == (
        Counter([1, 2, 3, 4]))
    judged_lock = [p for p in problems if p["code"] == "pin_locked" and "attempts_left" in p]
    assert [p["attempts_left"] for p in judged_lock] == [0]
    # ... and the database agrees: one PIN lock, its counter reset, nothing judged after it
    # (a sixth judged PIN would have counted a failure or answered invalid_pin again).
    with platform.db.transaction() as db:
        locks = db.execute(select(Restriction).where(
            Restriction.user_id == owner.user_id, Restriction.source == "pin")).scalars().all()
        assert len(locks) == 1
        assert {p["restriction_id"] for p in problems if p["code"] == "pin_locked"} == {
            locks[0].id}
        placed = db.execute(select(AuditEvent.action).where(
            AuditEvent.subject == owner.user_id,
            AuditEvent.action == "restriction.lock_placed")).scalars().all()
        assert len(placed) == 1
        pin = db.get(PaymentPin, owner.user_id)
        assert pin is not None and pin.failures == 0
        assert ledger.get_wallet(db, owner.user_id).balance == 10_000
        assert ledger.check_conservation(db).ok

    right = httpx.post(f"{server}/v1/payments", headers=owner.headers, timeout=30,
                       json={"merchant_id": merchant, "amount": 100,
                             "auth": {"method": "pin", "pin": factories.PIN}})
    factories.assert_problem(right, 403, "pin_locked")


NEW_PIN = "739158"


def test_a_pin_changed_while_a_payment_waits_for_the_lock_is_read_as_changed(
    platform: factories.ManualPlatform,
) -> None:
    """The payment reads the PIN with its wallet lock in one statement
    (``lock_wallet_with_pin``). PostgreSQL re-reads, after a wait, only the rows a
    ``FOR UPDATE`` locks: were the PIN row only joined, a payment that waited behind a PIN
    change would judge the old PIN. (Tried once with the lock on the wallet row alone:
    the old PIN paid.)"""
    if platform.db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer: a payment cannot wait inside a statement there")
    owner = factories.register_owner(platform, balance=10_000)
    merchant = factories.merchant(platform)
    outcome: dict[str, object] = {}

    def pay_with_the_old_pin() -> None:
        try:
            outcome["paid"] = factories.pay(platform, owner, merchant, 100, pin=factories.PIN)
        except DomainError as refusal:
            outcome["refused"] = refusal.code

    with platform.db.transaction() as change:
        credentials.set_pin(change, keys=platform.keys, policy=platform.policy,
                            owner=owner.principal, pin=NEW_PIN, current_pin=factories.PIN,
                            now=platform.clock.now())
        change.flush()
        me = int(change.execute(text("SELECT pg_backend_pid()")).scalar_one())
        payment = threading.Thread(target=pay_with_the_old_pin)
        payment.start()
        deadline = time.monotonic() + 30
        while not waiting_on(platform, me):
            assert payment.is_alive() and time.monotonic() < deadline, outcome
            time.sleep(0.01)
    payment.join(30)
    assert outcome == {"refused": "invalid_pin"}


def waiting_on(platform: factories.ManualPlatform, holder_pid: int) -> bool:
    with platform.db.engine.connect() as conn:
        return bool(conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND :pid = ANY(pg_blocking_pids(pid))"),
            {"pid": holder_pid}).scalar_one())
