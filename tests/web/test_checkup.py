"""The security checkup's score is the policy's: each finding costs what
``policy.checkup.weights`` says, and an operator's file changes it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests import factories
from walletguard.devices import service as devices
from walletguard.errors import ConfigurationError
from walletguard.policy import CheckupPolicy, load_policy
from walletguard.web import checkup, kit


def test_password_free_and_missing_contacts_cost_what_the_policy_says(
        client: TestClient, platform: factories.ManualPlatform) -> None:
    owner = factories.register_owner(platform)
    factories.enable_password_free(platform, owner)
    client.cookies.set(kit.OWNER_COOKIE, owner.token)
    page = client.get("/security/checkup").text
    weights = platform.policy.checkup.weights
    score = re.search(r'id="score">.*?<strong>(\d+)</strong>', page, re.S)
    assert score and int(score.group(1)) == 100 - weights["password_free"] - weights["contacts"]

    # The same facts under other weights give another score.
    with platform.db.transaction() as db:
        listed = devices.list_devices(db, owner=owner.principal)
    rules = CheckupPolicy(weights={**weights, "password_free": 50, "contacts": 40})
    result = checkup.weigh(rules=rules, devices=listed, password_free={
        "enabled": True, "per_payment_limit": 20_000, "daily_limit": 100_000}, contacts=0,
        min_contacts=3, alerts=[], restricted=False, now=platform.clock.now())
    assert result.score == 10


def test_an_unknown_or_missing_checkup_weight_is_refused_at_start_up(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("[checkup.weights]\npassword_free = 30\n")
    with pytest.raises(ConfigurationError):
        load_policy(policy)
