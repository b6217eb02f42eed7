"""The recovery pages without a browser (the clock is the test's, so "24 hours later" is
one line): the answers tell a stranger nothing, each channel's form moves the case, the
security delay holds, and the owner cancels from any session."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests import factories
from tests.recovery.test_cases import bank, card, verifier
from walletguard.recovery import service as recovery
from walletguard.web import kit
from walletguard.web import recovery as recovery_pages

NEW_PIN = "582913"


def _csrf(client: TestClient, path: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', client.get(path).text)
    assert found, path
    return found.group(1)


def _post(client: TestClient, path: str, **data: str) -> Any:
    """A form post with this browser's CSRF token (read from a public form page)."""
    return client.post(path, data={**data, "csrf": _csrf(client, "/security/recover")},
                       follow_redirects=False)


def _open(client: TestClient, phone: str, purpose: str) -> str:
    answer = _post(client, "/security/recover", phone=phone,
                   purpose=purpose)
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    found = re.fullmatch(r"/security/recover/(rc_\w+)", location)
    assert found, location
    return found.group(1)


def _page(client: TestClient, case_id: str) -> str:
    return str(client.get(f"/security/recover/{case_id}").text)


def _pass_bank_card(client: TestClient, platform: factories.ManualPlatform,
                    owner: factories.Owner, case_id: str) -> None:
    number = card()
    bank(platform).open_card(number, tier="state", reserved_phone=owner.phone)
    before = set(bank(platform)._read()["codes"])
    here = f"/security/recover/{case_id}"
    sent = _post(client, f"{here}/verify/bank_card", card_number=number)
    assert sent.status_code == 303
    assert 'name="otp"' in _page(client, case_id)
    (ticket,) = set(bank(platform)._read()["codes"]) - before
    passed = _post(client, f"{here}/verify/bank_card",
                   otp=bank(platform).sent_code(ticket))
    assert passed.status_code == 303, passed.text


def _pass_id_document(client: TestClient, platform: factories.ManualPlatform,
                      owner: factories.Owner, case_id: str, face: float = 0.93) -> Any:
    image = f"doc_{secrets.token_hex(4)}"
    verifier(platform).issue(image, id_number=owner.id_number,
                             expires_on=platform.clock.now().date() + timedelta(days=900),
                             faces={"selfie": face})
    here = f"/security/recover/{case_id}"
    return _post(client, f"{here}/verify/id_document", document_image=image,
                 selfie_image="selfie")


def _masked(html: str, case_id: str) -> str:
    """The page with what differs by nature (the id, times, the CSRF token) blanked."""
    html = html.replace(case_id, "CASE")
    html = re.sub(r"\d{4}-\d\d-\d\d[T ][\d:.+]+( UTC)?", "TIME", html)
    return re.sub(r'name="csrf" value="[0-9a-f]+"', "CSRF", html)


def test_a_phone_without_a_wallet_gets_the_very_same_pages(
        client: TestClient, platform: factories.ManualPlatform) -> None:
    owner = factories.register_owner(platform)
    real = _open(client, owner.phone, "unfreeze")
    real_page = _masked(_page(client, real), real)
    failed_real = _pass_id_document(client, platform, owner, real, face=0.1)
    ghost = _open(client, factories.phone(), "unfreeze")
    ghost_page = _masked(_page(client, ghost), ghost)
    failed_ghost = _pass_id_document(client, platform, owner, ghost, face=0.1)
    assert 'id="channel-bank_card"' in ghost_page
    assert real_page == ghost_page
    # A failed check reads alike too, tries left included.
    assert failed_real.status_code == failed_ghost.status_code == 403
    assert _masked(failed_real.text, real) == _masked(failed_ghost.text, ghost)


def test_bank_card_and_id_document_then_the_delay_then_a_new_pin(
        client: TestClient, platform: factories.ManualPlatform, merchant: str) -> None:
    owner = factories.register_owner(platform, balance=10_000)
    # Paid before the recovery: after it, only payees paid before may be paid for 48 h.
    assert factories.pay(platform, owner, merchant, 100)["status"] == "succeeded"
    case_id = _open(client, owner.phone, "reset_pin")
    page = _page(client, case_id)
    # The channels are the platform's, each with its own form.
    for channel in recovery.available_channels(recovery_pages.ports(platform)):
        assert f'id="channel-{channel}"' in page
    _pass_bank_card(client, platform, owner, case_id)
    assert 'id="assurance-text">40 ' in _page(client, case_id)
    assert _pass_id_document(client, platform, owner, case_id).status_code == 303
    here = f"/security/recover/{case_id}"
    mismatch = _post(client, f"{here}/complete", new_pin=NEW_PIN, new_pin_again="582914")
    assert mismatch.status_code == 422
    assert 'aria-invalid="true"' in mismatch.text
    first = _post(client, f"{here}/complete", new_pin=NEW_PIN, new_pin_again=NEW_PIN)
    assert first.status_code == 303
    assert 'id="delay"' in _page(client, case_id)
    early = _post(client, f"{here}/complete", new_pin=NEW_PIN, new_pin_again=NEW_PIN)
    assert early.status_code == 409
    platform.clock.advance(hours=platform.policy.recovery.security_delay_hours, seconds=1)
    done = _post(client, f"{here}/complete", new_pin=NEW_PIN, new_pin_again=NEW_PIN)
    assert done.status_code == 303, done.text
    assert 'id="case-status" class="state state-completed"' in _page(client, case_id)
    assert factories.pay(platform, owner, merchant, 100, pin=NEW_PIN)["status"] == "succeeded"


def test_the_owner_cancels_from_any_session_and_the_case_page_says_so(
        client: TestClient, platform: factories.ManualPlatform) -> None:
    owner = factories.register_owner(platform)
    case_id = _open(client, owner.phone, "unfreeze")
    owner_browser = TestClient(client.app)
    owner_browser.cookies.set(kit.OWNER_COOKIE, owner.token)
    listed = owner_browser.get("/security/recovery")
    assert f'id="case-{case_id}"' in listed.text
    assert 'id="recovering"' in owner_browser.get("/security/home").text
    cancelled = _post(owner_browser, f"/security/recovery/{case_id}/cancel")
    assert cancelled.status_code == 303
    assert f'id="case-{case_id}"' not in owner_browser.get("/security/recovery").text
    # The recovering browser learns it at its next step, and shows it from then on.
    refused = _pass_id_document(client, platform, owner, case_id)
    assert refused.status_code == 409
    assert "state-cancelled" in _page(client, case_id)


def test_a_case_page_needs_the_browser_that_opened_it(client: TestClient) -> None:
    stranger = TestClient(client.app)
    case_id = _open(client, factories.phone(), "unlock")
    assert stranger.get(f"/security/recover/{case_id}").status_code == 404
    stranger.cookies.set(kit.CASE_COOKIE, client.cookies.get(kit.CASE_COOKIE, "")[:-2] + "00")
    assert stranger.get(f"/security/recover/{case_id}").status_code == 404
