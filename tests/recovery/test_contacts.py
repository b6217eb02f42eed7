"""Trusted-contact approvals through the HTTP API, on SQLite and PostgreSQL: links that
reading never spends and posting spends once, k of n distinct matured contacts, the
owner's void, refusals, lockout and expiry, and the wait a case carried by approvals
keeps."""

from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests import factories
from tests.factories import Owner
from tests.recovery.test_cases import open_case, pass_id_document
from walletguard.adapters.sms import SandboxSms
from walletguard.clock import ManualClock
from walletguard.notifications import worker
from walletguard.runtime import Platform

_LINK = re.compile(r"/security/approvals/(rc_[0-9a-f]{32}\.[A-Za-z0-9_-]+)")


def befriended(platform: Platform, owner: Owner, n: int = 3) -> list[Owner]:
    """``n`` other owners the owner names as trusted contacts (now)."""
    friends = [factories.register_owner(platform, name=name, pin=None)
               for name in ("李雷", "韩梅梅", "王芳", "赵强", "孙丽")[:n]]
    factories.name_trusted_contacts(platform, owner, friends)
    return friends


def signed_in_again(platform: Platform, *people: Owner) -> list[Owner]:
    """Sessions idle out over the maturing week: each signs in again on the same
    (trusted) device."""
    again = []
    for person in people:
        fresh = factories.log_in(platform, user_id=person.user_id, phone_number=person.phone)
        fresh.real_name, fresh.id_number = person.real_name, person.id_number
        assert fresh.principal.trusted
        again.append(fresh)
    return again


def matured_friends(platform: Platform, clock: ManualClock, owner: Owner,
                    n: int = 3) -> tuple[Owner, list[Owner]]:
    friends = befriended(platform, owner, n)
    clock.advance(days=7, seconds=1)
    owner, *friends = signed_in_again(platform, owner, *friends)
    return owner, friends


def approval_links(platform: Platform, people: list[Owner]) -> dict[str, str]:
    """The newest approval token each of ``people`` received by SMS (the worker delivers
    the outbox, as in production)."""
    worker.run(platform, stop=threading.Event(), once=True)
    assert isinstance(platform.sms, SandboxSms)
    links = {}
    for person in people:
        tokens = [m.group(1) for sms in platform.sms.sent_to(person.phone)
                  if (m := _LINK.search(sms["text"]))]
        if tokens:
            links[person.user_id] = tokens[-1]
    return links


def ask_contacts(client: TestClient, case_id: str) -> dict[str, Any]:
    asked = client.post(f"/v1/recovery-cases/{case_id}/verifications",
                        json={"channel": "trusted_contacts"})
    assert asked.status_code == 200, asked.text
    body: dict[str, Any] = asked.json()
    assert body["next_step"] == "approvals_requested"
    return body


def decide(client: TestClient, token: str, who: Owner | None,
           decision: str = "approve") -> Any:
    return client.post(f"/v1/recovery-approvals/{token}", json={"decision": decision},
                       headers=who.headers if who else {})


def case_assurance(client: TestClient, case_id: str) -> int:
    """The case's assurance, as a completion it does not yet reach reports it."""
    refused = client.post(f"/v1/recovery-cases/{case_id}/complete", json={"new_pin": "582913"})
    if refused.status_code == 409 and "assurance" in refused.json():
        return int(refused.json()["assurance"])
    raise AssertionError(refused.text)


def test_matured_contacts_approve_k_of_n_and_the_case_waits_the_maturing_period(
        client: TestClient, platform: Platform, clock: ManualClock) -> None:
    owner = factories.register_owner(platform)
    owner, friends = matured_friends(platform, clock, owner)
    case = open_case(client, owner.phone, "reset_pin", device="phone-1")
    asked = ask_contacts(client, case["id"])
    assert datetime.fromisoformat(asked["expires_at"]) > clock.now()
    links = approval_links(platform, friends)
    assert set(links) == {f.user_id for f in friends}

    shown = client.get(f"/v1/recovery-approvals/{links[friends[0].user_id]}")
    assert shown.status_code == 200, shown.text
    assert shown.json()["status"] == "pending" and shown.json()["approvals_required"] == 2
    assert shown.json()["qr_svg"].startswith("data:image/svg+xml")
    assert shown.json()["owner_name"] != owner.real_name  # masked

    first = decide(client, links[friends[0].user_id], friends[0])
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "approved" and first.json()["approvals"] == 1
    assert case_assurance(client, case["id"]) == 0
    second = decide(client, links[friends[1].user_id], friends[1])
    assert second.json()["approvals"] == 2
    assert case_assurance(client, case["id"]) == 50
    assert pass_id_document(client, platform, owner, case["id"]).json()["assurance"] == 100

    # From the owner's own trusted phone, still: approvals carry the case, so it waits
    # the maturing week, and any channel of the owner may cancel meanwhile.
    delayed = client.post(f"/v1/recovery-cases/{case['id']}/complete",
                          json={"new_pin": "582913"})
    assert delayed.status_code == 200, delayed.text
    assert delayed.json()["status"] == "delayed"
    assert datetime.fromisoformat(delayed.json()["delay_until"]) >= clock.now() + timedelta(
        days=7)
    clock.advance(days=7, seconds=1)
    done = client.post(f"/v1/recovery-cases/{case['id']}/complete", json={"new_pin": "582913"})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "completed"


def test_a_contact_named_recently_is_not_asked_and_does_not_count(
        client: TestClient, platform: Platform, clock: ManualClock) -> None:
    owner = factories.register_owner(platform)
    owner, friends = matured_friends(platform, clock, owner)
    newcomer = factories.register_owner(platform, name="周新", pin=None)
    factories.name_trusted_contacts(platform, owner, [friends[0], friends[1], newcomer])
    case = open_case(client, owner.phone, "reset_pin", device="phone-1")
    ask_contacts(client, case["id"])
    links = approval_links(platform, [*friends, newcomer])
    assert set(links) == {friends[0].user_id, friends[1].user_id}
    # The newcomer, holding a matured contact's link, is refused as not its contact.
    forwarded = decide(client, links[friends[0].user_id], newcomer)
    factories.assert_problem(forwarded, 403, "forbidden")


def test_reading_a_link_spends_nothing_and_posting_it_twice_counts_once(
        client: TestClient, platform: Platform, clock: ManualClock) -> None:
    owner = factories.register_owner(platform)
    owner, friends = matured_friends(platform, clock, owner)
    case = open_case(client, owner.phone, "unfreeze")
    ask_contacts(client, case["id"])
    token = approval_links(platform, friends)[friends[0].user_id]
    for _ in range(3):  # a mail scanner, a link preview, the contact
        assert client.get(f"/v1/recovery-approvals/{token}").json()["status"] == "pending"
    assert decide(client, token, friends[0]).status_code == 200
    again = decide(client, token, friends[0])
    assert factories.assert_problem(again, 409, "conflict")["approval_status"] == "approved"
    assert client.get(f"/v1/recovery-approvals/{token}").json()["approvals"] == 1
    # Asking again does not send a contact who decided a second link.
    ask_contacts(client, case["id"])
    assert approval_links(platform, friends)[friends[0].user_id] == token


def test_a_forwarded_link_is_refused_and_stays_usable_by_its_contact(
        client: TestClient, platform: Platform, clock: ManualClock) -> None:
    owner = factories.register_owner(platform)
    owner, friends = matured_friends(platform, clock, owner)
    outsider = factories.register_owner(platform, name="陌生人", pin=None)
    case = open_case(client, owner.phone, "unfreeze")
    ask_contacts(client, case["id"])
    token = approval_links(platform, friends)[friends[0].user_id]
    factories.assert_problem(decide(client, token, friends[1]), 403, "forbidden")
    factories.assert_problem(decide(client, token, outsider), 403, "forbidden")
    assert decide(client, token, None).status_code == 401
    assert decide(client, token, friends[0]).json()["status"] == "approved"
    unknown = decide(client, token[:-4] + "AAAA", friends[0])
    factories.assert_problem(unknown, 404, "not_found")


def test_a_refusal_is_counted_against_the_case_and_five_send_it_to_review(
        client: TestClient, platform: Platform, clock: ManualClock) -> None:
    owner = factories.register_owner(platform)
    owner, friends = matured_friends(platform, clock, owner, n=5)
    case = open_case(client, owner.phone, "unfreeze")
    ask_contacts(client, case["id"])
    links = approval_links(platform, friends)
    for friend in friends:
        refused = decide(client, links[friend.user_id], friend, "refuse")
        assert refused.json()["status"] == "refused"
    review = pass_id_document(client, platform, owner, case["id"])
    assert factories.assert_problem(review, 409, "conflict")["case_status"] == "review"


def test_the_owner_voids_collected_approvals_and_the_evidence_they_made(
        client: TestClient, platform: Platform, clock: ManualClock) -> None:
    owner = factories.register_owner(platform)
    owner, friends = matured_friends(platform, clock, owner)
    case = open_case(client, owner.phone, "reset_pin", device="phone-1")
    ask_contacts(client, case["id"])
    links = approval_links(platform, friends)
    for friend in friends[:2]:
        decide(client, links[friend.user_id], friend)
    assert case_assurance(client, case["id"]) == 50
    voided = client.post(f"/v1/recovery-cases/{case['id']}/approvals/void",
                         headers=owner.headers)
    assert voided.status_code == 200 and voided.json()["voided"] == 3, voided.text
    assert case_assurance(client, case["id"]) == 0
    late = decide(client, links[friends[2].user_id], friends[2])
    assert factories.assert_problem(late, 409, "conflict")["approval_status"] == "voided"
    stranger = factories.register_owner(platform, name="陌生人", pin=None)
    not_theirs = client.post(f"/v1/recovery-cases/{case['id']}/approvals/void",
                             headers=stranger.headers)
    factories.assert_problem(not_theirs, 404, "not_found")


def test_a_link_expires_and_asking_again_sends_a_new_one(
        client: TestClient, platform: Platform, clock: ManualClock) -> None:
    owner = factories.register_owner(platform)
    owner, friends = matured_friends(platform, clock, owner)
    case = open_case(client, owner.phone, "unfreeze")
    ask_contacts(client, case["id"])
    old = approval_links(platform, friends)[friends[0].user_id]
    clock.advance(hours=24, seconds=1)
    friend = signed_in_again(platform, friends[0])[0]
    expired = decide(client, old, friend)
    assert factories.assert_problem(expired, 409, "conflict")["approval_status"] == "expired"
    ask_contacts(client, case["id"])
    new = approval_links(platform, friends)[friends[0].user_id]
    assert new != old
    factories.assert_problem(decide(client, old, friend), 404, "not_found")
    assert decide(client, new, friend).json()["status"] == "approved"


def test_a_phantom_case_asks_its_contacts_like_a_real_one(
        client: TestClient, platform: Platform, clock: ManualClock) -> None:
    owner = factories.register_owner(platform)
    owner, _ = matured_friends(platform, clock, owner)
    real = open_case(client, owner.phone, "unfreeze")
    phantom = open_case(client, factories.phone(), "unfreeze")
    answers = [ask_contacts(client, c["id"]) for c in (real, phantom)]
    assert [{k: v for k, v in a.items() if k != "id"} for a in answers] == \
        [{k: v for k, v in answers[0].items() if k != "id"}] * 2
