"""Once a freeze call returns, no payment is authorised after it — across worker
processes, and whatever was in flight. Real HTTP against ``walletguard serve --workers
2`` on the test database: payer threads pay continuously while another thread freezes."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import httpx
from sqlalchemy import func, select

from tests import factories, races
from walletguard.ledger import service as ledger
from walletguard.ledger.models import LedgerTransfer
from walletguard.runtime import Platform

TOP_UP = 1_000_000
PAYERS = 6
ROUNDS = 3
PAID_BEFORE_FREEZE = 10  # successes to wait for before freezing, so the race has two sides
KEEP_PAYING = 0.6  # seconds of payments after the freeze returned


@dataclass(frozen=True)
class Attempt:
    started: float  # time.monotonic() just before the request was sent
    finished: float
    amount: int
    status: int
    code: str | None
    instance: str  # the worker process that answered


@dataclass(frozen=True)
class FreezeCall:
    sent: float
    returned: float
    status: int


def _race(server: str, owner: factories.Owner, merchant_id: str,
          amount_base: int) -> tuple[list[Attempt], FreezeCall]:
    attempts: list[Attempt] = []
    errors: list[BaseException] = []
    freeze: list[FreezeCall] = []
    stop = threading.Event()
    start = threading.Barrier(PAYERS + 1)

    def successes() -> int:
        return sum(1 for a in list(attempts) if a.status == 201)

    def payer(index: int) -> None:
        # Half the payers open a new connection per request, so requests spread over
        # both worker processes rather than sticking to one keep-alive connection.
        limits = httpx.Limits(max_keepalive_connections=0 if index % 2 else 5)
        try:
            with httpx.Client(base_url=server, timeout=30, limits=limits) as http:
                start.wait()
                n = 0
                while not stop.is_set():
                    n += 1
                    amount = amount_base + index * 10 + n % 7
                    started = time.monotonic()
                    response = http.post(
                        "/v1/payments", headers={**owner.headers,
                                                 "Idempotency-Key": f"race-{index}-{n}"},
                        json={"merchant_id": merchant_id, "amount": amount,
                              "auth": {"method": "pin", "pin": factories.PIN}})
                    code = None if response.status_code == 201 else response.json().get("code")
                    attempts.append(Attempt(started, time.monotonic(), amount,
                                            response.status_code, code,
                                            races.instance_of(response)))
        except BaseException as exc:  # surfaced below: an unknown outcome fails the test
            errors.append(exc)
            stop.set()

    def freezer() -> None:
        try:
            with httpx.Client(base_url=server, timeout=30) as http:
                start.wait()
                deadline = time.monotonic() + 20
                while successes() < PAID_BEFORE_FREEZE and time.monotonic() < deadline:
                    time.sleep(0.005)
                sent = time.monotonic()
                response = http.post("/v1/freeze", json={"reason": "phone lost"},
                                     headers=owner.headers)
                returned = time.monotonic()
                freeze.append(FreezeCall(sent, returned, response.status_code))
            # Keep paying at least KEEP_PAYING, and (up to 10 s, on a loaded machine) until
            # both workers have answered a payment started after the freeze returned.
            time.sleep(KEEP_PAYING)
            until = time.monotonic() + 10
            while time.monotonic() < until and len(
                    {a.instance for a in list(attempts) if a.started > returned}) < 2:
                time.sleep(0.05)
        except BaseException as exc:
            errors.append(exc)
        finally:
            stop.set()

    threads = [threading.Thread(target=payer, args=(i,)) for i in range(PAYERS)]
    threads.append(threading.Thread(target=freezer))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    assert not any(t.is_alive() for t in threads), "a racing thread hung"
    assert not errors, errors
    assert len(freeze) == 1
    return attempts, freeze[0]


def test_freeze_stops_every_payment_started_after_it_returned(
    platform: Platform, server: str
) -> None:
    merchant_id = factories.merchant(platform)
    for round_ in range(ROUNDS):
        owner = factories.register_owner(platform, balance=TOP_UP)
        attempts, freeze = _race(server, owner, merchant_id, amount_base=100 + 50 * round_)

        assert freeze.status == 201
        races.assert_both_workers(a.instance for a in attempts)
        # ... and on both sides of the freeze, so the worker that did not serve it is
        # shown to see it too.
        races.assert_both_workers(a.instance for a in attempts if a.started > freeze.returned)
        paid = [a for a in attempts if a.status == 201]
        late = [a for a in attempts if a.started > freeze.returned]
        assert len(paid) >= PAID_BEFORE_FREEZE, "no payment got in before the freeze"
        assert len(late) >= PAYERS, "too few payments started after the freeze to prove it"
        # The heart of it: nothing that started after the freeze answered went through.
        assert [a for a in late if a.status == 201] == []
        assert {(a.status, a.code) for a in late} == {(403, "account_frozen")}
        # Every refusal is the freeze's; nothing failed for another reason.
        assert {(a.status, a.code) for a in attempts if a.status != 201} <= {
            (403, "account_frozen")}
        # The money agrees with the acknowledged payments, to the fen.
        with platform.db.transaction() as db:
            wallet = ledger.get_wallet(db, owner.user_id)
            assert wallet.balance == TOP_UP - sum(a.amount for a in paid)
            posted = db.execute(
                select(func.count(), func.coalesce(func.sum(LedgerTransfer.amount), 0))
                .where(LedgerTransfer.user_id == owner.user_id,
                       LedgerTransfer.kind == "payment")).one()
            assert tuple(posted) == (len(paid), sum(a.amount for a in paid))
            assert ledger.check_conservation(db).ok
        seen = httpx.get(server + "/v1/wallet", headers=owner.headers, timeout=30).json()
        assert seen["balance"] == TOP_UP - sum(a.amount for a in paid)
