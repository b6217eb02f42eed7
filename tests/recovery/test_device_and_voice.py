"""The device-biometric and hotline-voice channels through the HTTP API, on SQLite and
PostgreSQL: success, failure, lockout and expiry; a phantom case prompts like a real one;
the hotline answers only in its hours."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from tests import factories
from tests.credentials.soft_authenticator import SoftAuthenticator
from tests.factories import Owner
from tests.recovery.test_cases import open_case, pass_id_document
from walletguard.adapters.voice import SandboxVoiceVerifier
from walletguard.clock import ManualClock
from walletguard.runtime import Platform


def bound_phone(client: TestClient, platform: Platform, clock: ManualClock,
                age_days: int = 31) -> tuple[Owner, SoftAuthenticator]:
    """An owner whose phone has a biometric binding, known for ``age_days``."""
    owner = factories.register_owner(platform)
    authenticator = SoftAuthenticator()
    options = client.post("/v1/biometric/registration-options", headers=owner.headers)
    bound = client.post("/v1/biometric/registrations", headers=owner.headers,
                        json={"credential": authenticator.create(options.json()),
                              "pin": factories.PIN})
    assert bound.status_code == 201, bound.text
    clock.advance(days=age_days)
    again = factories.log_in(platform, user_id=owner.user_id, phone_number=owner.phone)
    again.real_name, again.id_number = owner.real_name, owner.id_number
    return again, authenticator


def assertion_options(client: TestClient, case_id: str) -> dict[str, Any]:
    asked = client.post(f"/v1/recovery-cases/{case_id}/verifications",
                        json={"channel": "device_biometric"})
    assert asked.status_code == 200, asked.text
    assert asked.json()["next_step"] == "webauthn_assertion"
    options: dict[str, Any] = asked.json()["options"]
    return options


def assert_with(client: TestClient, case_id: str, assertion: dict[str, Any]) -> Any:
    return client.post(f"/v1/recovery-cases/{case_id}/verifications",
                       json={"channel": "device_biometric", "assertion": assertion})


def test_a_biometric_on_the_bound_phone_resets_the_pin(
        client: TestClient, platform: Platform, clock: ManualClock) -> None:
    owner, authenticator = bound_phone(client, platform, clock)
    case = open_case(client, owner.phone, "reset_pin", device="phone-1")
    options = assertion_options(client, case["id"])
    passed = assert_with(client, case["id"], authenticator.get(options))
    assert passed.status_code == 200, passed.text
    assert passed.json()["assurance"] == 60 == passed.json()["required_assurance"]
    done = client.post(f"/v1/recovery-cases/{case['id']}/complete", json={"new_pin": "582913"})
    assert done.status_code == 200 and done.json()["status"] == "completed", done.text


def test_a_forged_or_replayed_assertion_fails_and_three_close_the_channel(
        client: TestClient, platform: Platform, clock: ManualClock) -> None:
    owner, authenticator = bound_phone(client, platform, clock)
    case = open_case(client, owner.phone, "reset_pin", device="phone-1")
    options = assertion_options(client, case["id"])
    forged = assert_with(client, case["id"], authenticator.get(
        options, signer=SoftAuthenticator().key))
    assert factories.assert_problem(forged, 403, "verification_failed")["attempts_left"] == 4
    # The rejected assertion spent its challenge: a good signature over it fails too.
    replayed = assert_with(client, case["id"], authenticator.get(options))
    assert factories.assert_problem(replayed, 403, "verification_failed")["attempts_left"] == 3
    unverified = assert_with(client, case["id"], authenticator.get(
        assertion_options(client, case["id"]), user_verified=False))
    factories.assert_problem(unverified, 403, "verification_failed")
    closed = assert_with(client, case["id"], authenticator.get(
        assertion_options(client, case["id"])))
    assert factories.assert_problem(closed, 403, "verification_failed")["attempts_left"] == 0


def test_a_phone_bound_less_than_thirty_days_ago_gets_options_that_cannot_pass(
        client: TestClient, platform: Platform, clock: ManualClock) -> None:
    owner, authenticator = bound_phone(client, platform, clock, age_days=3)
    case = open_case(client, owner.phone, "reset_pin", device="phone-1")
    phantom = open_case(client, factories.phone(), "reset_pin", device="phone-1")
    options = assertion_options(client, case["id"])
    assert sorted(options) == sorted(assertion_options(client, phantom["id"]))
    failed = assert_with(client, case["id"], authenticator.get(options))
    factories.assert_problem(failed, 403, "verification_failed")


def test_a_biometric_on_an_expired_case_is_refused(
        client: TestClient, platform: Platform, clock: ManualClock) -> None:
    owner, authenticator = bound_phone(client, platform, clock)
    case = open_case(client, owner.phone, "reset_pin", device="phone-1")
    options = assertion_options(client, case["id"])
    clock.advance(hours=72, seconds=1)
    late = assert_with(client, case["id"], authenticator.get(options))
    assert factories.assert_problem(late, 409, "conflict")["case_status"] == "expired"


# ---- hotline voice -----------------------------------------------------------------------


def voice(platform: Platform) -> SandboxVoiceVerifier:
    assert isinstance(platform.voice_verifier, SandboxVoiceVerifier)
    return platform.voice_verifier


def at_operator_hour(platform: Platform, clock: ManualClock, hour: int) -> datetime:
    """Move the clock forward to the next ``hour``:00 operator time."""
    local = clock.now().astimezone(ZoneInfo(platform.policy.timezone))
    target = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if target <= local:
        target += timedelta(days=1)
    return clock.advance(seconds=(target - local).total_seconds())


def call(client: TestClient, platform: Platform, owner: Owner, case_id: str, *,
         match: float = 0.93, questions_passed: bool = True) -> Any:
    ref = f"call_{case_id[-6:]}_{match}_{questions_passed}"
    voice(platform).record_call(ref, caller_phone=owner.phone, voiceprint_match=match,
                                questions_passed=questions_passed)
    return client.post(f"/v1/recovery-cases/{case_id}/verifications",
                       json={"channel": "hotline_voice", "call_ref": ref})


def test_a_hotline_call_in_hours_adds_low_assurance_that_never_suffices_alone(
        client: TestClient, platform: Platform, clock: ManualClock) -> None:
    owner = factories.register_owner(platform)
    at_operator_hour(platform, clock, 9)
    case = open_case(client, owner.phone, "reset_pin", device="phone-1")
    assert "hotline_voice" in case["channels"]
    heard = call(client, platform, owner, case["id"])
    assert heard.status_code == 200, heard.text
    assert heard.json()["assurance"] == 20  # 30, capped with the other low channels
    alone = client.post(f"/v1/recovery-cases/{case['id']}/complete", json={"new_pin": "582913"})
    factories.assert_problem(alone, 409, "conflict")
    assert pass_id_document(client, platform, owner, case["id"]).json()["assurance"] == 70


def test_a_poor_voiceprint_or_failed_questions_fail_and_are_counted(
        client: TestClient, platform: Platform, clock: ManualClock) -> None:
    owner = factories.register_owner(platform)
    at_operator_hour(platform, clock, 14)
    case = open_case(client, owner.phone, "unfreeze")
    lefts = [factories.assert_problem(r, 403, "verification_failed")["attempts_left"]
             for r in (call(client, platform, owner, case["id"], match=0.6),
                       call(client, platform, owner, case["id"], questions_passed=False),
                       client.post(f"/v1/recovery-cases/{case['id']}/verifications",
                                   json={"channel": "hotline_voice", "call_ref": "no-call"}))]
    assert lefts == [4, 3, 2]
    closed = call(client, platform, owner, case["id"])
    assert factories.assert_problem(closed, 403, "verification_failed")["attempts_left"] == 0


def test_the_hotline_channel_is_closed_outside_hotline_hours_and_counts_nothing(
        client: TestClient, platform: Platform, clock: ManualClock) -> None:
    owner = factories.register_owner(platform)
    at_operator_hour(platform, clock, 22)
    case = open_case(client, owner.phone, "unfreeze")
    closed = call(client, platform, owner, case["id"])
    factories.assert_problem(closed, 422, "method_not_available")
    clock.advance(hours=9, minutes=59)  # 07:59
    factories.assert_problem(call(client, platform, owner, case["id"]), 422,
                             "method_not_available")
    clock.advance(minutes=1)  # 08:00: open, and nothing was counted before
    failed = call(client, platform, owner, case["id"], match=0.1)
    assert factories.assert_problem(failed, 403, "verification_failed")["attempts_left"] == 4


def test_a_hotline_call_on_an_expired_case_is_refused(
        client: TestClient, platform: Platform, clock: ManualClock) -> None:
    owner = factories.register_owner(platform)
    at_operator_hour(platform, clock, 10)
    case = open_case(client, owner.phone, "unfreeze")
    clock.advance(hours=72, seconds=1)
    late = call(client, platform, owner, case["id"])
    assert factories.assert_problem(late, 409, "conflict")["case_status"] == "expired"
