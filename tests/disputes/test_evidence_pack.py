"""The evidence pack for the police and the insurer (seed 000 §4): the freeze
certificate, every transaction in the suspicious window and none outside it, the
devices' last-seen times and locations, the police report and claims the owner entered,
and the audit-chain hash that ``walletguard audit verify --expect`` confirms — as JSON
and as a PDF that says the same."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from tests import factories
from tests.disputes.support import SHANGHAI, Story, lost_phone_story, ok
from tests.test_cli import invoke
from walletguard.audit import service as audit
from walletguard.clock import ManualClock
from walletguard.runtime import Platform


@pytest.fixture
def story(client: TestClient, platform: Platform, clock: ManualClock,
          merchant_id: str) -> Story:
    return lost_phone_story(client, platform, clock, merchant_id)


def pack(client: TestClient, story: Story, headers: dict[str, str] | None = None
         ) -> dict[str, Any]:
    body: dict[str, Any] = ok(client.get(f"/v1/incidents/{story.incident_id}/evidence",
                                         headers=headers or story.owner.headers))
    return body


def pdf_text(client: TestClient, story: Story) -> str:
    response = client.get(f"/v1/incidents/{story.incident_id}/evidence?format=pdf",
                          headers=story.owner.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def shown(iso: str, platform: Platform) -> str:
    """A time as the PDF prints it (the policy's time zone)."""
    zone = ZoneInfo(platform.policy.timezone)
    return datetime.fromisoformat(iso).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z")


def test_the_incident_links_to_its_evidence_pack(client: TestClient, story: Story) -> None:
    incident = ok(client.get(f"/v1/incidents/{story.incident_id}",
                             headers=story.owner.headers))

    links = incident["evidence"]
    assert ok(client.get(links["json"], headers=story.owner.headers))["incident"][
        "id"] == story.incident_id
    assert client.get(links["pdf"], headers=story.owner.headers).content.startswith(b"%PDF")


def test_the_pack_lists_every_transaction_in_the_window_and_none_outside(
    client: TestClient, story: Story,
) -> None:
    body = pack(client, story)

    listed = {t["id"]: t for t in body["transactions"]}
    assert set(listed) == {story.payment, story.transfer, story.topup}
    assert story.outside not in listed
    assert [listed[i]["amount"] for i in (story.payment, story.transfer, story.topup)] == [
        -2222, -3333, 4444]
    assert listed[story.payment]["counterparty_name"] == "便利店"
    assert listed[story.transfer]["counterparty"] == story.friend.user_id
    assert (listed[story.payment]["disputable"], listed[story.topup]["disputable"]) == (
        True, False)
    reported = datetime.fromisoformat(story.reported_at)
    window = body["window"]
    assert datetime.fromisoformat(window["opens"]) == reported - timedelta(hours=24)
    assert datetime.fromisoformat(window["closes"]) == reported + timedelta(hours=24)
    assert (window["hours_before"], window["hours_after"]) == (24, 24)


def test_the_freeze_certificate_names_time_scope_actor_and_its_audit_hash(
    client: TestClient, platform: Platform, story: Story,
) -> None:
    body = pack(client, story)

    (freeze,) = body["freeze_certificate"]
    assert freeze["placed_at"] == story.reported_at
    assert (freeze["scope"], freeze["reason"], freeze["lifted_at"]) == (
        "payments", "phone reported lost", None)
    assert freeze["placed_by"] == "public:lost_phone_report"
    agent = factories.staff_headers(platform, "agent")
    events = ok(client.get(f"/v1/admin/audit?user_id={story.owner.user_id}",
                           headers=agent))["items"]
    recorded = next(e for e in events if e["action"] == "restriction.freeze_placed")
    assert freeze["audit"]["hash"] == recorded["hash"]
    assert recorded["data"]["restriction_id"] == freeze["restriction_id"]
    # The chain head the pack names is the owner's chain as it stands (newest first).
    assert body["audit"]["head_hash"] == events[0]["hash"]
    assert body["audit"]["length"] == len(events)


def test_the_pack_shows_each_device_last_seen_and_where(
    client: TestClient, story: Story,
) -> None:
    devices = {d["name"]: d for d in pack(client, story)["devices"]}

    lost = devices["phone-1"]
    assert lost["status"] == "lost"
    assert (lost["last_location"]["lat"], lost["last_location"]["lon"]) == SHANGHAI
    assert lost["last_seen_at"] < story.reported_at
    assert devices["phone-2"]["status"] == "active"


def test_the_pdf_shows_the_same_transactions_the_freeze_time_and_the_hash(
    client: TestClient, platform: Platform, story: Story,
) -> None:
    body = pack(client, story)
    text = pdf_text(client, story)

    for transaction in (story.payment, story.transfer, story.topup):
        assert transaction in text
    assert story.outside not in text
    assert "-22.22 CNY" in text and "-33.33 CNY" in text and "44.44 CNY" in text
    assert shown(body["freeze_certificate"][0]["placed_at"], platform) in text
    assert body["freeze_certificate"][0]["audit"]["hash"] in text
    assert f"walletguard audit verify --expect {body['audit']['head_hash']}" in text
    # Chinese and English side by side (STSong-Light embeds no file, and extracts).
    assert "账户冻结证明" in text and "Freeze certificate" in text


def test_the_police_report_and_claims_the_owner_entered_are_in_the_pack(
    client: TestClient, story: Story,
) -> None:
    url = f"/v1/incidents/{story.incident_id}"
    ok(client.put(f"{url}/police-report", headers=story.owner.headers, json={
        "report_number": "沪公(徐)立字[2026]10432号", "station": "徐汇分局田林派出所"}))
    claim = ok(client.post(f"{url}/claims", headers=story.owner.headers, json={
        "insurer_type": "wallet_security", "amount": 5555}), 201)

    body = pack(client, story)
    text = pdf_text(client, story)

    assert body["police_report"]["report_number"] == "沪公(徐)立字[2026]10432号"
    assert [c["id"] for c in body["claims"]] == [claim["id"]]
    assert "沪公(徐)立字[2026]10432号" in text
    assert claim["id"] in text and "55.55 CNY" in text


def test_audit_verify_confirms_the_hash_the_pack_names(
    client: TestClient, platform: Platform, story: Story, database_url: str, data_dir: Path,
) -> None:
    body = pack(client, story)
    head = body["audit"]["head_hash"]
    freeze = body["freeze_certificate"][0]["audit"]["hash"]

    result = invoke(database_url, data_dir, "audit", "verify", "--expect", head,
                    "--expect", freeze)

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"chain {story.owner.user_id}" in result.stdout
    unknown = invoke(database_url, data_dir, "audit", "verify", "--expect", "0" * 64)
    assert unknown.returncode == 1
    assert "no event with hash" in unknown.stderr


def test_the_pack_is_the_owners_and_the_agents_only(
    client: TestClient, platform: Platform, story: Story,
) -> None:
    stranger = factories.register_owner(platform, name="王强", device="stranger-phone")
    url = f"/v1/incidents/{story.incident_id}/evidence"

    factories.assert_problem(client.get(url, headers=stranger.headers), 404, "not_found")
    factories.assert_problem(client.get(url, headers=factories.staff_headers(
        platform, "teller")), 403, "forbidden")
    assert pack(client, story, factories.staff_headers(platform, "agent"))["incident"][
        "id"] == story.incident_id
    with platform.db.transaction() as db:
        assert audit.verify(db).first_break is None
