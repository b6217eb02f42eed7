"""The transaction-history quiz through the HTTP API, on SQLite and PostgreSQL: questions
from the owner's real payments, fuzzy merchants and near dates accepted, low assurance
that never completes a case alone, failure, lockout, expiry, and decoys of the same shape
for too little history and for phantom cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from tests import factories
from tests.factories import Owner
from tests.recovery.test_cases import open_case, pass_id_document
from walletguard.clock import ManualClock
from walletguard.runtime import Platform

SHOPS = ("华联超市", "老王面馆", "星巴克咖啡", "滴滴出行", "中国石化加油站", "新华书店")


@dataclass(frozen=True)
class Paid:
    merchant: str
    on: date
    amount: int


def with_history(platform: Platform, clock: ManualClock, n: int = 24) -> tuple[Owner, list[Paid]]:
    """An owner who paid ``n`` times, one payment a day, each amount different."""
    registered = factories.register_owner(platform, balance=1_000_000)
    owner = registered
    shops = {name: factories.merchant(platform, name=name) for name in SHOPS}
    zone = ZoneInfo(platform.policy.timezone)
    history = []
    for day in range(n):
        clock.advance(days=1)
        owner = factories.log_in(platform, user_id=owner.user_id, phone_number=owner.phone)
        name = SHOPS[day % len(SHOPS)]
        amount = 1_250 + 137 * day
        factories.pay(platform, owner, shops[name], amount)
        history.append(Paid(name, clock.now().astimezone(zone).date(), amount))
    owner.real_name, owner.id_number = registered.real_name, registered.id_number
    return owner, history


def questions(client: TestClient, case_id: str) -> list[dict[str, Any]]:
    asked = client.post(f"/v1/recovery-cases/{case_id}/verifications",
                        json={"channel": "history_quiz"})
    assert asked.status_code == 200, asked.text
    assert asked.json()["next_step"] == "answer_quiz"
    found: list[dict[str, Any]] = asked.json()["questions"]
    return found


def knowing(history: list[Paid], question: dict[str, Any]) -> str:
    """What the owner, who remembers their payments a little loosely, answers."""
    if question["kind"] == "amount":
        (paid,) = [p for p in history if p.merchant == question["merchant"]
                   and p.on.isoformat() == question["date"]]
        return str(paid.amount)
    if question["kind"] == "merchant":
        (paid,) = [p for p in history if p.amount == question["amount"]]
        return paid.merchant.replace("超市", "").replace("咖啡", "") + " "  # roughly
    (paid,) = [p for p in history if p.amount == question["amount"]]
    return (paid.on + timedelta(days=1)).isoformat()  # a day off


def answer(client: TestClient, case_id: str, given: dict[str, str]) -> Any:
    return client.post(f"/v1/recovery-cases/{case_id}/verifications",
                       json={"channel": "history_quiz", "answers": given})


def test_the_owner_who_remembers_their_history_passes_but_it_never_suffices_alone(
        client: TestClient, platform: Platform, clock: ManualClock) -> None:
    owner, history = with_history(platform, clock)
    case = open_case(client, owner.phone, "reset_pin", device="phone-1")
    asked = questions(client, case["id"])
    assert len(asked) == 7 and {q["kind"] for q in asked} == {"amount", "merchant", "date"}
    for q in asked:
        if q["kind"] == "amount":
            assert len(set(q["choices"])) == 4
    assert questions(client, case["id"]) == asked  # asking again shows the same quiz
    passed = answer(client, case["id"], {q["id"]: knowing(history, q) for q in asked})
    assert passed.status_code == 200, passed.text
    assert passed.json()["assurance"] == 20
    alone = client.post(f"/v1/recovery-cases/{case['id']}/complete", json={"new_pin": "582913"})
    factories.assert_problem(alone, 409, "conflict")
    with_id = pass_id_document(client, platform, owner, case["id"])
    assert with_id.status_code == 200, with_id.text
    assert with_id.json()["assurance"] == 70
    done = client.post(f"/v1/recovery-cases/{case['id']}/complete", json={"new_pin": "582913"})
    assert done.status_code == 200 and done.json()["status"] == "completed", done.text


def test_wrong_answers_fail_are_counted_and_the_next_try_gets_new_questions(
        client: TestClient, platform: Platform, clock: ManualClock) -> None:
    owner, history = with_history(platform, clock)
    case = open_case(client, owner.phone, "unfreeze")
    lefts = []
    seen = []
    for _ in range(3):
        asked = questions(client, case["id"])
        seen.append(asked)
        given = {q["id"]: knowing(history, q) for q in asked}
        given.update({q["id"]: "1" for q in asked if q["kind"] == "amount"})  # 4/7 < 85
        failed = answer(client, case["id"], given)
        lefts.append(factories.assert_problem(failed, 403, "verification_failed")[
            "attempts_left"])
    assert lefts == [4, 3, 2]
    assert seen[0] != seen[1] != seen[2]
    closed = answer(client, case["id"], {})
    assert factories.assert_problem(closed, 403, "verification_failed")["attempts_left"] == 0


def test_with_too_little_history_the_quiz_looks_the_same_and_nothing_passes(
        client: TestClient, platform: Platform, clock: ManualClock) -> None:
    owner, history = with_history(platform, clock, n=12)
    real = open_case(client, owner.phone, "unfreeze")
    phantom = open_case(client, factories.phone(), "unfreeze")
    shapes = []
    for case in (real, phantom):
        asked = questions(client, case["id"])
        shapes.append([(q["id"], q["kind"], sorted(q)) for q in asked])
        assert questions(client, case["id"]) == asked
        failed = answer(client, case["id"], {q["id"]: "x" for q in asked})
        assert factories.assert_problem(failed, 403, "verification_failed")[
            "attempts_left"] == 4
    assert shapes[0] == shapes[1]
    assert history  # the owner did pay; too few times to be asked about it


def test_a_quiz_on_an_expired_case_is_refused(
        client: TestClient, platform: Platform, clock: ManualClock) -> None:
    owner, history = with_history(platform, clock)
    case = open_case(client, owner.phone, "unfreeze")
    asked = questions(client, case["id"])
    clock.advance(hours=72, seconds=1)
    late = answer(client, case["id"], {q["id"]: knowing(history, q) for q in asked})
    assert factories.assert_problem(late, 409, "conflict")["case_status"] == "expired"
