"""Disputes and claims in the staff console, without a browser (seed 000 §4): the agents'
queues list what still needs a step, a move is the service's (the owner is told), and a
step the service refuses — a claim sent without its documents, a step the flow does not
have — is said next to its item, nothing changed."""

from __future__ import annotations

import re

import httpx
from fastapi.testclient import TestClient

from tests import factories
from tests.disputes.support import Story, lost_phone_story, ok
from walletguard.clock import ManualClock
from walletguard.runtime import Platform
from walletguard.web import kit


def _agent(client: TestClient, platform: Platform, role: str = "agent") -> TestClient:
    browser = TestClient(client.app, headers={"Accept-Language": "en"})
    browser.cookies.set(kit.STAFF_COOKIE, factories.api_key(platform, role))
    return browser


def _move(browser: TestClient, kind: str, row_id: str, to: str) -> httpx.Response:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', browser.get("/staff/disputes").text)
    assert found
    answer: httpx.Response = browser.post(
        f"/staff/{kind}/{row_id}/move", follow_redirects=False,
        data={"csrf": found.group(1), "to": to, "note": f"moved to {to}"})
    return answer


def _story(client: TestClient, platform: Platform, clock: ManualClock,
           merchant: str) -> Story:
    return lost_phone_story(client, platform, clock, merchant)


def test_an_agent_moves_a_dispute_from_the_queue(
        client: TestClient, platform: Platform, clock: ManualClock, merchant: str) -> None:
    story = _story(client, platform, clock, merchant)
    (opened,) = ok(client.post(f"/v1/incidents/{story.incident_id}/disputes",
                               headers=story.owner.headers,
                               json={"transfer_ids": [story.payment]}), 201)["items"]
    agent = _agent(client, platform)
    queue = agent.get("/staff/disputes").text
    assert f'id="dispute-{opened["id"]}"' in queue
    assert 'href="/staff/disputes"' in queue  # in the agents' navigation
    assert _move(agent, "disputes", opened["id"], "investigating").status_code == 303
    assert "Investigating" in agent.get("/staff/disputes").text
    illegal = _move(agent, "disputes", opened["id"], "open")
    assert illegal.status_code == 409 and 'role="alert"' in illegal.text
    assert _move(agent, "disputes", opened["id"], "upheld").status_code == 303
    # Final: off the queue.
    assert f'id="dispute-{opened["id"]}"' not in agent.get("/staff/disputes").text


def test_a_claim_goes_to_the_insurer_only_with_its_documents(
        client: TestClient, platform: Platform, clock: ManualClock, merchant: str) -> None:
    story = _story(client, platform, clock, merchant)
    claim = ok(client.post(f"/v1/incidents/{story.incident_id}/claims",
                           headers=story.owner.headers,
                           json={"insurer_type": "third_party", "amount": 1_200_000}), 201)
    agent = _agent(client, platform)
    assert "doc-missing" in agent.get("/staff/disputes").text
    early = _move(agent, "claims", claim["id"], "submitted")
    assert early.status_code == 409 and 'role="alert"' in early.text
    url = f"/v1/incidents/{story.incident_id}"
    ok(client.put(f"{url}/police-report", headers=story.owner.headers,
                  json={"report_number": "110-2026-88812"}))
    ok(client.put(f"{url}/claims/{claim['id']}/documents", headers=story.owner.headers,
                  json={"documents": {"insurance_policy": "PICC-2026-0018812"}}))
    assert _move(agent, "claims", claim["id"], "submitted").status_code == 303
    assert "Sent to the insurer" in agent.get("/staff/disputes").text
    # Tellers do not work these queues.
    teller = _agent(client, platform, "teller")
    assert teller.get("/staff/disputes", follow_redirects=False).headers[
        "location"] == "/staff/login"
