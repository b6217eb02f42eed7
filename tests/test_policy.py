"""The policy: defaults from DOMAIN.md, operator overrides, and docs that match the code."""

from __future__ import annotations

from pathlib import Path

import pytest

from walletguard.errors import ConfigurationError
from walletguard.policy import CHECKLIST_CATEGORIES, Policy, load_policy
from walletguard.policy_docs import render

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_are_the_numbers_of_the_domain() -> None:
    policy = Policy()
    assert policy.pin.max_consecutive_failures == 5
    assert policy.pin.lock_hours == 3
    assert policy.biometric.min_device_age_days == 30
    assert policy.biometric.anomaly_free_days == 7
    assert policy.limits.password_free_per_payment == 20_000
    assert policy.limits.password_free_daily == 100_000
    assert policy.limits.password_free_consecutive == 5
    assert policy.limits.two_factor_daily == 500_000
    assert policy.restrictions.observation_days == 15
    assert policy.restrictions.unfreeze_cooling_off_hours == 24
    assert policy.incidents.urgency_hours["payment"] == 2
    assert policy.incidents.urgency_hours["e-commerce"] == 6
    assert policy.incidents.urgency_hours["social"] == 24


def test_docs_policy_md_is_generated_from_the_model() -> None:
    assert (ROOT / "docs" / "policy.md").read_text() == render(), (
        "docs/policy.md is stale: run `walletguard policy docs --output docs/policy.md`")


def test_an_operator_picks_the_psd2_profile_and_overrides_a_number(tmp_path: Path) -> None:
    file = tmp_path / "policy.toml"
    file.write_text('regulatory_profile = "eu-psd2-rts"\ncurrency = "EUR"\n'
                    "[pin]\nlock_hours = 6\n")
    policy = load_policy(file)
    assert policy.limits.password_free_per_payment == 3_000
    assert policy.limits.password_free_daily == 10_000
    assert policy.pin.lock_duration.total_seconds() == 6 * 3600
    assert policy.currency == "EUR"


@pytest.mark.parametrize("content", [
    "pin_lockout = 3\n",                      # unknown key
    "[pin]\nmax_consecutive_failures = 0\n",  # nonsense value
    "[pin]\nlock_hours = -3\n",               # a negative duration
    '[pin]\nlock_hours = "3"\n',              # a string where a number belongs
    "[restrictions]\nobservation_limit_factor = 2\n",  # observation would raise limits
    'regulatory_profile = "made-up"\n',
    # Replacing the due times must name every checklist category: none gets a made-up one.
    '[incidents.urgency_hours]\nsocial = 12\n',
    '[incidents.urgency_hours]\nmade-up = 1\n',
    # A session touched less often than it expires would expire while in use.
    "[login]\nsession_idle_minutes = 5\nsession_touch_minutes = 5\n",
    "this is not toml",
])
def test_a_bad_policy_file_stops_start_up(tmp_path: Path, content: str) -> None:
    file = tmp_path / "policy.toml"
    file.write_text(content)
    with pytest.raises(ConfigurationError):
        load_policy(file)


def test_a_missing_policy_file_stops_start_up(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError):
        load_policy(tmp_path / "absent.toml")


def test_an_operator_sets_every_due_time_and_the_checklist_follows(tmp_path: Path) -> None:
    file = tmp_path / "policy.toml"
    file.write_text("[incidents.urgency_hours]\n" + "".join(
        f'"{category}" = 1\n' for category in CHECKLIST_CATEGORIES))
    policy = load_policy(file)
    assert {policy.incidents.urgency_hours[p.category]
            for p in policy.incidents.linked_platforms} == {1}
