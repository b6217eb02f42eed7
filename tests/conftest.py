"""Fixtures: every test runs on SQLite and, when a server answers, on PostgreSQL.

One database per backend per test session (migrated with Alembic, as in production);
after each test every table is emptied, so tests that race real connections and
processes can commit freely. Data is built through the real use cases (tests/factories).
"""

from __future__ import annotations

import base64
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, or_, select, text

from tests import factories
from walletguard import schema
from walletguard.app import create_app
from walletguard.clock import ManualClock
from walletguard.config import Settings
from walletguard.models import Base
from walletguard.runtime import Platform

PG_ADMIN = os.environ.get("WALLETGUARD_TEST_POSTGRES_URL",
                          "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
TEST_SECRETS = {
    "pii_key": base64.b64encode(b"p" * 32).decode(),
    "pin_pepper": base64.b64encode(b"q" * 32).decode(),
    "token_key": base64.b64encode(b"t" * 32).decode(),
}


def _postgres_available() -> bool:
    if os.environ.get("WALLETGUARD_TEST_POSTGRES_URL"):
        return True
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


BACKENDS = ["sqlite"] + (["postgresql"] if _postgres_available() else [])
if os.environ.get("CI") and "postgresql" not in BACKENDS:
    # CI starts PostgreSQL (.ci/run): a run that quietly covered SQLite alone would pass.
    raise RuntimeError("CI: PostgreSQL is not reachable on 127.0.0.1:5432")


def pytest_report_header(config: pytest.Config) -> list[str]:
    pg = PG_ADMIN.rsplit("@", 1)[-1] if "postgresql" in BACKENDS else "not reachable: skipped"
    return [f"walletguard databases: sqlite (a file per test session); postgresql ({pg})"]


def _admin_url() -> str:
    return PG_ADMIN.rsplit("/", 1)[0] + "/postgres"


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'walletguard.db'}"
        schema.upgrade(url)
        yield url
        return
    name = f"wg_test_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    try:
        schema.upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def server_env(database_url: str, data_dir: Path) -> dict[str, str]:
    """Environment for a real ``walletguard`` process on the test database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WALLETGUARD_")}
    env.update({
        "WALLETGUARD_DATABASE_URL": database_url,
        "WALLETGUARD_DATA_DIR": str(data_dir),
        "WALLETGUARD_MODE": "test",
        "WALLETGUARD_PASSWORD_HASH_MEMORY_KIB": "1024",
        "WALLETGUARD_DB_POOL_SIZE": "4",
        # The race tests line up dozens of payments on one wallet: they queue on its row
        # lock, and a loaded test machine drains them slower than admission control's
        # production wait. They prove the lock; tests/http/test_admission.py sets its own.
        "WALLETGUARD_MONEY_WAIT_SECONDS": "60",
        # And they want many payments at the database at once: more than the production
        # bound of 2 per worker (chosen for a saturated worker's freezes, see
        # docs/benchmarks.md), so a missing lock shows.
        "WALLETGUARD_MONEY_IN_FLIGHT": "8",
        **{f"WALLETGUARD_{k.upper()}": v for k, v in TEST_SECRETS.items()},
    })
    return env


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="session")
def settings(database_url: str, data_dir: Path) -> Settings:
    return Settings(database_url=database_url, data_dir=data_dir, mode="test",
                    password_hash_memory_kib=1024, db_pool_size=4, **TEST_SECRETS)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def session_platform(settings: Settings) -> Iterator[factories.ManualPlatform]:
    platform = factories.ManualPlatform.of(Platform.build(settings), ManualClock())
    yield platform
    platform.db.dispose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def platform(session_platform: factories.ManualPlatform,
             clock: ManualClock) -> Iterator[factories.ManualPlatform]:
    session_platform.clock = clock
    yield session_platform
    try:
        _assert_restricted_wallets_are_marked(session_platform)
    finally:
        _empty_all_tables(session_platform)


@pytest.fixture
def merchant(platform: Platform) -> str:
    """A merchant created through the real use case."""
    return factories.merchant(platform)


@pytest.fixture
def merchant_id(merchant: str) -> str:
    return merchant


@pytest.fixture
def agent(platform: Platform) -> dict[str, str]:
    """``Authorization`` headers of a fresh agent API key."""
    return factories.staff_headers(platform, "agent")


def _assert_restricted_wallets_are_marked(platform: Platform) -> None:
    """The money path skips the restrictions read for unmarked wallets: after every test,
    no wallet with a restriction in force may be unmarked."""
    from walletguard.ledger.models import Wallet
    from walletguard.restrictions.models import Restriction

    now = platform.clock.now()
    with platform.db.transaction() as db:
        unmarked = db.execute(
            select(Restriction.id, Restriction.user_id)
            .join(Wallet, Wallet.user_id == Restriction.user_id)
            .where(Restriction.lifted_at.is_(None),
                   or_(Restriction.expires_at.is_(None), Restriction.expires_at > now),
                   Wallet.may_be_restricted.is_(False))
        ).all()
    assert not unmarked, f"restrictions in force on unmarked wallets: {unmarked}"


def _empty_all_tables(platform: Platform) -> None:
    tables = list(reversed(Base.metadata.sorted_tables))
    with platform.db.engine.begin() as conn:
        if platform.db.is_sqlite:
            for table in tables:
                conn.execute(table.delete())
        else:
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        conn.execute(text(
            "INSERT INTO ledger_accounts (user_id, id, kind, currency, created_at) "
            "VALUES ('acc_platform_clearing', 'acc_platform_clearing', 'clearing', 'CNY', :now)"),
            {"now": datetime.now(UTC).replace(tzinfo=None)})
        conn.execute(text("INSERT INTO audit_chains (id, length, head_hash) "
                          "VALUES ('system', 0, :genesis)"), {"genesis": "0" * 64})


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform=platform), raise_server_exceptions=False) as c:
        yield c


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server(database_url: str, data_dir: Path, *, workers: int = 2,
                   env: dict[str, str] | None = None) -> Iterator[str]:
    """A real ``walletguard serve`` on loopback, on the test database, with ``env``
    added to ``server_env``; yields its base URL and stops it afterwards."""
    port = _free_port()
    exe = shutil.which("walletguard") or str(Path(sys.executable).parent / "walletguard")
    log = open(data_dir / f"server-{port}.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [exe, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
        env={**server_env(database_url, data_dir), **(env or {})}, stdout=log,
        stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
            if proc.poll() is not None:
                break
        else:
            raise RuntimeError("walletguard serve did not start")
        if proc.poll() is not None:
            raise RuntimeError((data_dir / f"server-{port}.log").read_text()[-2000:])
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="session")
def server(database_url: str, data_dir: Path) -> Iterator[str]:
    """A real ``walletguard serve --workers 2`` on loopback, on the test database."""
    with running_server(database_url, data_dir) as base:
        yield base
