"""Attackers against recovery channels, appeals and the security delay, through the real
2-worker server on both databases (data through the real use cases): each fails, and
the owner's wallet — money, PIN, phone, contacts, devices, sessions, restrictions — is
as it was."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select

from tests import factories
from tests.attacks.support import owner_state
from tests.factories import Owner
from walletguard.adapters.carrier import SandboxCarrier
from walletguard.adapters.sms import SandboxSms
from walletguard.clock import ManualClock
from walletguard.identity.models import User
from walletguard.notifications.worker import run_jobs
from walletguard.recovery.models import RecoveryEvidence
from walletguard.runtime import Platform


def wallet_state(platform: Platform, owner: Owner) -> dict[str, Any]:
    """``owner_state`` and the account phone and any recovery evidence gathered."""
    state = owner_state(platform, owner.user_id)
    with platform.db.transaction() as db:
        state["phone"] = db.get_one(User, owner.user_id).phone_index
        state["evidence"] = list(db.execute(select(RecoveryEvidence.channel).where(
            RecoveryEvidence.user_id == owner.user_id)).scalars())
    return state


def history(platform: Platform, owner: Owner) -> dict[str, Any]:
    """What a leak of the owner's history (a bribed agent's screen) gives an attacker: the
    appeal form, all right."""
    shop = factories.merchant(platform, "全家便利店")
    factories.pay(platform, owner, shop, 3_800)
    month = platform.clock.now().astimezone(ZoneInfo(platform.policy.timezone))
    return {"registered_month": month.strftime("%Y-%m"), "device_names": ["phone-1"],
            "counterparties": ["全家便利店"], "amounts": [3_800], "top_ups": [50_000]}


def sms_code(platform: Platform, phone: str) -> str:
    assert isinstance(platform.sms, SandboxSms)
    found = re.search(r"\d{6}", platform.sms.sent_to(phone)[-1]["text"])
    assert found is not None
    return found.group(0)


def test_thief_with_the_unlocked_phone_and_the_pin_cannot_swap_the_channels(
        server: str, platform: Platform) -> None:
    """The thief holds the trusted phone (so its SMS) and shoulder-surfed the PIN: the
    step-up is met, but the change only waits, the owner hears of it on a friend's
    browser and cancels the phone swap; a lost-phone freeze voids the contacts swap."""
    owner = factories.register_owner(platform, balance=50_000)
    accomplices = [factories.register_owner(platform) for _ in range(3)]
    with httpx.Client(base_url=server, timeout=60) as http:
        # Without a step-up nothing is even asked for.
        for path, body in (("/v1/account-phone", {"phone": factories.phone()}),
                           ("/v1/trusted-contacts", {"contacts": [
                               {"phone": a.phone, "relation": "friend"} for a in accomplices]})):
            factories.assert_problem(http.put(path, headers=owner.headers, json=body), 403,
                                     "step_up_required")
        before = wallet_state(platform, owner)

        def swap(path: str, body: dict[str, Any]) -> str:
            first = http.put(path, headers=owner.headers, json=body)
            challenge = str(factories.assert_problem(first, 403,
                                                     "step_up_required")["challenge_id"])
            sent = http.post(f"/v1/challenges/{challenge}/otp", headers=owner.headers)
            assert sent.status_code == 200, sent.text
            met = http.post(f"/v1/challenges/{challenge}/verify", headers=owner.headers,
                            json={"code": sms_code(platform, owner.phone),
                                  "pin": factories.PIN})
            assert met.status_code == 200, met.text
            asked = http.put(path, headers=owner.headers, json={**body,
                                                                "challenge_id": challenge})
            assert asked.status_code == 200, asked.text
            return str(asked.json()["pending_change"]["id"])

        phone_swap = swap("/v1/account-phone", {"phone": factories.phone()})
        swap("/v1/trusted-contacts", {"contacts": [
            {"phone": a.phone, "relation": "friend"} for a in accomplices]})
        # The owner, on a friend's laptop (an untrusted session), cancels one and reports
        # the phone lost, which voids the other.
        laptop = factories.log_in(platform, user_id=owner.user_id, phone_number=owner.phone,
                                  device="friends-laptop")
        listed = http.get("/v1/channel-changes", headers=laptop.headers).json()["items"]
        assert {c["status"] for c in listed} == {"pending"} and len(listed) == 2
        cancelled = http.post(f"/v1/channel-changes/{phone_swap}/cancel",
                              headers=laptop.headers)
        assert cancelled.status_code == 200, cancelled.text
        frozen = http.post("/v1/freeze", headers=laptop.headers, json={"reason": "stolen"})
        assert frozen.status_code == 201, frozen.text
    assert isinstance(platform.clock, ManualClock)
    platform.clock.advance(hours=platform.policy.recovery.channel_change_cooling_off_hours + 1)
    run_jobs(platform)
    after = wallet_state(platform, owner)
    assert after["phone"] == before["phone"] and after["contacts"] == before["contacts"] == []
    assert after["pin"] == before["pin"] and after["wallet"] == before["wallet"]


def test_thief_cannot_recover_the_wallet_to_a_new_device(
        server: str, platform: Platform) -> None:
    owner = factories.register_owner(platform, balance=50_000)
    thief = factories.log_in(platform, user_id=owner.user_id, phone_number=owner.phone,
                             device="thief-phone")
    before = wallet_state(platform, owner)
    with httpx.Client(base_url=server, timeout=60) as http:
        case = http.post("/v1/recovery-cases", json={
            "phone": owner.phone, "purpose": "new_device",
            "device": {"id": "thief-phone"}}).json()
        forged = http.post(f"/v1/recovery-cases/{case['id']}/verifications",
                           json={"channel": "id_document", "document_image": "forged",
                                 "selfie_image": "thief"})
        factories.assert_problem(forged, 403, "verification_failed")
        refused = http.post(f"/v1/recovery-cases/{case['id']}/complete", json={})
        factories.assert_problem(refused, 409, "conflict")
        # The untrusted session the thief holds can neither pay nor name contacts.
        factories.assert_problem(http.get("/v1/wallet", headers=thief.headers), 403,
                                 "step_up_required")
    assert wallet_state(platform, owner) == before


def test_sim_swapper_with_a_leaked_id_number_and_history_gets_no_approval_alone(
        server: str, platform: Platform) -> None:
    """The SIM-swapper's appeal carries the leaked history and so scores well; one bribed
    agent recommends it and cannot approve it; the bank OTP the new SIM receives is worth
    nothing."""
    owner = factories.register_owner(platform, balance=50_000)
    form = history(platform, owner)
    assert isinstance(platform.carrier, SandboxCarrier)
    platform.carrier.record_sim_change(owner.phone, platform.clock.now() - timedelta(hours=2))
    factories.log_in(platform, user_id=owner.user_id, phone_number=owner.phone,
                     device="swapper-phone")
    insider = factories.staff_headers(platform, "agent")
    before = wallet_state(platform, owner)
    with httpx.Client(base_url=server, timeout=60) as http:
        case = http.post("/v1/recovery-cases", json={
            "phone": owner.phone, "purpose": "new_device",
            "device": {"id": "swapper-phone"}}).json()
        filed = http.post(f"/v1/recovery-cases/{case['id']}/appeal", json=form)
        assert filed.status_code == 201, filed.text
        appeal_id = filed.json()["id"]
        recommended = http.post(f"/v1/admin/appeals/{appeal_id}/decision", headers=insider,
                                json={"decision": "recommend", "note": "looks fine"})
        assert recommended.status_code == 200, recommended.text
        own = http.post(f"/v1/admin/appeals/{appeal_id}/decision", headers=insider,
                        json={"decision": "approve", "note": "approved"})
        factories.assert_problem(own, 403, "forbidden")
        refused = http.post(f"/v1/recovery-cases/{case['id']}/complete", json={})
        factories.assert_problem(refused, 409, "conflict")
    after = wallet_state(platform, owner)
    assert after == before and after["evidence"] == []


def test_a_second_agent_cannot_shorten_the_security_delay(
        server: str, platform: Platform) -> None:
    """Two agents approved an appeal (collusion, or a mistake); the recovering device must
    still wait 24 h while the owner is told: trusting that device by staff, completing
    early or deciding again shortens nothing, and the owner's phone cancels."""
    owner = factories.register_owner(platform, balance=50_000)
    form = history(platform, owner)
    other = factories.log_in(platform, user_id=owner.user_id, phone_number=owner.phone,
                             device="other-phone")
    maker, checker = (factories.staff_headers(platform, "agent") for _ in range(2))
    with httpx.Client(base_url=server, timeout=60) as http:
        case = http.post("/v1/recovery-cases", json={
            "phone": owner.phone, "purpose": "new_device",
            "device": {"id": "other-phone"}}).json()
        appeal_id = http.post(f"/v1/recovery-cases/{case['id']}/appeal",
                              json=form).json()["id"]
        for agent, decision in ((maker, "recommend"), (checker, "approve")):
            done = http.post(f"/v1/admin/appeals/{appeal_id}/decision", headers=agent,
                             json={"decision": decision, "note": "checked"})
            assert done.status_code == 200, done.text
        delayed = http.post(f"/v1/recovery-cases/{case['id']}/complete", json={})
        assert delayed.json()["status"] == "delayed", delayed.text
        before = wallet_state(platform, owner)
        trusted = http.post(f"/v1/admin/devices/{other.device_id}/trust", headers=checker,
                            json={"reason": "owner in a hurry"})
        assert trusted.status_code == 200, trusted.text
        early = http.post(f"/v1/recovery-cases/{case['id']}/complete", json={})
        assert "delay" in str(factories.assert_problem(early, 409, "conflict")["detail"])
        again = http.post(f"/v1/admin/appeals/{appeal_id}/decision", headers=maker,
                          json={"decision": "approve", "note": "approve harder"})
        factories.assert_problem(again, 409, "conflict")
        odd = http.post(f"/v1/admin/appeals/{appeal_id}/decision", headers=checker,
                        json={"decision": "expedite", "note": "skip the wait"})
        factories.assert_problem(odd, 422, "invalid_input")
        cancelled = http.post(f"/v1/recovery-cases/{case['id']}/cancel", headers=owner.headers)
        assert cancelled.status_code == 200, cancelled.text
    after = wallet_state(platform, owner)
    assert {k: v for k, v in after.items() if k != "devices"} == {
        k: v for k, v in before.items() if k != "devices"}


def test_an_insider_agent_cannot_approve_a_case_they_recommended(
        server: str, platform: Platform) -> None:
    """An agent files and recommends an appeal for an accomplice's phone, then approves it
    with the same key: refused and on the record."""
    owner = factories.register_owner(platform, balance=50_000)
    form = history(platform, owner)
    insider = factories.staff_headers(platform, "agent")
    before = wallet_state(platform, owner)
    with httpx.Client(base_url=server, timeout=60) as http:
        case = http.post("/v1/recovery-cases", json={"phone": owner.phone,
                                                     "purpose": "reset_pin"}).json()
        appeal_id = http.post(f"/v1/recovery-cases/{case['id']}/appeal",
                              json=form).json()["id"]
        http.post(f"/v1/admin/appeals/{appeal_id}/decision", headers=insider,
                  json={"decision": "recommend", "note": "verified"})
        for _ in range(3):
            own = http.post(f"/v1/admin/appeals/{appeal_id}/decision", headers=insider,
                            json={"decision": "approve", "note": "verified"})
            factories.assert_problem(own, 403, "forbidden")
        refused = http.post(f"/v1/recovery-cases/{case['id']}/complete",
                            json={"new_pin": "582913"})
        factories.assert_problem(refused, 409, "conflict")
        audit = http.get("/v1/admin/audit", headers=insider,
                         params={"user_id": owner.user_id})
    assert wallet_state(platform, owner) == before
    assert str(audit.json()).count("recovery.appeal_self_approval_refused") == 3
