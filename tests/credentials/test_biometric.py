"""Biometric payments: a WebAuthn platform credential bound on a device (confirmed with
the PIN), usable once the device is known for 30 days with no anomalous login in the last
7, single-use challenges, and a binding that dies with its device. Driven through the real
endpoints by a software authenticator."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests import factories
from tests.credentials.soft_authenticator import SoftAuthenticator
from tests.factories import ManualPlatform
from walletguard.credentials.models import BiometricBinding
from walletguard.devices import challenges
from walletguard.runtime import Platform

WRONG = "582947"


class Phone:
    """The owner's phone: its session and its fingerprint/face authenticator."""

    def __init__(self, client: TestClient, platform: ManualPlatform, owner: factories.Owner,
                 merchant: str) -> None:
        self.client, self.platform, self.owner, self.merchant = client, platform, owner, merchant
        self.authenticator = SoftAuthenticator()

    @property
    def headers(self) -> dict[str, str]:
        return self.owner.headers

    def log_in_again(self) -> None:
        """Sessions idle out after 30 days; logging in on the same device keeps its age."""
        self.owner = factories.log_in(self.platform, user_id=self.owner.user_id,
                                      phone_number=self.owner.phone,
                                      device=self._client_device_id)

    _client_device_id = "phone-1"

    def register(self, pin: str = factories.PIN) -> Any:
        options = self.client.post("/v1/biometric/registration-options", headers=self.headers)
        assert options.status_code == 200, options.text
        credential = self.authenticator.create(options.json())
        return self.client.post("/v1/biometric/registrations",
                                json={"credential": credential, "pin": pin},
                                headers=self.headers)

    def payment_options(self) -> dict[str, Any]:
        options = self.client.post("/v1/biometric/payment-options", headers=self.headers)
        assert options.status_code == 200, options.text
        body: dict[str, Any] = options.json()
        return body

    def pay(self, assertion: dict[str, Any], amount: int = 1_000) -> Any:
        return self.client.post("/v1/payments", headers=self.headers, json={
            "merchant_id": self.merchant, "amount": amount,
            "auth": {"method": "biometric", "assertion": assertion}})

    def pay_with_pin(self, pin: str) -> Any:
        return self.client.post("/v1/payments", headers=self.headers, json={
            "merchant_id": self.merchant, "amount": 100, "auth": {"method": "pin", "pin": pin}})


@pytest.fixture
def phone(client: TestClient, platform: ManualPlatform) -> Phone:
    return Phone(client, platform, factories.register_owner(platform, balance=50_000),
                 factories.merchant(platform))


def _age_device(phone: Phone, days: int = 31) -> None:
    phone.platform.clock.advance(days=days)
    phone.log_in_again()


def test_a_bound_device_known_for_thirty_days_pays_with_a_biometric_assertion(
    phone: Phone, platform: Platform
) -> None:
    registered = phone.register()
    assert registered.status_code == 201, registered.text
    assert registered.json()["device_id"] == phone.owner.device_id
    _age_device(phone)

    paid = phone.pay(phone.authenticator.get(phone.payment_options()))

    assert paid.status_code == 201, paid.text
    assert (paid.json()["status"], paid.json()["balance"]) == ("succeeded", 49_000)
    items = phone.client.get("/v1/transactions", headers=phone.headers).json()["items"]
    assert items[0]["auth_method"] == "biometric"


def test_a_device_younger_than_thirty_days_cannot_pay_by_biometric(
    phone: Phone, platform: ManualPlatform
) -> None:
    assert phone.register().status_code == 201
    platform.clock.advance(days=29)
    phone.log_in_again()
    before = factories.money_snapshot(platform)

    refused = phone.pay(phone.authenticator.get(phone.payment_options()))

    body = factories.assert_problem(refused, 403, "step_up_required")
    assert body["methods"] == ["pin"]
    assert factories.money_snapshot(platform) == before


def test_an_anomalous_login_in_the_last_seven_days_stops_biometric_payments(
    phone: Phone, platform: ManualPlatform, client: TestClient
) -> None:
    assert phone.register().status_code == 201
    platform.clock.advance(days=31)
    # The same device id logs in with other hardware details: an anomalous login.
    odd = client.post("/v1/sessions", json={
        "phone": phone.owner.phone, "password": factories.PASSWORD,
        "device": {"id": "phone-1", "name": "phone-1", "platform": "android",
                   "fingerprint": {"model": "something else"}}})
    assert odd.status_code == 201, odd.text
    # Not proof of the trusted device (its id is no secret): an untrusted session.
    assert odd.json()["trust"] == "untrusted"
    phone.owner.token = odd.json()["token"]
    refused = phone.client.post("/v1/biometric/payment-options", headers=phone.headers)
    factories.assert_problem(refused, 403, "step_up_required")
    factories.trust_by_staff(platform, phone.owner)

    factories.assert_problem(phone.pay(phone.authenticator.get(phone.payment_options())),
                             403, "step_up_required")
    platform.clock.advance(days=7)
    assert phone.pay(phone.authenticator.get(phone.payment_options())).status_code == 201


def test_binding_needs_the_payment_pin_and_a_wrong_one_counts(
    phone: Phone, platform: Platform
) -> None:
    body = factories.assert_problem(phone.register(pin=WRONG), 403, "invalid_pin")

    assert body["attempts_left"] == 4
    with platform.db.transaction() as db:
        assert db.execute(select(BiometricBinding).where(
            BiometricBinding.user_id == phone.owner.user_id)).first() is None


@pytest.mark.parametrize("tamper", ["other_rp", "other_origin", "no_raw_id", "not_cbor"])
def test_a_malformed_or_foreign_registration_is_refused_not_a_server_error(
    phone: Phone, platform: Platform, tamper: str
) -> None:
    options = phone.client.post("/v1/biometric/registration-options",
                                headers=phone.headers).json()
    if tamper == "other_rp":
        phone.authenticator.rp_id = "evil.example"
    if tamper == "other_origin":
        phone.authenticator.origin = "https://evil.example"
    credential = phone.authenticator.create(options)
    if tamper == "no_raw_id":
        del credential["rawId"]
    if tamper == "not_cbor":
        credential["response"]["attestationObject"] = "bm90IGNib3I"

    response = phone.client.post("/v1/biometric/registrations", headers=phone.headers,
                                 json={"credential": credential, "pin": factories.PIN})

    factories.assert_problem(response, 403, "invalid_biometric")


def test_an_assertion_is_good_for_one_payment_only(phone: Phone, platform: Platform) -> None:
    assert phone.register().status_code == 201
    _age_device(phone)
    assertion = phone.authenticator.get(phone.payment_options())
    assert phone.pay(assertion).status_code == 201
    before = factories.money_snapshot(platform)

    replayed = phone.pay(assertion)

    factories.assert_problem(replayed, 403, "invalid_biometric")
    assert factories.money_snapshot(platform) == before


def test_an_assertion_signed_by_another_key_is_refused_and_moves_nothing(
    phone: Phone, platform: Platform
) -> None:
    assert phone.register().status_code == 201
    _age_device(phone)
    before = factories.money_snapshot(platform)

    forged = phone.authenticator.get(phone.payment_options(),
                                     signer=ec.generate_private_key(ec.SECP256R1()))
    unverified = phone.authenticator.get(phone.payment_options(), user_verified=False)

    factories.assert_problem(phone.pay(forged), 403, "invalid_biometric")
    factories.assert_problem(phone.pay(unverified), 403, "invalid_biometric")
    assert factories.money_snapshot(platform) == before


def test_an_authenticator_whose_counter_goes_back_is_refused_as_a_clone(
    phone: Phone, platform: Platform
) -> None:
    assert phone.register().status_code == 201
    _age_device(phone)
    assert phone.pay(phone.authenticator.get(phone.payment_options())).status_code == 201
    phone.authenticator.sign_count = 0  # a copy of the key that has not seen that use

    cloned = phone.pay(phone.authenticator.get(phone.payment_options()))

    factories.assert_problem(cloned, 403, "invalid_biometric")


def test_after_two_wrong_pins_the_refusal_offers_biometric_when_it_is_available(
    phone: Phone, platform: Platform
) -> None:
    assert phone.register().status_code == 201
    _age_device(phone)

    first = factories.assert_problem(phone.pay_with_pin(WRONG), 403, "invalid_pin")
    second = factories.assert_problem(phone.pay_with_pin(WRONG), 403, "invalid_pin")

    assert "biometric_available" not in first
    assert (second["biometric_available"], second["methods"]) == (True, ["biometric"])
    assert phone.pay(phone.authenticator.get(phone.payment_options())).status_code == 201


def test_after_two_wrong_pins_biometric_is_not_offered_where_it_is_not_available(
    phone: Phone, platform: Platform
) -> None:
    assert phone.register().status_code == 201  # bound, but the device is too young

    factories.assert_problem(phone.pay_with_pin(WRONG), 403, "invalid_pin")
    second = factories.assert_problem(phone.pay_with_pin(WRONG), 403, "invalid_pin")

    assert "biometric_available" not in second


def test_a_step_up_offers_biometric_when_the_device_can_use_it(
    phone: Phone, platform: Platform
) -> None:
    assert phone.register().status_code == 201
    _age_device(phone)

    refused = phone.client.post("/v1/payments", headers=phone.headers, json={
        "merchant_id": phone.merchant, "amount": 100, "auth": {"method": "password_free"}})

    assert factories.assert_problem(refused, 403, "step_up_required")["methods"] == [
        "pin", "biometric"]


def test_unbinding_the_device_ends_its_biometric_binding(
    phone: Phone, platform: Platform, client: TestClient
) -> None:
    assert phone.register().status_code == 201
    _age_device(phone)
    old_device = phone.owner.device_id
    other = factories.second_device(platform, phone.owner, "phone-2")

    assert client.delete(f"/v1/devices/{old_device}", headers=other.headers).status_code == 204

    with platform.db.transaction() as db:
        binding = db.execute(select(BiometricBinding).where(
            BiometricBinding.device_id == old_device)).scalar_one()
        assert binding.revoked_at is not None
    factories.assert_problem(phone.client.post("/v1/biometric/payment-options",
                                               headers=phone.headers), 401, "unauthenticated")
    # The same phone comes back: a new device as far as trust goes, and no binding.
    _age_device(phone)
    assert phone.owner.principal.trusted is False
    # The owner approves it from the other phone (signed in again there: trusted).
    other = factories.log_in(platform, user_id=other.user_id, phone_number=other.phone,
                             device="phone-2")
    assert other.principal.trusted
    with platform.db.transaction() as db:
        challenges.approve(db, keys=platform.keys, policy=platform.policy,
                           owner=other.principal, pin=factories.PIN, now=platform.clock.now(),
                           challenge_id=str(phone.owner.principal.challenge_id))
    factories.assert_problem(phone.client.post("/v1/biometric/payment-options",
                                               headers=phone.headers), 403, "forbidden")
    refused = phone.pay(phone.authenticator.get({"challenge": "bm8tY2hhbGxlbmdl"}))
    factories.assert_problem(refused, 403, "step_up_required")
