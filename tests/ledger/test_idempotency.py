"""Idempotency keys: a retry with the same key and body gets the first answer — a decline
as well as a success — and moves nothing; the same key with another body is a conflict."""

from __future__ import annotations

import hashlib
import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests import factories
from walletguard.credentials.models import PaymentPin
from walletguard.ledger import idempotency
from walletguard.ledger.models import IdempotencyRecord
from walletguard.runtime import Platform

WRONG = "582947"


@pytest.fixture
def owner(platform: Platform) -> factories.Owner:
    return factories.register_owner(platform, balance=10_000)


def _pay(client: TestClient, owner: factories.Owner, merchant: str, amount: int, key: str,
         pin: str = factories.PIN) -> object:
    return client.post("/v1/payments", headers={**owner.headers, "Idempotency-Key": key},
                       json={"merchant_id": merchant, "amount": amount,
                             "auth": {"method": "pin", "pin": pin}})


def test_a_replayed_payment_returns_the_first_answer_and_pays_once(
    client: TestClient, platform: Platform, owner: factories.Owner, merchant: str
) -> None:
    first = _pay(client, owner, merchant, 1_000, "order-1")
    after_first = factories.money_snapshot(platform)

    again = _pay(client, owner, merchant, 1_000, "order-1")

    assert first.status_code == again.status_code == 201  # type: ignore[attr-defined]
    assert again.json() == first.json()  # type: ignore[attr-defined]
    assert factories.money_snapshot(platform) == after_first
    assert after_first.balances[owner.user_id] == 9_000


def test_a_replayed_decline_is_the_same_decline_and_is_not_judged_again(
    client: TestClient, platform: Platform, owner: factories.Owner, merchant: str
) -> None:
    first = factories.assert_problem(_pay(client, owner, merchant, 1_000, "o-2", pin=WRONG),
                                     403, "invalid_pin")

    again = factories.assert_problem(_pay(client, owner, merchant, 1_000, "o-2", pin=WRONG),
                                     403, "invalid_pin")

    assert again == first
    with platform.db.transaction() as db:
        pin = db.get(PaymentPin, owner.user_id)
        assert pin is not None and pin.failures == 1


def test_a_decline_stays_the_answer_even_after_the_cause_is_gone(
    client: TestClient, platform: Platform, owner: factories.Owner, merchant: str
) -> None:
    factories.assert_problem(_pay(client, owner, merchant, 12_000, "o-3"), 402,
                             "insufficient_funds")
    factories.top_up(platform, owner.user_id, 5_000)

    again = _pay(client, owner, merchant, 12_000, "o-3")
    fresh = _pay(client, owner, merchant, 12_000, "o-4")

    factories.assert_problem(again, 402, "insufficient_funds")
    assert fresh.status_code == 201  # type: ignore[attr-defined]


def test_the_same_key_with_another_body_is_a_conflict_and_moves_nothing(
    client: TestClient, platform: Platform, owner: factories.Owner, merchant: str
) -> None:
    _pay(client, owner, merchant, 1_000, "o-5")
    before = factories.money_snapshot(platform)

    for other in (_pay(client, owner, merchant, 1_001, "o-5"),
                  _pay(client, owner, factories.merchant(platform, "书店"), 1_000, "o-5"),
                  _pay(client, owner, merchant, 1_000, "o-5", pin=WRONG)):
        factories.assert_problem(other, 409, "idempotency_conflict")

    assert factories.money_snapshot(platform) == before
    with platform.db.transaction() as db:
        pin = db.get(PaymentPin, owner.user_id)
        assert pin is not None and pin.failures == 0  # the wrong PIN was never judged


def test_keys_belong_to_their_owner(
    client: TestClient, platform: Platform, owner: factories.Owner, merchant: str
) -> None:
    other = factories.register_owner(platform, name="李雷", balance=10_000)

    mine = _pay(client, owner, merchant, 1_000, "shared-key")
    theirs = _pay(client, other, merchant, 2_000, "shared-key")

    assert mine.status_code == theirs.status_code == 201  # type: ignore[attr-defined]
    assert mine.json()["id"] != theirs.json()["id"]  # type: ignore[attr-defined]
    assert theirs.json()["balance"] == 8_000  # type: ignore[attr-defined]


def test_a_payment_without_a_key_is_paid_each_time(
    client: TestClient, platform: Platform, owner: factories.Owner, merchant: str
) -> None:
    body = {"merchant_id": merchant, "amount": 1_000,
            "auth": {"method": "pin", "pin": factories.PIN}}

    ids = {client.post("/v1/payments", json=body, headers=owner.headers).json()["id"]
           for _ in range(2)}

    assert len(ids) == 2
    assert client.get("/v1/wallet", headers=owner.headers).json()["balance"] == 8_000


def test_the_stored_request_hash_reveals_neither_the_pin_nor_the_payee(
    client: TestClient, platform: Platform, owner: factories.Owner, merchant: str
) -> None:
    """The record keeps a plain SHA-256 of the request it is given; over the raw body, a
    million guesses against a stolen database would give the PIN back."""
    payee = factories.register_owner(platform, name="李雷")
    _pay(client, owner, merchant, 1_000, "o-6")
    client.post("/v1/transfers", json={"to_phone": payee.phone, "amount": 500,
                                       "auth": {"method": "pin", "pin": factories.PIN}},
                headers={**owner.headers, "Idempotency-Key": "o-7"})
    auth = {"method": "pin", "pin": factories.PIN, "assertion": None, "code": None}
    guesses = {
        "o-6": {"op": "payment", "merchant_id": merchant, "amount": 1_000, "category": None,
                "auth": auth},
        "o-7": {"op": "transfer", "to_phone": payee.phone, "amount": 500, "note": None,
                "auth": auth},
    }

    with platform.db.transaction() as db:
        records = db.execute(select(IdempotencyRecord).where(
            IdempotencyRecord.key.in_(guesses))).scalars().all()
    assert len(records) == 2
    for record in records:
        assert record.status_code == 201
        assert record.request_digest != idempotency.request_digest(guesses[record.key])
        stored = json.dumps(record.response)
        assert factories.PIN not in stored and payee.phone not in stored
        assert record.request_digest != hashlib.sha256(factories.PIN.encode()).hexdigest()
