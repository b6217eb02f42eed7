"""The appeal queue in the staff console, without a browser: agents only, soonest due
first with overdue ones marked, and maker-checker said in words (the recommending agent
cannot approve; a second agent can)."""

from __future__ import annotations

import re

import httpx
from fastapi.testclient import TestClient

from tests import factories
from tests.recovery.test_appeals import appeal, history
from tests.recovery.test_cases import open_case
from walletguard.clock import ManualClock
from walletguard.runtime import Platform
from walletguard.web import kit
from walletguard.web.i18n import text


def _agent(client: TestClient, platform: Platform, role: str = "agent") -> TestClient:
    """A staff browser of its own (English), signed in with a fresh key of ``role``."""
    browser = TestClient(client.app, headers={"Accept-Language": "en"})
    browser.cookies.set(kit.STAFF_COOKIE, factories.api_key(platform, role))
    return browser


def _decide(browser: TestClient, appeal_id: str, decision: str) -> httpx.Response:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', browser.get("/staff/appeals").text)
    assert found
    answer: httpx.Response = browser.post(
        f"/staff/appeals/{appeal_id}/decision", follow_redirects=False,
        data={"csrf": found.group(1), "decision": decision, "note": "called back"})
    return answer


def _filed(client: TestClient, platform: Platform) -> str:
    owner, form = history(platform)
    filed = appeal(client, open_case(client, owner.phone, "unfreeze")["id"], form)
    assert filed.status_code == 201, filed.text
    return str(filed.json()["id"])


def test_two_agents_work_an_appeal_from_the_queue(
        client: TestClient, platform: Platform) -> None:
    appeal_id = _filed(client, platform)
    maker, checker = _agent(client, platform), _agent(client, platform)
    queue = maker.get("/staff/appeals")
    assert queue.status_code == 200
    assert f'id="appeal-{appeal_id}"' in queue.text and "sla-ok" in queue.text
    assert 'href="/staff/appeals"' in queue.text  # in the agents' navigation
    recommended = _decide(maker, appeal_id, "recommend")
    assert recommended.status_code == 303, recommended.text
    assert text("en", "appeals.status_recommended") in checker.get("/staff/appeals").text
    own = _decide(maker, appeal_id, "approve")
    assert own.status_code == 403
    assert 'role="alert"' in own.text and "maker-checker" in own.text
    approved = _decide(checker, appeal_id, "approve")
    assert approved.status_code == 303, approved.text
    after = checker.get(approved.headers["location"]).text
    assert 'id="done"' in after and "the case has the appeal" in after
    assert f'id="appeal-{appeal_id}"' not in after  # decided: off the queue


def test_an_overdue_appeal_is_marked_and_only_agents_see_the_queue(
        client: TestClient, platform: Platform, clock: ManualClock) -> None:
    appeal_id = _filed(client, platform)
    clock.advance(hours=platform.policy.recovery.appeal_sla_hours, seconds=1)
    page = _agent(client, platform).get("/staff/appeals").text
    section = page.split(f'id="appeal-{appeal_id}"', 1)[1]
    assert 'class="sla sla-overdue"' in section.split("</section>", 1)[0]
    for role in ("teller", "institution"):
        refused = _agent(client, platform, role).get("/staff/appeals", follow_redirects=False)
        assert refused.headers["location"] == "/staff/login"
        assert 'href="/staff/appeals"' not in _agent(client, platform, role).get("/staff").text
