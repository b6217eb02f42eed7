"""The risk engine where it acts, on both databases: decisions with reasons, the step-up
a payment asks for met end to end, the risk lock lifted only through the restrictions
rules, the brake, and shadow mode deciding what a replay decides."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests import factories
from tests.factories import ManualPlatform
from walletguard.adapters.geo import IpRanges
from walletguard.devices import service as devices
from walletguard.devices.models import Device
from walletguard.ledger import service as ledger
from walletguard.notifications.models import OutboxMessage
from walletguard.policy import Policy, RiskPolicy
from walletguard.restrictions.models import Restriction
from walletguard.risk import replay, signals
from walletguard.risk import service as risk
from walletguard.risk.models import RiskDecision
from walletguard.risk.signals import Event
from walletguard.runtime import RISK_SAMPLES

OVER_VELOCITY = Policy().risk.velocity_max_sum + 1  # one payment over the window's sum


def pay_body(merchant_id: str, amount: int, **context: Any) -> dict[str, Any]:
    return {"merchant_id": merchant_id, "amount": amount,
            "auth": {"method": "pin", "pin": factories.PIN}, "context": context or None}


def outbox(platform: ManualPlatform, topic: str) -> list[OutboxMessage]:
    with platform.db.transaction() as db:
        return list(db.execute(select(OutboxMessage).where(OutboxMessage.topic == topic))
                    .scalars())


def test_a_risky_payment_is_refused_with_reasons_and_its_trace_is_kept(
    platform: ManualPlatform, client: TestClient, merchant_id: str, agent: dict[str, str],
) -> None:
    owner = factories.register_owner(platform, balance=5_000_000)
    # new payee (15) + over the window's sum (35) = 50: a step-up at medium.
    refused = client.post("/v1/payments", headers=owner.headers,
                          json=pay_body(merchant_id, OVER_VELOCITY))
    body: Any = factories.assert_problem(refused, 403, "step_up_required")
    assert [r["rule"] for r in body["reasons"]] == ["velocity", "new_payee"]
    assert body["reasons"][1] == {"rule": "new_payee", "zh": "首次向该收款方付款",
                                  "en": "a payee you have not paid before"}
    assert body["challenge_id"] and "sms_code_and_pin" in body["methods"]
    # The refusal rolled the state update back; its decision and trace stay.
    with platform.db.transaction() as db:
        assert risk.state_of(db, user_id=owner.user_id).events == 0
    trace = client.get(f"/v1/admin/users/{owner.user_id}/risk-decisions", headers=agent)
    assert trace.status_code == 200, trace.text
    [decision] = trace.json()["items"]
    assert decision["decision"] == "step_up" and decision["score"] == 50
    assert decision["id"] == body["decision_id"]
    fired = {r["rule"]: r["reason"] for r in decision["rules"] if r["fired"]}
    assert set(fired) == {"velocity", "new_payee"} and "1 payments" in fired["velocity"]
    assert len(decision["rules"]) == len(signals.RULES)
    # The owner cannot read the agents' trace.
    assert client.get(f"/v1/admin/users/{owner.user_id}/risk-decisions",
                      headers=owner.headers).status_code == 403


def test_a_payment_step_up_is_met_through_the_device_trust_flow(
    platform: ManualPlatform, client: TestClient, merchant_id: str,
) -> None:
    owner = factories.register_owner(platform, balance=5_000_000)
    phone = factories.second_device(platform, owner, "phone-2")
    operator = factories.staff_headers(platform, "operator")
    told = client.post("/v1/carrier-signals", headers=operator, json={
        "phone": owner.phone, "event": "sim_swap", "at": platform.clock.now().isoformat()})
    assert told.status_code == 202, told.text
    # SIM change (50) + new payee (15) = 65: a step-up.
    refused = client.post("/v1/payments", headers=owner.headers,
                          json=pay_body(merchant_id, 20_000))
    challenge_id = str(factories.assert_problem(refused, 403, "step_up_required")["challenge_id"])
    # Retrying with the unmet challenge changes nothing.
    again = client.post("/v1/payments", headers=owner.headers,
                        json=pay_body(merchant_id, 20_000, challenge_id=challenge_id))
    factories.assert_problem(again, 403, "step_up_required")
    # The owner's other trusted phone lists and approves it with the PIN.
    listed = client.get("/v1/challenges", headers=phone.headers).json()
    assert challenge_id in str(listed)
    approved = client.post(f"/v1/challenges/{challenge_id}/approve", headers=phone.headers,
                           json={"pin": factories.PIN})
    assert approved.status_code == 200, approved.text
    paid = client.post("/v1/payments", headers=owner.headers,
                       json=pay_body(merchant_id, 20_000, challenge_id=challenge_id))
    assert paid.status_code == 201, paid.text
    # The step-up met is on the record; the state learnt the payment.
    with platform.db.transaction() as db:
        rows = db.execute(select(RiskDecision).where(RiskDecision.user_id == owner.user_id)
                          .order_by(RiskDecision.at, RiskDecision.outcome)).scalars().all()
        assert {(r.outcome, tuple(r.overrides)) for r in rows} >= {("allow", ("step_up_met",))}
        assert f"merchant:{merchant_id}" in risk.state_of(db, user_id=owner.user_id).payees
    # Another session's approval would not do: the challenge is this session's.
    other = client.post("/v1/payments", headers=phone.headers,
                        json=pay_body(merchant_id, 30_000, challenge_id=challenge_id))
    factories.assert_problem(other, 403, "step_up_required")


def test_a_risk_lock_is_placed_through_the_restrictions_rules_and_only_they_lift_it(
    platform: ManualPlatform, client: TestClient, merchant_id: str, agent: dict[str, str],
) -> None:
    owner = factories.register_owner(platform, balance=5_000_000)
    operator = factories.staff_headers(platform, "operator")
    told = client.post("/v1/carrier-signals", headers=operator, json={
        "phone": owner.phone, "event": "sim_swap",
        "at": (platform.clock.now() - timedelta(hours=1)).isoformat()})
    assert told.status_code == 202, told.text
    # SIM change (50) + new payee (15) + over the sum (35) = 100: lock.
    refused = client.post("/v1/payments", headers=owner.headers,
                          json=pay_body(merchant_id, OVER_VELOCITY))
    body: Any = factories.assert_problem(refused, 403, "risk_denied")
    assert {r["rule"] for r in body["reasons"]} == {"sim_swap_recent", "new_payee", "velocity"}
    with platform.db.transaction() as db:
        lock = factories.by_id(db, Restriction, body["restriction_id"])
        assert lock is not None and (lock.kind, lock.scope, lock.source) == (
            "lock", "account", "risk") and lock.expires_at is None
    assert [m.topic for m in outbox(platform, "risk.high_risk_decision")]
    # Locked: even a small, ordinary payment is refused by the restrictions guard.
    small = client.post("/v1/payments", headers=owner.headers, json=pay_body(merchant_id, 100))
    factories.assert_problem(small, 403, "account_locked")
    # The owner cannot lift it; an agent lifts it with a reason (restrictions.lift).
    assert client.request("DELETE", f"/v1/admin/restrictions/{lock.id}", headers=owner.headers,
                          json={"reason": "me"}).status_code == 403
    lifted = client.request("DELETE", f"/v1/admin/restrictions/{lock.id}", headers=agent,
                            json={"reason": "owner verified on the hotline"})
    assert lifted.status_code == 200, lifted.text
    with platform.db.transaction() as db:
        found = factories.by_id(db, Restriction, lock.id)
        assert found is not None and found.lifted_at is not None


def test_the_sms_code_counts_for_nothing_after_a_sim_change_the_carrier_reported(
    platform: ManualPlatform, client: TestClient,
) -> None:
    owner = factories.register_owner(platform)
    operator = factories.staff_headers(platform, "operator")
    client.post("/v1/carrier-signals", headers=operator, json={
        "phone": owner.phone, "event": "sim_swap", "at": platform.clock.now().isoformat()})
    laptop = factories.log_in(platform, user_id=owner.user_id, phone_number=owner.phone,
                              device="laptop")
    assert laptop.principal.challenge_id is not None
    refused = client.post(f"/v1/challenges/{laptop.principal.challenge_id}/otp",
                          headers=laptop.headers)
    body: Any = factories.assert_problem(refused, 422, "method_not_available")
    assert "SIM" in str(body["detail"])


def test_a_risky_login_gets_an_untrusted_session_with_reasons(
    platform: ManualPlatform, client: TestClient,
) -> None:
    owner = factories.register_owner(platform)
    login: dict[str, Any] = {"phone": owner.phone, "password": factories.PASSWORD,
                             "device": {"id": "phone-1", "name": "phone-1",
                                        "platform": "android",
                                        "fingerprint": {"model": "phone-1"}}}
    trusted = client.post("/v1/sessions", json=login)
    assert trusted.status_code == 201 and trusted.json()["trust"] == "trusted"
    # The owner's own, trusted phone, but another fingerprint through Tor: 30 + 20 = 50.
    risky = client.post("/v1/sessions", json={
        **login, "device": {**login["device"], "fingerprint": {"model": "other"}},
        "context": {"ip": "192.0.2.66"}})
    assert risky.status_code == 201, risky.text
    assert risky.json()["trust"] == "untrusted" and risky.json()["challenge_id"]
    assert {r["rule"] for r in risky.json()["reasons"]} == {"fingerprint_changed",
                                                            "anonymizing_ip"}
    assert outbox(platform, "risk.anomalous_login")


def test_the_brake_falls_back_to_step_up_and_tells_the_operator(platform: ManualPlatform) -> None:
    rules = RiskPolicy(brake_min_events=3, brake_deny_ceiling=0.5)
    engine = risk.RiskEngine(policy=Policy(risk=rules), ranges=IpRanges.from_dir(RISK_SAMPLES))
    owners = [factories.register_owner(platform, pin=None) for _ in range(5)]
    outcomes = []
    for owner in owners:
        # A new device through Tor with a lost-phone report standing: 105, a lock.
        event = Event(at=platform.clock.now(), type="login", device_id="x",
                      ip="192.0.2.66", lost_report_standing=True)
        with platform.db.transaction() as db:
            evaluation = risk.evaluate(db, engine=engine,
                                       wallet=ledger.lock_wallet(db, owner.user_id),
                                       event=event, now=platform.clock.now())
            risk.keep_all(evaluation)(db)
        outcomes.append((evaluation.decision.outcome, evaluation.decision.braked))
    assert outcomes == [("lock", False), ("lock", False), ("step_up", True),
                        ("step_up", True), ("step_up", True)]
    assert len(outbox(platform, "risk.brake_tripped")) == 1
    # Past the window, the brake lets the policy decide again.
    platform.clock.advance(minutes=rules.brake_window_minutes + 1)
    with platform.db.transaction() as db:
        later = risk.evaluate(db, engine=engine, wallet=ledger.lock_wallet(db, owners[0].user_id),
                              event=Event(at=platform.clock.now(), type="login", device_id="y",
                                          ip="192.0.2.66", lost_report_standing=True),
                              now=platform.clock.now())
    assert later.decision.outcome == "lock"


def test_shadow_mode_decides_what_a_replay_of_the_same_events_decides(
    platform: ManualPlatform,
) -> None:
    candidate = RiskPolicy(weights={**Policy().risk.weights, "new_device": 45.0})
    operator = factories.OPERATOR
    with platform.db.transaction() as db:
        risk.propose_change(db, actor=operator, candidate=candidate.model_dump(mode="json"),
                            reason="new devices weigh more", now=platform.clock.now())
    platform.risk.forget_cached_rules()
    try:
        owner = factories.register_owner(platform, pin=None)
        stream = []
        for n, (device, ip) in enumerate([("phone-1", "100.64.0.1"), ("laptop", "100.64.0.2"),
                                          ("tablet", "198.51.100.7"), ("phone-1", None)]):
            platform.clock.advance(minutes=30)
            with platform.db.transaction() as db:
                devices.start_session(
                    db, keys=platform.keys, policy=platform.policy, phone=owner.phone,
                    password=factories.PASSWORD, now=platform.clock.now(), risk=platform.risk,
                    device=devices.DeviceInfo(id=device, name=device, platform="android",
                                              fingerprint={"model": device}),
                    context=devices.LoginContext(ip=ip))
            with platform.db.transaction() as db:
                device_id = db.execute(select(Device.id).where(
                    Device.user_id == owner.user_id,
                    Device.client_device_id == device)).scalar_one()
                digest = devices.fingerprint_digest(platform.keys, {"model": device})
            stream.append(Line(n + 1, owner.user_id, Event(
                at=platform.clock.now(), type="login", device_id=device_id,
                fingerprint=digest, ip=ip), None))
        with platform.db.transaction() as db:
            rows = db.execute(select(RiskDecision).where(RiskDecision.user_id == owner.user_id)
                              .order_by(RiskDecision.at)).scalars().all()
        shadow = {r.at: r.shadow_outcome for r in rows}
        replayed = replay.replay(stream, policy=candidate, env=platform.risk.env,
                                 geo=platform.risk.geo, ranges=platform.risk.ranges)
        assert [shadow.get(line.event.at, "allow") for line in stream] == \
               [d["decision"] for d in replayed.decisions]
        assert "step_up" in shadow.values()  # the candidate would have asked, live did not
        assert {r.outcome for r in rows} <= {"allow", "step_up"}
    finally:
        platform.risk.forget_cached_rules()


Line = replay.Line
