"""Attackers against trusted-contact approvals, through the real 2-worker server on both
databases (data through the real use cases; the server's clock is the wall clock, so
"named eight days ago" is built with the tests' clock set back): a contact named
yesterday, replayed, forwarded and prefetched links, a contact approving twice, and
sixteen parallel posts of one link. Each fails, with nothing changed."""

from __future__ import annotations

import threading
from collections import Counter

import httpx
from sqlalchemy import select

from tests import factories, races
from tests.attacks.support import address, owner_state, speaking_from
from tests.factories import Owner
from tests.recovery.test_contacts import approval_links, befriended, signed_in_again
from walletguard.clock import ManualClock
from walletguard.recovery.models import RecoveryApproval, RecoveryEvidence
from walletguard.runtime import Platform


def named_a_week_ago(platform: Platform, clock: ManualClock) -> tuple[Owner, list[Owner]]:
    """An owner and three contacts named eight days ago, all signed in again now."""
    clock.advance(days=-8)
    owner = factories.register_owner(platform)
    friends = befriended(platform, owner)
    clock.advance(days=8)
    owner, *friends = signed_in_again(platform, owner, *friends)
    return owner, friends


def open_and_ask(http: httpx.Client, owner: Owner) -> str:
    opened = http.post("/v1/recovery-cases", json={"phone": owner.phone, "purpose": "unfreeze"})
    assert opened.status_code == 201, opened.text
    case_id = str(opened.json()["id"])
    asked = http.post(f"/v1/recovery-cases/{case_id}/verifications",
                      json={"channel": "trusted_contacts"})
    assert asked.status_code == 200, asked.text
    return case_id


def evidence_of(platform: Platform, case_id: str) -> list[str]:
    with platform.db.transaction() as db:
        return list(db.execute(select(RecoveryEvidence.channel).where(
            RecoveryEvidence.case_id == case_id)).scalars())


def approve(http: httpx.Client, token: str, who: Owner | None) -> httpx.Response:
    return http.post(f"/v1/recovery-approvals/{token}", json={"decision": "approve"},
                     headers=who.headers if who else {})


def test_a_contact_named_yesterday_does_not_count(
        server: str, platform: Platform, clock: ManualClock) -> None:
    owner, friends = named_a_week_ago(platform, clock)
    # A thief with the unlocked phone swaps one contact for an accomplice (yesterday).
    accomplice = factories.register_owner(platform, name="帮手", pin=None)
    clock.advance(days=-1)
    factories.name_trusted_contacts(platform, owner, [friends[0], friends[1], accomplice])
    clock.advance(days=1)
    (accomplice,) = signed_in_again(platform, accomplice)
    before = owner_state(platform, owner.user_id)
    with httpx.Client(base_url=server, timeout=30) as http:
        case_id = open_and_ask(http, owner)
        links = approval_links(platform, [*friends, accomplice])
        assert set(links) == {friends[0].user_id, friends[1].user_id}
        # The accomplice gets no link of their own, and a real contact's is not theirs.
        stolen = approve(http, links[friends[0].user_id], accomplice)
        factories.assert_problem(stolen, 403, "forbidden")
        # One contact talked into approving is one of the two approvals needed.
        assert approve(http, links[friends[0].user_id], friends[0]).json()["approvals"] == 1
    assert evidence_of(platform, case_id) == []
    assert owner_state(platform, owner.user_id) == before


def test_replayed_forwarded_and_prefetched_links_count_at_most_once(
        server: str, platform: Platform, clock: ManualClock) -> None:
    owner, friends = named_a_week_ago(platform, clock)
    outsider = factories.register_owner(platform, name="陌生人", pin=None)
    before = owner_state(platform, owner.user_id)
    with httpx.Client(base_url=server, timeout=30) as http:
        case_id = open_and_ask(http, owner)
        token = approval_links(platform, friends)[friends[0].user_id]
        for n in range(4):  # mail scanners and link previews, from anywhere
            with speaking_from(server, address(n)) as scanner:
                assert scanner.get(f"/v1/recovery-approvals/{token}").json()[
                    "status"] == "pending"
        # Forwarded to another contact, to an outsider, or used with no session at all.
        factories.assert_problem(approve(http, token, friends[1]), 403, "forbidden")
        factories.assert_problem(approve(http, token, outsider), 403, "forbidden")
        assert approve(http, token, None).status_code == 401
        # Still the contact's to use, once.
        assert approve(http, token, friends[0]).json()["approvals"] == 1
        replayed = approve(http, token, friends[0])
        factories.assert_problem(replayed, 409, "conflict")
        # Asking again sends the contact who decided nothing new to approve with.
        again = http.post(f"/v1/recovery-cases/{case_id}/verifications",
                          json={"channel": "trusted_contacts"})
        assert again.status_code == 200
        assert approval_links(platform, friends)[friends[0].user_id] == token
        assert http.get(f"/v1/recovery-approvals/{token}").json()["approvals"] == 1
    assert evidence_of(platform, case_id) == []
    assert owner_state(platform, owner.user_id) == before


def test_sixteen_parallel_posts_of_one_link_count_exactly_once(
        server: str, platform: Platform, clock: ManualClock) -> None:
    owner, friends = named_a_week_ago(platform, clock)
    with httpx.Client(base_url=server, timeout=30) as http:
        case_id = open_and_ask(http, owner)
    token = approval_links(platform, friends)[friends[0].user_id]
    contenders = 16
    lined_up = threading.Barrier(contenders)
    results: list[httpx.Response] = []
    lock = threading.Lock()
    with races.clients_on_both_workers(server, contenders) as clients:
        def post(client: httpx.Client) -> None:
            lined_up.wait()
            response = approve(client, token, friends[0])
            with lock:
                results.append(response)

        threads = [threading.Thread(target=post, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    races.assert_both_workers_served(results)
    statuses = Counter(r.status_code for r in results)
    assert statuses == {200: 1, 409: 15}, [r.text for r in results if r.status_code >= 500]
    with platform.db.transaction() as db:
        decided = db.execute(select(RecoveryApproval.decision).where(
            RecoveryApproval.case_id == case_id,
            RecoveryApproval.decided_at.is_not(None))).scalars().all()
    assert decided == ["approve"]
    assert evidence_of(platform, case_id) == []
