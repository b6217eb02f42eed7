"""Password-free small payments (小额免密): opt-in, ≤ 200 yuan a payment, ≤ 1,000 yuan a
day, and after 5 in a row the next one needs the PIN or biometric (step_up_required)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests import factories
from tests.factories import ManualPlatform
from walletguard.errors import DomainError
from walletguard.payments import owner as wallets
from walletguard.payments import service as payments
from walletguard.policy import Policy
from walletguard.runtime import Platform


@pytest.fixture
def owner(platform: Platform) -> factories.Owner:
    return factories.register_owner(platform, balance=300_000)


def _free(platform: Platform, owner: factories.Owner, merchant: str, amount: int,
          path: payments.MoneyPath | None = None) -> dict[str, object]:
    with platform.db.transaction() as db:
        return payments.authorize_payment(
            db, path=path or platform.money, owner=owner.principal, idempotency_key=None,
            now=platform.clock.now(),
            request=payments.PaymentRequest(merchant_id=merchant, amount=amount,
                                            auth=payments.PaymentAuth(method="password_free")))


def _refused(platform: Platform, owner: factories.Owner, merchant: str, amount: int,
             path: payments.MoneyPath | None = None) -> DomainError:
    before = factories.money_snapshot(platform)
    with pytest.raises(DomainError) as refused:
        _free(platform, owner, merchant, amount, path)
    assert factories.money_snapshot(platform) == before
    return refused.value


def test_password_free_payments_work_only_after_the_owner_opts_in(
    client: TestClient, platform: Platform, owner: factories.Owner, merchant: str
) -> None:
    body = {"merchant_id": merchant, "amount": 1_500, "auth": {"method": "password_free"}}
    factories.assert_problem(client.post("/v1/payments", json=body, headers=owner.headers),
                             403, "step_up_required")

    settings = client.put("/v1/settings/password-free",
                          json={"enabled": True, "pin": factories.PIN}, headers=owner.headers)
    paid = client.post("/v1/payments", json=body, headers=owner.headers)

    assert settings.status_code == 200, settings.text
    assert settings.json() == {"enabled": True, "per_payment_limit": 20_000,
                               "daily_limit": 100_000, "spent_today": 0}
    assert paid.status_code == 201, paid.text
    wallet = client.get("/v1/wallet", headers=owner.headers).json()
    assert wallet["password_free"]["spent_today"] == 1_500


def test_a_password_free_payment_above_200_yuan_needs_the_pin(
    platform: Platform, owner: factories.Owner, merchant: str
) -> None:
    factories.enable_password_free(platform, owner)

    assert _free(platform, owner, merchant, 20_000)["status"] == "succeeded"
    refusal = _refused(platform, owner, merchant, 20_001)

    assert (refusal.code, refusal.status, refusal.extra["methods"]) == (
        "step_up_required", 403, ["pin"])
    assert factories.pay(platform, owner, merchant, 20_001)["status"] == "succeeded"


def test_password_free_payments_stop_at_1000_yuan_a_day(
    platform: ManualPlatform, owner: factories.Owner, merchant: str
) -> None:
    factories.enable_password_free(platform, owner)
    for _ in range(4):
        _free(platform, owner, merchant, 20_000)
    factories.pay(platform, owner, merchant, 100)  # a PIN payment: not the cap's business
    _free(platform, owner, merchant, 20_000)  # 100,000 fen password-free today

    refusal = _refused(platform, owner, merchant, 1)

    assert refusal.code == "step_up_required"
    assert "per day" in refusal.detail
    platform.clock.advance(days=1)
    assert _free(platform, owner, merchant, 20_000)["status"] == "succeeded"


def test_the_sixth_password_free_payment_in_a_row_needs_the_pin(
    platform: Platform, owner: factories.Owner, merchant: str
) -> None:
    factories.enable_password_free(platform, owner)
    for _ in range(5):
        _free(platform, owner, merchant, 100)

    refusal = _refused(platform, owner, merchant, 100)

    assert (refusal.code, refusal.extra["methods"]) == ("step_up_required", ["pin"])
    factories.pay(platform, owner, merchant, 100)  # the PIN starts the count again
    for _ in range(5):
        _free(platform, owner, merchant, 100)
    assert _refused(platform, owner, merchant, 100).code == "step_up_required"


def test_refused_password_free_payments_do_not_count_toward_the_five_in_a_row(
    platform: Platform, owner: factories.Owner, merchant: str
) -> None:
    factories.enable_password_free(platform, owner)
    for _ in range(4):
        _free(platform, owner, merchant, 100)
    assert _refused(platform, owner, merchant, 20_001).code == "step_up_required"

    assert _free(platform, owner, merchant, 100)["status"] == "succeeded"  # the fifth


def test_pin_payments_do_not_use_up_the_password_free_allowance(
    platform: Platform, owner: factories.Owner, merchant: str
) -> None:
    factories.enable_password_free(platform, owner)
    factories.pay(platform, owner, merchant, 150_000)

    assert _free(platform, owner, merchant, 20_000)["status"] == "succeeded"


def test_the_owner_may_lower_the_password_free_limits_but_not_raise_them_past_the_profile(
    client: TestClient, platform: Platform, owner: factories.Owner, merchant: str
) -> None:
    lowered = client.put("/v1/settings/password-free", json={
        "enabled": True, "per_payment_limit": 5_000, "daily_limit": 8_000,
        "pin": factories.PIN}, headers=owner.headers)

    assert lowered.status_code == 200, lowered.text
    assert _refused(platform, owner, merchant, 5_001).code == "step_up_required"
    _free(platform, owner, merchant, 5_000)
    assert _refused(platform, owner, merchant, 3_001).code == "step_up_required"
    for too_high in ({"per_payment_limit": 20_001}, {"daily_limit": 100_001}):
        factories.assert_problem(
            client.put("/v1/settings/password-free",
                       json={"enabled": True, "pin": factories.PIN, **too_high},
                       headers=owner.headers), 422, "invalid_input")


def test_under_eu_psd2_rts_the_exemption_is_30_a_payment_and_100_cumulative(
    platform: Platform, owner: factories.Owner, merchant: str
) -> None:
    eu = payments.MoneyPath(keys=platform.keys, policy=Policy(regulatory_profile="eu-psd2-rts"),
                            rp=platform.money.rp)
    with platform.db.transaction() as db:
        wallets.set_password_free(db, path=eu, owner=owner.principal, enabled=True,
                                   per_payment_limit=None, daily_limit=None,
                                   now=platform.clock.now(), pin=factories.PIN)

    assert _refused(platform, owner, merchant, 3_001, eu).code == "step_up_required"
    for amount in (3_000, 3_000, 3_000, 1_000):
        _free(platform, owner, merchant, amount, eu)
    assert _refused(platform, owner, merchant, 1, eu).code == "step_up_required"
    with platform.db.transaction() as db:
        view = wallets.wallet_view(db, path=eu, owner=owner.principal,
                                    now=platform.clock.now())
    assert view["password_free"]["per_payment_limit"] == 3_000
    assert view["password_free"]["daily_limit"] == 10_000


def test_a_freeze_turns_password_free_payments_off(
    client: TestClient, platform: Platform, owner: factories.Owner, merchant: str
) -> None:
    factories.enable_password_free(platform, owner)

    assert client.post("/v1/freeze", json={"reason": "phone lost"},
                       headers=owner.headers).status_code == 201

    assert client.get("/v1/wallet", headers=owner.headers).json()["password_free"][
        "enabled"] is False
    assert _refused(platform, owner, merchant, 100).code == "account_frozen"


def test_password_free_can_be_turned_off_even_while_the_pin_is_locked(
    client: TestClient, platform: Platform, owner: factories.Owner, merchant: str
) -> None:
    factories.enable_password_free(platform, owner)
    for _ in range(platform.policy.pin.max_consecutive_failures):
        with pytest.raises(DomainError):
            factories.pay(platform, owner, merchant, 100, pin="582947")

    off = client.put("/v1/settings/password-free", json={"enabled": False},
                     headers=owner.headers)
    on = client.put("/v1/settings/password-free", json={"enabled": True, "pin": factories.PIN},
                    headers=owner.headers)

    assert off.status_code == 200, off.text
    assert off.json()["enabled"] is False
    factories.assert_problem(on, 403, "pin_locked")


def test_turning_password_free_on_or_raising_its_limits_needs_the_pin_lowering_does_not(
    client: TestClient, platform: Platform, owner: factories.Owner
) -> None:
    url = "/v1/settings/password-free"
    bare = client.put(url, json={"enabled": True}, headers=owner.headers)
    assert (bare.status_code, bare.json()["code"]) == (403, "step_up_required")
    assert bare.json()["methods"] == ["pin"]
    wrong = client.put(url, json={"enabled": True, "pin": "000001"}, headers=owner.headers)
    assert (wrong.status_code, wrong.json()["code"]) == (403, "invalid_pin")
    assert wrong.json()["attempts_left"] == 4  # it counts like any wrong PIN
    assert client.get("/v1/wallet", headers=owner.headers).json()[
        "password_free"]["enabled"] is False
    on = client.put(url, json={"enabled": True, "pin": factories.PIN}, headers=owner.headers)
    assert on.status_code == 200, on.text
    lower = client.put(url, json={"enabled": True, "per_payment_limit": 1_000},
                       headers=owner.headers)
    assert lower.status_code == 200, lower.text
    raise_back = client.put(url, json={"enabled": True, "per_payment_limit": 10_000},
                            headers=owner.headers)
    assert (raise_back.status_code, raise_back.json()["code"]) == (403, "step_up_required")
    off = client.put(url, json={"enabled": False}, headers=owner.headers)
    assert off.status_code == 200 and off.json()["enabled"] is False


def test_asking_for_the_pin_again_and_again_does_not_lock_the_wallet(
    platform: Platform, owner: factories.Owner, merchant: str
) -> None:
    factories.enable_password_free(platform, owner)
    for _ in range(platform.policy.restrictions.payment_failure_lock_count + 2):
        assert _refused(platform, owner, merchant, 20_001).code == "step_up_required"
    assert _free(platform, owner, merchant, 100)["status"] == "succeeded"
