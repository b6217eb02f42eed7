"""The pages' security rules, without a browser: CSRF on every form, cookie flags, the
CSP, and no page in the API contract."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests import factories
from walletguard.restrictions import service as restrictions
from walletguard.runtime import Platform


def _csrf(client: TestClient, path: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', client.get(path).text)
    assert found
    return found.group(1)


def test_a_form_without_this_browsers_token_does_nothing(client: TestClient,
                                                         platform: Platform) -> None:
    owner = factories.register_owner(platform)
    form = {"phone": owner.phone, "real_name": owner.real_name,
            "id_number_last4": owner.id_number[-4:]}
    client.get("/security/report")
    refused = client.post("/security/report", data={**form, "csrf": "0" * 64})
    assert refused.status_code == 403
    with platform.db.transaction() as db:
        assert restrictions.active(db, user_id=owner.user_id, now=platform.clock.now()) == []
    token = _csrf(client, "/security/report")
    assert client.post("/security/report", data={**form, "csrf": token}).status_code == 200
    with platform.db.transaction() as db:
        assert [r.kind for r in restrictions.active(db, user_id=owner.user_id,
                                                    now=platform.clock.now())] == ["freeze"]


def test_the_report_from_a_friends_browser_is_on_the_priority_lane(
        client: TestClient, platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    """Like the API's report: its transaction takes the priority lane's own connections
    (``Database.transaction(priority=True)``), so a pool busy with payments cannot make
    it wait; a page that only reads does not."""
    owner = factories.register_owner(platform)
    lanes: list[bool] = []
    transaction = platform.db.transaction

    def spy(*, priority: bool = False) -> Any:
        lanes.append(priority)
        return transaction(priority=priority)

    token = _csrf(client, "/security/report")
    monkeypatch.setattr(platform.db, "transaction", spy)
    client.get("/security/login")
    assert lanes == [] or not any(lanes)
    answer = client.post("/security/report", data={
        "phone": owner.phone, "real_name": owner.real_name,
        "id_number_last4": owner.id_number[-4:], "csrf": token})
    assert answer.status_code == 200
    assert lanes[-1] is True


def test_pages_send_a_strict_csp_and_http_only_strict_cookies(client: TestClient) -> None:
    answer = client.get("/security/login")
    csp = answer.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "<script>" not in answer.text and " style=" not in answer.text


def test_pages_are_not_operations_of_the_api(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith(("/security", "/staff", "/lang"))]


def test_a_page_login_waits_for_a_password_hashing_slot_like_the_api(
    client: TestClient, platform: Platform, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A flood of login form posts cannot take every core: with every slot held, the page
    login is refused 503 after the bounded wait (the slot is reserved before the page's
    transaction opens, as the API's is, so a waiting login holds no connection)."""
    owner = factories.register_owner(platform)
    passwords = platform.keys.passwords
    monkeypatch.setattr(passwords, "wait_seconds", 0.05)
    held = []
    while (slot := passwords.try_reserve()) is not None:
        held.append(slot)
    try:
        token = _csrf(client, "/security/login")
        busy = client.post("/security/login", data={
            "phone": owner.phone, "password": factories.PASSWORD, "csrf": token})
        assert busy.status_code == 503 and busy.headers["retry-after"]
    finally:
        for slot in held:
            slot.release()
    token = _csrf(client, "/security/login")
    answered = client.post("/security/login", data={
        "phone": owner.phone, "password": factories.PASSWORD, "csrf": token},
        follow_redirects=False)
    assert answered.status_code == 303, answered.text
