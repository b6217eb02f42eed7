"""The appeal ticket (seed 002 §5): the account-history form scored against the wallet's
facts, the agent queue with its SLA, and maker-checker — one agent recommends, a
different agent approves; the approval adds evidence and never skips the security delay."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests import factories
from tests.factories import Owner
from tests.recovery.test_cases import lose_phone_and_log_in_elsewhere, open_case, pass_id_document
from walletguard.audit.models import AuditEvent
from walletguard.clock import ManualClock
from walletguard.runtime import Platform


def history(platform: Platform) -> tuple[Owner, dict[str, Any]]:
    """An owner with a history, and the form that owner fills in truthfully."""
    owner = factories.register_owner(platform, balance=80_000)
    coffee = factories.merchant(platform, "瑞幸咖啡")
    shop = factories.merchant(platform, "全家便利店")
    factories.pay(platform, owner, coffee, 1_250)
    factories.pay(platform, owner, shop, 3_800)
    month = platform.clock.now().astimezone(ZoneInfo(platform.policy.timezone))
    return owner, {"registered_month": month.strftime("%Y-%m"), "device_names": ["phone-1"],
                   "counterparties": ["瑞幸咖啡", "全家便利"], "amounts": [1_250, 3_800],
                   "top_ups": [80_000]}


def fail_into_review(client: TestClient, platform: Platform, owner: Owner,
                     case_id: str) -> None:
    for _ in range(5):
        failed = pass_id_document(client, platform, owner, case_id, face=0.5)
        factories.assert_problem(failed, 403, "verification_failed")
    review = pass_id_document(client, platform, owner, case_id)
    assert factories.assert_problem(review, 409, "conflict")["case_status"] == "review"


def appeal(client: TestClient, case_id: str, form: dict[str, Any]) -> Any:
    return client.post(f"/v1/recovery-cases/{case_id}/appeal", json=form)


def decide(client: TestClient, agent: dict[str, str], appeal_id: str, decision: str) -> Any:
    return client.post(f"/v1/admin/appeals/{appeal_id}/decision", headers=agent,
                       json={"decision": decision, "note": f"{decision}: called back"})


def queued(client: TestClient, agent: dict[str, str], appeal_id: str) -> dict[str, Any]:
    listed = client.get("/v1/admin/appeals", headers=agent)
    assert listed.status_code == 200, listed.text
    (item,) = [i for i in listed.json()["items"] if i["id"] == appeal_id]
    return dict(item)


def test_a_case_in_review_is_worked_from_the_queue_by_two_agents_then_waits_its_delay(
        client: TestClient, platform: Platform, clock: ManualClock) -> None:
    owner, form = history(platform)
    new = lose_phone_and_log_in_elsewhere(platform, owner)
    case = open_case(client, owner.phone, "new_device", device="new-phone")
    fail_into_review(client, platform, owner, case["id"])
    filed = appeal(client, case["id"], form)
    assert filed.status_code == 201, filed.text
    ticket = filed.json()
    assert ticket["status"] == "pending"
    sla = timedelta(hours=platform.policy.recovery.appeal_sla_hours)
    assert ticket["due_at"] == (clock.now() + sla).isoformat()

    maker, checker = (factories.staff_headers(platform, "agent") for _ in range(2))
    item = queued(client, maker, ticket["id"])
    # One of the two devices named: half of that part; every other part right.
    assert item["breakdown"]["device_names"] == {"score": 50, "answers": 1}
    assert item["score"] == 90 and item["case_status"] == "review"
    assert item["due_at"] == ticket["due_at"] and not item["overdue"]
    # The agent sees how the form did, never what the owner answered.
    assert "瑞幸咖啡" not in str(item) and "1250" not in str(item)

    early = decide(client, checker, ticket["id"], "approve")
    assert "recommendation" in str(factories.assert_problem(early, 409, "conflict")["detail"])
    assert decide(client, maker, ticket["id"], "recommend").status_code == 200
    assert queued(client, checker, ticket["id"])["status"] == "recommended"
    own = decide(client, maker, ticket["id"], "approve")
    assert "maker-checker" in str(factories.assert_problem(own, 403, "forbidden")["detail"])
    approved = decide(client, checker, ticket["id"], "approve")
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"

    # Approved: evidence, not a shortcut — the untrusted device still waits 24 h.
    first = client.post(f"/v1/recovery-cases/{case['id']}/complete", json={})
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "delayed" and first.json()["assurance"] == 80
    clock.advance(hours=23)
    factories.assert_problem(client.post(f"/v1/recovery-cases/{case['id']}/complete",
                                         json={}), 409, "conflict")
    clock.advance(hours=1, seconds=1)
    done = client.post(f"/v1/recovery-cases/{case['id']}/complete", json={})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "completed"
    assert client.get("/v1/me", headers=new.headers).status_code == 200

    with platform.db.transaction() as db:
        actions = set(db.execute(select(AuditEvent.action).where(
            AuditEvent.subject == owner.user_id)).scalars())
    assert {"recovery.appeal_submitted", "recovery.appeal_recommend",
            "recovery.appeal_self_approval_refused", "recovery.appeal_approve"} <= actions


def test_a_form_that_does_not_match_the_history_cannot_be_recommended(
        client: TestClient, platform: Platform, agent: dict[str, str]) -> None:
    owner, _ = history(platform)
    case = open_case(client, owner.phone, "unfreeze")
    filed = appeal(client, case["id"], {"registered_month": "2001-01",
                                        "counterparties": ["星巴克", "麦当劳"],
                                        "amounts": [999, 4_200]})
    assert filed.status_code == 201, filed.text
    item = queued(client, agent, filed.json()["id"])
    assert item["score"] < platform.policy.recovery.appeal_min_score
    refused = decide(client, agent, filed.json()["id"], "recommend")
    assert factories.assert_problem(refused, 409, "conflict")["score"] == item["score"]
    rejected = decide(client, agent, filed.json()["id"], "reject")
    assert rejected.json()["status"] == "rejected"
    assert all(i["id"] != filed.json()["id"]
               for i in client.get("/v1/admin/appeals", headers=agent).json()["items"])


def test_one_appeal_per_case_and_an_unknown_phone_answers_alike(
        client: TestClient, platform: Platform) -> None:
    owner, form = history(platform)
    real = open_case(client, owner.phone, "unfreeze")
    phantom = open_case(client, factories.phone(), "unfreeze")
    for case in (real, phantom):
        first = appeal(client, case["id"], form)
        assert first.status_code == 201, first.text
        assert set(first.json()) == {"id", "case_id", "status", "submitted_at", "due_at"}
        factories.assert_problem(appeal(client, case["id"], form), 409, "conflict")


def test_the_queue_shows_an_overdue_ticket_soonest_first(
        client: TestClient, platform: Platform, clock: ManualClock,
        agent: dict[str, str]) -> None:
    owner, form = history(platform)
    first = appeal(client, open_case(client, owner.phone, "unfreeze")["id"], form).json()
    clock.advance(hours=1)
    other, other_form = history(platform)
    second = appeal(client, open_case(client, other.phone, "unfreeze")["id"],
                    other_form).json()
    clock.advance(hours=71, seconds=1)
    items = [i for i in client.get("/v1/admin/appeals", headers=agent).json()["items"]
             if i["id"] in (first["id"], second["id"])]
    assert [i["id"] for i in items] == [first["id"], second["id"]]
    assert [i["overdue"] for i in items] == [True, False]


def test_only_agents_decide_appeals(client: TestClient, platform: Platform) -> None:
    owner, form = history(platform)
    filed = appeal(client, open_case(client, owner.phone, "unfreeze")["id"], form).json()
    for role in ("operator", "teller", "institution"):
        answer = decide(client, factories.staff_headers(platform, role), filed["id"],
                        "recommend")
        factories.assert_problem(answer, 403, "forbidden")
    factories.assert_problem(decide(client, owner.headers, filed["id"], "approve"), 403,
                             "forbidden")
