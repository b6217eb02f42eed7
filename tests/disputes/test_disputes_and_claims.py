"""Disputes and insurance claims on a lost-phone incident (seed 000 §4): the owner marks
payments and transfers in the suspicious window as unauthorised, one dispute each; claims
for the three insurer types, with their required documents checklisted; agents move both
through small state machines, where an illegal step is ``409 illegal_transition``; every
change is audited, on the incident's timeline, and told to the owner."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests import factories
from tests.disputes.support import Story, lost_phone_story, ok
from tests.restrictions.support import audit_actions, outbox, snapshot
from walletguard.clock import ManualClock
from walletguard.runtime import Platform


@pytest.fixture
def story(client: TestClient, platform: Platform, clock: ManualClock,
          merchant_id: str) -> Story:
    return lost_phone_story(client, platform, clock, merchant_id)


@pytest.fixture
def agent(platform: Platform) -> dict[str, str]:
    return factories.staff_headers(platform, "agent")


def dispute(client: TestClient, story: Story, *transfer_ids: str) -> Any:
    return client.post(f"/v1/incidents/{story.incident_id}/disputes",
                       headers=story.owner.headers,
                       json={"transfer_ids": list(transfer_ids), "note": "not me"})


def move(client: TestClient, agent: dict[str, str], kind: str, row_id: str, to: str) -> Any:
    return client.post(f"/v1/admin/{kind}/{row_id}/transition", headers=agent,
                       json={"to": to, "note": f"moved to {to}"})


def claim(client: TestClient, story: Story, **body: Any) -> Any:
    return client.post(f"/v1/incidents/{story.incident_id}/claims",
                       headers=story.owner.headers, json=body)


def timeline(client: TestClient, story: Story) -> list[str]:
    view = ok(client.get(f"/v1/incidents/{story.incident_id}", headers=story.owner.headers))
    return [e["kind"] for e in view["timeline"]]


# ---- disputes ----------------------------------------------------------------------------

def test_the_owner_disputes_payments_in_the_window_one_dispute_each(
    client: TestClient, platform: Platform, story: Story,
) -> None:
    opened = ok(dispute(client, story, story.payment, story.transfer), 201)["items"]

    assert [(d["transfer_id"], d["amount"], d["status"], d["incident_id"]) for d in opened] == [
        (story.payment, 2222, "open", story.incident_id),
        (story.transfer, 3333, "open", story.incident_id)]
    listed = ok(client.get(f"/v1/incidents/{story.incident_id}/disputes",
                           headers=story.owner.headers))["items"]
    assert sorted(d["id"] for d in listed) == sorted(d["id"] for d in opened)
    assert audit_actions(platform, story.owner.user_id).count("dispute.opened") == 2
    assert "disputes.opened" in timeline(client, story)
    assert outbox(platform, story.owner.user_id, "dispute.opened")
    evidence = ok(client.get(f"/v1/incidents/{story.incident_id}/evidence",
                             headers=story.owner.headers))
    assert {t["id"]: t["dispute"] for t in evidence["transactions"]}[story.payment] == "open"


def test_a_transaction_outside_the_window_is_refused_and_nothing_is_written(
    client: TestClient, platform: Platform, story: Story,
) -> None:
    before = snapshot(platform)

    refused = dispute(client, story, story.payment, story.outside)

    body = factories.assert_problem(refused, 422, "outside_suspicious_window")
    assert body["transfer_id"] == story.outside
    assert snapshot(platform) == before  # not even the dispute of the payment inside


def test_only_money_the_owners_wallet_paid_out_can_be_disputed(
    client: TestClient, platform: Platform, story: Story, merchant_id: str,
) -> None:
    friends_payment = factories.pay(platform, factories.trusted(story.friend), merchant_id,
                                    100)["id"]

    # Another owner's payment, money that came in, and no transaction at all: one answer.
    for other in (friends_payment, story.topup, "txn_made_up"):
        factories.assert_problem(dispute(client, story, str(other)), 404, "not_found")


def test_a_transaction_is_disputed_once(client: TestClient, story: Story) -> None:
    ok(dispute(client, story, story.payment), 201)

    again = dispute(client, story, story.transfer, story.payment)

    body = factories.assert_problem(again, 409, "already_disputed")
    assert body["transfer_ids"] == [story.payment]


def test_agents_move_a_dispute_through_its_states_and_the_owner_is_told(
    client: TestClient, platform: Platform, story: Story, agent: dict[str, str],
) -> None:
    (opened,) = ok(dispute(client, story, story.payment), 201)["items"]
    queue = ok(client.get("/v1/admin/disputes?status=open", headers=agent))["items"]
    assert [d["id"] for d in queue] == [opened["id"]]

    investigating = ok(move(client, agent, "disputes", opened["id"], "investigating"))
    upheld = ok(move(client, agent, "disputes", opened["id"], "upheld"))

    assert (investigating["status"], investigating["next"]) == (
        "investigating", ["upheld", "rejected"])
    assert (upheld["status"], upheld["next"], upheld["note"]) == (
        "upheld", [], "moved to upheld")
    assert upheld["decided_by"].startswith("agent:")
    assert audit_actions(platform, story.owner.user_id).count("dispute.status_changed") == 2
    assert timeline(client, story).count("dispute.status_changed") == 2
    told = outbox(platform, story.owner.user_id, "dispute.status_changed")
    assert {channel for _, channel, _ in told} >= {"sms", "inbox"}


@pytest.mark.parametrize(("path", "to"), [(("investigating",), "open"),
                                          (("rejected",), "upheld"),
                                          ((), "open")])
def test_an_illegal_dispute_step_is_a_conflict_and_changes_nothing(
    client: TestClient, platform: Platform, story: Story, agent: dict[str, str],
    path: tuple[str, ...], to: str,
) -> None:
    (opened,) = ok(dispute(client, story, story.payment), 201)["items"]
    for step in path:
        ok(move(client, agent, "disputes", opened["id"], step))
    before = snapshot(platform)

    refused = move(client, agent, "disputes", opened["id"], to)

    body = factories.assert_problem(refused, 409, "illegal_transition")
    assert body["current"] == (path[-1] if path else "open")
    assert snapshot(platform) == before


def test_an_owner_cannot_decide_their_own_dispute(
    client: TestClient, story: Story,
) -> None:
    (opened,) = ok(dispute(client, story, story.payment), 201)["items"]

    refused = client.post(f"/v1/admin/disputes/{opened['id']}/transition",
                          headers=story.owner.headers, json={"to": "upheld"})

    factories.assert_problem(refused, 403, "forbidden")


# ---- claims ------------------------------------------------------------------------------

def test_wallet_security_insurance_pays_at_most_5000_per_case(
    client: TestClient, story: Story,
) -> None:
    over = claim(client, story, insurer_type="wallet_security", amount=500_001)
    body = factories.assert_problem(over, 422, "claim_over_limit")
    assert body["limit"] == 500_000

    opened = ok(claim(client, story, insurer_type="wallet_security", amount=500_000), 201)
    assert (opened["status"], opened["limit"], opened["amount"]) == ("open", 500_000, 500_000)


def test_each_insurer_type_checklists_the_documents_it_needs(
    client: TestClient, story: Story,
) -> None:
    wanted = {"wallet_security": ["police_filing_notice", "transaction_window",
                                  "freeze_certificate"],
              "card_insurance": ["bank_fraud_confirmation", "transaction_window",
                                 "freeze_certificate"],
              "third_party": ["police_filing_notice", "insurance_policy",
                              "transaction_window", "freeze_certificate"]}
    for insurer_type, documents in wanted.items():
        opened = ok(claim(client, story, insurer_type=insurer_type, amount=10_000), 201)
        checklist = {d["key"]: d for d in opened["documents"]}
        assert list(checklist) == documents
        # The pack this wallet makes provides the window and the freeze at once.
        assert checklist["transaction_window"]["provided"]
        assert checklist["freeze_certificate"]["provided"]
        assert not any(d["provided"] for k, d in checklist.items()
                       if d["source"] != "evidence_pack")


def test_a_claim_goes_to_the_insurer_only_with_every_document(
    client: TestClient, platform: Platform, story: Story, agent: dict[str, str],
) -> None:
    opened = ok(claim(client, story, insurer_type="third_party", amount=1_200_000), 201)
    early = move(client, agent, "claims", opened["id"], "submitted")
    body = factories.assert_problem(early, 409, "documents_missing")
    assert body["missing"] == ["police_filing_notice", "insurance_policy"]

    url = f"/v1/incidents/{story.incident_id}"
    ok(client.put(f"{url}/police-report", headers=story.owner.headers,
                  json={"report_number": "110-2026-88812"}))
    ok(client.put(f"{url}/claims/{opened['id']}/documents", headers=story.owner.headers,
                  json={"documents": {"insurance_policy": "PICC-2026-0018812"}}))
    submitted = ok(move(client, agent, "claims", opened["id"], "submitted"))
    ok(move(client, agent, "claims", opened["id"], "approved"))
    paid = ok(move(client, agent, "claims", opened["id"], "paid"))

    references = {d["key"]: d["reference"] for d in submitted["documents"]}
    assert references["police_filing_notice"] == "110-2026-88812"
    assert references["insurance_policy"] == "PICC-2026-0018812"
    assert (paid["status"], paid["next"]) == ("paid", [])
    factories.assert_problem(move(client, agent, "claims", opened["id"], "rejected"), 409,
                             "illegal_transition")
    # Documents are the owner's to change only while the claim is being put together.
    factories.assert_problem(client.put(
        f"{url}/claims/{opened['id']}/documents", headers=story.owner.headers,
        json={"documents": {"insurance_policy": "other"}}), 409, "illegal_transition")
    actions = audit_actions(platform, story.owner.user_id)
    assert actions.count("claim.status_changed") == 3
    assert "incident.police_report_recorded" in actions
    assert len(outbox(platform, story.owner.user_id, "claim.status_changed")) >= 3


def test_a_document_the_insurer_does_not_ask_the_owner_for_is_refused(
    client: TestClient, story: Story,
) -> None:
    refused = claim(client, story, insurer_type="wallet_security", amount=100,
                    documents={"insurance_policy": "PICC-1"})

    factories.assert_problem(refused, 422, "invalid_input")


def test_claims_of_another_owners_incident_are_not_found(
    client: TestClient, platform: Platform, story: Story,
) -> None:
    stranger = factories.register_owner(platform, name="王强", device="stranger-phone")

    refused = client.post(f"/v1/incidents/{story.incident_id}/claims",
                          headers=stranger.headers,
                          json={"insurer_type": "wallet_security", "amount": 100})

    factories.assert_problem(refused, 404, "not_found")
