"""Payments and transfers through the one money path: what succeeds moves exactly the
amount, what is refused is problem+json with its API.md code and moves nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypedDict

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests import factories
from tests.factories import ManualPlatform
from walletguard.errors import DomainError
from walletguard.ledger import service as ledger
from walletguard.notifications.models import OutboxMessage
from walletguard.runtime import Platform

PIN_AUTH = {"method": "pin", "pin": factories.PIN}


@dataclass
class Shop:
    """An owner with money and a merchant to pay."""

    owner: factories.Owner
    merchant_id: str
    operator: dict[str, str]

    def body(self, amount: int = 1_250, **auth: object) -> dict[str, object]:
        return {"merchant_id": self.merchant_id, "amount": amount,
                "auth": auth or dict(PIN_AUTH)}


@pytest.fixture
def shop(platform: Platform) -> Shop:
    return Shop(owner=factories.register_owner(platform, balance=10_000),
                merchant_id=factories.merchant(platform),
                operator=factories.staff_headers(platform, "operator"))


def _alerts(platform: Platform, user_id: str, topic: str = "transaction.alert") -> int:
    with platform.db.transaction() as db:
        return db.execute(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.user_id == user_id, OutboxMessage.topic == topic)).scalar_one()


def test_a_pin_payment_moves_the_amount_from_the_wallet_to_the_merchant(
    client: TestClient, platform: Platform, shop: Shop
) -> None:
    paid = client.post("/v1/payments", json=shop.body(1_250), headers=shop.owner.headers)

    assert paid.status_code == 201, paid.text
    assert paid.json()["status"] == "succeeded"
    assert paid.json()["amount"] == 1_250
    assert paid.json()["balance"] == 8_750
    wallet = client.get("/v1/wallet", headers=shop.owner.headers).json()
    assert (wallet["balance"], wallet["spent_today"], wallet["currency"]) == (8_750, 1_250, "CNY")
    merchant = client.get(f"/v1/merchants/{shop.merchant_id}/balance", headers=shop.operator)
    assert merchant.json()["balance"] == 1_250
    items = client.get("/v1/transactions", headers=shop.owner.headers).json()["items"]
    assert [(i["id"], i["kind"], i["amount"], i["counterparty"]) for i in items] == [
        (paid.json()["id"], "payment", -1_250, shop.merchant_id),
        (items[1]["id"], "topup", 10_000, "acc_platform_clearing")]
    with platform.db.transaction() as db:
        assert ledger.check_conservation(db).ok


def test_every_payment_and_transfer_enqueues_a_transaction_alert(
    client: TestClient, platform: Platform, shop: Shop
) -> None:
    payee = factories.register_owner(platform, name="李雷")
    before = _alerts(platform, shop.owner.user_id)

    assert client.post("/v1/payments", json=shop.body(100),
                       headers=shop.owner.headers).status_code == 201
    assert client.post("/v1/transfers", json={"to_phone": payee.phone, "amount": 200,
                                              "auth": PIN_AUTH},
                       headers=shop.owner.headers).status_code == 201
    refused = client.post("/v1/payments", json=shop.body(9_701), headers=shop.owner.headers)

    assert refused.status_code == 402
    assert _alerts(platform, shop.owner.user_id) == before + 2
    assert _alerts(platform, payee.user_id, "transaction.received") == 1


# ---- refusals: problem+json, the API.md code, nothing moves ----------------------------
# Each case does its setup (which may write) and returns the one request to refuse.

Request = Callable[[], object]
Case = Callable[[TestClient, Platform, Shop], Request]
class PinAuth(TypedDict):
    method: str
    pin: str


WRONG: PinAuth = {"method": "pin", "pin": "582947"}


def _wrong_pin(client: TestClient, platform: Platform, shop: Shop) -> Request:
    return lambda: client.post("/v1/payments", json=shop.body(**WRONG),
                               headers=shop.owner.headers)


def _missing_pin(client: TestClient, platform: Platform, shop: Shop) -> Request:
    return lambda: client.post("/v1/payments", json=shop.body(method="pin"),
                               headers=shop.owner.headers)


def _zero_amount(client: TestClient, platform: Platform, shop: Shop) -> Request:
    return lambda: client.post("/v1/payments", json=shop.body(0), headers=shop.owner.headers)


def _amount_as_text(client: TestClient, platform: Platform, shop: Shop) -> Request:
    return lambda: client.post("/v1/payments", json={**shop.body(), "amount": "100"},
                               headers=shop.owner.headers)


def _unknown_merchant(client: TestClient, platform: Platform, shop: Shop) -> Request:
    return lambda: client.post("/v1/payments", json={**shop.body(), "merchant_id": "mer_x"},
                               headers=shop.owner.headers)


def _more_than_the_balance(client: TestClient, platform: Platform, shop: Shop) -> Request:
    return lambda: client.post("/v1/payments", json=shop.body(9_701),
                               headers=shop.owner.headers)


def _over_the_daily_limit(client: TestClient, platform: Platform, shop: Shop) -> Request:
    lowered = client.put("/v1/settings/limits", json={"daily_limit": 5_000},
                         headers=shop.owner.headers)
    assert lowered.status_code == 200, lowered.text
    return lambda: client.post("/v1/payments", json=shop.body(4_701),
                               headers=shop.owner.headers)


def _password_free_not_enabled(client: TestClient, platform: Platform, shop: Shop) -> Request:
    return lambda: client.post("/v1/payments", json=shop.body(100, method="password_free"),
                               headers=shop.owner.headers)


def _frozen(client: TestClient, platform: Platform, shop: Shop) -> Request:
    assert client.post("/v1/freeze", json={"reason": "phone lost"},
                       headers=shop.owner.headers).status_code == 201
    return lambda: client.post("/v1/payments", json=shop.body(), headers=shop.owner.headers)


def _pin_locked(client: TestClient, platform: Platform, shop: Shop) -> Request:
    for _ in range(5):
        client.post("/v1/payments", json=shop.body(**WRONG), headers=shop.owner.headers)
    return lambda: client.post("/v1/payments", json=shop.body(), headers=shop.owner.headers)


def _no_token(client: TestClient, platform: Platform, shop: Shop) -> Request:
    return lambda: client.post("/v1/payments", json=shop.body())


def _operator_cannot_pay(client: TestClient, platform: Platform, shop: Shop) -> Request:
    return lambda: client.post("/v1/payments", json=shop.body(), headers=shop.operator)


def _key_reused_with_another_body(client: TestClient, platform: Platform,
                                  shop: Shop) -> Request:
    keyed = {**shop.owner.headers, "Idempotency-Key": "k-1"}
    assert client.post("/v1/payments", json=shop.body(100), headers=keyed).status_code == 201
    return lambda: client.post("/v1/payments", json=shop.body(200), headers=keyed)


def _transfer_to_nobody(client: TestClient, platform: Platform, shop: Shop) -> Request:
    return lambda: client.post("/v1/transfers", json={
        "to_phone": factories.phone(), "amount": 100, "auth": PIN_AUTH},
        headers=shop.owner.headers)


def _transfer_to_oneself(client: TestClient, platform: Platform, shop: Shop) -> Request:
    return lambda: client.post("/v1/transfers", json={
        "to_phone": shop.owner.phone, "amount": 100, "auth": PIN_AUTH},
        headers=shop.owner.headers)


def _transfer_beyond_the_balance(client: TestClient, platform: Platform,
                                 shop: Shop) -> Request:
    payee = factories.register_owner(platform, name="李雷")
    return lambda: client.post("/v1/transfers", json={
        "to_phone": payee.phone, "amount": 9_701, "auth": PIN_AUTH},
        headers=shop.owner.headers)


def _transfer_with_a_wrong_pin(client: TestClient, platform: Platform, shop: Shop) -> Request:
    payee = factories.register_owner(platform, name="李雷")
    return lambda: client.post("/v1/transfers", json={
        "to_phone": payee.phone, "amount": 100, "auth": WRONG}, headers=shop.owner.headers)


def _transfer_password_free(client: TestClient, platform: Platform, shop: Shop) -> Request:
    payee = factories.register_owner(platform, name="李雷")
    factories.enable_password_free(platform, shop.owner)
    return lambda: client.post("/v1/transfers", json={
        "to_phone": payee.phone, "amount": 100, "auth": {"method": "password_free"}},
        headers=shop.owner.headers)


REFUSALS: list[tuple[Case, int, str]] = [
    (_wrong_pin, 403, "invalid_pin"),
    (_missing_pin, 422, "invalid_input"),
    (_zero_amount, 422, "invalid_input"),
    (_amount_as_text, 422, "invalid_input"),
    (_unknown_merchant, 404, "not_found"),
    (_more_than_the_balance, 402, "insufficient_funds"),
    (_over_the_daily_limit, 403, "limit_exceeded"),
    (_password_free_not_enabled, 403, "step_up_required"),
    (_frozen, 403, "account_frozen"),
    (_pin_locked, 403, "pin_locked"),
    (_no_token, 401, "unauthenticated"),
    (_operator_cannot_pay, 403, "forbidden"),
    (_key_reused_with_another_body, 409, "idempotency_conflict"),
    (_transfer_to_nobody, 404, "not_found"),
    (_transfer_to_oneself, 422, "invalid_input"),
    (_transfer_beyond_the_balance, 402, "insufficient_funds"),
    (_transfer_with_a_wrong_pin, 403, "invalid_pin"),
    (_transfer_password_free, 403, "step_up_required"),
]


@pytest.mark.parametrize(("case", "status", "code"), REFUSALS,
                         ids=[c.__name__.strip("_") for c, _, _ in REFUSALS])
def test_a_refused_payment_is_problem_json_with_its_code_and_moves_nothing(
    client: TestClient, platform: Platform, shop: Shop, case: Case, status: int, code: str
) -> None:
    factories.pay(platform, shop.owner, shop.merchant_id, 300)  # history that must stay
    refused_request = case(client, platform, shop)
    before = factories.money_snapshot(platform)

    body = factories.assert_problem(refused_request(), status, code)

    assert factories.money_snapshot(platform) == before
    if code == "invalid_pin":
        assert body["attempts_left"] == 4
    if code == "step_up_required":
        assert body["methods"] == ["pin"]
    with platform.db.transaction() as db:
        assert ledger.check_conservation(db).ok


# ---- transfers -------------------------------------------------------------------------


def test_a_transfer_moves_the_amount_to_the_other_owner(
    client: TestClient, platform: Platform, shop: Shop
) -> None:
    payee = factories.register_owner(platform, name="李雷", balance=500)

    sent = client.post("/v1/transfers", json={"to_phone": payee.phone, "amount": 2_000,
                                              "note": "dinner", "auth": PIN_AUTH},
                       headers=shop.owner.headers)

    assert sent.status_code == 201, sent.text
    assert (sent.json()["status"], sent.json()["balance"]) == ("succeeded", 8_000)
    assert client.get("/v1/wallet", headers=payee.headers).json()["balance"] == 2_500
    received = client.get("/v1/transactions", headers=payee.headers).json()["items"][0]
    assert (received["kind"], received["amount"], received["counterparty"]) == (
        "transfer", 2_000, shop.owner.user_id)
    sent_item = client.get("/v1/transactions", headers=shop.owner.headers).json()["items"][0]
    assert (sent_item["amount"], sent_item["counterparty"]) == (-2_000, payee.user_id)
    with platform.db.transaction() as db:
        assert ledger.check_conservation(db).ok


# ---- views -----------------------------------------------------------------------------


def test_transactions_can_be_read_for_a_time_window(
    client: TestClient, platform: ManualPlatform, shop: Shop
) -> None:
    start = platform.clock.now()
    factories.pay(platform, shop.owner, shop.merchant_id, 100)
    platform.clock.advance(hours=2)
    factories.pay(platform, shop.owner, shop.merchant_id, 200)
    middle = (start + timedelta(hours=1)).isoformat()

    early = client.get("/v1/transactions", params={"until": middle},
                       headers=shop.owner.headers).json()["items"]
    late = client.get("/v1/transactions", params={"since": middle},
                      headers=shop.owner.headers).json()["items"]

    assert [i["amount"] for i in early] == [-100, 10_000]
    assert [i["amount"] for i in late] == [-200]


def test_a_time_window_without_a_time_zone_is_refused_not_a_server_error(
    client: TestClient, shop: Shop
) -> None:
    response = client.get("/v1/transactions", params={"since": "2025-01-31T00:00:00"},
                          headers=shop.owner.headers)

    factories.assert_problem(response, 422, "invalid_input")


def test_the_wallet_view_shows_balance_limits_and_password_free_settings(
    client: TestClient, platform: Platform, shop: Shop
) -> None:
    factories.enable_password_free(platform, shop.owner, per_payment_limit=5_000)

    wallet = client.get("/v1/wallet", headers=shop.owner.headers).json()

    assert wallet["balance"] == wallet["available"] == 10_000
    assert wallet["daily_limit"] == platform.policy.limits.default_daily_limit
    assert wallet["password_free"] == {"enabled": True, "per_payment_limit": 5_000,
                                       "daily_limit": 100_000, "spent_today": 0}


# ---- operator: merchants and top-ups ---------------------------------------------------


def test_only_the_operator_creates_merchants_and_tops_up(
    client: TestClient, platform: Platform, shop: Shop
) -> None:
    merchant = client.post("/v1/merchants", json={"name": "书店", "category": "books"},
                           headers=shop.operator)
    topup = client.post("/v1/topups", json={"user_id": shop.owner.user_id, "amount": 500},
                        headers=shop.operator)

    assert merchant.status_code == 201, merchant.text
    assert (topup.status_code, topup.json()["balance"]) == (201, 10_500)
    factories.assert_problem(
        client.post("/v1/merchants", json={"name": "x", "category": "y"},
                    headers=shop.owner.headers), 403, "forbidden")
    factories.assert_problem(
        client.post("/v1/topups", json={"user_id": shop.owner.user_id, "amount": 500},
                    headers=shop.owner.headers), 403, "forbidden")
    factories.assert_problem(
        client.post("/v1/topups", json={"user_id": "usr_nobody", "amount": 500},
                    headers=shop.operator), 404, "not_found")


def test_a_top_up_replayed_under_its_key_credits_once(
    client: TestClient, platform: Platform, shop: Shop
) -> None:
    keyed = {**shop.operator, "Idempotency-Key": "topup-7"}
    body = {"user_id": shop.owner.user_id, "amount": 700}

    first = client.post("/v1/topups", json=body, headers=keyed)
    again = client.post("/v1/topups", json=body, headers=keyed)
    other = client.post("/v1/topups", json={**body, "amount": 701}, headers=keyed)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    factories.assert_problem(other, 409, "idempotency_conflict")
    assert client.get("/v1/wallet", headers=shop.owner.headers).json()["balance"] == 10_700


# ---- repeated declines -----------------------------------------------------------------


def test_ten_declined_payments_in_a_row_lock_payments_for_an_hour(
    platform: ManualPlatform, shop: Shop
) -> None:
    for _ in range(platform.policy.restrictions.payment_failure_lock_count):
        with pytest.raises(DomainError) as declined:
            factories.pay(platform, shop.owner, shop.merchant_id, 20_000)
        assert declined.value.code == "insufficient_funds"

    with pytest.raises(DomainError) as locked:
        factories.pay(platform, shop.owner, shop.merchant_id, 100)
    assert locked.value.code == "account_locked"
    platform.clock.advance(hours=1, seconds=1)
    assert factories.pay(platform, shop.owner, shop.merchant_id, 100)["balance"] == 9_900
