"""A payment costs a constant number of SQL statements, whatever the wallet's history."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from tests import factories
from tests.factories import ManualPlatform


@contextmanager
def counted_statements(platform: ManualPlatform) -> Iterator[list[str]]:
    seen: list[str] = []
    payer = threading.get_ident()

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # The payment's own statements only: the risk brake's background thread shares
        # its counts on the same engine now and then (a CI run caught one mid-payment).
        if threading.get_ident() == payer:
            seen.append(statement.split()[0].upper())

    event.listen(platform.db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(platform.db.engine, "before_cursor_execute", count)



def test_a_payment_is_a_constant_number_of_statements(platform: ManualPlatform) -> None:
    owner = factories.register_owner(platform, balance=10_000_000)
    merchant = factories.merchant(platform)
    # The warm-up fills the per-process merchant cache.
    factories.pay(platform, owner, merchant, 100, key="warm-up")
    with counted_statements(platform) as first:
        factories.pay(platform, owner, merchant, 100, key="first")
    for n in range(200):
        factories.pay(platform, owner, merchant, 100, key=f"history-{n}")
        # Spread over time, as a real history is: 200 payments in one instant would be
        # the velocity rule's business (a fired rule stores its decision: one INSERT).
        platform.clock.advance(minutes=30)
    with counted_statements(platform) as later:
        factories.pay(platform, owner, merchant, 100, key="after-200")
    assert later == first
    # lock (which reads the PIN and the risk state too: ``lock_wallet_with_pin``, ADR
    # 0009), claim+answer, then the wallet's UPDATE (which writes the risk state too), the
    # transfer, its entries and the alert — one statement on PostgreSQL (``db.Inserts``: a
    # WITH of the UPDATE and the INSERTs), four on SQLite. The judged part's savepoint
    # costs nothing: no statement ran inside it before its last write, which runs on the
    # transaction's own connection (``Inserts.finish``, ADR 0012). The risk engine has no
    # statement of its own (a fired rule's decision row joins the closing INSERT; one more
    # INSERT on SQLite). SQLite adds its BEGIN.
    if platform.db.engine.dialect.name == "postgresql":
        expected = ["SELECT", "INSERT", "WITH"]
    else:
        expected = ["BEGIN", "SELECT", "INSERT", "UPDATE", "INSERT", "INSERT", "INSERT"]
    assert first == expected, first
