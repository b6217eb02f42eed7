"""The acceptance smoke path, in-process: register, log in, PIN, top up, pay, freeze."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests import factories
from walletguard.runtime import Platform


def test_owner_pays_then_freezes_and_the_next_payment_is_refused(
    client: TestClient, platform: Platform
) -> None:
    operator = {"Authorization": f"Bearer {factories.api_key(platform, 'operator')}"}
    merchant = client.post("/v1/merchants", json={"name": "便利店", "category": "retail"},
                           headers={**operator, "Idempotency-Key": "m1"})
    assert merchant.status_code == 201, merchant.text
    phone = factories.phone()
    created = client.post("/v1/users", json={
        "phone": phone, "password": factories.PASSWORD, "real_name": "陈静",
        "id_number": factories.resident_id()})
    assert created.status_code == 201, created.text
    session = client.post("/v1/sessions", json={
        "phone": phone, "password": factories.PASSWORD,
        "device": {"id": "p1", "name": "Mate", "platform": "android",
                   "fingerprint": {"model": "Mate 60"}}})
    assert session.status_code == 201, session.text
    me = {"Authorization": f"Bearer {session.json()['token']}"}
    assert client.put("/v1/payment-pin", json={"pin": "730264"}, headers=me).status_code == 204
    topup = client.post("/v1/topups", json={"user_id": created.json()["id"], "amount": 50_000},
                        headers={**operator, "Idempotency-Key": "t1"})
    assert topup.status_code == 201, topup.text
    body = {"merchant_id": merchant.json()["id"], "amount": 1_250,
            "auth": {"method": "pin", "pin": "730264"}}
    first = client.post("/v1/payments", json=body, headers={**me, "Idempotency-Key": "p-1"})
    again = client.post("/v1/payments", json=body, headers={**me, "Idempotency-Key": "p-1"})
    assert first.status_code == 201, first.text
    assert again.json()["id"] == first.json()["id"]
    assert client.get("/v1/wallet", headers=me).json()["balance"] == 48_750
    frozen = client.post("/v1/freeze", json={"reason": "phone lost"}, headers=me)
    assert frozen.status_code == 201, frozen.text
    refused = client.post("/v1/payments", json={**body, "amount": 100}, headers=me)
    assert refused.status_code == 403
    assert refused.json()["code"] == "account_frozen"
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert client.get("/v1/wallet", headers=me).json()["balance"] == 48_750
