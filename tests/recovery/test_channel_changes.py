"""Changing a recovery channel (issue 18 §4): the account phone and the trusted contacts
need a fresh step-up (≤ 20 min), tell the old channels, and take effect only after the
cooling-off window (48 h), in which any owner session cancels and a freeze voids them."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests import factories
from tests.factories import Owner
from walletguard.clock import ManualClock
from walletguard.identity import service as identity
from walletguard.notifications.models import OutboxMessage
from walletguard.notifications.worker import run_jobs
from walletguard.runtime import Platform


def approve(client: TestClient, approver: Owner, challenge_id: str) -> None:
    approved = client.post(f"/v1/challenges/{challenge_id}/approve", headers=approver.headers,
                           json={"pin": factories.PIN})
    assert approved.status_code == 200, approved.text


def stepped_up(client: TestClient, owner: Owner, approver: Owner, method: str, path: str,
               body: dict[str, Any]) -> Any:
    """Send ``body``, meet the step-up it answers with from ``approver``, send it again."""
    first = client.request(method, path, headers=owner.headers, json=body)
    challenge_id = factories.assert_problem(first, 403, "step_up_required")["challenge_id"]
    approve(client, approver, str(challenge_id))
    return client.request(method, path, headers=owner.headers,
                          json={**body, "challenge_id": challenge_id})


def contacts_body(*owners: Owner) -> dict[str, Any]:
    return {"contacts": [{"phone": o.phone, "relation": "friend"} for o in owners]}


def topics(platform: Platform, user_id: str, channel: str) -> list[str]:
    with platform.db.transaction() as db:
        return list(db.execute(select(OutboxMessage.topic).where(
            OutboxMessage.user_id == user_id, OutboxMessage.channel == channel)).scalars())


def phone_of(platform: Platform, owner: Owner) -> str:
    with platform.db.transaction() as db:
        return identity.phone_of(db, vault=platform.keys.vault, user_id=owner.user_id)


def test_a_contacts_change_waits_out_the_cooling_off_then_the_worker_applies_it(
        client: TestClient, platform: Platform, clock: ManualClock) -> None:
    owner = factories.register_owner(platform)
    other_phone = factories.second_device(platform, owner)
    friends = [factories.register_owner(platform) for _ in range(3)]
    asked = stepped_up(client, owner, other_phone, "PUT", "/v1/trusted-contacts",
                       contacts_body(*friends))
    assert asked.status_code == 200, asked.text
    change = asked.json()["pending_change"]
    assert change["status"] == "pending" and asked.json()["contacts"] == []
    assert "recovery_channel.change_requested" in topics(platform, owner.user_id, "sms")

    clock.advance(hours=47, minutes=59)
    run_jobs(platform)
    assert client.get("/v1/trusted-contacts", headers=owner.headers).json()["contacts"] == []
    clock.advance(minutes=2)
    assert run_jobs(platform)["channel_changes"] == 1
    listed = client.get("/v1/trusted-contacts", headers=owner.headers).json()["contacts"]
    assert {c["user_id"] for c in listed} == {f.user_id for f in friends}
    # A contact's maturing starts when the change applies, not when it was asked for.
    assert {c["added_at"] for c in listed} == {clock.now().isoformat()}
    (applied,) = client.get("/v1/channel-changes", headers=owner.headers).json()["items"]
    assert applied["status"] == "applied"
    assert run_jobs(platform)["channel_changes"] == 0  # applied once


def test_a_step_up_older_than_twenty_minutes_is_not_fresh(
        client: TestClient, platform: Platform, clock: ManualClock) -> None:
    owner = factories.register_owner(platform)
    other_phone = factories.second_device(platform, owner)
    body = {"phone": factories.phone()}
    first = client.put("/v1/account-phone", headers=owner.headers, json=body)
    challenge_id = factories.assert_problem(first, 403, "step_up_required")["challenge_id"]
    approve(client, other_phone, str(challenge_id))
    clock.advance(minutes=21)
    stale = client.put("/v1/account-phone", headers=owner.headers,
                       json={**body, "challenge_id": challenge_id})
    factories.assert_problem(stale, 403, "step_up_required")
    # Another session's approved challenge is not this session's step-up either.
    borrowed = client.put("/v1/account-phone", headers=other_phone.headers,
                          json={**body, "challenge_id": challenge_id})
    factories.assert_problem(borrowed, 403, "step_up_required")
    assert client.get("/v1/channel-changes", headers=owner.headers).json()["items"] == []


def test_a_phone_change_applies_after_the_window_and_the_old_phone_was_told(
        client: TestClient, platform: Platform, clock: ManualClock) -> None:
    owner = factories.register_owner(platform)
    other_phone = factories.second_device(platform, owner)
    old, new = owner.phone, factories.phone()
    asked = stepped_up(client, owner, other_phone, "PUT", "/v1/account-phone", {"phone": new})
    assert asked.status_code == 200, asked.text
    assert "recovery_channel.change_requested" in topics(platform, owner.user_id, "sms")
    assert phone_of(platform, owner) == old
    clock.advance(hours=48, seconds=1)
    run_jobs(platform)
    assert phone_of(platform, owner) == new


def test_any_owner_session_cancels_a_waiting_change(
        client: TestClient, platform: Platform, clock: ManualClock) -> None:
    owner = factories.register_owner(platform)
    other_phone = factories.second_device(platform, owner)
    asked = stepped_up(client, owner, other_phone, "PUT", "/v1/account-phone",
                       {"phone": factories.phone()})
    change_id = asked.json()["pending_change"]["id"]
    laptop = factories.log_in(platform, user_id=owner.user_id, phone_number=owner.phone,
                              device="laptop")
    assert not laptop.principal.trusted
    cancelled = client.post(f"/v1/channel-changes/{change_id}/cancel", headers=laptop.headers)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    clock.advance(hours=49)
    run_jobs(platform)
    assert phone_of(platform, owner) == owner.phone
    again = client.post(f"/v1/channel-changes/{change_id}/cancel", headers=owner.headers)
    factories.assert_problem(again, 409, "conflict")


def test_a_freeze_during_the_window_voids_the_change(
        client: TestClient, platform: Platform, clock: ManualClock) -> None:
    owner = factories.register_owner(platform)
    other_phone = factories.second_device(platform, owner)
    friends = [factories.register_owner(platform) for _ in range(3)]
    stepped_up(client, owner, other_phone, "PUT", "/v1/trusted-contacts",
               contacts_body(*friends))
    clock.advance(hours=3)
    frozen = client.post("/v1/freeze", headers=other_phone.headers,
                         json={"reason": "phone stolen"})
    assert frozen.status_code == 201, frozen.text
    clock.advance(hours=46)
    run_jobs(platform)
    (void,) = client.get("/v1/channel-changes", headers=owner.headers).json()["items"]
    assert void["status"] == "void" and "frozen" in void["end_reason"]
    with platform.db.transaction() as db:
        assert identity.trusted_contacts(db, keys=platform.keys, owner=owner.principal) == []
