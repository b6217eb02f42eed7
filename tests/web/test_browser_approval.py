"""A trusted contact approves from the link in a real browser (seed 002 §4), at 360 px,
in both languages, against a real ``walletguard serve``: opening the link changes
nothing; deciding sends the browser through the login and the step-up and back to the
link; the approval that makes k of n raises the case's assurance."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests import factories
from tests.attacks.test_approval_link_attacks import approve, open_and_ask
from tests.recovery.test_contacts import approval_links, signed_in_again
from tests.web.conftest import needs_chromium, shoot
from tests.web.test_browser import _expect, _sms_code
from tests.web.test_browser_recovery import _fits
from walletguard.clock import ManualClock
from walletguard.runtime import Platform
from walletguard.web.i18n import text

pytestmark = needs_chromium


def _assurance(http: httpx.Client, case_id: str) -> int:
    """The case's assurance, as a completion it does not yet reach reports it."""
    refused = http.post(f"/v1/recovery-cases/{case_id}/complete", json={"new_pin": "582913"})
    assert refused.status_code == 409 and "assurance" in refused.json(), refused.text
    return int(refused.json()["assurance"])


def _named_a_week_ago(platform: Platform,
                      clock: ManualClock) -> tuple[factories.Owner, list[factories.Owner]]:
    """An owner and three contacts with PINs (a new browser's step-up asks for one),
    named eight days ago (the server's clock is the wall clock)."""
    clock.advance(days=-8)
    owner = factories.register_owner(platform)
    friends = [factories.register_owner(platform, name=name) for name in ("李雷", "韩梅梅", "王芳")]
    factories.name_trusted_contacts(platform, owner, friends)
    clock.advance(days=8)
    owner, *friends = signed_in_again(platform, owner, *friends)
    return owner, friends


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_a_trusted_contact_approves_from_the_link(
        server: str, platform: Platform, clock: ManualClock, fresh_page: Any,
        data_dir: Path, lang: str) -> None:
    expect = _expect()
    owner, friends = _named_a_week_ago(platform, clock)
    with httpx.Client(base_url=server, timeout=30) as http:
        case_id = open_and_ask(http, owner)
        links = approval_links(platform, friends)
        # One contact approved already, in the app: one more of the two needed.
        assert approve(http, links[friends[1].user_id], friends[1]).json()["approvals"] == 1
        assert _assurance(http, case_id) == 0
        contact = friends[0]
        link = f"{server}/security/approvals/{links[contact.user_id]}"

        # A link preview opens it first: it reads, and nothing changes.
        preview = fresh_page(lang)
        preview.goto(link)
        expect(preview.get_by_role("heading", level=1)).to_have_text(text(lang, "appr.title"))
        expect(preview.locator("#approval-status")).to_have_text(
            text(lang, "appr.status_pending"))
        expect(preview.locator("#approval-count")).to_have_text(
            text(lang, "appr.count_of", have=1, need=2))
        qr = preview.get_by_role("img", name=text(lang, "appr.qr_alt"))
        assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
        _fits(preview, "the approval page")
        shoot(preview, f"approval.{lang}")
        assert _assurance(http, case_id) == 0

        # The contact, on their own phone: approve, log in, confirm this browser, approve.
        page = fresh_page(lang)
        page.goto(link)
        page.get_by_role("button", name=text(lang, "appr.approve")).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(text(lang, "login.title"))
        page.get_by_label(text(lang, "login.phone")).fill(contact.phone)
        page.get_by_label(text(lang, "login.password")).fill(factories.PASSWORD)
        page.get_by_role("button", name=text(lang, "login.submit")).click()
        expect(page.get_by_role("heading", name=text(lang, "stepup.title"))).to_be_visible()
        page.get_by_role("button", name=text(lang, "stepup.send")).click()
        expect(page.get_by_role("status")).to_be_visible()
        page.get_by_role("textbox", name=text(lang, "stepup.code")).fill(
            _sms_code(data_dir, contact.phone))
        page.get_by_role("textbox", name=text(lang, "stepup.pin")).fill(factories.PIN)
        page.get_by_role("button", name=text(lang, "stepup.verify")).click()
        # Back at the link, still undecided: nothing was decided on the way.
        expect(page.locator("#approval-status")).to_have_text(
            text(lang, "appr.status_pending"))
        assert _assurance(http, case_id) == 0
        page.get_by_role("button", name=text(lang, "appr.approve")).click()
        expect(page.locator("#decided")).to_have_text(text(lang, "appr.done_approve"))
        expect(page.locator("#approval-status")).to_have_text(
            text(lang, "appr.status_approved"))
        expect(page.locator("#approval-count")).to_have_text(
            text(lang, "appr.count_of", have=2, need=2))
        _fits(page, "the decided approval page")
        shoot(page, f"approval-done.{lang}")
        # Two of three matured contacts: the case has its trusted-contacts evidence.
        assert _assurance(http, case_id) == 50

        # Opened again from anywhere, the link says it was used and offers nothing more.
        third = fresh_page(lang)
        third.goto(link)
        expect(third.locator("#approval-status")).to_have_text(
            text(lang, "appr.status_approved"))
        expect(third.get_by_role("button", name=text(lang, "appr.approve"))).to_have_count(0)
    assert preview.csp_errors == [] and page.csp_errors == [] and third.csp_errors == []
