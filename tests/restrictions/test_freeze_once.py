"""A freeze is placed once: a repeated owner freeze joins the one that stands, a retry
under the same Idempotency-Key gets the first answer whoever calls the use case (HTTP,
CLI, demo, a test), and staff list what stands on a user to lift it."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests import factories
from tests.restrictions.support import audit_verifies_afterwards
from walletguard.errors import DomainError, IdempotencyConflict, InvalidInput, ReplayedRefusal
from walletguard.restrictions import service as restrictions
from walletguard.restrictions.models import Restriction
from walletguard.runtime import Platform

__all__ = ["audit_verifies_afterwards"]  # the audit chains verify after every test here


def freezes_of(platform: Platform, user_id: str) -> int:
    with platform.db.transaction() as db:
        return int(db.execute(select(func.count()).select_from(Restriction).where(
            Restriction.user_id == user_id, Restriction.kind == "freeze",
            Restriction.lifted_at.is_(None))).scalar_one())


def test_a_repeated_owner_freeze_joins_the_standing_one(
    client: TestClient, platform: Platform
) -> None:
    owner = factories.register_owner(platform)
    first = client.post("/v1/freeze", json={"reason": "phone lost"}, headers=owner.headers)
    again = client.post("/v1/freeze", json={"reason": "still lost"}, headers=owner.headers)

    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["joined"] is False
    assert again.json()["joined"] is True
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["reason"] == "phone lost"  # the standing freeze, as it stands
    assert again.json()["placed_by"] == "you"
    assert freezes_of(platform, owner.user_id) == 1


def test_an_owner_freeze_stacks_on_a_freeze_someone_else_placed(
    client: TestClient, platform: Platform, agent: dict[str, str]
) -> None:
    """Joining an agent's freeze would leave the owner's wish hanging on the agent's
    lift; only a freeze the owner placed is joined."""
    owner = factories.register_owner(platform)
    placed = client.post(f"/v1/admin/users/{owner.user_id}/restrictions",
                         json={"reason": "hotline call"}, headers=agent)
    mine = client.post("/v1/freeze", json={"reason": "phone lost"}, headers=owner.headers)

    assert placed.status_code == 201 and mine.status_code == 201
    assert mine.json()["joined"] is False and mine.json()["id"] != placed.json()["id"]
    assert freezes_of(platform, owner.user_id) == 2


def test_a_repeat_with_a_bad_reason_is_still_refused(platform: Platform) -> None:
    owner = factories.register_owner(platform)
    now = platform.clock.now()
    with platform.db.transaction() as db:
        restrictions.owner_freeze(db, actor=owner.principal, reason="phone lost", now=now)
    with pytest.raises(InvalidInput), platform.db.transaction() as db:
        restrictions.owner_freeze(db, actor=owner.principal, reason="lost\u202e", now=now)


def test_the_freeze_use_case_answers_a_retried_key_once_without_http(platform: Platform) -> None:
    """The CLI, the demo and the tests call the use case: the key is honoured there."""
    owner = factories.register_owner(platform)
    now = platform.clock.now()

    def freeze(reason: str, key: str) -> dict[str, object]:
        with platform.db.transaction() as db:
            return restrictions.agent_freeze(db, actor=factories.AGENT, user_id=owner.user_id,
                                             scope=restrictions.Scope.ACCOUNT, reason=reason,
                                             now=now, idempotency_key=key)

    first = freeze("hotline call", "call-1")
    assert freeze("hotline call", "call-1") == first
    assert freezes_of(platform, owner.user_id) == 1
    with pytest.raises(IdempotencyConflict):
        freeze("another call", "call-1")
    assert freeze("hotline call", "call-2")["id"] != first["id"]  # another key: another freeze
    assert freezes_of(platform, owner.user_id) == 2


def test_a_refused_freeze_is_remembered_under_its_key(platform: Platform) -> None:
    """One key, one outcome: the refusal is stored with the claim, not a half-claim that
    would replay as nothing."""
    owner = factories.register_owner(platform)
    now = platform.clock.now()
    raised: list[type[DomainError]] = []
    for _ in range(2):
        with pytest.raises(DomainError) as refused, platform.db.transaction() as db:
            restrictions.owner_freeze(db, actor=owner.principal, reason="\u200b", now=now,
                                      idempotency_key="k-1")
        assert (refused.value.status, refused.value.code) == (422, "invalid_input")
        raised.append(type(refused.value))
    assert raised == [InvalidInput, ReplayedRefusal]  # judged once, then replayed
    assert freezes_of(platform, owner.user_id) == 0


def test_an_agent_freeze_over_http_replays_its_key(
    client: TestClient, platform: Platform, agent: dict[str, str]
) -> None:
    owner = factories.register_owner(platform)
    headers = {**agent, "Idempotency-Key": "hotline-7"}
    url = f"/v1/admin/users/{owner.user_id}/restrictions"
    first = client.post(url, json={"reason": "hotline call"}, headers=headers)
    second = client.post(url, json={"reason": "hotline call"}, headers=headers)
    other = client.post(url, json={"reason": "another"}, headers=headers)

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    factories.assert_problem(other, 409, "idempotency_conflict")
    assert freezes_of(platform, owner.user_id) == 1


def test_parallel_owner_freezes_leave_one_freeze(platform: Platform) -> None:
    """Judged under the wallet lock: of freezes sent at once from every device, one
    places and the others join it. Mutation tried: reading the standing freeze before
    ``ledger.lock_wallet`` (with a 0.2 s pause between the read and the lock) fails this on
    PostgreSQL, 6 freezes for 6 contenders; SQLite's BEGIN IMMEDIATE orders the whole
    transaction, so it passes there either way."""
    owner = factories.register_owner(platform)
    contenders = 6
    start = threading.Barrier(contenders)
    answers: list[dict[str, object]] = []
    failures: list[BaseException] = []

    def freeze() -> None:
        try:
            start.wait()
            with platform.db.transaction() as db:
                answers.append(restrictions.owner_freeze(
                    db, actor=owner.principal, reason="phone lost", now=platform.clock.now()))
        except BaseException as exc:  # surfaced below
            failures.append(exc)

    threads = [threading.Thread(target=freeze) for _ in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not failures, failures
    assert len(answers) == contenders
    assert freezes_of(platform, owner.user_id) == 1
    assert len({a["id"] for a in answers}) == 1
    assert sorted(bool(a["joined"]) for a in answers) == [False] + [True] * (contenders - 1)


def test_staff_list_what_stands_on_a_user_and_lift_it_from_there(
    client: TestClient, platform: Platform, agent: dict[str, str]
) -> None:
    owner = factories.register_owner(platform)
    teller = factories.staff_headers(platform, "teller")
    client.post("/v1/freeze", json={"reason": "phone lost"}, headers=owner.headers)
    url = f"/v1/admin/users/{owner.user_id}/restrictions"

    listed = client.get(url, headers=agent)
    assert listed.status_code == 200, listed.text
    (freeze,) = listed.json()["items"]
    assert (freeze["kind"], freeze["scope"], freeze["source"]) == ("freeze", "payments", "owner")
    assert freeze["placed_by"] == f"owner:{owner.user_id}"  # staff see the actor ref
    assert client.get(url, headers=teller).json() == listed.json()
    factories.assert_problem(client.get(url, headers=owner.headers), 403, "forbidden")
    factories.assert_problem(client.get("/v1/admin/users/usr_nobody/restrictions",
                                        headers=agent), 404, "not_found")

    lifted = client.request("DELETE", f"/v1/admin/restrictions/{freeze['id']}", headers=agent,
                            json={"reason": "owner verified on the hotline"})
    assert lifted.status_code == 200, lifted.text
    assert client.get(url, headers=agent).json() == {"items": []}
