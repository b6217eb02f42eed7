"""Money is conserved: whatever sequence of top-ups, payments, transfers, refunds and
declines runs, every transfer balances, all entries sum to zero, each wallet equals its
entries — and equals top-ups − payments − transfers out + transfers in + refunds.
``walletguard ledger check`` proves it from the database and fails when it does not hold."""

from __future__ import annotations

import itertools
import random
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from tests import conftest, factories
from tests.factories import ManualPlatform
from walletguard.errors import DomainError
from walletguard.ledger import service as ledger
from walletguard.payments import operator as money_ops
from walletguard.payments import service as payments
from walletguard.runtime import Platform

OWNERS = 3
# Hypothesis seeds ``random`` the same for every example; the factories draw phone numbers
# from it, so each example reseeds it with a number of its own.
_EXAMPLES = itertools.count(1)
STATUS = {"invalid_input": 422, "not_found": 404, "insufficient_funds": 402,
          "idempotency_conflict": 409, "invalid_pin": 403, "pin_locked": 403,
          "limit_exceeded": 403, "step_up_required": 403, "account_locked": 403}
WRONG = "582947"

OPENING_BALANCE = 20_000
who = st.integers(0, OWNERS - 1)
amount = st.one_of(st.integers(1, 8_000), st.integers(8_001, 60_000))
key = st.one_of(st.none(), st.sampled_from(["k0", "k1", "k2"]))
operations = st.lists(st.one_of(
    st.tuples(st.just("topup"), who, amount, key),
    st.tuples(st.just("pay"), who, amount,
              st.sampled_from(["pin", "pin", "wrong_pin", "password_free"]), key),
    st.tuples(st.just("transfer"), who, who, amount, st.sampled_from(["pin", "pin", "wrong_pin"]),
              key),
    st.tuples(st.just("refund"), st.integers(0, 99), st.one_of(st.none(), amount), key),
), min_size=3, max_size=25)


@dataclass
class Book:
    """The test's own account of what should have happened to each wallet."""

    balance: list[int] = field(default_factory=lambda: [0] * OWNERS)
    topups: list[int] = field(default_factory=lambda: [0] * OWNERS)
    paid: list[int] = field(default_factory=lambda: [0] * OWNERS)
    sent: list[int] = field(default_factory=lambda: [0] * OWNERS)
    received: list[int] = field(default_factory=lambda: [0] * OWNERS)
    refunded: list[int] = field(default_factory=lambda: [0] * OWNERS)
    # payment id -> [payer, amount, refunded so far]
    payments: dict[str, list[int]] = field(default_factory=dict)
    # (scope, key) -> (request, first answer)
    keys: dict[tuple[str, str], tuple[tuple[Any, ...], Any]] = field(default_factory=dict)


class World:
    def __init__(self, platform: ManualPlatform) -> None:
        platform.clock.advance(days=1)  # a fresh day and login window for every example
        self.tag = next(_EXAMPLES)
        random.seed(self.tag)
        self.platform = platform
        self.owners = [factories.register_owner(platform, name=n) for n in ("甲", "乙", "丙")]
        for owner in self.owners:
            factories.enable_password_free(platform, owner)
        self.merchant = factories.merchant(platform)
        self.book = Book()
        for who in range(OWNERS):
            self.run(("topup", who, OPENING_BALANCE, None))

    def run(self, op: tuple[Any, ...]) -> None:
        kind, args = op[0], op[1:-1]
        idem = f"{self.tag}:{op[-1]}" if op[-1] else None  # the operator's keys outlive it
        scope = self._scope(kind, args)
        request = (kind, *args)
        if kind == "refund":
            payment_id = self._payment_for(args[0])
            request = (kind, payment_id, args[1])
        remembered = self.book.keys.get((scope, idem)) if idem else None
        before = factories.money_snapshot(self.platform)
        try:
            answer: Any = getattr(self, f"_{kind}")(*request[1:], idem)
        except DomainError as refusal:
            answer = refusal
        event(f"{kind}: {answer.code if isinstance(answer, DomainError) else 'done'}")
        early = self._refused_before_the_key(request)
        if early is not None:
            assert isinstance(answer, DomainError) and answer.code == early, answer
            self._check_refusal(answer, request, before)
            return
        if remembered is not None:
            first_request, first_answer = remembered
            self._check_replay(answer, first_request == request, first_answer, before)
            return
        if isinstance(answer, DomainError):
            self._check_refusal(answer, request, before)
            if idem and self._stored(kind, request, answer):
                self.book.keys[(scope, idem)] = (request, answer.problem())
            return
        self._account(request, answer)
        if idem:
            self.book.keys[(scope, idem)] = (request, answer)

    # ---- the operations, through the service layer -------------------------------------

    def _topup(self, who: int, amount: int, idem: str | None) -> dict[str, Any]:
        with self.platform.db.transaction() as db:
            return money_ops.top_up(db, actor=factories.OPERATOR,
                                   user_id=self.owners[who].user_id, amount=amount,
                                   idempotency_key=idem, now=self.platform.clock.now())

    def _pay(self, who: int, amount: int, method: str, idem: str | None) -> dict[str, Any]:
        pin = WRONG if method == "wrong_pin" else factories.PIN
        return factories.pay(self.platform, self.owners[who], self.merchant, amount,
                             method="pin" if method == "wrong_pin" else method, pin=pin,
                             key=idem)

    def _transfer(self, who: int, to: int, amount: int, method: str,
                  idem: str | None) -> dict[str, Any]:
        pin = WRONG if method == "wrong_pin" else factories.PIN
        with self.platform.db.transaction() as db:
            return payments.transfer_to_owner(
                db, path=self.platform.money, owner=self.owners[who].principal,
                idempotency_key=idem, now=self.platform.clock.now(),
                request=payments.TransferRequest(
                    to_phone=self.owners[to].phone, amount=amount,
                    auth=payments.PaymentAuth(method="pin", pin=pin)))

    def _refund(self, payment_id: str, amount: int | None, idem: str | None) -> dict[str, Any]:
        with self.platform.db.transaction() as db:
            return money_ops.refund_payment(db, actor=factories.OPERATOR, payment_id=payment_id,
                                    amount=amount, reason="returned",
                                    idempotency_key=idem, now=self.platform.clock.now())

    # ---- the book ------------------------------------------------------------------------

    def _scope(self, kind: str, args: tuple[Any, ...]) -> str:
        return f"owner:{args[0]}" if kind in ("pay", "transfer") else "operator"

    def _payment_for(self, pick: int) -> str:
        ids = list(self.book.payments)
        return ids[pick % len(ids)] if ids else "txn_none"

    def _refused_before_the_key(self, request: tuple[Any, ...]) -> str | None:
        """Requests that name nothing to act on are refused before their key is looked at
        (and not remembered under it): a transfer to oneself, a refund of no payment."""
        if request[0] == "transfer" and request[1] == request[2]:
            return "invalid_input"
        if request[0] == "refund" and request[1] not in self.book.payments:
            return "not_found"
        return None

    def _stored(self, kind: str, request: tuple[Any, ...], refusal: DomainError) -> bool:
        """Which refusals are remembered under their key: the money path's (a refused
        refund rolls back, its key included, so a retry is judged afresh)."""
        return kind in ("pay", "transfer")

    def _account(self, request: tuple[Any, ...], answer: dict[str, Any]) -> None:
        book, kind = self.book, request[0]
        if kind == "topup":
            _, who, amount = request
            book.balance[who] += amount
            book.topups[who] += amount
        elif kind == "pay":
            _, who, amount, method = request
            assert method != "wrong_pin", "a wrong PIN paid"
            assert amount <= book.balance[who], "overdrawn"
            book.balance[who] -= amount
            book.paid[who] += amount
            book.payments[answer["id"]] = [who, amount, 0]
        elif kind == "transfer":
            _, who, to, amount, method = request
            assert method != "wrong_pin", "a wrong PIN paid"
            assert amount <= book.balance[who], "overdrawn"
            book.balance[who] -= amount
            book.balance[to] += amount
            book.sent[who] += amount
            book.received[to] += amount
        else:
            _, payment_id, amount = request
            payer, paid, refunded = book.payments[payment_id]
            returned = paid - refunded if amount is None else amount
            assert 0 < returned <= paid - refunded, "refunded beyond the payment"
            assert answer["amount"] == returned
            book.payments[payment_id][2] += returned
            book.balance[payer] += returned
            book.refunded[payer] += returned
        payer = book.payments[request[1]][0] if kind == "refund" else request[1]
        assert answer["balance"] == book.balance[payer]  # the payer's (or payee's) balance
        self._check_balances()

    def _check_refusal(self, refusal: DomainError, request: tuple[Any, ...],
                       before: factories.MoneySnapshot) -> None:
        problem = refusal.problem()
        assert STATUS.get(refusal.code) == refusal.status == problem["status"], problem
        assert {"type", "title", "detail", "code"} <= problem.keys()
        assert factories.money_snapshot(self.platform) == before, "a refusal moved money"
        kind = request[0]
        assert kind != "topup", problem
        if refusal.code == "insufficient_funds":
            assert request[-2] > self.book.balance[request[1]]
        if kind == "refund" and request[1] in self.book.payments:
            _, paid, refunded = self.book.payments[request[1]]
            left = paid - refunded
            assert refusal.code == "invalid_input"
            assert left == 0 if request[2] is None else request[2] > left

    def _check_replay(self, answer: Any, same_request: bool, first: Any,
                      before: factories.MoneySnapshot) -> None:
        assert factories.money_snapshot(self.platform) == before, "a replay moved money"
        if not same_request:
            assert isinstance(answer, DomainError) and answer.code == "idempotency_conflict"
        elif isinstance(answer, DomainError):
            assert answer.problem() == first
        else:
            assert answer == first

    def _check_balances(self) -> None:
        snapshot = factories.money_snapshot(self.platform)
        for who, owner in enumerate(self.owners):
            assert snapshot.balances[owner.user_id] == self.book.balance[who]

    def settle(self) -> None:
        book = self.book
        with self.platform.db.transaction() as db:
            report = ledger.check_conservation(db)
            assert report.ok, report
            for who, owner in enumerate(self.owners):
                assert ledger.get_wallet(db, owner.user_id).balance == (
                    book.topups[who] - book.paid[who] - book.sent[who] + book.received[who]
                    + book.refunded[who])
            paid = sum(amount for _, amount, _ in book.payments.values())
            refunded = sum(back for _, _, back in book.payments.values())
            assert money_ops.merchant_balance(db, merchant_id=self.merchant) == paid - refunded


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=operations)
def test_money_is_conserved_over_any_sequence_of_operations(
    platform: ManualPlatform, ops: list[tuple[Any, ...]]
) -> None:
    world = World(platform)
    for op in ops:
        world.run(op)
    world.settle()


# ---- the CLI -------------------------------------------------------------------------


def _ledger_check(database_url: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("walletguard") or str(Path(sys.executable).parent / "walletguard")
    return subprocess.run([exe, "ledger", "check"], env=conftest.server_env(database_url, data_dir),
                          capture_output=True, text=True, timeout=120, check=False)


def test_ledger_check_proves_conservation_and_fails_when_a_wallet_drifts(
    platform: Platform, database_url: str, data_dir: Path
) -> None:
    owner = factories.register_owner(platform, balance=10_000)
    merchant = factories.merchant(platform)
    factories.pay(platform, owner, merchant, 2_500)

    good = _ledger_check(database_url, data_dir)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "money is conserved" in good.stdout

    with platform.db.engine.begin() as conn:
        conn.execute(text("UPDATE wallets SET balance = balance + 1 WHERE user_id = :u"),
                     {"u": owner.user_id})
    drifted = _ledger_check(database_url, data_dir)
    assert drifted.returncode == 1
    assert "does not balance" in drifted.stderr
