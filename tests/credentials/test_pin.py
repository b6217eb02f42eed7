"""The payment PIN: six digits, nothing a thief would try first, a keyed hash, and five
consecutive wrong PINs place a three-hour PIN lock."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests import factories
from tests.factories import ManualPlatform
from walletguard.credentials import pin as pin_rules
from walletguard.credentials.models import PaymentPin
from walletguard.errors import DomainError
from walletguard.notifications.models import OutboxMessage
from walletguard.restrictions.models import Restriction
from walletguard.runtime import Platform

WRONG = "582947"
BIRTH = date(1991, 3, 27)


@pytest.fixture
def owner(platform: Platform) -> factories.Owner:
    return factories.register_owner(platform, balance=10_000, pin=None, birth=BIRTH)


@pytest.fixture
def payer(platform: Platform) -> tuple[factories.Owner, str]:
    return factories.register_owner(platform, balance=10_000), factories.merchant(platform)


def _set(client: TestClient, owner: factories.Owner, pin: str,
         current: str | None = None) -> object:
    body = {"pin": pin} | ({"current_pin": current} if current is not None else {})
    return client.put("/v1/payment-pin", json=body, headers=owner.headers)


def _pay(platform: Platform, payer: tuple[factories.Owner, str], pin: str) -> DomainError | dict[
        str, object]:
    owner, merchant = payer
    try:
        return factories.pay(platform, owner, merchant, 100, pin=pin)
    except DomainError as refusal:
        return refusal


def _code(outcome: DomainError | dict[str, object]) -> str:
    return outcome.code if isinstance(outcome, DomainError) else str(outcome["status"])


# ---- choosing a PIN --------------------------------------------------------------------


def test_a_six_digit_pin_is_accepted(client: TestClient, owner: factories.Owner) -> None:
    assert _set(client, owner, "730264").status_code == 204  # type: ignore[attr-defined]


@pytest.mark.parametrize("pin", ["73026", "7302641", "73o264", "７３０２６４", " 30264", ""])
def test_a_pin_that_is_not_six_ascii_digits_is_refused(
    client: TestClient, owner: factories.Owner, pin: str
) -> None:
    factories.assert_problem(_set(client, owner, pin), 422, "invalid_input")


@pytest.mark.parametrize("pin", ["111111", "000000", "123456", "345678", "654321", "987654",
                                 "890123", "210987"])
def test_repeated_digits_and_runs_are_refused(
    client: TestClient, owner: factories.Owner, pin: str
) -> None:
    factories.assert_problem(_set(client, owner, pin), 422, "invalid_input")


@pytest.mark.parametrize("pin", ["910327", "032791", "270391", "199103", "031991", "912703"])
def test_the_owners_birth_date_from_the_id_number_is_refused(
    client: TestClient, owner: factories.Owner, pin: str
) -> None:
    body = factories.assert_problem(_set(client, owner, pin), 422, "invalid_input")
    assert "birth" in str(body["detail"])


def test_someone_elses_birth_date_is_a_fine_pin(
    client: TestClient, owner: factories.Owner
) -> None:
    assert _set(client, owner, "880512").status_code == 204  # type: ignore[attr-defined]


def test_the_pin_is_stored_as_a_keyed_hash(
    client: TestClient, platform: Platform, owner: factories.Owner
) -> None:
    _set(client, owner, "730264")

    with platform.db.transaction() as db:
        stored = db.get(PaymentPin, owner.user_id)
    assert stored is not None
    assert "730264" not in stored.digest
    assert stored.digest not in {hashlib.sha256(b"730264").hexdigest(),
                                 hashlib.sha256(stored.salt + b"730264").hexdigest()}
    assert pin_rules.pin_matches(platform.keys.pin_pepper, stored.salt, owner.user_id,
                                 "730264", stored.digest)
    # Without the pepper (kept in the settings, not the database) the PIN cannot be tested.
    assert not pin_rules.pin_matches(b"\x00" * 32, stored.salt, owner.user_id, "730264",
                                     stored.digest)


def test_changing_the_pin_needs_the_current_one_and_a_wrong_one_counts(
    client: TestClient, platform: Platform, owner: factories.Owner
) -> None:
    _set(client, owner, "730264")

    factories.assert_problem(_set(client, owner, "402917"), 422, "invalid_input")
    wrong = factories.assert_problem(_set(client, owner, "402917", current=WRONG), 403,
                                     "invalid_pin")
    assert wrong["attempts_left"] == 4
    assert _set(client, owner, "402917", current="730264").status_code == 204  # type: ignore[attr-defined]
    with platform.db.transaction() as db:
        stored = db.get(PaymentPin, owner.user_id)
        assert stored is not None and stored.failures == 0
        assert pin_rules.pin_matches(platform.keys.pin_pepper, stored.salt, owner.user_id,
                                     "402917", stored.digest)


# ---- judging a PIN ---------------------------------------------------------------------


def test_a_wrong_pin_says_how_many_attempts_are_left(
    platform: Platform, payer: tuple[factories.Owner, str]
) -> None:
    lefts = []
    for _ in range(4):
        refusal = _pay(platform, payer, WRONG)
        assert isinstance(refusal, DomainError)
        assert (refusal.code, refusal.status) == ("invalid_pin", 403)
        lefts.append(refusal.extra["attempts_left"])

    assert lefts == [4, 3, 2, 1]


def test_fifth_wrong_pin_locks_for_three_hours(
    client: TestClient, platform: ManualPlatform, payer: tuple[factories.Owner, str]
) -> None:
    owner, merchant = payer
    for _ in range(4):
        _pay(platform, payer, WRONG)
    before = factories.money_snapshot(platform)

    fifth = client.post("/v1/payments", headers=owner.headers, json={
        "merchant_id": merchant, "amount": 100, "auth": {"method": "pin", "pin": WRONG}})

    body = factories.assert_problem(fifth, 403, "pin_locked")
    locked_at = platform.clock.now()
    assert body["until"] == (locked_at + platform.policy.pin.lock_duration).isoformat()
    with platform.db.transaction() as db:
        lock = factories.by_id(db, Restriction, body["restriction_id"])
        assert lock is not None
        assert (lock.kind, lock.scope, lock.source) == ("lock", "payments", "pin")
        assert db.execute(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.user_id == owner.user_id,
            OutboxMessage.topic == "wallet.locked")).scalar_one() >= 1
    me = client.get("/v1/me", headers=owner.headers).json()
    assert me["state"] == "locked"

    platform.clock.advance(hours=2, minutes=59, seconds=59)
    assert _code(_pay(platform, payer, factories.PIN)) == "pin_locked"  # even the right PIN
    assert factories.money_snapshot(platform) == before
    platform.clock.advance(seconds=1)
    assert _code(_pay(platform, payer, factories.PIN)) == "succeeded"


def test_while_locked_attempts_are_not_judged_and_the_count_starts_afresh_after(
    platform: ManualPlatform, payer: tuple[factories.Owner, str]
) -> None:
    for _ in range(5):
        _pay(platform, payer, WRONG)
    for _ in range(10):
        assert _code(_pay(platform, payer, WRONG)) == "pin_locked"

    platform.clock.advance(hours=3)
    refusal = _pay(platform, payer, WRONG)

    assert isinstance(refusal, DomainError)
    assert (refusal.code, refusal.extra["attempts_left"]) == ("invalid_pin", 4)


def test_the_right_pin_resets_the_count_of_wrong_ones(
    platform: Platform, payer: tuple[factories.Owner, str]
) -> None:
    for _ in range(4):
        _pay(platform, payer, WRONG)

    assert _code(_pay(platform, payer, factories.PIN)) == "succeeded"
    refusal = _pay(platform, payer, WRONG)

    assert isinstance(refusal, DomainError)
    assert refusal.extra["attempts_left"] == 4


def test_paying_before_a_pin_is_set_is_refused(platform: Platform,
                                               owner: factories.Owner) -> None:
    merchant = factories.merchant(platform)

    with pytest.raises(DomainError) as refused:
        factories.pay(platform, owner, merchant, 100)

    assert (refused.value.code, refused.value.status) == ("pin_not_set", 403)


def test_a_pin_lock_does_not_let_the_pin_be_changed(
    client: TestClient, platform: Platform, payer: tuple[factories.Owner, str]
) -> None:
    owner, _ = payer
    for _ in range(5):
        _pay(platform, payer, WRONG)

    changed = _set(client, owner, "402917", current=factories.PIN)

    factories.assert_problem(changed, 403, "pin_locked")
