"""The public lost-phone report: one step that freezes, signs out, unbinds, switches
password-free off, opens the incident and tells everyone — and an answer that never says
whether the details matched."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests import factories
from tests.restrictions.support import audit_actions, outbox, pay, report_body, snapshot
from walletguard.clock import ManualClock
from walletguard.credentials.models import BiometricBinding
from walletguard.devices.models import Device, DeviceSession
from walletguard.incidents.models import Incident
from walletguard.restrictions.models import Restriction
from walletguard.runtime import Platform

PARTNERS = {("webhook", "china-mobile"), ("webhook", "bank-a")}


def link_partners(platform: Platform) -> None:
    """The operator links the platforms that ``PARTNERS`` names (notifications service)."""
    from walletguard.notifications import service as notifications

    with platform.db.transaction() as db:
        for _, key in sorted(PARTNERS):
            notifications.add_partner(db, vault=platform.keys.vault, key=key, name=key,
                                      category="bank" if key.startswith("bank") else "carrier",
                                      webhook_url=f"https://{key}.example/hooks",
                                      now=platform.clock.now())


def report(client: TestClient, body: dict[str, str]) -> Any:
    return client.post("/v1/lost-phone-reports", json=body)


def count(platform: Platform, model: Any, **where: Any) -> int:
    with platform.db.transaction() as db:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return int(db.execute(query).scalar_one())


def test_wrong_details_answer_exactly_like_right_ones_and_freeze_nothing(
    client: TestClient, platform: Platform, merchant_id: str
) -> None:
    right = factories.register_owner(platform, balance=10_000)
    wrong = factories.register_owner(platform, name="李雷", balance=10_000)
    unknown = {"phone": factories.phone(), "real_name": "张伟", "id_number_last4": "0017"}
    bad_name = {**report_body(wrong), "real_name": "李蕾"}
    bad_last4 = {**report_body(wrong),
                 "id_number_last4": "0000" if wrong.id_number[-4:] != "0000" else "1111"}
    answers: dict[str, Any] = {}
    timings: dict[str, float] = {}
    for label, body in (("unknown", unknown), ("bad_name", bad_name),
                        ("bad_last4", bad_last4), ("right", report_body(right))):
        started = time.perf_counter()
        answers[label] = report(client, body)
        timings[label] = time.perf_counter() - started

    for label, answer in answers.items():
        assert answer.status_code == 202, (label, answer.text)
        assert answer.headers["content-type"] == "application/json", label
    bodies = {label: answer.json() for label, answer in answers.items()}
    # Same keys, same message and next steps, an incident reference of the same shape.
    assert {label: sorted(body) for label, body in bodies.items()} == {
        label: ["incident_id", "message", "next_steps"] for label in bodies}
    assert len({body["message"] for body in bodies.values()}) == 1
    assert all(body["next_steps"] == bodies["right"]["next_steps"] for body in bodies.values())
    shapes = {(body["incident_id"][:4], len(body["incident_id"])) for body in bodies.values()}
    assert shapes == {("inc_", len(bodies["right"]["incident_id"]))}
    assert len({body["incident_id"] for body in bodies.values()}) == 4
    # A miss changes nothing about the owner it names.
    assert count(platform, Restriction, user_id=wrong.user_id) == 0
    assert count(platform, Incident, user_id=wrong.user_id) == 0
    assert client.get("/v1/me", headers=wrong.headers).json()["state"] == "active"
    assert pay(client, wrong, merchant_id, 1_000).status_code == 201
    assert [t for t, _, _ in outbox(platform, wrong.user_id)
            if t.startswith(("incident", "partner", "wallet.frozen"))] == []
    assert "incident.lost_phone_reported" not in audit_actions(platform, wrong.user_id)
    # A hit froze its owner; the decoy references name no incident.
    assert count(platform, Incident) == 1
    assert count(platform, Incident, id=bodies["right"]["incident_id"]) == 1
    refused = pay(client, factories.trust_by_staff(platform, factories.log_in(
        platform, user_id=right.user_id, phone_number=right.phone, device="phone-2")),
                  merchant_id, 1_000)
    assert refused.json()["code"] == "account_frozen"
    # Optional: the answer takes about as long either way (loose; CI machines are noisy).
    assert max(timings.values()) < 5 * max(min(timings.values()), 0.2), timings


def test_a_matching_report_freezes_signs_out_and_tells_everyone_before_it_answers(
    client: TestClient, platform: Platform, clock: ManualClock, merchant_id: str
) -> None:
    owner = factories.register_owner(platform, balance=50_000)
    tablet = factories.second_device(platform, owner, "tablet")
    factories.bind_biometric(platform, owner)
    friend = factories.register_owner(platform, name="李雷")
    sister = factories.register_owner(platform, name="陈雪")
    cousin = factories.register_owner(platform, name="陈亮")
    factories.name_trusted_contacts(platform, owner, [friend, sister, cousin])
    link_partners(platform)
    assert client.put("/v1/settings/password-free", json={"enabled": True, "pin": factories.PIN},
                      headers=owner.headers).status_code == 200
    reported_at = clock.now()

    answer = report(client, report_body(owner))

    assert answer.status_code == 202, answer.text
    incident_id = answer.json()["incident_id"]
    # Every session is gone: the old tokens no longer work, on either device.
    for old in (owner, tablet):
        gone = client.get("/v1/wallet", headers=old.headers)
        assert (gone.status_code, gone.json()["code"]) == (401, "unauthenticated")
    with platform.db.transaction() as db:
        assert db.execute(select(func.count()).select_from(DeviceSession).where(
            DeviceSession.user_id == owner.user_id, DeviceSession.revoked_at.is_(None))
        ).scalar_one() == 0
        assert {d.status for d in db.execute(select(Device).where(
            Device.user_id == owner.user_id)).scalars()} == {"lost"}
        [binding] = db.execute(select(BiometricBinding).where(
            BiometricBinding.user_id == owner.user_id)).scalars()
        assert (binding.revoked_at, binding.revoke_reason) == (reported_at,
                                                               "phone reported lost")
        [freeze] = db.execute(select(Restriction).where(
            Restriction.user_id == owner.user_id)).scalars()
        assert (freeze.kind, freeze.scope, freeze.source, freeze.incident_id,
                freeze.placed_at) == ("freeze", "payments", "lost_phone", incident_id,
                                      reported_at)
    # From a new phone, once an agent trusted it: signed in (payments scope), frozen,
    # password-free off.
    new_phone = factories.trust_by_staff(platform, factories.log_in(
        platform, user_id=owner.user_id, phone_number=owner.phone, device="phone-2"))
    assert client.get("/v1/me", headers=new_phone.headers).json()["state"] == "frozen"
    seen = client.get("/v1/wallet", headers=new_phone.headers).json()
    assert (seen["balance"], seen["password_free"]["enabled"]) == (50_000, False)
    refused = pay(client, new_phone, merchant_id, 1_000)
    assert (refused.status_code, refused.json()["code"]) == (403, "account_frozen")
    # Told: the owner's SMS and trusted contacts, the linked partners; never a push to a
    # device now in someone else's hands.
    rows = outbox(platform, owner.user_id)
    assert {(c, r) for t, c, r in rows if t == "incident.lost_phone"} == {
        ("sms", owner.user_id), ("inbox", owner.user_id), ("contact_sms", friend.user_id),
        ("contact_sms", sister.user_id), ("contact_sms", cousin.user_id)}
    assert {(c, r) for t, c, r in rows if t == "partner.lost_phone"} == PARTNERS
    assert {(c, r) for t, c, r in rows if t == "wallet.frozen"} == {("sms", owner.user_id),
                                                                 ("inbox", owner.user_id)}
    # Audited, step by step.
    actions = audit_actions(platform, owner.user_id)
    for action in ("device.lost", "restriction.freeze_placed", "incident.lost_phone_reported"):
        assert action in actions
    assert actions.count("device.lost") == 2
    # The incident's timeline says what was done.
    agent = factories.staff_headers(platform, "agent")
    view = client.get(f"/v1/incidents/{incident_id}", headers=agent).json()
    assert (view["status"], view["reported_via"]) == ("open", "public")
    timeline = {e["kind"]: e["detail"] for e in view["timeline"]}
    assert set(timeline) == {"reported", "wallet.frozen", "sessions.revoked",
                             "password_free.disabled", "notifications.enqueued",
                             "checklist.created"}
    assert view["timeline"][0]["detail"] == {"via": "public", "by": "public report"}
    assert sorted(timeline["sessions.revoked"]["devices_marked_lost"]) == sorted(
        [owner.device_id, tablet.device_id])
    assert timeline["sessions.revoked"]["sessions"] == 2
    assert timeline["sessions.revoked"]["biometric_bindings"] == 1
    assert timeline["notifications.enqueued"] == {"owner_channels": 5,
                                                   "partners": len(PARTNERS)}


def test_one_address_is_limited_per_phone_however_it_is_written(
    client: TestClient, platform: Platform, clock: ManualClock
) -> None:
    """Five reports naming one phone from one address (matching or not), however the
    number is written; the sixth from that address is refused with ``Retry-After``. Other
    addresses are not affected (tests/attacks/test_public_report.py replays that)."""
    owner = factories.register_owner(platform)
    local = owner.phone.removeprefix("+86")
    spaced = f"+86 {local[:3]} {local[3:7]} {local[7:]}"
    wrong = {**report_body(owner), "real_name": "李蕾"}
    answers = [report(client, {**wrong, "phone": phone}).status_code
               for phone in (owner.phone, local, spaced, owner.phone, local)]
    assert answers == [202] * 5
    before = snapshot(platform)

    limited = report(client, report_body(owner))

    assert (limited.status_code, limited.json()["code"]) == (429, "rate_limited")
    assert limited.headers["content-type"].startswith("application/problem+json")
    assert 3590 <= int(limited.headers["Retry-After"]) <= 3600
    assert count(platform, Restriction, user_id=owner.user_id) == 0
    changed = {name for name in before if before[name] != snapshot(platform)[name]}
    assert changed <= {"throttle_buckets"}
    clock.advance(hours=1, seconds=1)
    assert report(client, report_body(owner)).status_code == 202
    assert count(platform, Restriction, user_id=owner.user_id) == 1


def test_reports_are_rate_limited_per_address(client: TestClient, platform: Platform) -> None:
    bodies = [{"phone": factories.phone(), "real_name": "张伟", "id_number_last4": "0017"}
              for _ in range(11)]
    answers = [report(client, body) for body in bodies]

    assert [a.status_code for a in answers] == [202] * 10 + [429]
    assert answers[-1].json()["code"] == "rate_limited"
    assert int(answers[-1].headers["Retry-After"]) > 0


@pytest.mark.parametrize("body", [
    {"phone": "+8613800138000", "real_name": "陈静", "id_number_last4": "12"},
    {"phone": "+8613800138000", "real_name": "陈静", "id_number_last4": "ABCD"},
    {"phone": "+8613800138000", "real_name": "", "id_number_last4": "001X"},
    {"phone": "+8613800138000", "real_name": "陈静"},
    {"phone": "+8613800138000", "real_name": "陈静", "id_number_last4": "001X", "x": 1},
])
def test_malformed_reports_are_refused_whoever_they_name(
    client: TestClient, platform: Platform, body: dict[str, Any]
) -> None:
    before = snapshot(platform)
    refused = report(client, body)
    assert (refused.status_code, refused.json()["code"]) == (422, "invalid_input")
    assert snapshot(platform) == before


def test_an_agent_reports_a_lost_phone_for_a_caller_on_the_hotline(
    client: TestClient, platform: Platform, merchant_id: str
) -> None:
    owner = factories.register_owner(platform, balance=10_000)
    agent = factories.staff_headers(platform, "agent")

    opened = client.post(f"/v1/admin/users/{owner.user_id}/incidents", headers=agent)

    assert opened.status_code == 201, opened.text
    assert opened.json()["reported_via"] == "hotline"
    assert client.get("/v1/wallet", headers=owner.headers).status_code == 401
    listed = client.get(f"/v1/admin/users/{owner.user_id}/incidents", headers=agent).json()
    assert [i["id"] for i in listed["items"]] == [opened.json()["id"]]
    new_phone = factories.trust_by_staff(platform, factories.log_in(
        platform, user_id=owner.user_id, phone_number=owner.phone, device="phone-2"))
    assert pay(client, new_phone, merchant_id, 100).json()["code"] == "account_frozen"


def test_the_owner_reports_one_lost_device_from_another_and_stays_signed_in(
    client: TestClient, platform: Platform, merchant_id: str
) -> None:
    owner = factories.register_owner(platform, balance=10_000)
    tablet = factories.second_device(platform, owner, "tablet")

    opened = client.post("/v1/incidents", headers=tablet.headers,
                         json={"device_id": owner.device_id})

    assert opened.status_code == 201, opened.text
    assert opened.json()["reported_via"] == "owner"
    assert client.get("/v1/wallet", headers=owner.headers).status_code == 401
    assert client.get("/v1/me", headers=tablet.headers).json()["state"] == "frozen"
    assert pay(client, tablet, merchant_id, 100).json()["code"] == "account_frozen"
    told = outbox(platform, owner.user_id, topic="incident.lost_phone")
    # Not the reporting tablet.
    assert {(c, r) for _, c, r in told} == {("sms", owner.user_id), ("inbox", owner.user_id)}
    # The incident is the owner's to read, nobody else's.
    stranger = factories.register_owner(platform, name="王芳")
    incident = f"/v1/incidents/{opened.json()['id']}"
    assert client.get(incident, headers=tablet.headers).status_code == 200
    assert client.get(incident, headers=stranger.headers).json()["code"] == "not_found"
    for role in ("operator", "teller", "institution"):
        key = factories.staff_headers(platform, role)
        seen = client.get(incident, headers=key)
        decoy = client.get("/v1/incidents/inc_" + "x" * 20, headers=key)
        assert (seen.status_code, seen.json()["code"]) == (403, "forbidden")
        assert seen.json() == decoy.json()  # no existence oracle for other roles


def test_a_second_report_of_the_same_loss_joins_the_standing_incident(
    client: TestClient, platform: Platform
) -> None:
    owner = factories.register_owner(platform, balance=10_000)
    first = report(client, report_body(owner))
    second = report(client, report_body(owner))
    assert first.status_code == second.status_code == 202
    # One incident and one freeze to lift; the repeat is on the incident's timeline.
    assert count(platform, Incident, user_id=owner.user_id) == 1
    assert count(platform, Restriction, user_id=owner.user_id) == 1
    # A stranger repeating the report cannot tell from the reference that it matched.
    assert second.json()["incident_id"] != first.json()["incident_id"]
    agent = factories.staff_headers(platform, "agent")
    view = client.get(f"/v1/incidents/{first.json()['incident_id']}", headers=agent).json()
    assert [e["kind"] for e in view["timeline"]][-1] == "reported_again"
    assert "incident.lost_phone_reported_again" in audit_actions(platform, owner.user_id)


def test_the_public_answer_carries_the_policys_checklist_and_how_to_follow_up(
    client: TestClient, platform: Platform, agent: dict[str, str]
) -> None:
    """The reporter on a friend's browser gets something to act on: whom to call, what to
    ask, by when — every checklist entry of the policy, most urgent first — and how the
    owner follows up. Built from the policy and the clock alone."""
    owner = factories.register_owner(platform)
    answer = report(client, report_body(owner))
    assert answer.status_code == 202
    steps = answer.json()["next_steps"]

    entries = platform.policy.incidents.linked_platforms
    assert sorted(item["key"] for item in steps["checklist"]) == sorted(p.key for p in entries)
    by_key = {p.key: p for p in entries}
    now = platform.clock.now()
    for item in steps["checklist"]:
        entry = by_key[item["key"]]
        hours = platform.policy.incidents.urgency_hours[entry.category]
        assert (item["name"], item["hotline"], item["say"]) == (entry.name, entry.hotline,
                                                                entry.say)
        assert item["due_within_hours"] == hours
        assert datetime.fromisoformat(item["due_at"]) == now + timedelta(hours=hours)
    due = [item["due_within_hours"] for item in steps["checklist"]]
    assert due == sorted(due)
    assert {"china-mobile", "wechat-pay", "banks", "police"} <= set(by_key)
    assert steps["follow_up"] and all(isinstance(line, str) for line in steps["follow_up"])
    # The incident the owner opens later lists the same entries in the same order.
    with platform.db.transaction() as db:
        incident_id = db.execute(select(Incident.id).where(
            Incident.user_id == owner.user_id)).scalar_one()
    view = client.get(f"/v1/incidents/{incident_id}", headers=agent).json()
    assert [i["key"] for i in view["checklist"]] == [i["key"] for i in steps["checklist"]]
