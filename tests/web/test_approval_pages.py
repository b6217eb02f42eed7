"""A trusted contact's approval link as a page, without a browser: opening it spends
nothing, deciding needs the contact's own confirmed session (the login and the step-up
bring the browser back to the link), a forwarded or spent link is refused in words, and
the QR code is an image of this site (the CSP refuses ``data:`` images)."""

from __future__ import annotations

import re
from urllib.parse import quote

import httpx
from fastapi.testclient import TestClient

from tests import factories
from tests.factories import Owner
from tests.recovery.test_cases import open_case
from tests.recovery.test_contacts import (
    approval_links,
    ask_contacts,
    case_assurance,
    matured_friends,
)
from walletguard.clock import ManualClock
from walletguard.runtime import Platform
from walletguard.web import kit
from walletguard.web.i18n import text


def _asked(client: TestClient, platform: Platform,
           clock: ManualClock) -> tuple[str, list[Owner], dict[str, str]]:
    """An owner with three matured contacts, a case that asked them, and their links."""
    owner = factories.register_owner(platform)
    owner, friends = matured_friends(platform, clock, owner)
    case = open_case(client, owner.phone, "unfreeze")
    ask_contacts(client, case["id"])
    return str(case["id"]), friends, approval_links(platform, friends)


def _browser(client: TestClient, who: Owner | None = None) -> TestClient:
    """A browser of its own (English), logged in as ``who`` when given."""
    browser = TestClient(client.app, headers={"Accept-Language": "en"})
    if who is not None:
        browser.cookies.set(kit.OWNER_COOKIE, who.token)
    return browser


def _decide(browser: TestClient, token: str, decision: str) -> httpx.Response:
    here = f"/security/approvals/{token}"
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', browser.get(here).text)
    assert found, here
    answer: httpx.Response = browser.post(
        here, data={"csrf": found.group(1), "decision": decision}, follow_redirects=False)
    return answer


def test_opening_the_link_shows_the_request_and_spends_nothing(
        client: TestClient, platform: Platform, clock: ManualClock) -> None:
    case_id, friends, links = _asked(client, platform, clock)
    token = links[friends[0].user_id]
    scanner = _browser(client)
    for _ in range(3):  # a mail scanner, a link preview, the contact
        shown = scanner.get(f"/security/approvals/{token}")
        assert shown.status_code == 200
    assert 'id="approval-status" class="state state-pending"' in shown.text
    assert text("en", "appr.count_of", have=0, need=2) in shown.text
    assert f'src="/security/approvals/{token}/qr.svg"' in shown.text
    assert shown.headers["content-security-policy"].count("img-src 'self'") == 1
    qr = scanner.get(f"/security/approvals/{token}/qr.svg")
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml")
    assert qr.text.startswith("<svg")
    assert case_assurance(client, case_id) == 0
    # The link still counts once its contact decides.
    assert _decide(_browser(client, friends[0]), token, "approve").status_code == 303


def test_the_contact_logs_in_from_the_link_and_approvals_carry_the_case(
        client: TestClient, platform: Platform, clock: ManualClock) -> None:
    case_id, friends, links = _asked(client, platform, clock)
    token = links[friends[0].user_id]
    here = f"/security/approvals/{token}"
    # Not logged in: to the login, which comes back here.
    stranger = _browser(client)
    sent = _decide(stranger, token, "approve")
    assert sent.status_code == 303
    login = sent.headers["location"]
    assert login == "/security/login?next=" + quote(here, safe="")
    assert f'name="next" value="{here}"' in stranger.get(login).text
    # Logged in but this browser not yet confirmed: to the step-up, which comes back too.
    unconfirmed = _browser(client)
    unconfirmed.cookies.set(kit.OWNER_COOKIE, factories.log_in(
        platform, user_id=friends[0].user_id, phone_number=friends[0].phone,
        device="web-" + "0" * 24).token)
    stepped = _decide(unconfirmed, token, "approve")
    assert stepped.headers["location"] == (
        "/security/step-up?next=" + quote(here, safe=""))
    assert f'name="next" value="{here}"' in unconfirmed.get(
        stepped.headers["location"]).text
    assert case_assurance(client, case_id) == 0

    first = _browser(client, friends[0])
    done = _decide(first, token, "approve")
    assert done.headers["location"] == f"{here}?decided=approve"
    page = first.get(done.headers["location"]).text
    assert 'id="decided"' in page and "state-approved" in page
    assert case_assurance(client, case_id) == 0  # one of the two needed
    _decide(_browser(client, friends[1]), links[friends[1].user_id], "approve")
    assert case_assurance(client, case_id) == 50


def test_a_forwarded_or_spent_link_is_refused_in_words(
        client: TestClient, platform: Platform, clock: ManualClock) -> None:
    case_id, friends, links = _asked(client, platform, clock)
    token = links[friends[0].user_id]
    forwarded = _decide(_browser(client, friends[1]), token, "approve")
    assert forwarded.status_code == 403
    assert text("en", "appr.not_yours") in forwarded.text
    mine = _browser(client, friends[0])
    assert _decide(mine, token, "refuse").status_code == 303
    assert "state-refused" in mine.get(f"/security/approvals/{token}").text
    again = mine.post(f"/security/approvals/{token}", follow_redirects=False, data={
        "decision": "approve", "csrf": kit.csrf_token(platform, mine.cookies[kit.CSRF_COOKIE])})
    assert again.status_code == 409
    assert text("en", "appr.conflict_refused") in again.text
    assert case_assurance(client, case_id) == 0


def test_an_unknown_link_is_not_found_and_next_stays_on_this_site(
        client: TestClient) -> None:
    browser = _browser(client)
    assert browser.get("/security/approvals/rc_nothing.here").status_code == 404
    assert browser.get("/security/approvals/rc_nothing.here/qr.svg").status_code == 404
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil"):
        page = browser.get("/security/login", params={"next": target}).text
        assert 'name="next" value="/security/home"' in page
