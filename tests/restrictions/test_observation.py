"""After a lost-phone freeze is lifted the wallet is under observation for 15 days: the
daily limit is halved and password-free payments stay off; then it is back to normal."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests import factories
from tests.restrictions.support import pay, report_body
from walletguard.clock import ManualClock
from walletguard.runtime import Platform

BALANCE = 700_000
FULL_LIMIT = 500_000  # cn-pboc-43: PIN or biometric on a bound device, per day
HALF_LIMIT = 250_000


def wallet(client: TestClient, owner: factories.Owner) -> dict[str, Any]:
    body: dict[str, Any] = client.get("/v1/wallet", headers=owner.headers).json()
    return body


def lost_phone_then_lift(client: TestClient, platform: Platform, owner: factories.Owner,
                         agent: dict[str, str]) -> factories.Owner:
    """Report the phone lost, sign in on a new phone, have an agent lift the freeze and
    trust the new phone (the lift ends the untrusted session: sign in again first)."""
    assert client.post("/v1/lost-phone-reports", json=report_body(owner)).status_code == 202
    new_phone = factories.log_in(platform, user_id=owner.user_id, phone_number=owner.phone,
                                 device="phone-2")
    [freeze] = client.get("/v1/me", headers=new_phone.headers).json()["restrictions"]
    assert (freeze["kind"], freeze["source"]) == ("freeze", "lost_phone")
    lifted = client.request("DELETE", f"/v1/admin/restrictions/{freeze['id']}", headers=agent,
                            json={"reason": "owner verified on the hotline"})
    assert lifted.status_code == 200, lifted.text
    assert client.get("/v1/me", headers=new_phone.headers).status_code == 401
    again = factories.log_in(platform, user_id=owner.user_id, phone_number=owner.phone,
                             device="phone-2")
    return factories.trust_by_staff(platform, again)


def test_lifting_a_lost_phone_freeze_starts_fifteen_days_of_observation(
    client: TestClient, platform: Platform, clock: ManualClock, merchant_id: str,
    agent: dict[str, str],
) -> None:
    owner = factories.register_owner(platform, balance=BALANCE)
    assert client.put("/v1/settings/password-free", json={"enabled": True, "pin": factories.PIN},
                      headers=owner.headers).status_code == 200
    lifted_at = clock.now()

    owner = lost_phone_then_lift(client, platform, owner, agent)

    me = client.get("/v1/me", headers=owner.headers).json()
    assert me["state"] == "observation"
    [observation] = me["restrictions"]
    assert (observation["kind"], observation["scope"], observation["expires_at"]) == (
        "observation", "none", (lifted_at + timedelta(days=15)).isoformat())
    seen = wallet(client, owner)
    assert (seen["under_observation"], seen["daily_limit"]) == (True, HALF_LIMIT)
    assert seen["password_free"]["enabled"] is False
    # Password-free payments stay off: neither usable nor switchable on.
    refused = client.put("/v1/settings/password-free", json={"enabled": True, "pin": factories.PIN},
                         headers=owner.headers)
    assert (refused.status_code, refused.json()["code"]) == (409, "conflict")
    refused = pay(client, owner, merchant_id, 100, method="password_free")
    assert (refused.status_code, refused.json()["code"]) == (403, "step_up_required")
    # The daily limit is halved.
    refused = pay(client, owner, merchant_id, HALF_LIMIT + 1)
    assert (refused.status_code, refused.json()["code"]) == (403, "limit_exceeded")
    assert refused.json()["daily_limit"] == HALF_LIMIT
    assert pay(client, owner, merchant_id, HALF_LIMIT).status_code == 201
    refused = pay(client, owner, merchant_id, 1)
    assert (refused.status_code, refused.json()["code"]) == (403, "limit_exceeded")

    clock.advance(days=14, hours=23, minutes=59)
    assert wallet(client, owner)["daily_limit"] == HALF_LIMIT
    assert pay(client, owner, merchant_id, HALF_LIMIT + 1).json()["code"] == "limit_exceeded"

    clock.advance(minutes=1, seconds=1)
    seen = wallet(client, owner)
    assert (seen["under_observation"], seen["daily_limit"]) == (False, FULL_LIMIT)
    assert client.get("/v1/me", headers=owner.headers).json()["state"] == "active"
    assert pay(client, owner, merchant_id, HALF_LIMIT + 1).status_code == 201
    enabled = client.put("/v1/settings/password-free", json={"enabled": True, "pin": factories.PIN},
                         headers=owner.headers)
    assert enabled.status_code == 200, enabled.text
    assert pay(client, owner, merchant_id, 100, method="password_free").status_code == 201


def test_lifting_a_freeze_that_followed_no_lost_phone_report_starts_no_observation(
    client: TestClient, platform: Platform, merchant_id: str, agent: dict[str, str],
) -> None:
    owner = factories.register_owner(platform, balance=BALANCE)
    placed = client.post("/v1/freeze", json={"reason": "left the phone in a taxi"},
                         headers=owner.headers).json()

    lifted = client.request("DELETE", f"/v1/admin/restrictions/{placed['id']}", headers=agent,
                            json={"reason": "found the phone"})

    assert lifted.status_code == 200, lifted.text
    seen = wallet(client, owner)
    assert (seen["under_observation"], seen["daily_limit"]) == (False, FULL_LIMIT)
    assert client.get("/v1/me", headers=owner.headers).json()["state"] == "active"
    assert pay(client, owner, merchant_id, HALF_LIMIT + 1).status_code == 201
