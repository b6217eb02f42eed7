"""The daily outgoing limit: lowered at once, raised only with the PIN, capped by the
regulatory profile, halved under observation, counted per day in the policy's time zone."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from fastapi.testclient import TestClient

from tests import factories
from tests.factories import ManualPlatform
from walletguard.auth.principal import SYSTEM
from walletguard.errors import DomainError
from walletguard.ledger import service as ledger
from walletguard.restrictions import service as restrictions
from walletguard.runtime import Platform


@pytest.fixture
def owner(platform: Platform) -> factories.Owner:
    return factories.register_owner(platform, balance=1_000_000)


def _limit(client: TestClient, owner: factories.Owner, daily_limit: int,
           pin: str | None = None) -> object:
    body: dict[str, object] = {"daily_limit": daily_limit}
    if pin is not None:
        body["pin"] = pin
    return client.put("/v1/settings/limits", json=body, headers=owner.headers)


def _declined(platform: Platform, owner: factories.Owner, merchant: str,
              amount: int) -> DomainError:
    before = factories.money_snapshot(platform)
    with pytest.raises(DomainError) as declined:
        factories.pay(platform, owner, merchant, amount)
    assert factories.money_snapshot(platform) == before
    return declined.value


def test_lowering_the_daily_limit_takes_effect_at_once(
    client: TestClient, platform: Platform, owner: factories.Owner, merchant: str
) -> None:
    lowered = client.put("/v1/settings/limits", json={"daily_limit": 3_000},
                         headers=owner.headers)

    assert lowered.status_code == 200, lowered.text
    assert lowered.json()["daily_limit"] == 3_000
    factories.pay(platform, owner, merchant, 2_000)
    declined = _declined(platform, owner, merchant, 1_001)
    assert (declined.code, declined.extra["daily_limit"], declined.extra["spent_today"]) == (
        "limit_exceeded", 3_000, 2_000)
    assert factories.pay(platform, owner, merchant, 1_000)["status"] == "succeeded"


def test_raising_the_daily_limit_needs_the_pin(
    client: TestClient, platform: Platform, owner: factories.Owner
) -> None:
    assert _limit(client, owner, 1_000).status_code == 200  # type: ignore[attr-defined]

    body = factories.assert_problem(_limit(client, owner, 5_000), 403, "step_up_required")
    assert body["methods"] == ["pin"]
    wrong = factories.assert_problem(_limit(client, owner, 5_000, pin="582947"), 403,
                                     "invalid_pin")
    assert wrong["attempts_left"] == 4
    raised = _limit(client, owner, 5_000, pin=factories.PIN)
    assert raised.status_code == 200  # type: ignore[attr-defined]
    assert client.get("/v1/wallet", headers=owner.headers).json()["daily_limit"] == 5_000


def test_a_daily_limit_above_the_profile_maximum_is_refused(
    client: TestClient, platform: Platform, owner: factories.Owner
) -> None:
    top = platform.policy.limits.max_daily_limit

    factories.assert_problem(_limit(client, owner, top + 1, pin=factories.PIN), 422,
                             "invalid_input")


def test_pin_payments_stop_at_5000_yuan_a_day_under_cn_pboc_43(
    client: TestClient, platform: Platform, owner: factories.Owner, merchant: str
) -> None:
    raised = _limit(client, owner, 2_000_000, pin=factories.PIN)
    assert raised.status_code == 200  # type: ignore[attr-defined]

    factories.pay(platform, owner, merchant, 500_000)

    assert _declined(platform, owner, merchant, 1).code == "limit_exceeded"
    assert client.get("/v1/wallet", headers=owner.headers).json()["daily_limit"] == 500_000


def test_the_daily_limit_starts_again_at_midnight_in_the_policy_time_zone(
    platform: ManualPlatform, owner: factories.Owner, merchant: str, client: TestClient
) -> None:
    assert _limit(client, owner, 1_000).status_code == 200  # type: ignore[attr-defined]
    factories.pay(platform, owner, merchant, 1_000)
    local = platform.clock.now().astimezone(platform.money.zone)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(), local.tzinfo)

    platform.clock.advance(seconds=(midnight - local).total_seconds() - 60)
    assert _declined(platform, owner, merchant, 1).code == "limit_exceeded"
    platform.clock.advance(seconds=120)
    assert factories.pay(platform, owner, merchant, 1_000)["status"] == "succeeded"


def test_observation_halves_the_daily_limit_and_turns_password_free_off(
    client: TestClient, platform: Platform, owner: factories.Owner, merchant: str
) -> None:
    factories.enable_password_free(platform, owner)
    with platform.db.transaction() as db:
        restrictions.start_observation(db, wallet=ledger.lock_wallet(db, owner.user_id),
                                       reason="recovered",
                                       policy=platform.policy, now=platform.clock.now(),
                                       actor=SYSTEM)

    wallet = client.get("/v1/wallet", headers=owner.headers).json()
    assert (wallet["daily_limit"], wallet["password_free"]["enabled"]) == (250_000, False)
    factories.pay(platform, owner, merchant, 250_000)
    assert _declined(platform, owner, merchant, 1).code == "limit_exceeded"
    with pytest.raises(DomainError) as free:
        factories.pay(platform, owner, merchant, 100, method="password_free")
    assert free.value.code == "step_up_required"
