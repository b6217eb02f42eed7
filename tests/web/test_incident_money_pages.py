"""The owner's incident page, money side (seed 000 §4), without a browser: a confirmed
browser ticks the payments that were not the owner (one dispute each), records the
police report number and opens an insurance claim whose checklist fills in; an
unconfirmed browser reads none of the amounts; a refusal is said on the page."""

from __future__ import annotations

import re

import httpx
from fastapi.testclient import TestClient

from tests import factories
from tests.disputes.support import Story, lost_phone_story
from walletguard.clock import ManualClock
from walletguard.runtime import Platform
from walletguard.web import kit


def _owner(client: TestClient, token: str) -> TestClient:
    browser = TestClient(client.app, headers={"Accept-Language": "en"})
    browser.cookies.set(kit.OWNER_COOKIE, token)
    return browser


def _post(browser: TestClient, platform: Platform, story: Story, path: str,
          **data: str) -> httpx.Response:
    here = f"/security/incidents/{story.incident_id}"
    browser.get(here)  # the page's CSRF cookie; its token as the page's forms carry it
    token = kit.csrf_token(platform, browser.cookies[kit.CSRF_COOKIE])
    answer: httpx.Response = browser.post(f"{here}{path}", follow_redirects=False,
                                          data={"csrf": token, **data})
    return answer


def test_the_owner_disputes_reports_and_claims_from_the_incident_page(
        client: TestClient, platform: Platform, clock: ManualClock, merchant: str) -> None:
    story = lost_phone_story(client, platform, clock, merchant)
    browser = _owner(client, story.owner.token)
    here = f"/security/incidents/{story.incident_id}"
    page = browser.get(here).text
    # The window's payment and transfer out are offered; the payment 30 h before is not.
    assert f'name="transfer-{story.payment}"' in page
    assert f'name="transfer-{story.transfer}"' in page
    assert f'name="transfer-{story.outside}"' not in page
    disputed = _post(browser, platform, story, "/disputes", note="not me",
                     **{f"transfer-{story.payment}": "1", f"transfer-{story.transfer}": "1"})
    assert disputed.status_code == 303, disputed.text
    page = browser.get(disputed.headers["location"]).text
    assert page.count('class="dispute-status"') == 2
    assert f'name="transfer-{story.payment}"' not in page  # disputed once

    assert _post(browser, platform, story, "/police-report",
                 report_number="110-2026-88812").status_code == 303
    over = _post(browser, platform, story, "/claims", insurer_type="wallet_security",
                 amount=str(platform.policy.evidence.wallet_insurance_limit + 1))
    assert over.status_code == 422 and 'role="alert"' in over.text
    opened = _post(browser, platform, story, "/claims", insurer_type="third_party", amount="120000")
    assert opened.status_code == 303, opened.text
    page = browser.get(here).text
    assert 'id="police-number"' in page and "110-2026-88812" in page
    claim_ids = re.findall(r'id="claim-([\w-]+)"', page)
    assert len(claim_ids) == 1, page
    claim_id = claim_ids[0]
    assert page.count("doc-missing") == 1  # the policy number, the owner's to give
    saved = _post(browser, platform, story, f"/claims/{claim_id}/documents",
                  **{"doc-insurance_policy": "PICC-2026-0018812"})
    assert saved.status_code == 303
    assert "doc-missing" not in browser.get(here).text


def test_an_unconfirmed_browser_reads_no_amounts_and_cannot_dispute(
        client: TestClient, platform: Platform, clock: ManualClock, merchant: str) -> None:
    story = lost_phone_story(client, platform, clock, merchant)
    untrusted = factories.log_in(platform, user_id=story.owner.user_id,
                                 phone_number=story.owner.phone, device="web-" + "1" * 24)
    assert not untrusted.principal.trusted
    browser = _owner(client, untrusted.token)
    page = browser.get(f"/security/incidents/{story.incident_id}").text
    assert 'id="disputes"' not in page and "2222" not in page
    refused = _post(browser, platform, story, "/disputes", **{f"transfer-{story.payment}": "1"})
    assert refused.status_code == 303
    assert refused.headers["location"].startswith("/security/step-up?next=")
