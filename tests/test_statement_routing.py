"""Every hot statement targets one owner (issue 15, docs/scaling.md): the SQL of sign-up,
login, the token check, a payment, a transfer, a freeze, a lost-phone report and the
transactions list is captured as it reaches the database, and each statement on an
owner-sharded table filters by that table's distribution column (an equality with a
value) or is an INSERT that carries it. That is what Citus needs to send a statement to
one shard; a statement that fails it runs on every shard (or, for a join, not at all
without repartitioning). Lookup tables are held to their key; reference tables are
copied to every node and may be read any way.

A transfer between two owners writes to two owners' rows by design (two-phase commit on
Citus); each of its statements still targets one owner.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from tests import factories
from tests.factories import ManualPlatform
from tests.restrictions.support import report_body
from walletguard import distribution
from walletguard.models import Base

TABLES = {t.name: t for t in Base.metadata.sorted_tables}
#: SQLite's next integer id (``walletguard.db.next_serial``): PostgreSQL (and Citus) use
#: the column's sequence instead, so this sub-select never reaches a distributed node.
_SQLITE_SERIAL = re.compile(r"\(SELECT COALESCE\(MAX\(rowid\), 0\) \+ 1 FROM \w+\)")
_VALUE = r"(?:\?|%\(\w+\)s(?:::\w+(?:\(\d+\))?)?)"


@contextmanager
def captured(platform: ManualPlatform) -> Iterator[list[str]]:
    seen: list[str] = []

    def capture(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(" ".join(statement.split()))

    # Every engine: freezes and lost-phone reports run on the priority lane's own pool.
    for engine in platform.db.engines:
        event.listen(engine, "before_cursor_execute", capture)
    try:
        yield seen
    finally:
        for engine in platform.db.engines:
            event.remove(engine, "before_cursor_execute", capture)


def _routed_column(name: str) -> str | None:
    """The column a statement on ``name`` must filter by (None: a reference table)."""
    table = TABLES[name]
    if distribution.kind_of(table) is distribution.Kind.REFERENCE:
        return None
    return distribution.distribution_column(table)


def unrouted(statement: str) -> list[str]:
    """The owner-sharded (and lookup) tables ``statement`` does not route by their
    distribution column; empty when it goes to one shard."""
    sql = _SQLITE_SERIAL.sub("?", statement)
    verb = sql.split(" ", 1)[0].upper()
    found: list[str] = []
    if verb == "INSERT":
        match = re.match(r"INSERT INTO (\w+) \(([^)]*)\)", sql)
        assert match, sql
        name, columns = match.group(1), [c.strip().strip('"') for c in match.group(2).split(",")]
        column = _routed_column(name)
        if column is not None and column not in columns:
            found.append(name)
        return found
    if verb in ("UPDATE", "DELETE"):
        match = re.match(r"(?:UPDATE|DELETE FROM) (\w+)", sql)
        assert match, sql
        names = [match.group(1)]
    elif verb in ("SELECT", "WITH"):
        names = re.findall(r"\b(?:FROM|JOIN) (\w+)", sql)
    else:
        return found  # SAVEPOINT, RELEASE, BEGIN: no table
    for name in dict.fromkeys(names):
        if name not in TABLES:
            continue  # a function's FROM, a sub-select's alias
        column = _routed_column(name)
        if column is None:
            continue
        if not re.search(rf'(?:\b{name}\.)?"?\b{column}"? = {_VALUE}', sql):
            found.append(name)
    return found


def assert_routed(statements: list[str], what: str) -> None:
    bad = [(s, unrouted(s)) for s in statements if unrouted(s)]
    assert not bad, f"{what}: statements that do not target one owner:\n" + "\n".join(
        f"  {tables}: {s}" for s, tables in bad)
    assert any(s.split(" ", 1)[0] in ("INSERT", "UPDATE", "SELECT") for s in statements), what


# --- the checker, checked ---------------------------------------------------------------

@pytest.mark.parametrize(("statement", "expected"), [
    ("SELECT device_sessions.id FROM device_sessions JOIN devices ON devices.id = "
     "device_sessions.device_id WHERE device_sessions.token_digest = ?",
     ["device_sessions", "devices"]),
    ("SELECT device_sessions.id FROM device_sessions JOIN devices ON devices.user_id = "
     "device_sessions.user_id AND devices.id = device_sessions.device_id WHERE "
     "device_sessions.user_id = ? AND devices.user_id = ? AND device_sessions.token_digest = ?",
     []),
    ("UPDATE restrictions SET lifted_at=? WHERE restrictions.id = ?", ["restrictions"]),
    ("UPDATE restrictions SET lifted_at=%(lifted_at)s::TIMESTAMP WITH TIME ZONE WHERE "
     "restrictions.user_id = %(pk_1)s::VARCHAR AND restrictions.id = %(pk_2)s::VARCHAR", []),
    ("INSERT INTO ledger_entries (transfer_id, account_id, amount) VALUES (?, ?, ?)",
     ["ledger_entries"]),
    ("INSERT INTO ledger_entries (user_id, id, transfer_id) VALUES (?, (SELECT COALESCE("
     "MAX(rowid), 0) + 1 FROM ledger_entries), ?)", []),
    ("SELECT users.id FROM users WHERE users.phone_index = ?", ["users"]),
    ("SELECT phone_claims.user_id FROM phone_claims WHERE phone_claims.phone_index = ?", []),
    ("SELECT merchants.id FROM merchants WHERE merchants.category = ?", []),
])
def test_the_checker_finds_statements_that_would_run_on_every_shard(
    statement: str, expected: list[str],
) -> None:
    assert unrouted(statement) == expected


# --- the hot paths ----------------------------------------------------------------------

def test_the_hot_use_cases_target_one_owner_per_statement(
    platform: ManualPlatform, client: TestClient,
) -> None:
    operator = factories.staff_headers(platform, "operator")
    merchant = factories.merchant(platform)
    payee = factories.register_owner(platform, name="李雷")
    number = factories.phone()

    with captured(platform) as sign_up:
        created = client.post("/v1/users", json={
            "phone": number, "password": factories.PASSWORD, "real_name": "陈静",
            "id_number": factories.resident_id()})
    assert created.status_code == 201, created.text
    assert_routed(sign_up, "sign-up")

    with captured(platform) as login:
        session = client.post("/v1/sessions", json={
            "phone": number, "password": factories.PASSWORD,
            "device": {"id": "p1", "name": "Mate", "platform": "android",
                       "fingerprint": {"model": "Mate 60"}}})
    assert session.status_code == 201, session.text
    assert_routed(login, "login")
    me = {"Authorization": f"Bearer {session.json()['token']}"}
    assert client.put("/v1/payment-pin", json={"pin": factories.PIN},
                      headers=me).status_code == 204
    assert client.post("/v1/topups", json={"user_id": created.json()["id"], "amount": 50_000},
                       headers={**operator, "Idempotency-Key": "t1"}).status_code == 201

    with captured(platform) as token_check:
        assert client.get("/v1/wallet", headers=me).status_code == 200
    assert_routed(token_check, "token check (and the wallet view)")

    pin = {"method": "pin", "pin": factories.PIN}
    with captured(platform) as payment:
        paid = client.post("/v1/payments", json={"merchant_id": merchant, "amount": 1_250,
                                                 "auth": pin},
                           headers={**me, "Idempotency-Key": "p-1"})
    assert paid.status_code == 201, paid.text
    assert_routed(payment, "payment")

    with captured(platform) as transfer:
        sent = client.post("/v1/transfers", json={"to_phone": payee.phone, "amount": 500,
                                                  "auth": pin},
                           headers={**me, "Idempotency-Key": "x-1"})
    assert sent.status_code == 201, sent.text
    assert_routed(transfer, "transfer")

    with captured(platform) as listing:
        listed = client.get("/v1/transactions", headers=me)
        incoming = client.get("/v1/transactions", headers=payee.headers)
    assert listed.status_code == incoming.status_code == 200
    assert [t["kind"] for t in listed.json()["items"]] == ["transfer", "payment", "topup"]
    assert [(t["kind"], t["amount"], t["counterparty"]) for t in incoming.json()["items"]] == \
        [("transfer", 500, created.json()["id"])]
    assert_routed(listing, "transactions list")

    with captured(platform) as freeze:
        assert client.post("/v1/freeze", json={"reason": "phone lost"},
                           headers=me).status_code == 201
    assert_routed(freeze, "freeze")

    reporter = factories.register_owner(platform, name="王芳", balance=1_000)
    with captured(platform) as report:
        reported = client.post("/v1/lost-phone-reports", json=report_body(reporter))
    assert reported.status_code == 202, reported.text
    assert_routed(report, "lost-phone report")
