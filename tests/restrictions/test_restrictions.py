"""Freeze, lock and the ways out: who may place and lift what, the cooling-off window,
the teller's document check, and the system locks that expire by time."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests import factories
from tests.restrictions.support import audit_actions, outbox, pay, snapshot
from walletguard.clock import ManualClock
from walletguard.models import Base
from walletguard.restrictions.models import DocumentCheck, Restriction
from walletguard.runtime import Platform

BRANCH = "ICBC Beijing Xidan branch"


@pytest.fixture
def owner(platform: Platform) -> factories.Owner:
    return factories.register_owner(platform, balance=100_000)


@pytest.fixture
def teller(platform: Platform) -> dict[str, str]:
    return factories.staff_headers(platform, "teller")


def me(client: TestClient, owner: factories.Owner) -> dict[str, Any]:
    response = client.get("/v1/me", headers=owner.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def freeze_by_agent(client: TestClient, agent: dict[str, str], owner: factories.Owner,
                    **body: str) -> dict[str, Any]:
    response = client.post(f"/v1/admin/users/{owner.user_id}/restrictions", headers=agent,
                           json={"reason": "owner called the hotline: phone stolen", **body})
    assert response.status_code == 201, response.text
    placed: dict[str, Any] = response.json()
    return placed


def lift(client: TestClient, staff: dict[str, str], restriction_id: str,
         **body: Any) -> Any:
    return client.request("DELETE", f"/v1/admin/restrictions/{restriction_id}", headers=staff,
                          json={"reason": "owner verified on the hotline", **body})


def log_in_again(client: TestClient, owner: factories.Owner, device: str = "phone-1") -> Any:
    return client.post("/v1/sessions", json={
        "phone": owner.phone, "password": factories.PASSWORD,
        "device": {"id": device, "name": device, "platform": "android",
                   "fingerprint": {"model": device}}})


def iso(moment: datetime) -> str:
    return moment.isoformat()


# ---- placing ----------------------------------------------------------------------------


def test_owner_freeze_stops_payments_and_transfers_at_once(
    client: TestClient, platform: Platform, clock: ManualClock, owner: factories.Owner,
    merchant_id: str,
) -> None:
    payee = factories.register_owner(platform, name="李雷")
    assert client.put("/v1/settings/password-free", json={"enabled": True, "pin": factories.PIN},
                      headers=owner.headers).status_code == 200

    frozen = client.post("/v1/freeze", json={"reason": "phone lost"}, headers=owner.headers)

    assert frozen.status_code == 201, frozen.text
    body = frozen.json()
    assert {k: body[k] for k in ("kind", "scope", "source", "reason", "placed_by",
                                 "placed_at", "expires_at", "lifted_at")} == {
        "kind": "freeze", "scope": "payments", "source": "owner", "reason": "phone lost",
        "placed_by": "you", "placed_at": iso(clock.now()),
        "expires_at": None, "lifted_at": None}
    view = me(client, owner)
    assert view["state"] == "frozen"
    assert [r["id"] for r in view["restrictions"]] == [body["id"]]
    refused = pay(client, owner, merchant_id, 1_000)
    assert (refused.status_code, refused.json()["code"]) == (403, "account_frozen")
    assert refused.json()["restriction_id"] == body["id"]
    refused = client.post("/v1/transfers", headers=owner.headers, json={
        "to_phone": payee.phone, "amount": 1_000,
        "auth": {"method": "pin", "pin": factories.PIN}})
    assert (refused.status_code, refused.json()["code"]) == (403, "account_frozen")
    refused = pay(client, owner, merchant_id, 100, method="password_free")
    assert (refused.status_code, refused.json()["code"]) == (403, "account_frozen")
    wallet = client.get("/v1/wallet", headers=owner.headers).json()
    assert wallet["balance"] == 100_000
    assert wallet["password_free"]["enabled"] is False  # a freeze turns password-free off
    # Payments scope: the owner can still sign in (to reach the security centre).
    assert log_in_again(client, owner, device="laptop").status_code == 201
    assert ("wallet.frozen", "sms", owner.user_id) in outbox(platform, owner.user_id)
    assert "restriction.freeze_placed" in audit_actions(platform, owner.user_id)


def test_hotline_freeze_covers_the_whole_account_by_default(
    client: TestClient, platform: Platform, owner: factories.Owner, merchant_id: str,
    agent: dict[str, str],
) -> None:
    placed = freeze_by_agent(client, agent, owner)

    assert (placed["kind"], placed["scope"], placed["source"]) == ("freeze", "account", "agent")
    assert placed["placed_by"].startswith("agent:key_")
    refused = pay(client, owner, merchant_id, 1_000)
    assert (refused.status_code, refused.json()["code"]) == (403, "account_frozen")
    refused = log_in_again(client, owner, device="laptop")
    assert (refused.status_code, refused.json()["code"]) == (403, "account_frozen")
    refused = client.put("/v1/settings/limits", json={"daily_limit": 1_000},
                         headers=owner.headers)
    assert (refused.status_code, refused.json()["code"]) == (403, "account_frozen")
    refused = client.put("/v1/payment-pin", headers=owner.headers,
                         json={"pin": "592817", "current_pin": factories.PIN})
    assert (refused.status_code, refused.json()["code"]) == (403, "account_frozen")


def test_hotline_freeze_with_payments_scope_leaves_sign_in_open(
    client: TestClient, owner: factories.Owner, merchant_id: str, agent: dict[str, str],
) -> None:
    freeze_by_agent(client, agent, owner, scope="payments")

    assert log_in_again(client, owner, device="laptop").status_code == 201
    refused = pay(client, owner, merchant_id, 1_000)
    assert (refused.status_code, refused.json()["code"]) == (403, "account_frozen")


Route = tuple[str, str, dict[str, str] | None]
AGENT_ONLY: list[Route] = [
    ("POST", "/v1/admin/users/{user}/restrictions", {"reason": "suspicion"}),
    ("POST", "/v1/admin/users/{user}/incidents", None),
    ("GET", "/v1/admin/users/{user}/incidents", None),
    ("GET", "/v1/admin/audit?user_id={user}", None),
]
STAFF_ONLY: list[Route] = [
    ("DELETE", "/v1/admin/restrictions/{restriction}", {"reason": "verified"})]


@pytest.mark.parametrize(("method", "path", "body"), AGENT_ONLY + STAFF_ONLY)
@pytest.mark.parametrize("caller", ["owner", "operator", "institution"])
def test_owners_and_operators_cannot_call_agent_endpoints(
    client: TestClient, platform: Platform, owner: factories.Owner, method: str, path: str,
    body: dict[str, str] | None, caller: str,
) -> None:
    placed = client.post("/v1/freeze", json={"reason": "phone lost"}, headers=owner.headers)
    headers = owner.headers if caller == "owner" else factories.staff_headers(platform, caller)
    before = snapshot(platform)

    response = client.request(method, path.format(user=owner.user_id,
                                                  restriction=placed.json()["id"]),
                              headers=headers, json=body)

    assert response.status_code == 403, response.text
    assert response.json()["code"] == "forbidden"
    assert response.headers["content-type"].startswith("application/problem+json")
    assert snapshot(platform) == before


@pytest.mark.parametrize(("method", "path", "body"), AGENT_ONLY)
def test_tellers_cannot_call_agent_only_endpoints(
    client: TestClient, platform: Platform, owner: factories.Owner, teller: dict[str, str],
    method: str, path: str, body: dict[str, str] | None,
) -> None:
    before = snapshot(platform)
    response = client.request(method, path.format(user=owner.user_id), headers=teller,
                              json=body)
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    assert snapshot(platform) == before


def test_agent_endpoints_without_a_token_are_unauthenticated(
    client: TestClient, owner: factories.Owner
) -> None:
    response = client.post(f"/v1/admin/users/{owner.user_id}/restrictions",
                           json={"reason": "suspicion"})
    assert (response.status_code, response.json()["code"]) == (401, "unauthenticated")
    assert me(client, owner)["state"] == "active"


# ---- agent lift and the cooling-off window -----------------------------------------------


def test_agent_lift_tells_every_channel_and_the_owner_can_cancel_it_within_the_window(
    client: TestClient, platform: Platform, clock: ManualClock, owner: factories.Owner,
    merchant_id: str, agent: dict[str, str],
) -> None:
    tablet = factories.second_device(platform, owner, "tablet")
    placed = freeze_by_agent(client, agent, owner, scope="payments")
    clock.advance(hours=2)
    lifted_at = clock.now()

    lifted = lift(client, agent, placed["id"], evidence={"ticket": "HL-20931"})

    assert lifted.status_code == 200, lifted.text
    assert lifted.json()["lifted_at"] == iso(lifted_at)
    assert lifted.json()["cancellable_until"] == iso(lifted_at + timedelta(hours=24))
    assert pay(client, owner, merchant_id, 1_000).status_code == 201
    # Every channel of the owner hears of the lift: SMS and each bound device.
    told = {(channel, recipient) for _, channel, recipient
            in outbox(platform, owner.user_id, topic="wallet.restriction_lifted")}
    assert told == {("sms", owner.user_id), ("inbox", owner.user_id), ("push", owner.device_id),
                    ("push", tablet.device_id)}
    assert "restriction.freeze_lifted" in audit_actions(platform, owner.user_id)

    clock.advance(hours=23, minutes=59, seconds=59)
    cancelled = client.delete(f"/v1/restrictions/{placed['id']}/lift", headers=owner.headers)

    assert cancelled.status_code == 201, cancelled.text
    again = cancelled.json()
    assert (again["kind"], again["scope"], again["lifted_at"]) == ("freeze", "payments", None)
    assert again["id"] != placed["id"]
    assert me(client, owner)["state"] == "frozen"
    refused = pay(client, owner, merchant_id, 1_000)
    assert (refused.status_code, refused.json()["code"]) == (403, "account_frozen")
    twice = client.delete(f"/v1/restrictions/{placed['id']}/lift", headers=owner.headers)
    assert (twice.status_code, twice.json()["code"]) == (409, "conflict")
    assert "restriction.lift_cancelled" in audit_actions(platform, owner.user_id)


def test_a_lift_cannot_be_cancelled_after_the_cooling_off_window(
    client: TestClient, platform: Platform, clock: ManualClock, owner: factories.Owner,
    merchant_id: str, agent: dict[str, str],
) -> None:
    placed = freeze_by_agent(client, agent, owner)
    assert lift(client, agent, placed["id"]).status_code == 200
    clock.advance(hours=24, seconds=1)
    before = snapshot(platform)

    late = client.delete(f"/v1/restrictions/{placed['id']}/lift", headers=owner.headers)

    assert (late.status_code, late.json()["code"]) == (409, "conflict")
    assert snapshot(platform) == before
    assert me(client, owner)["state"] == "active"
    assert pay(client, owner, merchant_id, 1_000).status_code == 201


def test_cancelling_a_lift_turns_password_free_off_again(
    client: TestClient, owner: factories.Owner, merchant_id: str, agent: dict[str, str],
) -> None:
    placed = freeze_by_agent(client, agent, owner, scope="payments")
    assert lift(client, agent, placed["id"]).status_code == 200
    assert client.put("/v1/settings/password-free", json={"enabled": True, "pin": factories.PIN},
                      headers=owner.headers).status_code == 200

    assert client.delete(f"/v1/restrictions/{placed['id']}/lift",
                         headers=owner.headers).status_code == 201

    assert client.get("/v1/wallet", headers=owner.headers).json()["password_free"][
        "enabled"] is False


def test_only_the_owner_cancels_a_lift_of_their_own_restriction(
    client: TestClient, platform: Platform, owner: factories.Owner, agent: dict[str, str],
) -> None:
    stranger = factories.register_owner(platform, name="王芳")
    placed = freeze_by_agent(client, agent, owner)
    assert lift(client, agent, placed["id"]).status_code == 200

    response = client.delete(f"/v1/restrictions/{placed['id']}/lift", headers=stranger.headers)
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    response = client.delete(f"/v1/restrictions/{placed['id']}/lift", headers=agent)
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    assert me(client, owner)["state"] == "active"


def test_a_lifted_restriction_cannot_be_lifted_again(
    client: TestClient, owner: factories.Owner, agent: dict[str, str]
) -> None:
    placed = freeze_by_agent(client, agent, owner)
    assert lift(client, agent, placed["id"]).status_code == 200
    again = lift(client, agent, placed["id"])
    assert (again.status_code, again.json()["code"]) == (409, "conflict")
    missing = lift(client, agent, "rst_missing")
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")


# ---- teller lift: the in-person document check ------------------------------------------


def test_teller_lift_without_a_document_check_is_refused_and_changes_nothing(
    client: TestClient, platform: Platform, owner: factories.Owner, merchant_id: str,
    agent: dict[str, str], teller: dict[str, str],
) -> None:
    placed = freeze_by_agent(client, agent, owner)
    before = snapshot(platform)

    refused = lift(client, teller, placed["id"])

    assert (refused.status_code, refused.json()["code"]) == (422, "invalid_input")
    assert snapshot(platform) == before
    assert lifted_at_of(platform, placed["id"]) is None


@pytest.mark.parametrize("document", [
    {"document_type": "library_card", "document_number": "12345678", "branch": BRANCH},
    {"document_type": "passport", "document_number": "E1", "branch": BRANCH},
    {"document_type": "passport", "document_number": "E12345678", "branch": ""},
    {"document_type": "passport", "document_number": "E12345678"},
])
def test_teller_lift_with_an_incomplete_document_check_is_refused(
    client: TestClient, platform: Platform, owner: factories.Owner, agent: dict[str, str],
    teller: dict[str, str], document: dict[str, str],
) -> None:
    placed = freeze_by_agent(client, agent, owner)
    before = snapshot(platform)

    refused = lift(client, teller, placed["id"], document=document)

    assert (refused.status_code, refused.json()["code"]) == (422, "invalid_input")
    assert snapshot(platform) == before


def test_teller_lift_with_someone_elses_resident_id_is_refused(
    client: TestClient, platform: Platform, owner: factories.Owner, agent: dict[str, str],
    teller: dict[str, str],
) -> None:
    placed = freeze_by_agent(client, agent, owner)
    before = snapshot(platform)

    refused = lift(client, teller, placed["id"], document={
        "document_type": "resident_id", "document_number": factories.resident_id(),
        "branch": BRANCH})

    assert (refused.status_code, refused.json()["code"]) == (422, "invalid_input")
    assert snapshot(platform) == before


@pytest.mark.parametrize("document_type", ["resident_id", "passport", "drivers_licence",
                                           "electronic_id"])
def test_teller_lift_records_the_document_check_with_the_number_sealed(
    client: TestClient, platform: Platform, clock: ManualClock, owner: factories.Owner,
    merchant_id: str, agent: dict[str, str], teller: dict[str, str], document_type: str,
) -> None:
    # A driving licence and the eID app carry the holder's resident ID number.
    number = "E12345678" if document_type == "passport" else owner.id_number
    placed = freeze_by_agent(client, agent, owner)
    clock.advance(days=1)

    lifted = lift(client, teller, placed["id"], reason="in-person identity check", document={
        "document_type": document_type, "document_number": number, "branch": BRANCH})

    assert lifted.status_code == 200, lifted.text
    assert me(client, owner)["state"] == "active"
    assert pay(client, owner, merchant_id, 1_000).status_code == 201
    with platform.db.transaction() as db:
        check = db.execute(select(DocumentCheck)).scalar_one()
        restriction = factories.by_id(db, Restriction, placed["id"])
        assert restriction is not None
        assert (check.user_id, check.restriction_id, check.document_type, check.branch,
                check.checked_at) == (owner.user_id, placed["id"], document_type, BRANCH,
                                      clock.now())
        assert check.teller.startswith("teller:key_")
        assert restriction.lifted_by == check.teller
        assert restriction.lift_evidence == {"document_check": check.id}
        assert platform.keys.vault.open("document_number", check.document_number_sealed) == (
            number)
    # The number is nowhere in the database in the clear: not in the check, the
    # restriction, the audit log or the outbox.
    assert tables_holding(platform, number) == []
    assert ("wallet.restriction_lifted", "sms", owner.user_id) in outbox(platform,
                                                                         owner.user_id)


def lifted_at_of(platform: Platform, restriction_id: str) -> datetime | None:
    with platform.db.transaction() as db:
        restriction = factories.by_id(db, Restriction, restriction_id)
        assert restriction is not None
        return restriction.lifted_at


def tables_holding(platform: Platform, secret: str) -> list[str]:
    found = []
    with platform.db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(select(table)):
                for value in row:
                    raw = value if isinstance(value, bytes) else str(value).encode()
                    if secret.encode() in raw:
                        found.append(table.name)
    return found


# ---- system locks -----------------------------------------------------------------------


def test_fifth_wrong_pin_locks_payments_for_three_hours_then_the_lock_expires(
    client: TestClient, platform: Platform, clock: ManualClock, owner: factories.Owner,
    merchant_id: str,
) -> None:
    codes = [pay(client, owner, merchant_id, 1_000, method="pin", pin="000000").json()["code"]
             for _ in range(5)]
    locked_at = clock.now()

    assert codes == ["invalid_pin"] * 4 + ["pin_locked"]
    right = pay(client, owner, merchant_id, 1_000)
    assert (right.status_code, right.json()["code"]) == (403, "pin_locked")
    assert right.json()["until"] == iso(locked_at + timedelta(hours=3))
    view = me(client, owner)
    assert view["state"] == "locked"
    assert [(r["kind"], r["scope"], r["source"], r["expires_at"])
            for r in view["restrictions"]] == [
        ("lock", "payments", "pin", iso(locked_at + timedelta(hours=3)))]
    assert ("wallet.locked", "sms", owner.user_id) in outbox(platform, owner.user_id)

    clock.advance(hours=2, minutes=59, seconds=59)
    assert pay(client, owner, merchant_id, 1_000).json()["code"] == "pin_locked"
    clock.advance(seconds=1)

    assert pay(client, owner, merchant_id, 1_000).status_code == 201
    assert me(client, owner)["state"] == "active"
    assert "restriction.lock_placed" in audit_actions(platform, owner.user_id)


def test_an_agent_may_lift_a_pin_lock_before_it_expires(
    client: TestClient, owner: factories.Owner, merchant_id: str, agent: dict[str, str],
) -> None:
    for _ in range(5):
        pay(client, owner, merchant_id, 1_000, method="pin", pin="000000")
    [lock] = me(client, owner)["restrictions"]

    assert lift(client, agent, lock["id"]).status_code == 200

    assert pay(client, owner, merchant_id, 1_000).status_code == 201


def test_repeated_declined_payments_lock_payments_for_an_hour(
    client: TestClient, clock: ManualClock, owner: factories.Owner, merchant_id: str,
) -> None:
    declines = [pay(client, owner, merchant_id, 200_000).json()["code"] for _ in range(10)]

    assert declines == ["insufficient_funds"] * 10
    locked = pay(client, owner, merchant_id, 1_000)
    assert (locked.status_code, locked.json()["code"]) == (403, "account_locked")
    [lock] = me(client, owner)["restrictions"]
    assert (lock["kind"], lock["scope"], lock["source"]) == ("lock", "payments", "declines")

    clock.advance(hours=1, seconds=1)
    assert pay(client, owner, merchant_id, 1_000).status_code == 201
