"""A password is not the owner. Each test replays an attack on the landed build through a
real ``walletguard serve --workers 2`` and shows it now fails with the owner's money, PIN,
contacts, devices and restrictions unchanged — while the genuine owner, on a friend's
browser, still freezes at once and gets back in through staff."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests import factories, races
from walletguard.credentials.models import PaymentPin
from walletguard.devices.models import Device
from walletguard.identity.models import TrustedContact
from walletguard.ledger.models import Wallet
from walletguard.restrictions.models import Restriction
from walletguard.runtime import Platform

BALANCE = 300_000


@pytest.fixture
def http(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=60) as client:
        yield client


def from_address(server: str, address: str) -> httpx.Client:
    """A client whose connections come from another loopback address (127.0.0.0/8): how
    the tests put an attacker and the owner in different places."""
    return httpx.Client(base_url=server, timeout=60,
                        transport=httpx.HTTPTransport(local_address=address))


def login_body(owner: factories.Owner, *, device: str, password: str = factories.PASSWORD,
               fingerprint: dict[str, Any] | None = None,
               phone: str | None = None) -> dict[str, Any]:
    return {"phone": phone or owner.phone, "password": password,
            "device": {"id": device, "name": device, "platform": "web",
                       "fingerprint": fingerprint if fingerprint is not None
                       else {"model": device}}}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def victim(platform: Platform) -> tuple[factories.Owner, list[factories.Owner]]:
    """An owner with money, a PIN, three trusted contacts and one trusted phone."""
    owner = factories.register_owner(platform, balance=BALANCE)
    contacts = [factories.register_owner(platform, name=n) for n in ("李雷", "陈雪", "陈亮")]
    factories.name_trusted_contacts(platform, owner, contacts)
    return owner, contacts


def state_of(platform: Platform, user_id: str) -> dict[str, Any]:
    """What an attacker would want to change: money, PIN, contacts, devices and
    restrictions (lifted or not)."""
    with platform.db.transaction() as db:
        wallet = db.get(Wallet, user_id)
        pin = db.get(PaymentPin, user_id)
        assert wallet is not None and pin is not None
        return {
            "balance": wallet.balance,
            "pin": (pin.digest, pin.set_at),
            "contacts": sorted(db.execute(select(TrustedContact.contact_user_id).where(
                TrustedContact.user_id == user_id)).scalars()),
            "trusted_devices": sorted(db.execute(select(Device.id).where(
                Device.user_id == user_id, Device.trust == "trusted",
                Device.status == "active")).scalars()),
            "restrictions": sorted((r.kind, r.scope, r.source, r.lifted_at is None)
                                   for r in db.execute(select(Restriction).where(
                                       Restriction.user_id == user_id)).scalars()),
        }


def report_body(owner: factories.Owner) -> dict[str, str]:
    return {"phone": owner.phone, "real_name": owner.real_name,
            "id_number_last4": owner.id_number[-4:]}


def pay_body(merchant_id: str, amount: int, pin: str = factories.PIN) -> dict[str, Any]:
    return {"merchant_id": merchant_id, "amount": amount,
            "auth": {"method": "pin", "pin": pin}}


def sms_codes(data_dir: Path, phone: str) -> list[str]:
    path = data_dir / "sandbox-sms.jsonl"
    if not path.exists():
        return []
    return [row["text"].split(": ", 1)[1][:6]
            for row in map(json.loads, path.read_text().splitlines()) if row["to"] == phone]


# ---- the attack: a password from a never-seen device ------------------------------------


def test_a_password_from_a_new_device_gains_nothing_and_the_lift_ends_it(
    server: str, http: httpx.Client, platform: Platform, merchant_id: str,
    agent: dict[str, str],
) -> None:
    owner, contacts = victim(platform)
    # The owner reports the phone from a friend's browser: frozen at once.
    assert http.post("/v1/lost-phone-reports", json=report_body(owner)).status_code == 202
    frozen = state_of(platform, owner.user_id)
    assert ("freeze", "payments", "lost_phone", True) in frozen["restrictions"]

    login = http.post("/v1/sessions", json=login_body(owner, device="attacker-laptop"))
    assert login.status_code == 201, login.text
    assert (login.json()["trust"], login.json()["new_device"]) == ("untrusted", True)
    thief = bearer(login.json()["token"])
    strangers = [factories.register_owner(platform, name=n) for n in ("赵六", "钱七", "孙八")]
    incident = http.get(f"/v1/admin/users/{owner.user_id}/incidents", headers=agent
                        ).json()["items"][0]["id"]
    item = http.get(f"/v1/incidents/{incident}", headers=thief).json()["checklist"][0]["id"]

    attempts = {
        "trusted contacts": http.put("/v1/trusted-contacts", headers=thief, json={
            "contacts": [{"phone": s.phone, "relation": "friend"} for s in strangers]}),
        "PIN change": http.put("/v1/payment-pin", headers=thief,
                               json={"pin": "951847", "current_pin": factories.PIN}),
        "checklist": http.put(f"/v1/incidents/{incident}/checklist/{item}", headers=thief,
                              json={"done": True}),
        "password-free": http.put("/v1/settings/password-free", headers=thief,
                                  json={"enabled": True, "pin": factories.PIN}),
        "limits": http.put("/v1/settings/limits", headers=thief,
                           json={"daily_limit": 5_000_000, "pin": factories.PIN}),
        "wallet": http.get("/v1/wallet", headers=thief),
        "biometric": http.post("/v1/biometric/registration-options", headers=thief),
        "approve itself": http.post(f"/v1/challenges/{login.json()['challenge_id']}/approve",
                                    headers=thief, json={"pin": factories.PIN}),
    }
    for what, refused in attempts.items():
        body = factories.assert_problem(refused, 403, "step_up_required")
        assert body["challenge_id"] == login.json()["challenge_id"], what
        assert body["methods"], what
    # The SMS code does not count while the freeze stands: the SIM may be the thief's.
    factories.assert_problem(http.post(
        f"/v1/challenges/{login.json()['challenge_id']}/otp", headers=thief),
        422, "method_not_available")
    assert state_of(platform, owner.user_id) == frozen

    # The owner calls the hotline; an agent lifts the freeze. The attacker's session ends.
    [freeze] = http.get("/v1/me", headers=thief).json()["restrictions"]
    lifted = http.request("DELETE", f"/v1/admin/restrictions/{freeze['id']}",
                          headers=agent, json={"reason": "owner verified on the hotline"})
    assert lifted.status_code == 200, lifted.text
    for path, call in (("/v1/me", http.get), ("/v1/wallet", http.get)):
        factories.assert_problem(call(path, headers=thief), 401, "unauthenticated")
    factories.assert_problem(http.post("/v1/payments", headers=thief,
                                       json=pay_body(merchant_id, 150_000)),
                             401, "unauthenticated")
    factories.assert_problem(http.post("/v1/transfers", headers=thief, json={
        "to_phone": strangers[0].phone, "amount": 50_000,
        "auth": {"method": "pin", "pin": factories.PIN}}), 401, "unauthenticated")
    after = state_of(platform, owner.user_id)
    assert {k: v for k, v in after.items() if k != "restrictions"} == {
        k: v for k, v in frozen.items() if k != "restrictions"}
    assert after["contacts"] == sorted(c.user_id for c in contacts)

    # The genuine owner signs in on a new phone; an agent trusts it; she pays.
    mine = http.post("/v1/sessions", json=login_body(owner, device="chen-new-phone")).json()
    assert mine["trust"] == "untrusted"
    trusted = http.post(f"/v1/admin/devices/{mine['device_id']}/trust", headers=agent,
                        json={"reason": "owner verified on the hotline"})
    assert trusted.status_code == 200, trusted.text
    paid = http.post("/v1/payments", headers=bearer(mine["token"]),
                     json=pay_body(merchant_id, 1_000))
    assert paid.status_code == 201, paid.text


def test_a_device_seen_seconds_ago_cannot_outrank_the_owner(
    server: str, http: httpx.Client, platform: Platform, merchant_id: str,
    agent: dict[str, str],
) -> None:
    owner, _ = victim(platform)
    attacker = http.post("/v1/sessions", json=login_body(owner, device="fresh-laptop")).json()
    thief = bearer(attacker["token"])
    before = state_of(platform, owner.user_id)

    # Reporting "every other device" lost is allowed (easy to stop): it freezes.
    reported = http.post("/v1/incidents", headers=thief, json={})
    assert reported.status_code == 201, reported.text
    # But the untrusted session gains nothing: it is still untrusted.
    assert http.get("/v1/me", headers=thief).status_code == 200
    for refused in (
        http.post("/v1/payments", headers=thief, json=pay_body(merchant_id, 1_000)),
        http.delete(f"/v1/devices/{owner.device_id}", headers=thief),
        http.post(f"/v1/devices/{owner.device_id}/commands", headers=thief,
                  json={"type": "wipe"}),
        http.post("/v1/challenges", headers=thief),
    ):
        assert refused.status_code in (403, 201), refused.text
        if refused.status_code == 201:  # asking again returns the same pending challenge
            assert refused.json()["id"] == attacker["challenge_id"]
            assert refused.json()["methods"] == []  # nothing the thief can meet
        else:
            assert refused.json()["code"] == "step_up_required"
    after = state_of(platform, owner.user_id)
    assert after["balance"] == before["balance"] and after["pin"] == before["pin"]
    assert after["contacts"] == before["contacts"]

    # The owner calls the hotline: the lift ends the attacker's session.
    restriction = http.get("/v1/me", headers=thief).json()["restrictions"][0]["id"]
    assert http.request("DELETE", f"/v1/admin/restrictions/{restriction}", headers=agent,
                        json={"reason": "owner verified on the hotline"}).status_code == 200
    factories.assert_problem(http.get("/v1/me", headers=thief), 401, "unauthenticated")
    assert state_of(platform, owner.user_id)["balance"] == BALANCE


def test_a_trusted_device_denies_a_stranger_and_its_session_ends_at_once(
    server: str, http: httpx.Client, platform: Platform,
) -> None:
    owner, _ = victim(platform)
    stranger = http.post("/v1/sessions", json=login_body(owner, device="kiosk")).json()

    pending = http.get("/v1/challenges", headers=owner.headers)
    assert [c["id"] for c in pending.json()["items"]] == [stranger["challenge_id"]]
    denied = http.post(f"/v1/challenges/{stranger['challenge_id']}/deny", headers=owner.headers)

    assert (denied.status_code, denied.json()["status"]) == (200, "denied")
    factories.assert_problem(http.get("/v1/me", headers=bearer(stranger["token"])),
                             401, "unauthenticated")
    listed = http.get("/v1/devices", headers=owner.headers).json()["items"]
    assert [d["id"] for d in listed] == [owner.device_id]


# ---- step-up: approval and the SMS code --------------------------------------------------


def test_a_trusted_device_approves_a_new_one_with_the_pin_and_a_wrong_pin_counts(
    server: str, http: httpx.Client, platform: Platform, merchant_id: str,
) -> None:
    owner, _ = victim(platform)
    tablet = http.post("/v1/sessions", json=login_body(owner, device="tablet")).json()
    path = f"/v1/challenges/{tablet['challenge_id']}/approve"

    wrong = http.post(path, headers=owner.headers, json={"pin": "000001"})
    assert factories.assert_problem(wrong, 403, "invalid_pin")["attempts_left"] == 4
    right = http.post(path, headers=owner.headers, json={"pin": factories.PIN})
    again = http.post(path, headers=owner.headers, json={"pin": factories.PIN})

    assert (right.status_code, right.json()["status"]) == (200, "approved")
    factories.assert_problem(again, 409, "conflict")
    paid = http.post("/v1/payments", headers=bearer(tablet["token"]),
                     json=pay_body(merchant_id, 500))
    assert paid.status_code == 201, paid.text
    # The device stays trusted for its next login with the same fingerprint.
    relogin = http.post("/v1/sessions", json=login_body(owner, device="tablet")).json()
    assert relogin["trust"] == "trusted"
    # The same device id with other hardware details is not proof of the device.
    clone = http.post("/v1/sessions", json=login_body(
        owner, device="tablet", fingerprint={"model": "cloned"})).json()
    assert clone["trust"] == "untrusted"


def test_an_sms_code_and_the_pin_trust_a_new_device(
    server: str, http: httpx.Client, platform: Platform, data_dir: Path, merchant_id: str,
) -> None:
    owner, _ = victim(platform)
    laptop = http.post("/v1/sessions", json=login_body(owner, device="laptop")).json()
    headers = bearer(laptop["token"])
    base = f"/v1/challenges/{laptop['challenge_id']}"
    assert http.get(base, headers=headers).json()["methods"] == ["device_approval",
                                                                  "sms_code_and_pin"]

    sent = http.post(f"{base}/otp", headers=headers)
    assert sent.status_code == 200, sent.text
    [code] = sms_codes(data_dir, owner.phone)
    wrong_code = f"{(int(code) + 1) % 10**6:06d}"
    refused = http.post(f"{base}/verify", headers=headers,
                        json={"code": wrong_code, "pin": factories.PIN})
    assert factories.assert_problem(refused, 403, "invalid_code")["attempts_left"] == 4
    wrong_pin = http.post(f"{base}/verify", headers=headers, json={"code": code, "pin": "000001"})
    factories.assert_problem(wrong_pin, 403, "invalid_pin")
    done = http.post(f"{base}/verify", headers=headers, json={"code": code, "pin": factories.PIN})

    assert (done.status_code, done.json()["status"]) == (200, "approved"), done.text
    assert http.post("/v1/payments", headers=headers,
                     json=pay_body(merchant_id, 700)).status_code == 201


def test_parallel_code_guesses_are_counted_before_they_are_compared(
    server: str, platform: Platform, data_dir: Path,
) -> None:
    owner, _ = victim(platform)
    with httpx.Client(base_url=server, timeout=60) as http:
        laptop = http.post("/v1/sessions", json=login_body(owner, device="laptop")).json()
        base = f"/v1/challenges/{laptop['challenge_id']}"
        assert http.post(f"{base}/otp", headers=bearer(laptop["token"])).status_code == 200
    [code] = sms_codes(data_dir, owner.phone)
    guesses = [f"{(int(code) + i) % 10**6:06d}" for i in range(1, 21)]
    barrier = threading.Barrier(len(guesses))
    served = races.Served()

    def guess(value: str, client: httpx.Client) -> tuple[int, Any]:
        barrier.wait()
        answer = served.saw(client.post(f"{base}/verify", headers=bearer(laptop["token"]),
                                        json={"code": value, "pin": factories.PIN}))
        return answer.status_code, answer.json().get("attempts_left")

    with (races.clients_on_both_workers(server, len(guesses)) as clients,
          ThreadPoolExecutor(len(guesses)) as pool):
        outcomes = Counter(pool.map(guess, guesses, clients))

    # Five submissions were judged (attempts_left 4..0), the other fifteen found no code.
    judged = sorted(left for (status, left), n in outcomes.items() for _ in range(n)
                    if status == 403)
    assert judged == [0] * 16 + [1, 2, 3, 4], outcomes
    served.assert_both_workers()
    with httpx.Client(base_url=server, timeout=60) as http:
        late = http.post(f"{base}/verify", headers=bearer(laptop["token"]),
                         json={"code": code, "pin": factories.PIN})
    factories.assert_problem(late, 403, "invalid_code")
    assert state_of(platform, owner.user_id)["trusted_devices"] == [owner.device_id]


def test_the_sms_code_is_void_after_a_recent_sim_change(
    server: str, http: httpx.Client, platform: Platform, data_dir: Path,
) -> None:
    owner, _ = victim(platform)
    changes = data_dir / "sandbox-carrier.json"
    changes.write_text(json.dumps({owner.phone: (datetime.now(UTC) - timedelta(hours=3)
                                                 ).isoformat()}))
    try:
        laptop = http.post("/v1/sessions", json=login_body(owner, device="laptop")).json()
        refused = http.post(f"/v1/challenges/{laptop['challenge_id']}/otp",
                            headers=bearer(laptop["token"]))
        body = factories.assert_problem(refused, 422, "method_not_available")
        assert "SIM" in str(body["detail"])
        assert body["methods"] == ["device_approval"]
        assert sms_codes(data_dir, owner.phone) == []
    finally:
        changes.unlink()


# ---- the other findings ------------------------------------------------------------------


def test_login_guesses_from_one_place_do_not_lock_the_owner_out(
    server: str, platform: Platform,
) -> None:
    owner, _ = victim(platform)
    limit = platform.policy.login.max_failures_per_account_per_address
    national = owner.phone.removeprefix("+86")
    formats = [owner.phone, national, f"+86 {national[:3]} {national[3:7]} {national[7:]}"]
    with from_address(server, "127.0.0.2") as attacker:
        for i in range(limit):
            wrong = attacker.post("/v1/sessions", json=login_body(
                owner, device="attacker", password=f"guess-{i}", phone=formats[i % 3]))
            assert wrong.status_code == 401, wrong.text
        stopped = attacker.post("/v1/sessions", json=login_body(
            owner, device="attacker", password="guess-x", phone=formats[1]))
        assert stopped.status_code == 429 and int(stopped.headers["Retry-After"]) > 0
    # From another place the right password still works: throttle, not lock.
    with from_address(server, "127.0.0.3") as friend:
        fine = friend.post("/v1/sessions", json=login_body(owner, device="friends-browser"))
    assert fine.status_code == 201, fine.text
    assert fine.json()["trust"] == "untrusted"


def test_a_guessing_swarm_holds_back_new_devices_but_not_the_trusted_one(
    server: str, platform: Platform,
) -> None:
    owner, _ = victim(platform)
    per_address = platform.policy.login.max_failures_per_account_per_address
    total = platform.policy.login.max_failures_per_account
    for n in range(total // per_address):
        with from_address(server, f"127.0.1.{n + 1}") as bot:
            for i in range(per_address):
                assert bot.post("/v1/sessions", json=login_body(
                    owner, device=f"bot-{n}", password=f"g-{n}-{i}")).status_code == 401
    with from_address(server, "127.0.2.1") as elsewhere:
        held = elsewhere.post("/v1/sessions", json=login_body(owner, device="new-laptop"))
        mine = elsewhere.post("/v1/sessions", json=login_body(owner, device="phone-1"))
    assert held.status_code == 429
    assert (mine.status_code, mine.json()["trust"]) == (201, "trusted"), mine.text


def test_re_enabling_password_free_cannot_reset_the_five_in_a_row(
    server: str, http: httpx.Client, platform: Platform, merchant_id: str,
) -> None:
    owner, _ = victim(platform)
    settings = "/v1/settings/password-free"
    assert http.put(settings, headers=owner.headers,
                    json={"enabled": True, "pin": factories.PIN}).status_code == 200
    small = {"merchant_id": merchant_id, "amount": 100, "auth": {"method": "password_free"}}
    for _ in range(platform.policy.limits.password_free_consecutive):
        assert http.post("/v1/payments", headers=owner.headers, json=small).status_code == 201
    factories.assert_problem(http.post("/v1/payments", headers=owner.headers, json=small),
                             403, "step_up_required")
    # "enabled: true" again, without the PIN (nothing loosened): the count stays.
    assert http.put(settings, headers=owner.headers, json={"enabled": True}).status_code == 200
    factories.assert_problem(http.post("/v1/payments", headers=owner.headers, json=small),
                             403, "step_up_required")
    # Off, then on again: that needs the PIN.
    assert http.put(settings, headers=owner.headers, json={"enabled": False}).status_code == 200
    factories.assert_problem(http.put(settings, headers=owner.headers, json={"enabled": True}),
                             403, "step_up_required")
    assert state_of(platform, owner.user_id)["balance"] == BALANCE - 500


def test_a_transfer_says_nothing_about_the_payee_until_the_payer_has_authenticated(
    server: str, http: httpx.Client, platform: Platform,
) -> None:
    owner, contacts = victim(platform)
    registered, unregistered = contacts[0].phone, factories.phone()

    def transfer(phone: str, auth: dict[str, Any]) -> httpx.Response:
        return http.post("/v1/transfers", headers=owner.headers,
                         json={"to_phone": phone, "amount": 100, "auth": auth})

    for auth in ({"method": "password_free"}, {"method": "pin", "pin": "000001"}):
        answers = [transfer(phone, auth) for phone in (registered, unregistered)]
        bodies = [(a.status_code, {k: v for k, v in a.json().items()
                                   if k not in ("attempts_left", "detail")})
                  for a in answers]
        assert bodies[0] == bodies[1], bodies
    # With the PIN the owner learns it, a bounded number of times a day.
    limit = platform.policy.transfers.unknown_recipients_per_day
    for _ in range(limit):
        factories.assert_problem(transfer(factories.phone(),
                                          {"method": "pin", "pin": factories.PIN}),
                                 404, "not_found")
    capped = transfer(factories.phone(), {"method": "pin", "pin": factories.PIN})
    factories.assert_problem(capped, 429, "rate_limited")
    assert int(capped.headers["Retry-After"]) > 0
    assert state_of(platform, owner.user_id)["balance"] == BALANCE
