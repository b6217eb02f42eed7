"""Attacks on who may read and change incidents and restrictions, replayed against a real
2-worker ``walletguard serve``.

Found on the landed build: a teller, institution or operator key got 403 for a real
incident id and 404 for a decoy (the public report hands decoys out), so it could tell
which references are real; ``placed_by`` showed owners an actor ref (for a public
report, the reporter's address); one trusted contact could re-report an owner's phone
30 times, and again right after every agent lift."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests import factories
from tests.attacks.support import (
    CONTACT_REPORTS,
    address,
    frozen_by_lost_phone,
    owner_state,
    report,
    report_body,
    wrong_last4,
)
from walletguard.incidents.models import ChecklistItem, IncidentEvent
from walletguard.notifications.models import OutboxMessage
from walletguard.runtime import Platform

WORDS = {"public report", "trusted contact", "agent", "teller", "you", "system"}


def incident_rows(platform: Platform) -> tuple[list[Any], int]:
    with platform.db.transaction() as db:
        items = [(i.id, i.done_at) for i in db.execute(select(ChecklistItem)).scalars()]
        events = len(db.execute(select(IncidentEvent.id)).all())
    return sorted(items), events


def test_staff_keys_get_one_answer_for_real_and_decoy_incident_ids(
    server: str, platform: Platform
) -> None:
    owner = factories.register_owner(platform, balance=5_000)
    stranger = factories.register_owner(platform, name="王芳")
    agent = factories.staff_headers(platform, "agent")
    with httpx.Client(base_url=server, timeout=30) as http:
        opened = http.post(f"/v1/admin/users/{owner.user_id}/incidents", headers=agent)
        assert opened.status_code == 201, opened.text
        real = opened.json()["id"]
        item = opened.json()["checklist"][0]["id"]
    decoy = report(server, address(5), report_body(
        stranger, id_number_last4=wrong_last4(stranger))).json()["incident_id"]
    made_up = "inc_" + "A" * 20
    before = (incident_rows(platform), owner_state(platform, owner.user_id),
              owner_state(platform, stranger.user_id))

    with httpx.Client(base_url=server, timeout=30) as http:
        for role in ("teller", "institution", "operator"):
            key = factories.staff_headers(platform, role)
            answers = {ident: (http.get(f"/v1/incidents/{ident}", headers=key),
                               http.put(f"/v1/incidents/{ident}/checklist/{item}",
                                        json={"done": True}, headers=key))
                       for ident in (real, decoy, made_up)}
            for got, ticked in answers.values():
                factories.assert_problem(got, 403, "forbidden")
                factories.assert_problem(ticked, 403, "forbidden")
            assert len({(g.text, t.text) for g, t in answers.values()}) == 1, role
        # Owners keep not_found for an incident that is not theirs, real or not.
        answers = {ident: (http.get(f"/v1/incidents/{ident}", headers=stranger.headers),
                           http.put(f"/v1/incidents/{ident}/checklist/{item}",
                                    json={"done": True}, headers=stranger.headers))
                   for ident in (real, decoy, made_up)}
        for got, ticked in answers.values():
            factories.assert_problem(got, 404, "not_found")
            factories.assert_problem(ticked, 404, "not_found")
        assert len({(g.text, t.text) for g, t in answers.values()}) == 1

    assert (incident_rows(platform), owner_state(platform, owner.user_id),
            owner_state(platform, stranger.user_id)) == before
    # The agent still reads and ticks it.
    with httpx.Client(base_url=server, timeout=30) as http:
        assert http.get(f"/v1/incidents/{real}", headers=agent).status_code == 200
        assert http.get(f"/v1/incidents/{decoy}", headers=agent).status_code == 404


def test_owners_see_who_placed_a_restriction_in_words_staff_keep_the_ref(
    server: str, platform: Platform, merchant_id: str
) -> None:
    by_public, by_contact, by_agent, by_self, by_system = (
        factories.register_owner(platform, name=n, balance=5_000)
        for n in ("陈静", "王芳", "李雷", "张伟", "赵敏"))
    contacts = [factories.register_owner(platform, name="陈雪") for _ in range(3)]
    factories.name_trusted_contacts(platform, by_contact, contacts, relation="sister")
    agent = factories.staff_headers(platform, "agent")
    assert report(server, address(9), report_body(by_public)).status_code == 202
    with httpx.Client(base_url=server, timeout=30) as http:
        assert http.post(CONTACT_REPORTS, json={"phone": by_contact.phone},
                         headers=contacts[0].headers).status_code == 201
        placed = http.post(f"/v1/admin/users/{by_agent.user_id}/restrictions",
                           json={"scope": "payments", "reason": "hotline: phone stolen"},
                           headers=agent)
        assert placed.json()["placed_by"].startswith("agent:key_")  # staff: the ref
        assert http.post("/v1/freeze", json={"reason": "lost"},
                         headers=by_self.headers).json()["placed_by"] == "you"
        for n in range(platform.policy.pin.max_consecutive_failures):
            http.post("/v1/payments", headers=by_system.headers, json={
                "merchant_id": merchant_id, "amount": 100,
                "auth": {"method": "pin", "pin": f"{(int(factories.PIN) + 1 + n):06d}"}})

        expected = [(by_public, "public report"), (by_contact, "trusted contact"),
                    (by_agent, "agent"), (by_self, "you"), (by_system, "system")]
        for owner, words in expected:
            # The lost-phone reports ended the owner's sessions: sign in again to look.
            view = factories.log_in(platform, user_id=owner.user_id, phone_number=owner.phone,
                                    device="laptop")
            me = http.get("/v1/me", headers=view.headers).json()
            assert [r["placed_by"] for r in me["restrictions"]] == [words], me
            [restriction] = me["restrictions"]
            one = http.get(f"/v1/restrictions/{restriction['id']}", headers=view.headers)
            assert one.json()["placed_by"] == words
            assert words in WORDS


def test_a_trusted_contact_cannot_report_again_and_again_and_the_owner_is_told_who_did(
    server: str, platform: Platform, merchant_id: str
) -> None:
    owner = factories.register_owner(platform, balance=10_000)
    pest, sister, cousin = (factories.register_owner(platform, name="陈雪") for _ in range(3))
    factories.name_trusted_contacts(platform, owner, [pest, sister, cousin], relation="sister")
    limit = platform.policy.trusted_contacts.reports_per_contact_per_day
    agent = factories.staff_headers(platform, "agent")
    with httpx.Client(base_url=server, timeout=30) as http:
        answers = [http.post(CONTACT_REPORTS, json={"phone": owner.phone},
                             headers=pest.headers) for _ in range(limit)]
        assert [a.status_code for a in answers] == [201] * limit
        assert len({a.json()["incident_id"] for a in answers}) == 1  # repeats join
        refused = http.post(CONTACT_REPORTS, json={"phone": owner.phone}, headers=pest.headers)
        factories.assert_problem(refused, 429, "rate_limited")
        assert 1 <= int(refused.headers["Retry-After"]) <= 86_400
        # An agent lifts the freeze; the same contact cannot put it straight back.
        view = factories.log_in(platform, user_id=owner.user_id, phone_number=owner.phone,
                                device="laptop")
        [freeze] = http.get("/v1/me", headers=view.headers).json()["restrictions"]
        assert freeze["placed_by"] == "trusted contact"
        lifted = http.request("DELETE", f"/v1/admin/restrictions/{freeze['id']}",
                              headers=agent, json={"reason": "owner called: phone found"})
        assert lifted.status_code == 200, lifted.text
        before = owner_state(platform, owner.user_id)
        again = http.post(CONTACT_REPORTS, json={"phone": owner.phone}, headers=pest.headers)
        factories.assert_problem(again, 429, "rate_limited")
        assert owner_state(platform, owner.user_id) == before
        assert not frozen_by_lost_phone(platform, owner.user_id)
        # The limit is the pest's alone: another contact still freezes at once.
        assert http.post(CONTACT_REPORTS, json={"phone": owner.phone},
                         headers=sister.headers).status_code == 201
        assert frozen_by_lost_phone(platform, owner.user_id)
        view = factories.log_in(platform, user_id=owner.user_id, phone_number=owner.phone,
                                device="tablet")
        incident = http.get(f"/v1/incidents/{answers[0].json()['incident_id']}",
                            headers=view.headers).json()
    # The owner is told who reported, on the notice and on the incident's timeline.
    who = "trusted contact 陈* (sister)"
    first = incident["timeline"][0]
    assert (first["kind"], first["detail"]) == ("reported", {"via": "trusted_contact",
                                                             "by": who})
    assert [e["detail"]["by"] for e in incident["timeline"] if e["kind"] == "reported_again"
            ] == [who] * (limit - 1)
    with platform.db.transaction() as db:
        told = db.execute(select(OutboxMessage).where(
            OutboxMessage.user_id == owner.user_id, OutboxMessage.recipient == owner.user_id,
            # Each notice also lands in the owner's in-app inbox: count one channel's copy.
            OutboxMessage.channel != "inbox",
            OutboxMessage.topic.in_(["incident.lost_phone",
                                     "incident.lost_phone_reported_again"]))).scalars().all()
    assert len(told) == limit + 1  # the pest's report, its repeats, the sister's report
    assert {m.payload["reported_by"] for m in told} == {who}
    assert {m.payload["reporting_contact"]["user_id"] for m in told} == {pest.user_id,
                                                                          sister.user_id}


@pytest.mark.parametrize("role", ["teller", "institution", "operator"])
def test_staff_keys_cannot_read_an_incidents_restriction_through_the_owner_route(
    server: str, platform: Platform, role: str
) -> None:
    owner = factories.register_owner(platform)
    with httpx.Client(base_url=server, timeout=30) as http:
        placed = http.post("/v1/freeze", json={"reason": "lost"}, headers=owner.headers).json()
        key = factories.staff_headers(platform, role)
        real = http.get(f"/v1/restrictions/{placed['id']}", headers=key)
        made_up = http.get("/v1/restrictions/rst_" + "A" * 20, headers=key)
    factories.assert_problem(real, 403, "forbidden")
    assert real.text == made_up.text
