"""Remote device commands: ring, lost mode (a message and a number to call) and wipe.
A command waits until the device next connects; a phone reported lost can still fetch
its queued commands with its old token; a wiped device's sessions are gone."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests import factories
from tests.restrictions.support import audit_actions, audit_verifies_afterwards, report_body
from walletguard.clock import ManualClock
from walletguard.devices.models import Device, DeviceCommand, DeviceSession
from walletguard.runtime import Platform

__all__ = ["audit_verifies_afterwards"]  # the audit chains verify after every test here

MESSAGE = "This phone is lost. Please call the number below — reward offered."
CONTACT = "+86 139 1234 5678"


def send(client: TestClient, owner: factories.Owner, device_id: str, **body: Any) -> Any:
    return client.post(f"/v1/devices/{device_id}/commands", headers=owner.headers, json=body)


def fetch(client: TestClient, headers: dict[str, str]) -> Any:
    return client.get("/v1/devices/current/commands", headers=headers)


def ack(client: TestClient, headers: dict[str, str], command_id: str) -> Any:
    return client.post(f"/v1/devices/current/commands/{command_id}/ack", headers=headers)


def command_row(platform: Platform, command_id: str) -> DeviceCommand:
    with platform.db.transaction() as db:
        row = factories.by_id(db, DeviceCommand, command_id)
        assert row is not None
        return row


def test_a_lost_phone_fetches_lost_mode_and_wipe_with_its_old_token_and_the_wipe_ends_it(
    client: TestClient, platform: Platform, clock: ManualClock
) -> None:
    lost = factories.register_owner(platform, balance=10_000)
    assert client.post("/v1/lost-phone-reports", json=report_body(lost)).status_code == 202
    new_phone = factories.trust_by_staff(platform, factories.log_in(
        platform, user_id=lost.user_id, phone_number=lost.phone, device="phone-2"))
    assert client.get("/v1/wallet", headers=lost.headers).status_code == 401

    clock.advance(minutes=1)
    lost_mode = send(client, new_phone, lost.device_id, type="lost_mode", message=MESSAGE,
                     contact_number=CONTACT)
    clock.advance(minutes=1)
    wipe = send(client, new_phone, lost.device_id, type="wipe")

    assert lost_mode.status_code == 201, lost_mode.text
    assert wipe.status_code == 201, wipe.text
    assert (lost_mode.json()["message"], lost_mode.json()["contact_number"]) == (MESSAGE,
                                                                                 CONTACT)
    # Queued: nothing delivered until the phone connects.
    assert command_row(platform, wipe.json()["id"]).delivered_at is None
    clock.advance(hours=5)
    connected_at = clock.now()

    fetched = fetch(client, lost.headers)

    assert fetched.status_code == 200, fetched.text
    items = fetched.json()["items"]
    assert [(c["type"], c["message"], c["contact_number"]) for c in items] == [
        ("lost_mode", MESSAGE, CONTACT), ("wipe", None, None)]
    assert {c["delivered_at"] for c in items} == {connected_at.isoformat()}
    # Delivered is not done: the commands stay until the phone acknowledges them.
    assert [c["id"] for c in fetch(client, lost.headers).json()["items"]] == [
        c["id"] for c in items]
    assert ack(client, lost.headers, items[0]["id"]).status_code == 200
    # The old token fetches commands, nothing else.
    assert client.get("/v1/wallet", headers=lost.headers).status_code == 401

    wiped = ack(client, lost.headers, items[1]["id"])

    assert wiped.status_code == 200, wiped.text
    assert wiped.json()["acknowledged_at"] == connected_at.isoformat()
    with platform.db.transaction() as db:
        device = factories.by_id(db, Device, lost.device_id)
        assert device is not None
        assert (device.status, device.ended_at) == ("wiped", connected_at)
        assert db.execute(select(DeviceSession.id).where(
            DeviceSession.device_id == lost.device_id,
            DeviceSession.revoked_at.is_(None))).all() == []
    gone = fetch(client, lost.headers)
    assert (gone.status_code, gone.json()["code"]) == (401, "unauthenticated")
    refused = send(client, new_phone, lost.device_id, type="ring")
    assert (refused.status_code, refused.json()["code"]) == (422, "invalid_input")
    actions = audit_actions(platform, lost.user_id)
    for action in ("device.command_lost_mode", "device.command_wipe", "device.wiped"):
        assert action in actions


def test_a_device_in_hand_rings_and_a_wipe_signs_it_out_while_others_stay(
    client: TestClient, platform: Platform
) -> None:
    phone = factories.register_owner(platform)
    tablet = factories.second_device(platform, phone, "tablet")

    ring = send(client, tablet, phone.device_id, type="ring")

    assert ring.status_code == 201, ring.text
    assert fetch(client, tablet.headers).json()["items"] == []  # the tablet has none
    [received] = fetch(client, phone.headers).json()["items"]
    assert (received["id"], received["type"]) == (ring.json()["id"], "ring")
    assert ack(client, phone.headers, received["id"]).status_code == 200
    assert fetch(client, phone.headers).json()["items"] == []

    wipe = send(client, tablet, phone.device_id, type="wipe").json()
    assert ack(client, phone.headers, wipe["id"]).status_code == 200

    gone = client.get("/v1/wallet", headers=phone.headers)
    assert (gone.status_code, gone.json()["code"]) == (401, "unauthenticated")
    assert fetch(client, phone.headers).status_code == 401
    assert client.get("/v1/wallet", headers=tablet.headers).status_code == 200
    listed = client.get("/v1/devices", headers=tablet.headers).json()["items"]
    assert [d["id"] for d in listed] == [tablet.device_id]


def test_a_device_cannot_acknowledge_another_devices_command(
    client: TestClient, platform: Platform
) -> None:
    phone = factories.register_owner(platform)
    tablet = factories.log_in(platform, user_id=phone.user_id, phone_number=phone.phone,
                              device="tablet")
    wipe = send(client, phone, phone.device_id, type="wipe").json()

    refused = ack(client, tablet.headers, wipe["id"])

    assert (refused.status_code, refused.json()["code"]) == (404, "not_found")
    assert command_row(platform, wipe["id"]).acknowledged_at is None
    assert client.get("/v1/wallet", headers=phone.headers).status_code == 200


@pytest.mark.parametrize(("body", "field"), [
    ({"type": "lost_mode"}, "message"),
    ({"type": "lost_mode", "message": "   "}, "message"),
    ({"type": "lost_mode", "message": MESSAGE, "contact_number": "call me maybe"},
     "contact_number"),
    ({"type": "lost_mode", "message": "x" * 501}, "message"),
    ({"type": "self_destruct"}, "type"),
])
def test_malformed_commands_are_refused(
    client: TestClient, platform: Platform, body: dict[str, Any], field: str
) -> None:
    owner = factories.register_owner(platform)
    refused = send(client, owner, owner.device_id, **body)
    assert (refused.status_code, refused.json()["code"]) == (422, "invalid_input")
    assert field in refused.text
    assert fetch(client, owner.headers).json()["items"] == []


def test_commands_go_only_to_the_owners_own_bound_devices(
    client: TestClient, platform: Platform
) -> None:
    owner = factories.register_owner(platform)
    stranger = factories.register_owner(platform, name="王芳")
    tablet = factories.log_in(platform, user_id=owner.user_id, phone_number=owner.phone,
                              device="tablet")

    refused = send(client, stranger, owner.device_id, type="wipe")
    assert (refused.status_code, refused.json()["code"]) == (404, "not_found")
    refused = client.post(f"/v1/devices/{owner.device_id}/commands", json={"type": "ring"},
                          headers=factories.staff_headers(platform, "agent"))
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    assert client.delete(f"/v1/devices/{tablet.device_id}",
                         headers=owner.headers).status_code == 204
    refused = send(client, owner, tablet.device_id, type="ring")
    assert (refused.status_code, refused.json()["code"]) == (422, "invalid_input")
    assert fetch(client, owner.headers).json()["items"] == []


def test_after_a_report_the_owner_sees_the_lost_phone_from_a_new_device_and_can_wipe_it(
    client: TestClient, platform: Platform
) -> None:
    phone = factories.register_owner(platform)
    assert client.post("/v1/lost-phone-reports", json=report_body(phone)).status_code == 202
    new_phone = factories.trust_by_staff(platform, factories.log_in(
        platform, user_id=phone.user_id, phone_number=phone.phone, device="new-phone"))
    listed = {d["id"]: d for d in
              client.get("/v1/devices", headers=new_phone.headers).json()["items"]}
    assert listed[phone.device_id]["status"] == "lost"
    assert listed[new_phone.device_id]["status"] == "active"
    wipe = send(client, new_phone, phone.device_id, type="wipe")
    assert wipe.status_code == 201, wipe.text
    [queued] = fetch(client, phone.headers).json()["items"]
    assert queued["type"] == "wipe"


@pytest.mark.parametrize("method", ["POST", "OPTIONS", "DELETE"])
def test_the_command_feed_allows_only_get(client: TestClient, platform: Platform,
                                          method: str) -> None:
    """``current`` is the calling device, never a ``{device_id}``: a POST there is not
    a command to a device named "current", and the 405 names GET alone."""
    owner = factories.register_owner(platform)
    answer = client.request(method, "/v1/devices/current/commands", headers=owner.headers,
                            json={"type": "ring"})
    factories.assert_problem(answer, 405, "method_not_allowed")
    assert answer.headers["allow"] == "GET"
