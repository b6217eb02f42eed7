"""The ``walletguard`` command on the test database: as a real process where the
process matters (what it prints, its exit code, a fresh start), in-process otherwise."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, text
from typer.testing import CliRunner

from tests import conftest
from walletguard import cli, schema
from walletguard.auth.models import ApiKey
from walletguard.runtime import Platform

EXE = shutil.which("walletguard") or str(Path(sys.executable).parent / "walletguard")


def run(database_url: str, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = conftest.server_env(database_url, data_dir)
    env["COLUMNS"] = "80"  # a narrow terminal: output must not depend on wrapping
    return subprocess.run([EXE, *args], env=env, capture_output=True, text=True, timeout=120)


def invoke(database_url: str, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The same command in this process (no interpreter start-up), same result shape."""
    env = conftest.server_env(database_url, data_dir)
    env["COLUMNS"] = "80"
    result = CliRunner().invoke(cli.app, list(args), env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)


def stored_keys(platform: Platform) -> list[ApiKey]:
    with platform.db.transaction() as db:
        return list(db.execute(select(ApiKey)).scalars())


def test_keys_create_prints_the_key_once_and_stores_only_its_digest(
    platform: Platform, client: TestClient, database_url: str, data_dir: Path,
) -> None:
    result = run(database_url, data_dir, "keys", "create", "--role", "operator",
                 "--name", "ops laptop")
    assert result.returncode == 0, result.stderr
    key = result.stdout.split()[-1]
    assert key.startswith("wgk_") and len(key) > 40
    assert (result.stdout + result.stderr).count(key) == 1
    [stored] = stored_keys(platform)
    assert (stored.role, stored.name) == ("operator", "ops laptop")
    assert stored.id in result.stdout
    assert stored.key_digest == platform.keys.token_digest(key)
    with platform.db.engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM api_keys")).one()
    assert key not in repr(tuple(row))
    # and it is a working operator key
    created = client.post("/v1/merchants", json={"name": "shop", "category": "retail"},
                          headers={"Authorization": f"Bearer {key}"})
    assert created.status_code == 201, created.text


@pytest.mark.parametrize("role", ["owner", "root", "OPERATOR "])
def test_keys_create_with_a_bad_role_exits_2_with_a_clear_message(
    role: str, platform: Platform, database_url: str, data_dir: Path,
) -> None:
    result = invoke(database_url, data_dir, "keys", "create", "--role", role, "--name", "x")
    assert result.returncode == 2
    assert "role" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert stored_keys(platform) == []


def test_keys_create_without_a_name_exits_2(
    platform: Platform, database_url: str, data_dir: Path,
) -> None:
    result = invoke(database_url, data_dir, "keys", "create", "--role", "agent")
    assert result.returncode == 2
    assert "--name" in result.stderr
    assert stored_keys(platform) == []


def test_keys_revoke_stops_the_key_and_an_unknown_id_exits_1(
    platform: Platform, client: TestClient, database_url: str, data_dir: Path,
) -> None:
    key = invoke(database_url, data_dir, "keys", "create", "--role", "agent",
                 "--name", "desk 4").stdout.split()[-1]
    headers = {"Authorization": f"Bearer {key}"}
    assert client.get("/v1/admin/audit?user_id=usr_x", headers=headers).status_code == 200
    [stored] = stored_keys(platform)
    revoked = invoke(database_url, data_dir, "keys", "revoke", stored.id)
    assert revoked.returncode == 0, revoked.stderr
    assert "revoked" in revoked.stdout
    assert client.get("/v1/admin/audit?user_id=usr_x", headers=headers).status_code == 401
    listed = invoke(database_url, data_dir, "keys", "list")
    assert listed.returncode == 0 and stored.id in listed.stdout
    assert key not in listed.stdout
    unknown = invoke(database_url, data_dir, "keys", "revoke", "key_does_not_exist")
    assert unknown.returncode == 1
    assert "key_does_not_exist" in unknown.stderr


def test_migrate_is_idempotent(platform: Platform, database_url: str, data_dir: Path) -> None:
    for _ in range(2):
        result = run(database_url, data_dir, "migrate")
        assert result.returncode == 0, result.stderr
        assert str(schema.head_revision()) in result.stdout
    assert schema.is_current(platform.db.engine)


def test_migrate_creates_a_fresh_sqlite_database_and_is_idempotent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh' / 'walletguard.db'}"
    for _ in range(2):
        result = run(url, tmp_path / "fresh", "migrate")
        assert result.returncode == 0, result.stderr
    engine = create_engine(url)
    try:
        assert schema.is_current(engine)
    finally:
        engine.dispose()


def test_ledger_check_passes_on_a_fresh_database(
    platform: Platform, database_url: str, data_dir: Path, tmp_path: Path,
) -> None:
    result = invoke(database_url, data_dir, "ledger", "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "conserved" in result.stdout
    fresh = f"sqlite:///{tmp_path / 'walletguard.db'}"
    assert invoke(fresh, tmp_path, "migrate").returncode == 0
    result = invoke(fresh, tmp_path, "ledger", "check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_audit_verify_passes_on_a_fresh_database(
    platform: Platform, database_url: str, data_dir: Path,
) -> None:
    result = invoke(database_url, data_dir, "audit", "verify")
    assert result.returncode == 0, result.stderr


def test_production_mode_without_secrets_refuses_to_start(tmp_path: Path) -> None:
    env = conftest.server_env(f"sqlite:///{tmp_path / 'p.db'}", tmp_path)
    for name in ("PII_KEY", "PIN_PEPPER", "TOKEN_KEY"):
        env.pop(f"WALLETGUARD_{name}")
    env["WALLETGUARD_MODE"] = "production"
    result = subprocess.run([EXE, "migrate"], env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 2
    assert "WALLETGUARD_PII_KEY" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "secrets.toml").exists()


def test_maintenance_prune_drops_only_expired_rate_limit_counters(
    platform: Platform, database_url: str, data_dir: Path,
) -> None:
    from datetime import timedelta

    from walletguard.auth import throttle
    from walletguard.auth.models import ThrottleBucket

    now = platform.clock.now()
    with platform.db.transaction() as db:
        throttle.hit(db, key="login:ip:old", window=timedelta(minutes=15),
                     now=now - timedelta(days=2))
        throttle.hit(db, key="login:ip:recent", window=timedelta(minutes=15), now=now)
    result = invoke(database_url, data_dir, "maintenance", "prune")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "dropped 1 " in result.stdout
    with platform.db.transaction() as db:
        assert db.execute(select(ThrottleBucket.key)).scalars().all() == ["login:ip:recent"]
