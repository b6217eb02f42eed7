"""The incident checklist: every configured linked platform with its hotline and what to
say, due by urgency from the report (payment < 2 h, e-commerce < 6 h, social < 24 h),
ticked by the owner, flagged when overdue."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests import factories
from tests.restrictions.support import report_body
from walletguard.clock import ManualClock
from walletguard.runtime import Platform


def open_incident(client: TestClient, platform: Platform) -> tuple[factories.Owner, str]:
    """Report the phone from a friend's browser, then sign in on a new phone."""
    owner = factories.register_owner(platform)
    answer = client.post("/v1/lost-phone-reports", json=report_body(owner))
    assert answer.status_code == 202, answer.text
    # An agent trusts the new phone (a freeze voids the SMS step-up).
    new_phone = factories.trust_by_staff(platform, factories.log_in(
        platform, user_id=owner.user_id, phone_number=owner.phone, device="phone-2"))
    return new_phone, answer.json()["incident_id"]


def view(client: TestClient, owner: factories.Owner, incident_id: str) -> dict[str, Any]:
    response = client.get(f"/v1/incidents/{incident_id}", headers=owner.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def tick(client: TestClient, owner: factories.Owner, incident_id: str, item_id: str,
         done: bool = True) -> dict[str, Any]:
    response = client.put(f"/v1/incidents/{incident_id}/checklist/{item_id}",
                          headers=owner.headers, json={"done": done})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_the_checklist_lists_every_linked_platform_most_urgent_first(
    client: TestClient, platform: Platform, clock: ManualClock
) -> None:
    reported_at = clock.now()
    owner, incident_id = open_incident(client, platform)

    checklist = view(client, owner, incident_id)["checklist"]

    hours = {"payment": 2, "carrier": 2, "bank": 2, "e-commerce": 6, "police": 24,
             "social": 24}
    configured = {p.key: p for p in platform.policy.incidents.linked_platforms}
    assert {item["key"] for item in checklist} == set(configured)
    for item in checklist:
        platform_ = configured[item["key"]]
        assert (item["name"], item["category"], item["hotline"], item["say"]) == (
            platform_.name, platform_.category, platform_.hotline, platform_.say)
        assert item["due_at"] == (reported_at + timedelta(hours=hours[item["category"]])
                                  ).isoformat()
        assert (item["done_at"], item["overdue"]) == (None, False)
    assert [item["due_at"] for item in checklist] == sorted(item["due_at"]
                                                           for item in checklist)
    by_key = {item["key"]: item for item in checklist}
    assert [by_key[k]["hotline"] for k in ("china-mobile", "china-unicom", "china-telecom",
                                           "wechat-pay", "alipay", "jd-finance")] == [
        "10086", "10010", "10000", "95017", "95188", "95118"]
    # Payment apps come before e-commerce, which comes before the police report.
    order = [item["key"] for item in checklist]
    assert order.index("alipay") < order.index("jd-finance") < order.index("police")
    assert order.index("wechat-pay") < order.index("jd-finance")


def test_overdue_items_are_flagged_as_the_clock_moves_and_ticked_ones_are_not(
    client: TestClient, platform: Platform, clock: ManualClock
) -> None:
    owner, incident_id = open_incident(client, platform)
    items = {item["key"]: item for item in view(client, owner, incident_id)["checklist"]}
    clock.advance(minutes=40)
    ticked_at = clock.now()

    after_tick = tick(client, owner, incident_id, items["alipay"]["id"])

    alipay = next(i for i in after_tick["checklist"] if i["key"] == "alipay")
    assert alipay["done_at"] == ticked_at.isoformat()
    assert after_tick["timeline"][-1]["kind"] == "checklist.ticked"
    assert after_tick["timeline"][-1]["detail"] == {"item": "alipay",
                                                    "by": f"owner:{owner.user_id}"}

    clock.advance(hours=1, minutes=20)  # exactly 2 h after the report: due, not yet late
    assert not any(i["overdue"] for i in view(client, owner, incident_id)["checklist"])
    clock.advance(seconds=1)
    overdue = {i["key"] for i in view(client, owner, incident_id)["checklist"] if i["overdue"]}
    assert overdue == {"wechat-pay", "china-mobile", "china-unicom", "china-telecom", "banks"}

    clock.advance(hours=4)  # 6 h after the report
    overdue = {i["key"] for i in view(client, owner, incident_id)["checklist"] if i["overdue"]}
    assert "jd-finance" in overdue and "police" not in overdue and "alipay" not in overdue

    unticked = tick(client, owner, incident_id, items["alipay"]["id"], done=False)
    alipay = next(i for i in unticked["checklist"] if i["key"] == "alipay")
    assert (alipay["done_at"], alipay["overdue"]) == (None, True)
    clock.advance(hours=18)
    assert all(i["overdue"] for i in view(client, owner, incident_id)["checklist"])


def test_only_the_owner_or_an_agent_ticks_the_checklist(
    client: TestClient, platform: Platform
) -> None:
    owner, incident_id = open_incident(client, platform)
    item = view(client, owner, incident_id)["checklist"][0]
    path = f"/v1/incidents/{incident_id}/checklist/{item['id']}"
    stranger = factories.register_owner(platform, name="王芳")

    assert client.put(path, headers=stranger.headers,
                      json={"done": True}).json()["code"] == "not_found"
    for role in ("operator", "teller"):
        refused = client.put(path, headers=factories.staff_headers(platform, role),
                             json={"done": True})
        assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    missing = client.put(f"/v1/incidents/{incident_id}/checklist/chk_missing",
                         headers=owner.headers, json={"done": True})
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    assert view(client, owner, incident_id)["checklist"][0]["done_at"] is None

    agent = factories.staff_headers(platform, "agent")
    ticked = client.put(path, headers=agent, json={"done": True})
    assert ticked.status_code == 200, ticked.text
    assert ticked.json()["timeline"][-1]["detail"]["by"].startswith("agent:key_")
