"""The pages in a real browser, against a real ``walletguard serve`` (seeds 000 and 004):
the owner on a friend's phone freezes the wallet; an agent finds the user and lifts it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests import factories
from tests.web.conftest import PHONE, needs_chromium, shoot
from walletguard.devices import challenges
from walletguard.devices import service as devices
from walletguard.incidents import service as incidents
from walletguard.restrictions import service as restrictions
from walletguard.runtime import Platform
from walletguard.web.i18n import text

pytestmark = needs_chromium


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


def _active_kinds(platform: Platform, user_id: str) -> list[str]:
    with platform.db.transaction() as db:
        return sorted(r.kind for r in restrictions.active(db, user_id=user_id,
                                                          now=platform.clock.now()))


def _report(page: Any, server: str, lang: str, *, phone: str, name: str, last4: str) -> None:
    page.goto(server + "/security")
    page.get_by_role("link", name=text(lang, "landing.report")).click()
    page.get_by_label(text(lang, "report.phone")).fill(phone)
    page.get_by_label(text(lang, "report.real_name")).fill(name)
    page.get_by_label(text(lang, "report.last4")).fill(last4)
    page.get_by_role("button", name=text(lang, "report.submit")).click()
    _expect()(page.get_by_role("heading", name=text(lang, "report.done_title"))).to_be_visible()


def test_lost_phone_report_from_a_fresh_browser_freezes_the_wallet(
        server: str, platform: Platform, fresh_page: Any) -> None:
    owner = factories.register_owner(platform)
    page = fresh_page("zh-CN")
    _report(page, server, "zh-CN", phone=owner.phone, name=owner.real_name,
            last4=owner.id_number[-4:])
    matched = page.get_by_role("status").inner_text()
    shoot(page, "report-done.zh-CN")
    assert _active_kinds(platform, owner.user_id) == ["freeze"]

    # A stranger with wrong details reads the very same page and changes nothing.
    other = factories.register_owner(platform)
    stranger = fresh_page("zh-CN")
    _report(stranger, server, "zh-CN", phone=other.phone, name="王伟", last4="0000")
    assert stranger.get_by_role("status").inner_text() == matched
    assert re.fullmatch(r"inc_[\w-]+", stranger.locator("code").inner_text())
    assert _active_kinds(platform, other.user_id) == []
    assert page.csp_errors == [] and stranger.csp_errors == []


def test_agent_finds_the_user_sees_the_timeline_and_lifts_the_freeze(
        server: str, platform: Platform, fresh_page: Any) -> None:
    owner = factories.register_owner(platform)
    reporter = fresh_page("en")
    _report(reporter, server, "en", phone=owner.phone, name=owner.real_name,
            last4=owner.id_number[-4:])
    key = factories.api_key(platform, "agent")
    page = fresh_page("en")
    page.goto(server + "/staff/login")
    page.get_by_label(text("en", "staff.key")).fill(key)
    page.get_by_role("button", name=text("en", "login.submit")).click()
    page.get_by_label(text("en", "staff.phone")).fill(owner.phone)
    page.get_by_role("button", name=text("en", "staff.find")).click()
    expect = _expect()
    expect(page.locator("#wallet-state")).to_have_text(text("en", "state.frozen"))
    expect(page.locator("#timeline")).to_contain_text("restriction.freeze_placed")
    expect(page.locator("#timeline")).to_contain_text("incident.lost_phone_reported")
    shoot(page, "staff-user.en")
    page.get_by_label(text("en", "staff.lift_reason")).fill("owner verified on the hotline")
    page.get_by_label(text("en", "staff.evidence")).fill("HL-20261201-0093")
    page.get_by_role("button", name=text("en", "staff.lift")).click()
    expect(page.get_by_role("status")).to_have_text(text("en", "staff.lifted"))
    # The lift after a lost-phone report leaves the wallet under observation, unfrozen.
    assert _active_kinds(platform, owner.user_id) == ["observation"]
    assert key not in page.content()
    assert page.csp_errors == []


def test_teller_lift_needs_and_records_the_document_seen(
        server: str, platform: Platform, fresh_page: Any) -> None:
    owner = factories.register_owner(platform)
    with platform.db.transaction() as db:
        restrictions.owner_freeze(db, actor=owner.principal, reason="phone lost",
                                  now=platform.clock.now())
    page = fresh_page("zh-CN")
    page.goto(server + "/staff/login")
    page.get_by_label(text("zh-CN", "staff.key")).fill(factories.api_key(platform, "teller"))
    page.get_by_role("button", name=text("zh-CN", "login.submit")).click()
    page.get_by_label(text("zh-CN", "staff.phone")).fill(owner.phone)
    page.get_by_role("button", name=text("zh-CN", "staff.find")).click()
    page.get_by_label(text("zh-CN", "staff.lift_reason")).fill("柜台核实身份")
    page.get_by_label(text("zh-CN", "staff.doc_number")).fill("110105198805120000")
    page.get_by_label(text("zh-CN", "staff.branch")).fill("ICBC Shanghai Xuhui")
    page.get_by_role("button", name=text("zh-CN", "staff.lift")).click()
    # Someone else's ID number: refused next to the field, the freeze stands.
    number = page.get_by_label(text("zh-CN", "staff.doc_number"))
    _expect()(number).to_have_attribute("aria-invalid", "true")
    assert _active_kinds(platform, owner.user_id) == ["freeze"]
    shoot(page, "teller-refused.zh-CN")
    number.fill(owner.id_number)
    page.get_by_label(text("zh-CN", "staff.lift_reason")).fill("柜台核实身份")
    page.get_by_label(text("zh-CN", "staff.branch")).fill("ICBC Shanghai Xuhui")
    page.get_by_role("button", name=text("zh-CN", "staff.lift")).click()
    _expect()(page.get_by_role("status")).to_have_text(text("zh-CN", "staff.lifted"))
    assert _active_kinds(platform, owner.user_id) == []


def _sms_code(data_dir: Path, phone: str) -> str:
    lines = [json.loads(line) for line in
             (data_dir / "sandbox-sms.jsonl").read_text().splitlines() if line]
    sent = [m["text"] for m in lines if m["to"] == phone]
    found = re.search(r"\b(\d{6})\b", sent[-1])
    assert found, sent[-1]
    return found.group(1)


def _log_in_and_confirm(page: Any, server: str, lang: str, owner: factories.Owner,
                        data_dir: Path, shot: str | None = None) -> None:
    """A new browser: password, then the step-up (SMS code and PIN)."""
    expect = _expect()
    page.goto(server + "/security/login")
    page.get_by_label(text(lang, "login.phone")).fill(owner.phone)
    page.get_by_label(text(lang, "login.password")).fill(factories.PASSWORD)
    page.get_by_role("button", name=text(lang, "login.submit")).click()
    expect(page.get_by_role("heading", name=text(lang, "stepup.title"))).to_be_visible()
    page.get_by_role("button", name=text(lang, "stepup.send")).click()
    expect(page.get_by_role("status")).to_be_visible()
    if shot:
        shoot(page, shot)
    code = _sms_code(data_dir, owner.phone)
    page.get_by_role("textbox", name=text(lang, "stepup.code")).fill(code)
    page.get_by_role("textbox", name=text(lang, "stepup.pin")).fill(factories.PIN)
    page.get_by_role("button", name=text(lang, "stepup.verify")).click()
    expect(page.get_by_role("heading", name=text(lang, "home.title"))).to_be_visible()


def test_a_new_browser_reads_and_freezes_but_changes_settings_only_after_the_step_up(
        server: str, platform: Platform, fresh_page: Any, data_dir: Path) -> None:
    owner = factories.register_owner(platform)
    page = fresh_page("en")
    expect = _expect()
    page.goto(server + "/security/login")
    page.get_by_label(text("en", "login.phone")).fill(owner.phone)
    page.get_by_label(text("en", "login.password")).fill("wrong password")
    page.get_by_role("button", name=text("en", "login.submit")).click()
    expect(page.get_by_label(text("en", "login.phone"))).to_have_value(owner.phone)
    page.get_by_label(text("en", "login.password")).fill(factories.PASSWORD)
    page.get_by_role("button", name=text("en", "login.submit")).click()
    expect(page.get_by_role("heading", name=text("en", "stepup.title"))).to_be_visible()
    page.goto(server + "/security/settings")  # needs a confirmed browser
    expect(page.get_by_role("heading", name=text("en", "stepup.title"))).to_be_visible()
    page.goto(server + "/security/devices")  # reading is open to it
    expect(page.get_by_role("heading", name=text("en", "dev.title"))).to_be_visible()
    page.locator(f"#device-{owner.device_id}").get_by_role(
        "button", name=text("en", "dev.ring")).click()
    expect(page.get_by_role("status")).to_contain_text(text("en", "cmd.ring"))
    page.close()
    _log_in_and_confirm(fresh_page("en"), server, "en", owner, data_dir)


PAGES = {"/security": "landing.title", "/security/report": "report.title",
         "/security/login": "login.title", "/security/home": "home.title",
         "/security/devices": "dev.title", "/security/settings": "set.title",
         "/security/contacts": "con.title", "/security/checkup": "chk.title",
         "/security/recover": "rec.title", "/security/recovery": "rcases.title",
         "/staff/login": "staff.login", "/staff": "staff.search",
         "/staff/appeals": "appeals.title", "/staff/disputes": "disp.title"}


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_each_main_page_fits_a_phone_in_both_languages(
        server: str, platform: Platform, fresh_page: Any, lang: str) -> None:
    owner = factories.register_owner(platform, balance=50_000)
    with platform.db.transaction() as db:
        incident = incidents.report_for_owner(db, policy=platform.policy,
                                              actor=owner.principal, user_id=owner.user_id,
                                              device_id=owner.device_id,
                                              now=platform.clock.now())
    page = fresh_page(lang)
    page.goto(server + "/security/login")
    page.get_by_label(text(lang, "login.phone")).fill(owner.phone)
    page.get_by_label(text(lang, "login.password")).fill(factories.PASSWORD)
    page.get_by_role("button", name=text(lang, "login.submit")).click()
    # Frozen: the SMS step-up is void, the page says what is left (seed 004: the counter).
    _expect()(page.get_by_text(text(lang, "stepup.none"))).to_be_visible()
    shoot(page, f"step-up-frozen.{lang}")
    with platform.db.transaction() as db:
        device = next(d.id for d in devices.list_devices(db, owner=owner.principal)
                      if d.platform == "web")
        challenges.trust_device_by_staff(db, actor=factories.AGENT, device_id=device,
                                         reason="owner verified at the branch",
                                         evidence=None, now=platform.clock.now())
    staff = fresh_page(lang)
    staff.goto(server + "/staff/login")
    staff.get_by_label(text(lang, "staff.key")).fill(factories.api_key(platform, "agent"))
    staff.get_by_role("button", name=text(lang, "login.submit")).click()
    pages = {**PAGES, f"/security/incidents/{incident.id}": "inc.title"}
    for path, heading in pages.items():
        browser_page = staff if path.startswith("/staff") else page
        browser_page.goto(server + path)
        _expect()(browser_page.get_by_role("heading", level=1)).to_contain_text(
            text(lang, heading))
        name = path.strip("/").replace("/", "-").replace(incident.id, "incident")
        assert browser_page.locator("html").get_attribute("lang") == lang, path
        width = browser_page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} is {width}px wide at 360px"
        for field in browser_page.locator("input:not([type=hidden]), select").all():
            label = browser_page.locator(f"label[for='{field.get_attribute('id')}']")
            assert label.count() == 1, f"{path}: an input without its label"
        shoot(browser_page, f"{name or 'landing'}.{lang}")
    assert page.csp_errors == [] and staff.csp_errors == []
