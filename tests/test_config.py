"""Settings: secrets required in production, generated once (0600) in development,
policy overrides from a TOML file that refuses what it does not know."""

from __future__ import annotations

import base64
import logging
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from walletguard.config import Settings
from walletguard.errors import ConfigurationError

GOOD = base64.b64encode(b"g" * 32).decode()
ENV_SECRETS = ("WALLETGUARD_PII_KEY", "WALLETGUARD_PIN_PEPPER", "WALLETGUARD_TOKEN_KEY")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only what each test sets: nothing inherited from the shell running pytest."""
    for name in list(os.environ):
        if name.startswith("WALLETGUARD_"):
            monkeypatch.delenv(name)


def settings(tmp_path: Path, **values: Any) -> Settings:
    return Settings(data_dir=tmp_path, password_hash_memory_kib=1024, **values)


def test_production_without_secrets_names_every_missing_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as refused:
        settings(tmp_path, mode="production").keys  # noqa: B018
    for name in ENV_SECRETS:
        assert name in str(refused.value)
    assert not (tmp_path / "secrets.toml").exists()


def test_production_names_only_the_secret_that_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WALLETGUARD_MODE", "production")
    monkeypatch.setenv("WALLETGUARD_PII_KEY", GOOD)
    monkeypatch.setenv("WALLETGUARD_TOKEN_KEY", GOOD)
    with pytest.raises(ConfigurationError) as refused:
        Settings(data_dir=tmp_path).keys  # noqa: B018
    assert "WALLETGUARD_PIN_PEPPER" in str(refused.value)
    assert "WALLETGUARD_PII_KEY" not in str(refused.value)


def test_production_with_secrets_from_the_environment_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ENV_SECRETS:
        monkeypatch.setenv(name, GOOD)
    keys = Settings(mode="production", data_dir=tmp_path).keys
    assert keys.pii_key == b"g" * 32
    assert not (tmp_path / "secrets.toml").exists()


@pytest.mark.parametrize(("value", "problem"), [
    ("not base64 at all!", "base64"), (base64.b64encode(b"short").decode(), "32 bytes"),
])
def test_a_malformed_secret_is_refused_without_echoing_it(
    value: str, problem: str, tmp_path: Path,
) -> None:
    with pytest.raises(ConfigurationError) as refused:
        _ = settings(tmp_path, mode="production", pii_key=value, pin_pepper=GOOD,
                     token_key=GOOD).keys
    assert problem in str(refused.value)
    assert "WALLETGUARD_PII_KEY" in str(refused.value)
    assert value not in str(refused.value)
    assert value not in repr(refused.value.__cause__ or "")


def test_development_generates_secrets_once_readable_by_the_owner_only(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    data_dir = tmp_path / "not" / "there" / "yet"
    with caplog.at_level(logging.WARNING):
        first = settings(data_dir, mode="development").keys
    path = data_dir / "secrets.toml"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert any("generating development secrets" in r.getMessage() and str(path) in
               r.getMessage() for r in caplog.records)
    assert first.pii_key not in path.read_bytes()  # stored base64, and only there
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        again = settings(data_dir, mode="development").keys
    assert (again.pii_key, again.pin_pepper, again.token_key) == (
        first.pii_key, first.pin_pepper, first.token_key)
    assert not caplog.records  # reused quietly
    assert len({first.pii_key, first.pin_pepper, first.token_key}) == 3
    assert [p.name for p in data_dir.iterdir()] == ["secrets.toml"]


def test_development_keeps_secrets_given_in_the_environment(tmp_path: Path) -> None:
    keys = settings(tmp_path, mode="development", pii_key=GOOD).keys
    assert keys.pii_key == b"g" * 32
    written = (tmp_path / "secrets.toml").read_text()
    assert "pin_pepper" in written and "token_key" in written and "pii_key" not in written


def test_a_process_that_loses_the_race_to_create_secrets_uses_the_winners(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two processes start together on an empty data dir: both find no file, both
    generate. The one that writes second must adopt the file, not replace it — a worker
    that encrypted with a key nobody kept would lose what it wrote."""
    from walletguard import config

    winner = {"pii_key": GOOD, "pin_pepper": GOOD, "token_key": GOOD}
    real_read = config._read_secrets
    calls = []

    def racing_read(path: Path) -> dict[str, str]:
        calls.append(path)
        if len(calls) == 1:  # we looked: nothing there yet…
            path.write_text("".join(f'{k} = "{v}"\n' for k, v in winner.items()))
            return {}  # …and meanwhile the other process wrote its file
        return real_read(path)

    monkeypatch.setattr(config, "_read_secrets", racing_read)
    keys = settings(tmp_path, mode="development").keys
    assert keys.pii_key == keys.pin_pepper == keys.token_key == b"g" * 32
    assert (tmp_path / "secrets.toml").read_text().count(GOOD) == 3
    assert [p.name for p in tmp_path.iterdir()] == ["secrets.toml"]  # no staging left


def test_a_policy_file_overrides_defaults(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("[login]\nmax_failures_per_account = 3\n\n[pin]\nlock_hours = 6\n")
    monkeypatch.setenv("WALLETGUARD_POLICY_FILE", str(policy))
    loaded = Settings(data_dir=tmp_path).policy
    assert loaded.login.max_failures_per_account == 3
    assert loaded.pin.lock_hours == 6
    assert loaded.login.max_failures_per_ip == 50  # untouched defaults stay


@pytest.mark.parametrize(("content", "mentions"), [
    ("[login]\nmax_failures_per_acount = 3\n", "max_failures_per_acount"),
    ("[logins]\nmax_failures_per_account = 3\n", "logins"),
    ("surprise = true\n", "surprise"),
    ("[login]\nmax_failures_per_account = \"ten\"\n", "max_failures_per_account"),
    ("[login\nmax_failures_per_account = 3\n", "policy file"),
    ("[pin]\nmax_consecutive_failures = 0\n", "max_consecutive_failures"),
    ("[recovery]\nhotline_hours = [22, 8]\n", "hotline_hours"),
])
def test_a_bad_policy_file_is_a_configuration_error(
    content: str, mentions: str, tmp_path: Path,
) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(content)
    with pytest.raises(ConfigurationError) as refused:
        settings(tmp_path, policy_file=policy).policy  # noqa: B018
    assert mentions in str(refused.value)


def test_a_missing_policy_file_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError):
        settings(tmp_path, policy_file=tmp_path / "absent.toml").policy  # noqa: B018


def test_default_database_is_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    url = settings(tmp_path).resolved_database_url
    assert url == f"sqlite:///{(tmp_path / 'walletguard.db').resolve()}"


def test_a_sandbox_geolocation_file_is_refused_in_production(tmp_path: Path) -> None:
    from walletguard.runtime import geo_locator

    sample = tmp_path / "geo.json"
    sample.write_text("{}")
    with pytest.raises(ConfigurationError, match="sandbox"):
        geo_locator(Settings(mode="production", data_dir=tmp_path, risk_geo_file=sample))
    assert type(geo_locator(Settings(mode="development", data_dir=tmp_path,
                                     risk_geo_file=sample))).__name__ == "SandboxGeo"


def test_the_sandbox_voice_verifier_is_refused_in_production_and_never_its_default(
        tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="sandbox"):
        Settings(mode="production", data_dir=tmp_path,
                 voice_verifier_adapter="sandbox").adapter("voice_verifier")
    assert Settings(mode="production", data_dir=tmp_path).adapter("voice_verifier") == "none"
    assert Settings(mode="test", data_dir=tmp_path).adapter("voice_verifier") == "sandbox"
