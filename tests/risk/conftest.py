"""A ``walletguard serve --workers 2`` of the risk tests' own: it believes the
``X-Forwarded-For`` of loopback (so contenders can come from different addresses, as
logins from an owner's several phones do) and runs a brake that trips after a few
decisions and shares its counts between the workers at once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import running_server

BRAKE_MIN_EVENTS = 10
BRAKE_CEILING = 0.5


@pytest.fixture(scope="module")
def risk_server(database_url: str, data_dir: Path, tmp_path_factory: pytest.TempPathFactory,
                ) -> Iterator[str]:
    policy = tmp_path_factory.mktemp("risk-policy") / "policy.toml"
    policy.write_text("[risk]\n"
                      f"brake_min_events = {BRAKE_MIN_EVENTS}\n"
                      f"brake_deny_ceiling = {BRAKE_CEILING}\n"
                      "brake_sync_seconds = 0.1\n", encoding="utf-8")
    with running_server(database_url, data_dir, env={
            "WALLETGUARD_FORWARDED_ALLOW_IPS": "127.0.0.1",
            "WALLETGUARD_POLICY_FILE": str(policy)}) as base:
        yield base
