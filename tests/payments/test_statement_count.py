"""A payment costs a constant number of SQL statements, whatever the wallet's history."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from tests import factories
from walletguard.payments import service as payments
from walletguard.runtime import Platform


@contextmanager
def counted_statements(platform: Platform) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement.split()[0].upper())

    event.listen(platform.db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(platform.db.engine, "before_cursor_execute", count)


def pay(platform: Platform, owner: factories.Owner, merchant: str, key: str) -> None:
    with platform.db.transaction() as db:
        payments.authorize_payment(
            db, path=platform.money, owner=owner.principal, idempotency_key=key,
            now=platform.clock.now(),
            request=payments.PaymentRequest(
                merchant_id=merchant, amount=100,
                auth=payments.PaymentAuth(method="pin", pin=factories.PIN)))


def test_a_payment_is_a_constant_number_of_statements(platform: Platform) -> None:
    owner = factories.register_owner(platform, balance=10_000_000)
    merchant = factories.merchant(platform)
    pay(platform, owner, merchant, "warm-up")  # fills the per-process merchant cache
    with counted_statements(platform) as first:
        pay(platform, owner, merchant, "first")
    for n in range(200):
        pay(platform, owner, merchant, f"history-{n}")
    with counted_statements(platform) as later:
        pay(platform, owner, merchant, "after-200")
    assert later == first
    assert len(first) <= 8, first  # lock, claim+answer, PIN, wallet, transfer, entries, alert
