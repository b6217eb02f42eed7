"""The genuine owner gets the wallet back in each scenario of seed 002 and seed 004 that
this build's channels cover (one test each, both databases); every recovery ends with
the other sessions ended, 15 days of observation and the 48 h new-payee block. The
scenarios of the history quiz (§3), trusted contacts (§4), device biometric (§6) and the
hotline voice (§7) live with those channels (tests/recovery, issue 18 part A)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests import factories
from tests.factories import Owner
from tests.recovery.test_appeals import appeal, decide, history
from tests.recovery.test_cases import (
    lose_phone_and_log_in_elsewhere,
    open_case,
    pass_bank_card,
    pass_id_document,
)
from walletguard.clock import ManualClock
from walletguard.runtime import Platform

NEW_PIN = "582913"


def complete(client: TestClient, case_id: str, **body: Any) -> Any:
    return client.post(f"/v1/recovery-cases/{case_id}/complete", json=body)


def assert_recovered(done: Any) -> dict[str, Any]:
    assert done.status_code == 200, done.text
    body = dict(done.json())
    assert body["status"] == "completed"
    assert body["observation_until"] and body["new_payees_blocked_until"]
    return body


def pays(client: TestClient, owner: Owner, merchant_id: str, pin: str) -> int:
    return int(client.post("/v1/payments", headers=owner.headers, json={
        "merchant_id": merchant_id, "amount": 100,
        "auth": {"method": "pin", "pin": pin}}).status_code)


def test_seed_002_1_forgotten_pin_reset_with_the_bound_card_on_the_own_phone(
        client: TestClient, platform: Platform) -> None:
    """§1 (and §2 for the rest of the bar): card OTP to the reserved phone, the ID check,
    a new PIN at once — the phone is the owner's trusted one, so no delay."""
    owner = factories.register_owner(platform, balance=10_000)
    shop = factories.merchant(platform)
    factories.pay(platform, owner, shop, 100)
    case = open_case(client, owner.phone, "reset_pin", device="phone-1")
    pass_bank_card(client, platform, owner, case["id"])
    assert pass_id_document(client, platform, owner, case["id"]).status_code == 200
    assert_recovered(complete(client, case["id"], new_pin=NEW_PIN))
    assert pays(client, owner, shop, factories.PIN) == 403
    assert pays(client, owner, shop, NEW_PIN) == 201


def test_seed_002_2_phone_lost_recovered_to_a_new_phone_with_card_and_id(
        client: TestClient, platform: Platform, clock: ManualClock) -> None:
    """§2: ID document and face on the new phone, with the card: the new phone waits the
    security delay (the old one could cancel), then is trusted; the old session ends."""
    owner = factories.register_owner(platform, balance=10_000)
    new = lose_phone_and_log_in_elsewhere(platform, owner)
    case = open_case(client, owner.phone, "new_device", device="new-phone")
    pass_bank_card(client, platform, owner, case["id"])
    assert pass_id_document(client, platform, owner, case["id"]).status_code == 200
    assert complete(client, case["id"]).json()["status"] == "delayed"
    clock.advance(hours=platform.policy.recovery.security_delay_hours, seconds=1)
    assert_recovered(complete(client, case["id"]))
    assert client.get("/v1/me", headers=owner.headers).status_code == 401
    assert client.get("/v1/wallet", headers=new.headers).status_code == 200


def test_seed_002_5_every_self_service_channel_failed_so_the_appeal_decides(
        client: TestClient, platform: Platform, clock: ManualClock) -> None:
    """§5: the owner fails the face check into manual review, files the account-history
    form; one agent recommends after the call-back, another approves; the PIN is reset
    after the delay (the case names no trusted device)."""
    owner, form = history(platform)
    case = open_case(client, owner.phone, "reset_pin")
    for _ in range(6):
        failed = pass_id_document(client, platform, owner, case["id"], face=0.4)
    assert failed.json()["case_status"] == "review"
    ticket = appeal(client, case["id"], form).json()
    maker, checker = (factories.staff_headers(platform, "agent") for _ in range(2))
    assert decide(client, maker, ticket["id"], "recommend").status_code == 200
    assert decide(client, checker, ticket["id"], "approve").json()["status"] == "approved"
    assert complete(client, case["id"], new_pin=NEW_PIN).json()["status"] == "delayed"
    clock.advance(hours=platform.policy.recovery.security_delay_hours, seconds=1)
    assert_recovered(complete(client, case["id"], new_pin=NEW_PIN))


def test_seed_002_8_the_frozen_owner_pays_the_hospital_with_an_emergency_code(
        client: TestClient, platform: Platform) -> None:
    """§8: not a recovery — a one-off code an institution issues after an in-person check
    pays while the wallet is frozen for payments, and starts observation."""
    owner = factories.register_owner(platform, balance=100_000)
    pharmacy = factories.merchant(platform, "医院药房")
    assert client.post("/v1/freeze", headers=owner.headers,
                       json={"reason": "phone lost"}).status_code == 201
    issued = client.post("/v1/emergency-codes",
                         headers=factories.staff_headers(platform, "institution"),
                         json={"user_id": owner.user_id, "document_checked": True,
                               "amount": 30_000})
    assert issued.status_code == 201, issued.text
    paid = client.post("/v1/payments", headers=owner.headers, json={
        "merchant_id": pharmacy, "amount": 25_000,
        "auth": {"method": "emergency_code", "code": issued.json()["code"]}})
    assert paid.status_code == 201, paid.text
    assert pays(client, owner, pharmacy, factories.PIN) == 403  # still frozen otherwise


def test_seed_004_the_frozen_owner_is_unfrozen_at_the_bank_branch_with_a_passport(
        client: TestClient, platform: Platform) -> None:
    """Seed 004: no resident ID at hand; the teller checks the passport in person and
    records it; the case lifts the freeze (with its cooling-off window)."""
    owner = factories.register_owner(platform, balance=10_000)
    frozen = client.post("/v1/freeze", headers=owner.headers, json={"reason": "phone lost"})
    assert frozen.status_code == 201, frozen.text
    case = open_case(client, owner.phone, "unfreeze", device="phone-1")
    checked = client.post(f"/v1/admin/recovery-cases/{case['id']}/branch-verification",
                          headers=factories.staff_headers(platform, "teller"),
                          json={"document_type": "passport", "document_number": "E12345678",
                                "branch": "ICBC Shanghai Xuhui"})
    assert checked.status_code == 200, checked.text
    body = assert_recovered(complete(client, case["id"]))
    assert body["lifted"] == [frozen.json()["id"]]
    assert client.get("/v1/me", headers=owner.headers).json()["state"] == "observation"
