"""Reading a user's audit events: newest first, a page at a time, so the newest events of
a busy owner are never cut off by a cap (they were: the read was oldest-first, capped)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests import factories
from walletguard.audit import service as audit


def _note(platform: factories.ManualPlatform, user_id: str, n: int,
          action: str = "test.note") -> None:
    """``n`` events on the owner's subject, one second apart (the clock moves on)."""
    for i in range(n):
        with platform.db.transaction() as db:
            audit.append(db, actor="test", action=action, subject=user_id,
                         at=platform.clock.now(), chain=user_id, data={"i": i})
        platform.clock.advance(seconds=1)


def test_events_come_newest_first_and_page_back_to_the_first(
        platform: factories.ManualPlatform) -> None:
    owner = factories.register_owner(platform)
    _note(platform, owner.user_id, 7)
    with platform.db.transaction() as db:
        seen, before, pages = [], None, 0
        while True:
            page = audit.events_for(db, subject=owner.user_id, before=before, limit=4)
            seen += page.items
            pages += 1
            if page.older is None:
                break
            before = page.older
    ids = [e.id for e in seen]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids)
    # Registration's three events and the seven notes: each once, in three pages.
    assert len(seen) == 10 and pages == 3
    assert [e.data["i"] for e in seen[:7]] == [6, 5, 4, 3, 2, 1, 0]
    assert seen[-1].action == "user.registered"


def test_a_page_stays_the_same_while_newer_events_arrive(
        platform: factories.ManualPlatform) -> None:
    owner = factories.register_owner(platform)
    _note(platform, owner.user_id, 5)
    with platform.db.transaction() as db:
        first = audit.events_for(db, subject=owner.user_id, limit=3)
    assert first.older is not None
    _note(platform, owner.user_id, 4)
    with platform.db.transaction() as db:
        second = audit.events_for(db, subject=owner.user_id, before=first.older, limit=3)
    assert [e.data.get("i") for e in second.items] == [1, 0, None]


def test_since_and_actions_narrow_the_read_and_the_page_is_capped(
        platform: factories.ManualPlatform) -> None:
    owner = factories.register_owner(platform)
    platform.clock.advance(days=40)
    start = platform.clock.now()
    _note(platform, owner.user_id, 3, action="test.alert")
    _note(platform, owner.user_id, 2)
    with platform.db.transaction() as db:
        recent = audit.events_for(db, subject=owner.user_id, since=start,
                                  actions=("test.alert", "user.registered"))
        huge = audit.events_for(db, subject=owner.user_id, limit=10**9)
    assert [e.action for e in recent.items] == ["test.alert"] * 3 and recent.older is None
    assert len(huge.items) == 8 and huge.older is None


def test_the_api_pages_newest_first_with_older(
        client: TestClient, platform: factories.ManualPlatform, agent: dict[str, str]) -> None:
    owner = factories.register_owner(platform)
    _note(platform, owner.user_id, 3)
    first = client.get(f"/v1/admin/audit?user_id={owner.user_id}&limit=2", headers=agent)
    assert first.status_code == 200, first.text
    body = first.json()
    assert [e["data"].get("i") for e in body["items"]] == [2, 1]
    rest = client.get(f"/v1/admin/audit?user_id={owner.user_id}&before={body['older']}",
                      headers=agent).json()
    assert [e["action"] for e in rest["items"]] == ["test.note", "pin.set", "session.started",
                                                    "user.registered"]
    assert rest["older"] is None
    refused = client.get(f"/v1/admin/audit?user_id={owner.user_id}&limit=0", headers=agent)
    factories.assert_problem(refused, 422, "invalid_input")
