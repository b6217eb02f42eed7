"""Recovery cases through the HTTP API, on SQLite and PostgreSQL: each channel's success,
failure, lockout (manual review) and expiry; the security delay; what completion does."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from stdnum import luhn

from tests import factories
from tests.factories import Owner
from walletguard.adapters.bank import SandboxBank
from walletguard.adapters.carrier import SandboxCarrier
from walletguard.adapters.identity_check import SandboxIdentityVerifier
from walletguard.clock import ManualClock
from walletguard.runtime import Platform


def card() -> str:
    body = f"622202{secrets.randbelow(10 ** 12):012d}"
    return body + luhn.calc_check_digit(body)


def bank(platform: Platform) -> SandboxBank:
    assert isinstance(platform.bank, SandboxBank)
    return platform.bank


def verifier(platform: Platform) -> SandboxIdentityVerifier:
    assert isinstance(platform.identity_verifier, SandboxIdentityVerifier)
    return platform.identity_verifier


def open_case(client: TestClient, phone: str, purpose: str,
              device: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"phone": phone, "purpose": purpose}
    if device:
        body["device"] = {"id": device}
    response = client.post("/v1/recovery-cases", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def new_otp_ticket(sandbox: SandboxBank, send: Callable[[], Any]) -> str:
    """The one OTP ticket ``send`` made the sandbox bank issue (the sandbox's file holds
    every earlier test's tickets too, some with later expiry times)."""
    before = set(sandbox._read()["codes"])
    sent = send()
    assert sent.status_code == 200, sent.text
    assert sent.json()["next_step"] == "otp_sent"
    (ticket,) = set(sandbox._read()["codes"]) - before
    return ticket


def pass_bank_card(client: TestClient, platform: Platform, owner: Owner,
                   case_id: str) -> dict[str, Any]:
    number = card()
    bank(platform).open_card(number, tier="state", reserved_phone=owner.phone)
    ticket = new_otp_ticket(bank(platform), lambda: client.post(
        f"/v1/recovery-cases/{case_id}/verifications",
        json={"channel": "bank_card", "card_number": number}))
    passed = client.post(f"/v1/recovery-cases/{case_id}/verifications",
                         json={"channel": "bank_card", "card_number": number,
                               "otp": bank(platform).sent_code(ticket)})
    assert passed.status_code == 200, passed.text
    return dict(passed.json())


def pass_id_document(client: TestClient, platform: Platform, owner: Owner, case_id: str,
                     *, face: float = 0.93) -> Any:
    image = f"doc_{secrets.token_hex(4)}"
    verifier(platform).issue(image, id_number=owner.id_number,
                             expires_on=platform.clock.now().date() + timedelta(days=900),
                             faces={"selfie": face})
    return client.post(f"/v1/recovery-cases/{case_id}/verifications",
                       json={"channel": "id_document", "document_image": image,
                             "selfie_image": "selfie"})


def lose_phone_and_log_in_elsewhere(platform: Platform, owner: Owner) -> Owner:
    return factories.log_in(platform, user_id=owner.user_id, phone_number=owner.phone,
                            device="new-phone")


def test_owner_recovers_to_a_new_device_after_the_security_delay(
        client: TestClient, platform: Platform, clock: ManualClock) -> None:
    owner = factories.register_owner(platform, balance=10_000)
    new = lose_phone_and_log_in_elsewhere(platform, owner)
    assert not new.principal.trusted
    case = open_case(client, owner.phone, "new_device", device="new-phone")
    assert case["required_assurance"] == 80
    assert pass_bank_card(client, platform, owner, case["id"])["assurance"] == 40
    after_id = pass_id_document(client, platform, owner, case["id"])
    assert after_id.json()["assurance"] == 90

    first = client.post(f"/v1/recovery-cases/{case['id']}/complete", json={})
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "delayed"
    early = client.post(f"/v1/recovery-cases/{case['id']}/complete", json={})
    factories.assert_problem(early, 409, "conflict")
    # The old phone still works during the delay (it may be the owner's, cancelling).
    assert client.get("/v1/me", headers=owner.headers).status_code == 200

    clock.advance(hours=24, seconds=1)
    done = client.post(f"/v1/recovery-cases/{case['id']}/complete", json={})
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["status"] == "completed"
    assert body["sessions_ended"] >= 1
    assert body["observation_until"] is not None
    # Every other session ended, trusted or not; the recovering device is now trusted.
    assert client.get("/v1/me", headers=owner.headers).status_code == 401
    me = client.get("/v1/me", headers=new.headers)
    assert me.status_code == 200
    assert me.json()["state"] == "observation"


def test_reset_pin_from_a_trusted_device_sets_the_pin_and_lifts_the_pin_lock(
        client: TestClient, platform: Platform, merchant_id: str) -> None:
    owner = factories.register_owner(platform, balance=10_000)
    # A shop paid before: for 48 h after the recovery only such payees are paid.
    factories.pay(platform, owner, merchant_id, 100)
    for _ in range(5):
        client.post("/v1/payments", headers=owner.headers,
                    json={"merchant_id": merchant_id, "amount": 100,
                          "auth": {"method": "pin", "pin": "000001"}})
    locked = client.post("/v1/payments", headers=owner.headers,
                         json={"merchant_id": merchant_id, "amount": 100,
                               "auth": {"method": "pin", "pin": factories.PIN}})
    factories.assert_problem(locked, 403, "pin_locked")
    case = open_case(client, owner.phone, "reset_pin", device="phone-1")
    assert case["required_assurance"] == 60
    assert pass_id_document(client, platform, owner, case["id"]).json()["assurance"] == 50
    not_yet = client.post(f"/v1/recovery-cases/{case['id']}/complete",
                          json={"new_pin": "582913"})
    factories.assert_problem(not_yet, 409, "conflict")
    pass_bank_card(client, platform, owner, case["id"])
    done = client.post(f"/v1/recovery-cases/{case['id']}/complete",
                       json={"new_pin": "582913"})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "completed" and len(done.json()["lifted"]) == 1
    paid = client.post("/v1/payments", headers=owner.headers,
                       json={"merchant_id": merchant_id, "amount": 100,
                             "auth": {"method": "pin", "pin": "582913"}})
    assert paid.status_code == 201, paid.text


def test_failed_verifications_are_counted_and_send_the_case_to_review(
        client: TestClient, platform: Platform) -> None:
    owner = factories.register_owner(platform)
    case = open_case(client, owner.phone, "unfreeze")
    lefts = []
    for face in (0.5, 0.6, 0.7):
        failed = pass_id_document(client, platform, owner, case["id"], face=face)
        lefts.append(factories.assert_problem(failed, 403, "verification_failed")
                     ["attempts_left"])
    assert lefts == [4, 3, 2]
    closed = pass_id_document(client, platform, owner, case["id"])
    assert factories.assert_problem(closed, 403, "verification_failed")["attempts_left"] == 0
    for _ in range(2):  # the card channel: wrong OTPs
        number = card()
        bank(platform).open_card(number, tier="state", reserved_phone=owner.phone)
        client.post(f"/v1/recovery-cases/{case['id']}/verifications",
                    json={"channel": "bank_card", "card_number": number})
        client.post(f"/v1/recovery-cases/{case['id']}/verifications",
                    json={"channel": "bank_card", "card_number": number, "otp": "000000"})
    review = client.post(f"/v1/recovery-cases/{case['id']}/verifications",
                         json={"channel": "bank_card", "card_number": card(), "otp": "1"})
    factories.assert_problem(review, 409, "conflict")
    assert "manual review" in str(review.json()["detail"]) or \
        review.json().get("case_status") == "review"


def test_a_case_expires(client: TestClient, platform: Platform, clock: ManualClock) -> None:
    owner = factories.register_owner(platform)
    case = open_case(client, owner.phone, "unfreeze")
    clock.advance(hours=72, seconds=1)
    late = pass_id_document(client, platform, owner, case["id"])
    assert factories.assert_problem(late, 409, "conflict")["case_status"] == "expired"


def test_bank_card_attempts_per_day_follow_the_bank_tier(
        client: TestClient, platform: Platform) -> None:
    owner = factories.register_owner(platform)
    answers = []
    for _ in range(3):
        case = open_case(client, owner.phone, "unfreeze")
        number = card()
        bank(platform).open_card(number, tier="city_rural", reserved_phone=owner.phone)
        answers.append(client.post(f"/v1/recovery-cases/{case['id']}/verifications",
                                   json={"channel": "bank_card", "card_number": number})
                       .status_code)
    assert answers == [200, 200, 429]


def test_an_unknown_phone_gets_the_same_answers_as_a_real_one(
        client: TestClient, platform: Platform) -> None:
    owner = factories.register_owner(platform)
    real = open_case(client, owner.phone, "unfreeze")
    phantom = open_case(client, factories.phone(), "unfreeze")
    assert real.keys() == phantom.keys()
    assert {k: v for k, v in real.items() if k not in ("id", "expires_at")} == \
        {k: v for k, v in phantom.items() if k not in ("id", "expires_at")}
    assert len(real["id"]) == len(phantom["id"])
    for case in (real, phantom):
        failed = pass_id_document(client, platform, owner, case["id"], face=0.1)
        assert factories.assert_problem(failed, 403, "verification_failed")[
            "attempts_left"] == 4
    never_issued = client.post("/v1/recovery-cases/rc_" + "0" * 32 + "/verifications",
                               json={"channel": "id_document", "document_image": "x",
                                     "selfie_image": "y"})
    factories.assert_problem(never_issued, 404, "not_found")


def test_the_card_step_answers_alike_for_an_unknown_phone(
        client: TestClient, platform: Platform) -> None:
    """The card channel's first step is no account oracle: a phone without a wallet gets
    "code sent" for a valid card, the same refusal for an invalid one, and the same daily
    limit."""
    owner = factories.register_owner(platform)
    real = open_case(client, owner.phone, "unfreeze")
    phantom = open_case(client, factories.phone(), "unfreeze")
    number = card()
    answers = []
    for case in (real, phantom):
        path = f"/v1/recovery-cases/{case['id']}/verifications"
        bad = client.post(path, json={"channel": "bank_card", "card_number": "4111111111111112"})
        factories.assert_problem(bad, 422, "invalid_input")
        sent = [client.post(path, json={"channel": "bank_card", "card_number": number})
                for _ in range(3)]
        # A card the bank does not know counts against the smallest tier's limit (2).
        assert [r.status_code for r in sent] == [200, 200, 429]
        body = sent[0].json()
        answers.append({k: v for k, v in body.items() if k != "id"})
        assert body["id"] == case["id"]
    assert answers[0] == answers[1] == {"channel": "bank_card", "next_step": "otp_sent"}


def test_the_owner_cancels_a_delayed_recovery_from_the_old_phone(
        client: TestClient, platform: Platform, clock: ManualClock) -> None:
    owner = factories.register_owner(platform)
    lose_phone_and_log_in_elsewhere(platform, owner)
    case = open_case(client, owner.phone, "new_device", device="new-phone")
    pass_bank_card(client, platform, owner, case["id"])
    pass_id_document(client, platform, owner, case["id"])
    assert client.post(f"/v1/recovery-cases/{case['id']}/complete",
                       json={}).json()["status"] == "delayed"
    cancelled = client.post(f"/v1/recovery-cases/{case['id']}/cancel", headers=owner.headers)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    clock.advance(hours=25)
    after = client.post(f"/v1/recovery-cases/{case['id']}/complete", json={})
    assert factories.assert_problem(after, 409, "conflict")["case_status"] == "cancelled"


def test_a_teller_check_completes_an_unlock_case(
        client: TestClient, platform: Platform) -> None:
    owner = factories.register_owner(platform)
    teller = factories.staff_headers(platform, "teller")
    agent = factories.staff_headers(platform, "agent")
    frozen = client.post(f"/v1/admin/users/{owner.user_id}/restrictions", headers=agent,
                         json={"kind": "freeze", "scope": "account", "reason": "suspicion"})
    assert frozen.status_code == 201, frozen.text
    case = open_case(client, owner.phone, "unfreeze", device="phone-1")
    checked = client.post(f"/v1/admin/recovery-cases/{case['id']}/branch-verification",
                          headers=teller,
                          json={"document_type": "resident_id",
                                "document_number": owner.id_number,
                                "branch": "ICBC Shanghai Xuhui"})
    assert checked.status_code == 200, checked.text
    assert checked.json()["assurance"] >= checked.json()["required_assurance"]
    done = client.post(f"/v1/recovery-cases/{case['id']}/complete", json={})
    assert done.status_code == 200 and done.json()["lifted"] == [frozen.json()["id"]]


def test_after_a_sim_change_the_reserved_phone_otp_counts_for_nothing(
        client: TestClient, platform: Platform) -> None:
    owner = factories.register_owner(platform)
    assert isinstance(platform.carrier, SandboxCarrier)
    platform.carrier.record_sim_change(owner.phone, platform.clock.now() - timedelta(hours=2))
    case = open_case(client, owner.phone, "new_device", device="new-phone")
    after = pass_bank_card(client, platform, owner, case["id"])
    assert after["assurance"] == 0
    assert after["required_assurance"] == 110
