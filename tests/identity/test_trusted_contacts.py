"""Trusted contacts: 3–5 other owners, named in advance, who hear of a lost phone. Naming
them is a recovery-channel change (tests/recovery/test_channel_changes.py): a fresh
step-up, then the cooling-off window, then the worker applies it."""

from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests import factories
from tests.factories import ManualPlatform
from tests.recovery.test_channel_changes import stepped_up
from walletguard.identity.models import TrustedContact
from walletguard.notifications.models import OutboxMessage
from walletguard.notifications.worker import run_jobs
from walletguard.runtime import Platform


def contacts_body(*owners: factories.Owner) -> dict[str, list[dict[str, str]]]:
    return {"contacts": [{"phone": o.phone, "relation": "friend"} for o in owners]}


def name_contacts(client: TestClient, platform: ManualPlatform, owner: factories.Owner,
                  approver: factories.Owner, *friends: factories.Owner) -> None:
    """PUT the list with a met step-up, wait out the cooling-off window, run the jobs."""
    answer = stepped_up(client, owner, approver, "PUT", "/v1/trusted-contacts",
                        contacts_body(*friends))
    assert answer.status_code == 200, answer.text
    assert not any(f.phone in answer.text for f in friends)
    platform.clock.advance(hours=platform.policy.recovery.channel_change_cooling_off_hours,
                           seconds=1)
    run_jobs(platform)


def test_an_owner_names_three_contacts_and_sees_them_masked(
    client: TestClient, platform: ManualPlatform
) -> None:
    owner = factories.register_owner(platform)
    friends = [factories.register_owner(platform, name="李雷") for _ in range(3)]
    name_contacts(client, platform, owner, factories.second_device(platform, owner), *friends)
    listed = client.get("/v1/trusted-contacts", headers=owner.headers).json()["contacts"]
    assert {c["user_id"] for c in listed} == {f.user_id for f in friends}
    assert all(c["name_masked"] == "李*" and "****" in c["phone_masked"] for c in listed)


def test_fewer_than_three_or_more_than_five_are_refused_and_nothing_changes(
    client: TestClient, platform: Platform
) -> None:
    owner = factories.register_owner(platform)
    friends = [factories.register_owner(platform) for _ in range(6)]
    for count in (0, 2, 6):
        answer = client.put("/v1/trusted-contacts", json=contacts_body(*friends[:count]),
                            headers=owner.headers)
        assert answer.status_code == 422, answer.text
        assert answer.json()["code"] == "invalid_input"
    with platform.db.transaction() as db:
        assert db.execute(select(TrustedContact)).first() is None


def test_a_contact_must_be_another_existing_owner_named_once(
    client: TestClient, platform: Platform
) -> None:
    owner = factories.register_owner(platform)
    a, b = factories.register_owner(platform), factories.register_owner(platform)
    stranger = {"phone": factories.phone(), "relation": "friend"}
    me = {"phone": owner.phone, "relation": "me"}
    twice = {"phone": a.phone, "relation": "again"}
    for odd in (stranger, me, twice):
        body = {"contacts": [*contacts_body(a, b)["contacts"], odd]}
        answer = client.put("/v1/trusted-contacts", json=body, headers=owner.headers)
        assert answer.status_code == 422, answer.text
        assert answer.json()["field"] == "contacts.2.phone"


def test_a_kept_contact_keeps_the_date_it_was_first_named(
    client: TestClient, platform: ManualPlatform
) -> None:
    owner = factories.register_owner(platform)
    other_phone = factories.second_device(platform, owner)
    friends = [factories.register_owner(platform) for _ in range(4)]
    name_contacts(client, platform, owner, other_phone, *friends[:3])
    first_named = platform.clock.now()
    platform.clock.advance(days=10)
    name_contacts(client, platform, owner, other_phone, *friends[1:])
    answer = client.get("/v1/trusted-contacts", headers=owner.headers)
    added = {c["user_id"]: datetime.fromisoformat(c["added_at"])
             for c in answer.json()["contacts"]}
    assert friends[0].user_id not in added
    assert added[friends[1].user_id] == first_named
    assert added[friends[3].user_id] == platform.clock.now()
    with platform.db.transaction() as db:
        sms = db.execute(select(OutboxMessage.topic).where(
            OutboxMessage.user_id == owner.user_id, OutboxMessage.channel == "sms")
        ).scalars().all()
    assert sms.count("trusted_contacts.changed") == 2  # the owner hears of every change
