"""Shared by tests/restrictions, tests/incidents and tests/devices/test_commands.py: what
must hold after every test (the audit chains verify, the ledger conserves money) and
small readers of what the database holds."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests import factories
from walletguard.audit import service as audit
from walletguard.ledger import service as ledger
from walletguard.models import Base
from walletguard.notifications.models import OutboxMessage
from walletguard.runtime import Platform


def assert_audit_and_ledger_hold(platform: Platform) -> None:
    with platform.db.transaction() as db:
        report = audit.verify(db)
        assert report.first_break is None, report.first_break
        books = ledger.check_conservation(db)
        assert books.ok, books


@pytest.fixture(autouse=True)
def audit_verifies_afterwards(request: pytest.FixtureRequest) -> Iterator[None]:
    """For every test that touched a database: verify after it, before the tables are
    emptied (the ``platform`` fixture is set up first, so it is torn down last)."""
    if "platform" not in request.fixturenames:
        yield None
        return
    platform: Platform = request.getfixturevalue("platform")
    yield None
    assert_audit_and_ledger_hold(platform)


# ---- helpers shared by tests/restrictions, tests/incidents, tests/devices/test_commands ---


def outbox(platform: Platform, user_id: str,
           topic: str | None = None) -> list[tuple[str, str, str]]:
    """(topic, channel, recipient) of every outbox row about ``user_id``."""
    with platform.db.transaction() as db:
        query = select(OutboxMessage.topic, OutboxMessage.channel,
                       OutboxMessage.recipient).where(OutboxMessage.user_id == user_id)
        if topic is not None:
            query = query.where(OutboxMessage.topic == topic)
        return [(r.topic, r.channel, r.recipient)
                for r in db.execute(query.order_by(OutboxMessage.id))]


def audit_actions(platform: Platform, user_id: str) -> list[str]:
    with platform.db.transaction() as db:
        page = audit.events_for(db, subject=user_id, limit=audit.MAX_PAGE)
        return [e.action for e in reversed(page.items)]


def report_body(owner: factories.Owner) -> dict[str, str]:
    """What the owner types into the public lost-phone form."""
    return {"phone": owner.phone, "real_name": owner.real_name,
            "id_number_last4": owner.id_number[-4:]}


def snapshot(platform: Platform) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to show that a refused request changed nothing (but the
    risk brake's counts, which a served worker's background thread writes whenever it
    syncs: ``tests.http.state``)."""
    with platform.db.engine.connect() as conn:
        return {table.name: sorted((tuple(r) for r in conn.execute(select(table))), key=repr)
                for table in Base.metadata.sorted_tables
                if table.name != "risk_brake_counts"}


def pay(client: TestClient, owner: factories.Owner, merchant_id: str, amount: int,
        **auth: str) -> httpx.Response:
    response: httpx.Response = client.post("/v1/payments", headers=owner.headers, json={
        "merchant_id": merchant_id, "amount": amount,
        "auth": auth or {"method": "pin", "pin": factories.PIN}})
    return response
