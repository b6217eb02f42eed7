"""A lost-phone story with money around it, built through the real use cases: the
owner pays before the loss (once long before, so outside the suspicious window), the
thief pays and transfers shortly before the report, the report freezes the wallet, an
operator tops the wallet up after it, and the owner signs in on a new phone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from tests import factories
from tests.restrictions.support import report_body
from walletguard.clock import ManualClock
from walletguard.devices import service as devices
from walletguard.runtime import Platform

SHANGHAI = (31.2304, 121.4737)


@dataclass
class Story:
    owner: factories.Owner  # signed in on the new phone, trusted by an agent
    friend: factories.Owner
    incident_id: str
    reported_at: str
    outside: str  # a payment 30 h before the report (the window opens 24 h before)
    payment: str  # 2 h before the report
    transfer: str  # 1 h before the report, to the friend
    topup: str  # 1 h after the report


def sign_in_at(platform: Platform, owner: factories.Owner, lat: float, lon: float) -> None:
    """The owner's phone signs in again from a known place (its last location)."""
    with platform.db.transaction() as db:
        devices.start_session(
            db, keys=platform.keys, policy=platform.policy, phone=owner.phone,
            password=factories.PASSWORD, now=platform.clock.now(),
            device=devices.DeviceInfo(id="phone-1", name="phone-1", platform="android",
                                      fingerprint={"model": "phone-1"}),
            context=devices.LoginContext(ip="127.0.0.1", lat=lat, lon=lon))


def paid(response: Any) -> str:
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def lost_phone_story(client: TestClient, platform: Platform, clock: ManualClock,
                     merchant_id: str) -> Story:
    owner = factories.register_owner(platform, balance=1_000_000)
    friend = factories.register_owner(platform, name="李娜", device="friend-phone")
    sign_in_at(platform, owner, *SHANGHAI)
    pin = {"method": "pin", "pin": factories.PIN}
    outside = paid(client.post("/v1/payments", headers=owner.headers, json={
        "merchant_id": merchant_id, "amount": 1111, "auth": pin}))
    clock.advance(hours=28)
    payment = paid(client.post("/v1/payments", headers=owner.headers, json={
        "merchant_id": merchant_id, "amount": 2222, "auth": pin}))
    clock.advance(hours=1)
    transfer = paid(client.post("/v1/transfers", headers=owner.headers, json={
        "to_phone": friend.phone, "amount": 3333, "auth": pin}))
    clock.advance(hours=1)
    reported_at = clock.now().isoformat()
    answer = client.post("/v1/lost-phone-reports", json=report_body(owner))
    assert answer.status_code == 202, answer.text
    incident_id = answer.json()["incident_id"]
    clock.advance(hours=1)
    topup = client.post("/v1/topups", headers=factories.staff_headers(platform, "operator"),
                        json={"user_id": owner.user_id, "amount": 4444})
    new_phone = factories.trust_by_staff(platform, factories.log_in(
        platform, user_id=owner.user_id, phone_number=owner.phone, device="phone-2"))
    new_phone.real_name, new_phone.id_number = owner.real_name, owner.id_number
    return Story(owner=new_phone, friend=friend, incident_id=incident_id,
                 reported_at=reported_at, outside=outside, payment=payment,
                 transfer=transfer, topup=paid(topup))


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()
