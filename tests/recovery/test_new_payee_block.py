"""For 48 h after a recovery completes, money leaves only to payees the owner paid before
(issue 18 §3), on merchant payments and transfers alike; no staff role shortens it."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests import factories
from tests.factories import ManualPlatform, Owner
from tests.payments.test_statement_count import counted_statements
from tests.recovery.test_cases import open_case, pass_bank_card, pass_id_document
from walletguard.clock import ManualClock
from walletguard.runtime import Platform

NEW_PIN = "582913"


def recover_pin(client: TestClient, platform: Platform, owner: Owner) -> dict[str, Any]:
    """The owner resets the PIN from the trusted phone (no security delay)."""
    case = open_case(client, owner.phone, "reset_pin", device="phone-1")
    pass_bank_card(client, platform, owner, case["id"])
    assert pass_id_document(client, platform, owner, case["id"]).status_code == 200
    done = client.post(f"/v1/recovery-cases/{case['id']}/complete", json={"new_pin": NEW_PIN})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "completed"
    return dict(done.json())


def pay(client: TestClient, owner: Owner, merchant_id: str, pin: str = NEW_PIN) -> Any:
    return client.post("/v1/payments", headers=owner.headers,
                       json={"merchant_id": merchant_id, "amount": 100,
                             "auth": {"method": "pin", "pin": pin}})


def transfer(client: TestClient, owner: Owner, to: Owner, pin: str = NEW_PIN) -> Any:
    return client.post("/v1/transfers", headers=owner.headers,
                       json={"to_phone": to.phone, "amount": 100,
                             "auth": {"method": "pin", "pin": pin}})


def balance(client: TestClient, owner: Owner) -> int:
    return int(client.get("/v1/wallet", headers=owner.headers).json()["balance"])


def test_after_a_recovery_only_known_payees_are_paid_for_48_hours(
        client: TestClient, platform: Platform, clock: ManualClock) -> None:
    owner = factories.register_owner(platform, balance=100_000)
    known_shop, new_shop = factories.merchant(platform), factories.merchant(platform, "网游")
    friend, mule = factories.register_owner(platform), factories.register_owner(platform)
    assert pay(client, owner, known_shop, factories.PIN).status_code == 201
    assert transfer(client, owner, friend, factories.PIN).status_code == 201
    done = recover_pin(client, platform, owner)
    assert done["new_payees_blocked_until"] is not None

    paid = pay(client, owner, known_shop)
    assert paid.status_code == 201, paid.text
    assert transfer(client, owner, friend).status_code == 201
    before = balance(client, owner)
    to_new_shop = factories.assert_problem(pay(client, owner, new_shop), 403,
                                           "new_payee_blocked")
    assert to_new_shop["until"] == done["new_payees_blocked_until"]
    factories.assert_problem(transfer(client, owner, mule), 403, "new_payee_blocked")
    assert balance(client, owner) == before

    clock.advance(hours=47, minutes=59)
    factories.assert_problem(transfer(client, owner, mule), 403, "new_payee_blocked")
    clock.advance(minutes=2)
    assert transfer(client, owner, mule).status_code == 201
    assert pay(client, owner, new_shop).status_code == 201


def test_no_staff_role_shortens_the_block_by_lifting_the_observation(
        client: TestClient, platform: Platform, agent: dict[str, str]) -> None:
    owner = factories.register_owner(platform, balance=10_000)
    mule = factories.register_owner(platform)
    recover_pin(client, platform, owner)
    (observation,) = client.get(f"/v1/admin/users/{owner.user_id}/restrictions",
                                headers=agent).json()["items"]
    assert observation["kind"] == "observation"
    lifted = client.request("DELETE", f"/v1/admin/restrictions/{observation['id']}",
                            headers=agent, json={"reason": "customer asked nicely"})
    factories.assert_problem(lifted, 409, "conflict")
    factories.assert_problem(transfer(client, owner, mule), 403, "new_payee_blocked")


def test_a_wallet_never_recovered_pays_new_payees(
        client: TestClient, platform: Platform, merchant_id: str) -> None:
    owner = factories.register_owner(platform, balance=10_000)
    assert pay(client, owner, merchant_id, factories.PIN).status_code == 201


def test_the_block_costs_one_indexed_read_and_only_inside_its_window(
        client: TestClient, platform: ManualPlatform) -> None:
    owner = factories.register_owner(platform, balance=100_000)
    shop = factories.merchant(platform)
    factories.pay(platform, owner, shop, 100, key="before")
    recover_pin(client, platform, owner)
    with counted_statements(platform) as inside:
        factories.pay(platform, owner, shop, 100, pin=NEW_PIN, key="inside")
    platform.clock.advance(hours=48, seconds=1)
    # The first payment of a new day also writes the day's counters: not what is measured.
    factories.pay(platform, owner, shop, 100, pin=NEW_PIN, key="new day")
    with counted_statements(platform) as after:
        factories.pay(platform, owner, shop, 100, pin=NEW_PIN, key="after")
    # Both read the restrictions (observation runs 15 days); inside the window one more
    # SELECT asks the ledger whether the payee was paid before.
    extra = [n for n in range(len(inside)) if inside[:n] + inside[n + 1:] == after]
    assert extra and {inside[n] for n in extra} == {"SELECT"}, (inside, after)
    assert min(extra) > inside.index("SAVEPOINT")
