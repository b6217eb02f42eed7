"""Recovery and the institution's emergency code in a real browser at 360 px, in both
languages, against a real ``walletguard serve``: each page fits a phone, every field has
its label, errors sit next to their fields, the forms work from the keyboard, and the
CSP refuses nothing."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from typing import Any

import pytest

from tests import factories
from tests.recovery.test_cases import bank, card, verifier
from tests.web.conftest import PHONE, needs_chromium, shoot
from tests.web.test_browser import _expect
from walletguard.web.i18n import text

pytestmark = needs_chromium


def _fits(page: Any, where: str) -> None:
    """The page at a phone's width: no sideways scrolling, a label for every field."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{where} is {width}px wide at 360px"
    for field in page.locator("input:not([type=hidden]), select").all():
        label = page.locator(f"label[for='{field.get_attribute('id')}']")
        assert label.count() == 1, f"{where}: an input without its label"


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_recovery_from_a_borrowed_browser_then_the_owner_says_that_was_not_me(
        server: str, platform: factories.ManualPlatform, fresh_page: Any, lang: str) -> None:
    expect = _expect()
    owner = factories.register_owner(platform)
    page = fresh_page(lang)
    page.goto(server + "/security")
    page.get_by_role("link", name=text(lang, "landing.recover")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(text(lang, "rec.title"))
    _fits(page, "/security/recover")
    shoot(page, f"recover-start.{lang}")
    # From the keyboard: type the phone, Tab past the purposes (reset the PIN is chosen),
    # Tab to the button, Enter.
    page.get_by_label(text(lang, "rec.phone")).focus()
    page.keyboard.type(owner.phone)
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(text(lang, "rec.case_title"))
    expect(page.locator("#case-status")).to_have_text(text(lang, "case.open"))

    # The bank card: a code to the card's reserved phone (the sandbox bank's file).
    number = card()
    sandbox = bank(platform)
    sandbox.open_card(number, tier="state", reserved_phone=owner.phone)
    before = set(sandbox._read()["codes"])
    section = page.locator("#channel-bank_card")
    section.get_by_label(text(lang, "channel.bank_card_number")).fill(number)
    section.get_by_role("button", name=text(lang, "channel.bank_card_send")).click()
    expect(section.get_by_label(text(lang, "channel.bank_card_otp"))).to_be_visible()
    (ticket,) = set(sandbox._read()["codes"]) - before
    # A wrong code first: said next to the form, with the tries left.
    section = page.locator("#channel-bank_card")
    section.get_by_label(text(lang, "channel.bank_card_otp")).fill("000000")
    section.get_by_role("button", name=text(lang, "channel.verify"), exact=True).click()
    expect(page.locator("#channel-bank_card [role=alert]")).to_have_text(
        text(lang, "rec.failed", left=4))
    _fits(page, "the case page with a refusal")
    shoot(page, f"recover-refused.{lang}")
    section = page.locator("#channel-bank_card")
    section.get_by_label(text(lang, "channel.bank_card_otp")).fill(sandbox.sent_code(ticket))
    section.get_by_role("button", name=text(lang, "channel.verify"), exact=True).click()
    expect(page.locator("#assurance-text")).to_have_text(
        text(lang, "rec.assurance_of", have=40, need=60))

    # The ID document and a live selfie (the sandbox check's references).
    image = f"doc_{secrets.token_hex(4)}"
    verifier(platform).issue(image, id_number=owner.id_number,
                             expires_on=platform.clock.now().date() + timedelta(days=900),
                             faces={"selfie_1": 0.94})
    section = page.locator("#channel-id_document")
    section.get_by_label(text(lang, "channel.id_document_image")).fill(image)
    section.get_by_label(text(lang, "channel.id_document_selfie")).fill("selfie_1")
    section.get_by_role("button", name=text(lang, "channel.verify"), exact=True).click()

    # Enough proof: a new PIN, typed twice; a mismatch is said next to the second field.
    page.get_by_label(text(lang, "rec.new_pin"), exact=True).fill("582913")
    page.get_by_label(text(lang, "rec.new_pin_again")).fill("582914")
    page.get_by_role("button", name=text(lang, "rec.complete_start")).click()
    again = page.get_by_label(text(lang, "rec.new_pin_again"))
    expect(again).to_have_attribute("aria-invalid", "true")
    page.get_by_label(text(lang, "rec.new_pin"), exact=True).fill("582913")
    again.fill("582913")
    page.get_by_role("button", name=text(lang, "rec.complete_start")).click()
    # From a browser the wallet does not know, the change waits out the security delay.
    expect(page.locator("#case-status")).to_have_text(text(lang, "case.delayed"))
    expect(page.locator("#delay")).to_be_visible()
    _fits(page, "the delayed case")
    shoot(page, f"recover-delayed.{lang}")

    # The owner, told on every channel, logs in anywhere and cancels it.
    mine = fresh_page(lang)
    mine.goto(server + "/security/login")
    mine.get_by_label(text(lang, "login.phone")).fill(owner.phone)
    mine.get_by_label(text(lang, "login.password")).fill(factories.PASSWORD)
    mine.get_by_role("button", name=text(lang, "login.submit")).click()
    mine.goto(server + "/security/home")
    mine.locator("#recovering").get_by_role("link").click()
    expect(mine.get_by_role("heading", level=1)).to_have_text(text(lang, "rcases.title"))
    _fits(mine, "/security/recovery")
    shoot(mine, f"recovery-requests.{lang}")
    mine.get_by_role("button", name=text(lang, "rcases.cancel")).click()
    expect(mine.get_by_role("status")).to_have_text(text(lang, "rcases.cancelled"))

    # The borrowed browser learns it at its next step.
    page.get_by_role("button", name=text(lang, "rec.complete_now")).click()
    expect(page.locator("#case-status")).to_have_text(text(lang, "case.cancelled"))
    assert page.csp_errors == [] and mine.csp_errors == []


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_an_institution_issues_an_emergency_code_from_a_phone(
        server: str, platform: factories.ManualPlatform, fresh_page: Any, lang: str) -> None:
    expect = _expect()
    owner = factories.register_owner(platform)
    page = fresh_page(lang)
    page.goto(server + "/staff/login")
    page.get_by_label(text(lang, "staff.key")).fill(factories.api_key(platform, "institution"))
    page.get_by_role("button", name=text(lang, "login.submit")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(text(lang, "emc.title"))
    _fits(page, "/staff/emergency-codes")
    page.get_by_label(text(lang, "staff.phone")).fill(owner.phone)
    page.get_by_label(text(lang, "staff.doc_number")).fill(owner.id_number)
    page.get_by_label(text(lang, "emc.place")).fill("Ruijin Hospital emergency desk")
    page.get_by_label(text(lang, "emc.amount")).fill("30000")
    # Not ticked: refused next to the box, nothing issued.
    page.get_by_role("button", name=text(lang, "emc.issue")).click()
    box = page.get_by_label(text(lang, "emc.checked"))
    expect(box).to_have_attribute("aria-invalid", "true")
    shoot(page, f"emergency-code-refused.{lang}")
    page.get_by_label(text(lang, "staff.doc_number")).fill(owner.id_number)
    box.focus()
    page.keyboard.press("Space")  # the keyboard ticks it
    expect(box).to_be_checked()
    page.get_by_role("button", name=text(lang, "emc.issue")).click()
    code = page.locator("#emergency-code")
    expect(code).to_have_text(re.compile(r"^[0-9A-Z]{10}$"))
    _fits(page, "the issued code")
    shoot(page, f"emergency-code.{lang}")
    assert owner.id_number not in page.content()
    assert page.csp_errors == []


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_a_teller_records_the_counter_check_on_the_owners_recovery_case(
        server: str, platform: factories.ManualPlatform, fresh_page: Any, lang: str) -> None:
    """Seed 004 ends at a bank counter: the owner opened a case; the teller finds the
    user, checks the ID card, and records it on the case."""
    expect = _expect()
    owner = factories.register_owner(platform)
    start = fresh_page(lang)
    start.goto(server + "/security/recover")
    start.get_by_label(text(lang, "rec.phone")).fill(owner.phone)
    start.get_by_label(text(lang, "purpose.unfreeze")).check()
    start.get_by_role("button", name=text(lang, "rec.start")).click()
    case_id = start.locator("#case-status").locator("xpath=../dd/code").inner_text()
    page = fresh_page(lang)
    page.goto(server + "/staff/login")
    page.get_by_label(text(lang, "staff.key")).fill(factories.api_key(platform, "teller"))
    page.get_by_role("button", name=text(lang, "login.submit")).click()
    page.get_by_label(text(lang, "staff.phone")).fill(owner.phone)
    page.get_by_role("button", name=text(lang, "staff.find")).click()
    case = page.locator(f"#case-{case_id}")
    case.get_by_text(text(lang, "staff.branch_check")).click()
    case.get_by_label(text(lang, "staff.doc_number")).fill(owner.id_number)
    case.get_by_label(text(lang, "staff.branch")).fill("ICBC Shanghai Xuhui")
    case.get_by_role("button", name=text(lang, "staff.branch_record")).click()
    expect(page.get_by_role("status")).to_have_text(text(lang, "staff.checked"))
    expect(page.locator(f"#case-{case_id}")).to_contain_text(
        text(lang, "rec.assurance_of", have=120, need=80))
    _fits(page, "the teller's user page")
    shoot(page, f"staff-user-teller-case.{lang}")
    assert owner.id_number not in page.content()
    assert start.csp_errors == [] and page.csp_errors == []
