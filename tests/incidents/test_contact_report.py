"""A trusted contact reports the phone of the owner who named them: the same one step as
the owner's own report, and nobody else can make it."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests import factories
from walletguard.clock import ManualClock
from walletguard.incidents.models import Incident
from walletguard.restrictions.models import Restriction
from walletguard.runtime import Platform

URL = "/v1/trusted-contacts/lost-phone-reports"


def restrictions_of(platform: Platform, user_id: str) -> int:
    with platform.db.transaction() as db:
        return int(db.execute(select(func.count()).select_from(Restriction)
                              .where(Restriction.user_id == user_id)).scalar_one())


def test_a_named_contact_freezes_the_owners_wallet_and_stays_signed_in(
    client: TestClient, platform: Platform
) -> None:
    owner = factories.register_owner(platform, balance=10_000)
    sister, friend, cousin = (factories.register_owner(platform, name="陈雪", balance=5_000)
                              for _ in range(3))
    factories.name_trusted_contacts(platform, owner, [sister, friend, cousin])

    answer = client.post(URL, json={"phone": owner.phone}, headers=sister.headers)

    assert answer.status_code == 201, answer.text
    # The owner's phone is treated as gone: its session ends, the wallet is frozen.
    assert client.get("/v1/wallet", headers=owner.headers).status_code == 401
    assert restrictions_of(platform, owner.user_id) == 1
    agent = factories.staff_headers(platform, "agent")
    view = client.get(f"/v1/incidents/{answer.json()['incident_id']}", headers=agent).json()
    assert view["reported_via"] == "trusted_contact"
    # The contact is untouched and cannot read the owner's incident.
    assert client.get("/v1/wallet", headers=sister.headers).json()["balance"] == 5_000
    assert restrictions_of(platform, sister.user_id) == 0
    hidden = client.get(f"/v1/incidents/{answer.json()['incident_id']}", headers=sister.headers)
    assert hidden.status_code == 404


def test_someone_not_named_gets_not_found_and_nothing_changes(
    client: TestClient, platform: Platform
) -> None:
    owner = factories.register_owner(platform, balance=10_000)
    stranger = factories.register_owner(platform, name="王五")
    for phone in (owner.phone, factories.phone()):
        answer = client.post(URL, json={"phone": phone}, headers=stranger.headers)
        assert (answer.status_code, answer.json()["code"]) == (404, "not_found")
    assert restrictions_of(platform, owner.user_id) == 0
    with platform.db.transaction() as db:
        assert db.execute(select(func.count()).select_from(Incident)).scalar_one() == 0
    assert client.get("/v1/wallet", headers=owner.headers).status_code == 200


def test_staff_keys_cannot_report_as_a_contact(client: TestClient, platform: Platform) -> None:
    owner = factories.register_owner(platform)
    agent = factories.staff_headers(platform, "agent")
    answer = client.post(URL, json={"phone": owner.phone}, headers=agent)
    assert (answer.status_code, answer.json()["code"]) == (403, "forbidden")


def test_a_contacts_reports_are_limited_per_owner_per_day_and_the_limit_passes(
    client: TestClient, platform: Platform, clock: ManualClock
) -> None:
    owner = factories.register_owner(platform, balance=10_000)
    sister, friend, cousin = (factories.register_owner(platform, name="陈雪")
                              for _ in range(3))
    factories.name_trusted_contacts(platform, owner, [sister, friend, cousin])
    limit = platform.policy.trusted_contacts.reports_per_contact_per_day
    for _ in range(limit):
        assert client.post(URL, json={"phone": owner.phone},
                           headers=sister.headers).status_code == 201

    refused = client.post(URL, json={"phone": owner.phone}, headers=sister.headers)

    assert (refused.status_code, refused.json()["code"]) == (429, "rate_limited")
    assert int(refused.headers["Retry-After"]) == 86_400
    clock.advance(hours=23, minutes=59)
    assert client.post(URL, json={"phone": owner.phone},
                       headers=sister.headers).status_code == 429
    clock.advance(minutes=2)
    assert client.post(URL, json={"phone": owner.phone},
                       headers=sister.headers).status_code == 201
    assert restrictions_of(platform, owner.user_id) == 1  # every repeat joined the freeze
