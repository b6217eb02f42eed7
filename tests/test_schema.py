"""A database is current only when it is at the head revision AND its tables match the
models: readiness says so, ``serve`` runs only on such a database (creating one only on
a first run), and ``migrate`` is the one command that upgrades."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Connection, Engine, inspect, text

from tests import conftest
from tests.databases import fresh_database
from tests.http.test_health_and_openapi import app_on
from tests.test_cli import EXE, invoke
from walletguard import schema
from walletguard.cli import ExitCode
from walletguard.db import make_engine


def _drop_a_column(engine: Engine) -> None:
    """What an edited migration leaves behind: the revision id is right, a column is not
    there."""
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE api_keys DROP COLUMN revoked_at"))


def _set_revision(engine: Engine, revision: str) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})


@pytest.fixture(params=conftest.BACKENDS)
def migrated(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database of its own, migrated to head."""
    with fresh_database(request.param, tmp_path) as url:
        schema.upgrade(url)
        engine = make_engine(url, pool_size=1)
        yield engine
        engine.dispose()


def test_a_database_made_by_the_migrations_is_current(migrated: Engine) -> None:
    verdict = schema.check(migrated)
    assert verdict.state is schema.State.CURRENT, verdict.explain()
    assert schema.is_current(migrated)


def test_a_missing_column_at_head_is_a_mismatch_not_current(migrated: Engine) -> None:
    _drop_a_column(migrated)
    verdict = schema.check(migrated)
    assert verdict.state is schema.State.MISMATCH
    assert verdict.revision == schema.head_revision()
    assert verdict.differences == ("add_column api_keys.revoked_at",)
    assert not schema.is_current(migrated)


def test_readyz_is_503_schema_mismatch_when_a_column_is_missing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'edited.db'}"
    schema.upgrade(url)
    engine = make_engine(url)
    _drop_a_column(engine)
    engine.dispose()
    with app_on(url, tmp_path) as client:
        ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json() == {"status": "unavailable", "schema": "mismatch"}


def test_readiness_polled_every_second_compares_the_tables_once_per_ttl(
    migrated: Engine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    compared: list[Connection] = []
    real = schema.differences

    def counting(conn: Connection) -> list[str]:
        compared.append(conn)
        return real(conn)

    monkeypatch.setattr(schema, "differences", counting)
    for _ in range(5):
        assert schema.is_current(migrated)
    assert len(compared) == 1
    assert schema.verdict(migrated, max_age=0).is_current  # a stale answer is redone
    assert len(compared) == 2


def test_a_revision_change_is_seen_at_once_despite_the_cache(migrated: Engine) -> None:
    assert schema.is_current(migrated)
    _set_revision(migrated, "9999_future")
    assert schema.verdict(migrated).state is schema.State.UNKNOWN


# --- the CLI, as a real process -------------------------------------------------------

def _serve(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """``walletguard serve`` that is expected to refuse (and so to exit by itself)."""
    return subprocess.run([EXE, "serve", "--port", str(conftest._free_port())], env=env,
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)


def _sqlite(tmp_path: Path, name: str = "walletguard.db") -> tuple[str, Engine]:
    url = f"sqlite:///{tmp_path / name}"
    return url, make_engine(url)


def test_serve_refuses_a_database_whose_tables_differ_from_the_models(tmp_path: Path) -> None:
    url, engine = _sqlite(tmp_path)
    schema.upgrade(url)
    _drop_a_column(engine)
    result = _serve(conftest.server_env(url, tmp_path), tmp_path)
    assert result.returncode == ExitCode.SCHEMA
    assert "refusing to start" in result.stderr
    assert "add_column api_keys.revoked_at" in result.stderr
    assert "Traceback" not in result.stderr
    assert schema.check(engine).state is schema.State.MISMATCH  # untouched
    engine.dispose()


def test_serve_refuses_a_revision_it_does_not_know_and_leaves_it_alone(tmp_path: Path) -> None:
    url, engine = _sqlite(tmp_path)
    schema.upgrade(url)
    _set_revision(engine, "9999_from_a_newer_release")
    result = _serve(conftest.server_env(url, tmp_path), tmp_path)
    assert result.returncode == ExitCode.SCHEMA
    assert "9999_from_a_newer_release" in result.stderr
    assert "does not know" in result.stderr
    assert schema.current_revision(engine) == "9999_from_a_newer_release"
    engine.dispose()


def test_serve_does_not_create_tables_in_an_empty_configured_database(tmp_path: Path) -> None:
    url, engine = _sqlite(tmp_path, "configured.db")
    result = _serve(conftest.server_env(url, tmp_path), tmp_path)
    assert result.returncode == ExitCode.SCHEMA
    assert "walletguard migrate" in result.stderr
    assert inspect(engine).get_table_names() == []
    engine.dispose()


@pytest.mark.skipif(len(schema.revisions()) < 2, reason="needs a revision before the head")
def test_serve_does_not_upgrade_an_existing_embedded_database(tmp_path: Path) -> None:
    url, engine = _sqlite(tmp_path)
    older = schema.revisions()[-2]
    schema.upgrade(url, older)
    env = conftest.server_env(url, tmp_path)
    del env["WALLETGUARD_DATABASE_URL"]  # the embedded default: <data_dir>/walletguard.db
    result = _serve(env, tmp_path)
    assert result.returncode == ExitCode.SCHEMA
    assert "back it up, then run `walletguard migrate`" in result.stderr
    assert schema.current_revision(engine) == older
    engine.dispose()


def test_serve_creates_the_embedded_sqlite_on_a_first_run(tmp_path: Path) -> None:
    env = conftest.server_env("unused", tmp_path)
    del env["WALLETGUARD_DATABASE_URL"]
    port = conftest._free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen([EXE, "serve", "--port", str(port)], env=env, cwd=tmp_path,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline, ready = time.monotonic() + 60, None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        assert ready is not None and ready.status_code == 200, log.read_text()[-2000:]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(15)
    _url, engine = _sqlite(tmp_path)
    assert schema.is_current(engine)
    engine.dispose()


def test_migrate_check_changes_nothing_and_says_whether_the_database_is_current(
    tmp_path: Path,
) -> None:
    url, engine = _sqlite(tmp_path)
    empty = invoke(url, tmp_path, "migrate", "--check")
    assert empty.returncode == 1
    assert "empty" in empty.stderr
    assert inspect(engine).get_table_names() == []
    assert invoke(url, tmp_path, "migrate").returncode == 0
    current = invoke(url, tmp_path, "migrate", "--check")
    assert current.returncode == 0, current.stderr
    assert "matches the models" in current.stdout
    _drop_a_column(engine)
    edited = invoke(url, tmp_path, "migrate", "--check")
    assert edited.returncode == 1
    assert "add_column api_keys.revoked_at" in edited.stderr
    engine.dispose()


def test_migrate_refuses_a_revision_it_does_not_know(tmp_path: Path) -> None:
    url, engine = _sqlite(tmp_path)
    schema.upgrade(url)
    _set_revision(engine, "9999_future")
    result = invoke(url, tmp_path, "migrate")
    assert result.returncode == ExitCode.SCHEMA
    assert "refusing to migrate" in result.stderr
    assert schema.current_revision(engine) == "9999_future"
    engine.dispose()
