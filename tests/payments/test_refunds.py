"""Refunds reverse a payment, in part or whole, as new balanced entries; the original
payment's entries are never edited, and no payment is refunded beyond its amount."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests import factories
from walletguard.errors import DomainError
from walletguard.ledger import service as ledger
from walletguard.ledger.models import LedgerEntry, LedgerTransfer
from walletguard.payments import operator as operations
from walletguard.runtime import Platform


@pytest.fixture
def paid(platform: Platform) -> tuple[factories.Owner, str, str]:
    """An owner who paid 3,000 of 10,000 to a merchant: (owner, merchant, payment id)."""
    owner = factories.register_owner(platform, balance=10_000)
    merchant = factories.merchant(platform)
    payment = factories.pay(platform, owner, merchant, 3_000)
    return owner, merchant, str(payment["id"])


def _entries(platform: Platform, transfer_id: str) -> list[tuple[str, int]]:
    with platform.db.transaction() as db:
        return sorted((account, amount) for account, amount in db.execute(
            select(LedgerEntry.account_id, LedgerEntry.amount)
            .where(LedgerEntry.transfer_id == transfer_id)))


def test_a_payment_is_refunded_in_parts_then_whole_as_new_entries(
    client: TestClient, platform: Platform, paid: tuple[factories.Owner, str, str]
) -> None:
    owner, merchant, payment_id = paid
    operator = factories.staff_headers(platform, "operator")
    original = _entries(platform, payment_id)

    part = client.post(f"/v1/payments/{payment_id}/refunds",
                       json={"amount": 1_000, "reason": "one item returned"}, headers=operator)
    rest = client.post(f"/v1/payments/{payment_id}/refunds",
                       json={"reason": "order cancelled"}, headers=operator)

    assert part.status_code == 201, part.text
    assert (part.json()["amount"], part.json()["refunded_total"], part.json()["balance"]) == (
        1_000, 1_000, 8_000)
    assert rest.status_code == 201, rest.text
    assert (rest.json()["amount"], rest.json()["refunded_total"], rest.json()["balance"]) == (
        2_000, 3_000, 10_000)
    assert _entries(platform, payment_id) == original
    with platform.db.transaction() as db:
        refunds = db.execute(select(LedgerTransfer).where(
            LedgerTransfer.refund_of == payment_id)).scalars().all()
        assert sorted(r.amount for r in refunds) == [1_000, 2_000]
        assert all(r.kind == "refund" and r.user_id == owner.user_id for r in refunds)
        assert operations.merchant_balance(db, merchant_id=merchant) == 0
        assert ledger.check_conservation(db).ok
    kinds = [i["kind"] for i in client.get("/v1/transactions",
                                           headers=owner.headers).json()["items"]]
    assert kinds == ["refund", "refund", "payment", "topup"]


def test_a_refund_beyond_what_is_left_is_refused_and_moves_nothing(
    client: TestClient, platform: Platform, paid: tuple[factories.Owner, str, str]
) -> None:
    _, _, payment_id = paid
    operator = factories.staff_headers(platform, "operator")
    client.post(f"/v1/payments/{payment_id}/refunds", json={"amount": 2_500, "reason": "a"},
                headers=operator)
    before = factories.money_snapshot(platform)

    too_much = client.post(f"/v1/payments/{payment_id}/refunds",
                           json={"amount": 501, "reason": "b"}, headers=operator)

    body = factories.assert_problem(too_much, 422, "invalid_input")
    assert body["refundable"] == 500
    assert factories.money_snapshot(platform) == before


def test_only_payments_can_be_refunded_and_only_by_the_operator(
    client: TestClient, platform: Platform, paid: tuple[factories.Owner, str, str]
) -> None:
    owner, _, payment_id = paid
    payee = factories.register_owner(platform, name="李雷")
    transfer = client.post("/v1/transfers", json={
        "to_phone": payee.phone, "amount": 100,
        "auth": {"method": "pin", "pin": factories.PIN}}, headers=owner.headers)
    operator = factories.staff_headers(platform, "operator")
    before = factories.money_snapshot(platform)

    factories.assert_problem(
        client.post(f"/v1/payments/{payment_id}/refunds", json={"reason": "mine"},
                    headers=owner.headers), 403, "forbidden")
    factories.assert_problem(
        client.post(f"/v1/payments/{transfer.json()['id']}/refunds", json={"reason": "x"},
                    headers=operator), 404, "not_found")
    factories.assert_problem(
        client.post("/v1/payments/txn_nothing/refunds", json={"reason": "x"},
                    headers=operator), 404, "not_found")
    assert factories.money_snapshot(platform) == before


def test_a_refund_replayed_under_its_key_is_paid_back_once(
    client: TestClient, platform: Platform, paid: tuple[factories.Owner, str, str]
) -> None:
    owner, _, payment_id = paid
    keyed = {**factories.staff_headers(platform, "operator"), "Idempotency-Key": "rf-1"}
    body = {"amount": 1_000, "reason": "returned"}

    first = client.post(f"/v1/payments/{payment_id}/refunds", json=body, headers=keyed)
    again = client.post(f"/v1/payments/{payment_id}/refunds", json=body, headers=keyed)
    other = client.post(f"/v1/payments/{payment_id}/refunds",
                        json={**body, "amount": 999}, headers=keyed)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    factories.assert_problem(other, 409, "idempotency_conflict")
    assert client.get("/v1/wallet", headers=owner.headers).json()["balance"] == 8_000


def test_concurrent_full_refunds_of_one_payment_pay_back_once(
    platform: Platform, paid: tuple[factories.Owner, str, str]
) -> None:
    owner, _, payment_id = paid
    contenders = 8
    barrier = threading.Barrier(contenders)

    def refund(_: int) -> str:
        barrier.wait()
        try:
            with platform.db.transaction() as db:
                operations.refund_payment(db, actor=factories.OPERATOR, payment_id=payment_id,
                                        amount=None, reason="cancelled", idempotency_key=None,
                                        now=platform.clock.now())
            return "refunded"
        except DomainError as refusal:
            return refusal.code
        except Exception as exc:  # reported in the assertion below, not lost in a thread
            return f"{type(exc).__name__}: {exc}"

    with ThreadPoolExecutor(contenders) as pool:
        outcomes = sorted(pool.map(refund, range(contenders)))

    assert outcomes == ["invalid_input"] * (contenders - 1) + ["refunded"]
    with platform.db.transaction() as db:
        assert ledger.get_wallet(db, owner.user_id).balance == 10_000
        assert ledger.check_conservation(db).ok
