"""Device bindings and step-ups judged live, on both databases: a device becoming
trusted is a ``device_bind`` event decided in the binding's transaction, and a met step-up
lets through the one operation that asked for it, never a second."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests import factories
from tests.factories import ManualPlatform, Owner
from walletguard.auth.principal import Principal, Role
from walletguard.devices import challenges
from walletguard.devices import service as devices
from walletguard.devices.models import Device, DeviceChallenge
from walletguard.errors import RiskDenied, StepUpRequired
from walletguard.policy import Policy, RiskPolicy
from walletguard.restrictions.models import Restriction
from walletguard.risk import service as risk
from walletguard.risk.models import RiskDecision, RiskStepUp
from walletguard.risk.service import RiskEngine

TOR = "192.0.2.66"  # in the sample Tor list (anonymizing_ip)


def engine_weighing(platform: ManualPlatform, anonymizing_ip: float) -> RiskEngine:
    """The platform's engine with another weight for a connection through Tor."""
    weights = {**Policy().risk.weights, "anonymizing_ip": anonymizing_ip}
    return RiskEngine(policy=Policy(risk=RiskPolicy(weights=weights)), geo=platform.risk.geo,
                      ranges=platform.risk.ranges)


def laptop_through_tor(platform: ManualPlatform, owner: Owner) -> Owner:
    """The owner signs in on a laptop through Tor: an untrusted session, its challenge
    open. (The login itself is not judged here, so the binding sees a device never seen.)"""
    with platform.db.transaction() as db:
        started = devices.start_session(
            db, keys=platform.keys, policy=platform.policy, phone=owner.phone,
            password=factories.PASSWORD, now=platform.clock.now(),
            device=devices.DeviceInfo(id="laptop", name="laptop", platform="linux",
                                      fingerprint={"model": "laptop"}),
            context=devices.LoginContext(ip=TOR))
        assert started.challenge is not None
        principal = Principal(
            role=Role.OWNER, id=owner.user_id, user_id=owner.user_id,
            device_id=started.device.id, session_id=started.session.id, trusted=False,
            challenge_id=started.challenge.id)
    return Owner(user_id=owner.user_id, phone=owner.phone, real_name="", id_number="",
                 token=started.token, device_id=started.device.id, principal=principal)


def approve(platform: ManualPlatform, owner: Owner, laptop: Owner, engine: RiskEngine) -> None:
    assert laptop.principal.challenge_id is not None
    with platform.db.transaction() as db:
        challenges.approve(db, keys=platform.keys, policy=platform.policy,
                           owner=owner.principal, challenge_id=laptop.principal.challenge_id,
                           pin=factories.PIN, now=platform.clock.now(), engine=engine)


def sms_code(data_dir: Path, phone: str) -> str:
    rows = [json.loads(line) for line in
            (data_dir / "sandbox-sms.jsonl").read_text().splitlines()]
    return str([r for r in rows if r["to"] == phone][-1]["text"].split(": ", 1)[1][:6])


def trust_of(platform: ManualPlatform, device_id: str) -> str:
    with platform.db.transaction() as db:
        device = factories.by_id(db, Device, device_id)
        assert device is not None
        return device.trust


def decisions(platform: ManualPlatform, user_id: str) -> list[RiskDecision]:
    with platform.db.transaction() as db:
        return list(db.execute(select(RiskDecision).where(RiskDecision.user_id == user_id)
                               .order_by(RiskDecision.at, RiskDecision.id)).scalars())


# ---- device_bind ------------------------------------------------------------------------


def test_a_binding_approved_on_a_trusted_phone_meets_the_step_up_it_asks_for(
    platform: ManualPlatform,
) -> None:
    owner = factories.register_owner(platform)
    laptop = laptop_through_tor(platform, owner)
    # A device never seen (25) through Tor (20): 45, a step-up at medium, which the
    # approval from the owner's trusted phone with the PIN is.
    approve(platform, owner, laptop, platform.risk)
    assert trust_of(platform, laptop.device_id) == "trusted"
    [decision] = decisions(platform, owner.user_id)
    assert (decision.event_type, decision.outcome, decision.overrides) == (
        "device_bind", "allow", ["step_up_met"])
    assert set(decision.reasons) == {"new_device", "anonymizing_ip"}


def test_a_binding_by_sms_code_that_asks_for_a_step_up_waits_for_a_trusted_phone(
    platform: ManualPlatform, data_dir: Path,
) -> None:
    owner = factories.register_owner(platform)
    laptop = laptop_through_tor(platform, owner)
    challenge_id = str(laptop.principal.challenge_id)
    with platform.db.transaction() as db:
        challenges.send_code(db, keys=platform.keys, policy=platform.policy, sms=platform.sms,
                             carrier=platform.carrier, owner=laptop.principal,
                             challenge_id=challenge_id, now=platform.clock.now())
    code = sms_code(data_dir, owner.phone)
    with pytest.raises(StepUpRequired) as refused, platform.db.transaction() as db:
        challenges.verify_code(db, keys=platform.keys, policy=platform.policy, sms=platform.sms,
                               carrier=platform.carrier, owner=laptop.principal,
                               challenge_id=challenge_id, code=code, pin=factories.PIN,
                               now=platform.clock.now(), engine=platform.risk)
    assert refused.value.extra["methods"] == ["device_approval"]
    assert refused.value.extra["challenge_id"] == challenge_id
    assert {r["rule"] for r in refused.value.extra["reasons"]} == {"new_device",
                                                                   "anonymizing_ip"}
    # Nothing was bound; the challenge is still open, and the trusted phone meets it.
    assert trust_of(platform, laptop.device_id) == "untrusted"
    with platform.db.transaction() as db:
        found = db.get(DeviceChallenge, (owner.user_id, challenge_id))
        assert found is not None and found.status == "pending"
    approve(platform, owner, laptop, platform.risk)
    assert trust_of(platform, laptop.device_id) == "trusted"
    assert sorted((d.outcome, d.overrides) for d in decisions(platform, owner.user_id)) == [
        ("allow", ["step_up_met"]), ("step_up", [])]


def test_a_binding_the_engine_denies_binds_nothing_even_when_approved(
    platform: ManualPlatform,
) -> None:
    owner = factories.register_owner(platform)
    laptop = laptop_through_tor(platform, owner)
    # 25 + 50 = 75: deny at medium.
    with pytest.raises(RiskDenied) as refused:
        approve(platform, owner, laptop, engine_weighing(platform, 50))
    assert refused.value.extra["decision_id"]
    assert trust_of(platform, laptop.device_id) == "untrusted"
    [decision] = decisions(platform, owner.user_id)
    assert (decision.event_type, decision.outcome) == ("device_bind", "deny")
    with platform.db.transaction() as db:
        found = db.get(DeviceChallenge, (owner.user_id, str(laptop.principal.challenge_id)))
        assert found is not None and found.status == "pending"


def test_a_binding_the_engine_locks_on_places_a_risk_lock(platform: ManualPlatform) -> None:
    owner = factories.register_owner(platform)
    laptop = laptop_through_tor(platform, owner)
    # 25 + 80 = 105: lock.
    with pytest.raises(RiskDenied) as refused:
        approve(platform, owner, laptop, engine_weighing(platform, 80))
    with platform.db.transaction() as db:
        lock = db.get(Restriction, (owner.user_id, refused.value.extra["restriction_id"]))
        assert lock is not None and (lock.kind, lock.scope, lock.source) == (
            "lock", "account", "risk")
    assert trust_of(platform, laptop.device_id) == "untrusted"


def test_an_ordinary_binding_is_allowed_and_learnt(platform: ManualPlatform) -> None:
    owner = factories.register_owner(platform)
    factories.second_device(platform, owner, "phone-2")  # approved from phone-1
    # A device never seen, from an ordinary address: 25, allowed; no decision row is
    # kept for a rule-free allow, but this one had a rule fire, and the device is learnt.
    [decision] = decisions(platform, owner.user_id)
    assert (decision.event_type, decision.outcome, decision.reasons) == (
        "device_bind", "allow", ["new_device"])
    with platform.db.transaction() as db:
        device_id = db.execute(select(Device.id).where(
            Device.user_id == owner.user_id, Device.client_device_id == "phone-2")
        ).scalar_one()
        state = risk.state_of(db, user_id=owner.user_id)
    assert device_id in state.devices


# ---- a met step-up covers one operation --------------------------------------------------


def pay_body(merchant_id: str, amount: int, **context: Any) -> dict[str, Any]:
    return {"merchant_id": merchant_id, "amount": amount,
            "auth": {"method": "pin", "pin": factories.PIN}, "context": context or None}


def test_a_met_step_up_lets_one_payment_through_and_the_next_risky_one_asks_again(
    platform: ManualPlatform, client: TestClient, merchant_id: str,
) -> None:
    owner = factories.register_owner(platform, balance=5_000_000)
    phone = factories.second_device(platform, owner, "phone-2")
    operator = factories.staff_headers(platform, "operator")
    told = client.post("/v1/carrier-signals", headers=operator, json={
        "phone": owner.phone, "event": "sim_swap", "at": platform.clock.now().isoformat()})
    assert told.status_code == 202, told.text
    # SIM change (50) + new payee (15): a step-up, met on the other phone.
    refused = client.post("/v1/payments", headers=owner.headers,
                          json=pay_body(merchant_id, 20_000))
    challenge_id = str(factories.assert_problem(refused, 403, "step_up_required")["challenge_id"])
    approved = client.post(f"/v1/challenges/{challenge_id}/approve", headers=phone.headers,
                           json={"pin": factories.PIN})
    assert approved.status_code == 200, approved.text
    # Not for another amount: the step-up was asked for 20,000.
    other_amount = client.post("/v1/payments", headers=owner.headers,
                               json=pay_body(merchant_id, 25_000, challenge_id=challenge_id))
    factories.assert_problem(other_amount, 403, "step_up_required")
    paid = client.post("/v1/payments", headers=owner.headers,
                       json=pay_body(merchant_id, 20_000, challenge_id=challenge_id))
    assert paid.status_code == 201, paid.text
    # The same payment again, a minute later, with the same met challenge: the SIM change
    # (50) still asks, and the spent step-up covers nothing more.
    platform.clock.advance(minutes=1)
    again = client.post("/v1/payments", headers=owner.headers,
                        json=pay_body(merchant_id, 20_000, challenge_id=challenge_id))
    body = factories.assert_problem(again, 403, "step_up_required")
    assert body["challenge_id"] != challenge_id
    with platform.db.transaction() as db:
        spent = db.get(RiskStepUp, (owner.user_id, challenge_id))
        assert spent is not None and spent.used_at is not None
        assert (spent.kind, spent.amount, spent.payee) == (
            "payment", 20_000, f"merchant:{merchant_id}")


def test_a_step_up_spent_by_a_payment_refused_later_is_given_back(
    platform: ManualPlatform, client: TestClient, merchant_id: str,
) -> None:
    owner = factories.register_owner(platform, balance=30_000)
    phone = factories.second_device(platform, owner, "phone-2")
    operator = factories.staff_headers(platform, "operator")
    client.post("/v1/carrier-signals", headers=operator, json={
        "phone": owner.phone, "event": "sim_swap", "at": platform.clock.now().isoformat()})
    refused = client.post("/v1/payments", headers=owner.headers,
                          json=pay_body(merchant_id, 40_000))
    challenge_id = str(factories.assert_problem(refused, 403, "step_up_required")["challenge_id"])
    client.post(f"/v1/challenges/{challenge_id}/approve", headers=phone.headers,
                json={"pin": factories.PIN})
    # Met, but the wallet holds 30,000: refused for funds, and the step-up is not spent.
    poor = client.post("/v1/payments", headers=owner.headers,
                       json=pay_body(merchant_id, 40_000, challenge_id=challenge_id))
    factories.assert_problem(poor, 402, "insufficient_funds")
    factories.top_up(platform, owner.user_id, 20_000)
    paid = client.post("/v1/payments", headers=owner.headers,
                       json=pay_body(merchant_id, 40_000, challenge_id=challenge_id))
    assert paid.status_code == 201, paid.text
