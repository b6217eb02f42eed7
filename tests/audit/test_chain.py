"""The audit log is append-only and hash-chained: every edit, removal or truncation is
found by ``verify`` (and ``walletguard audit verify``), which names the first broken
row."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select, text

from tests import conftest, factories
from walletguard.audit import service as audit
from walletguard.audit.models import AuditChain, AuditEvent
from walletguard.runtime import Platform


def events(platform: Platform, chain: str) -> list[AuditEvent]:
    with platform.db.transaction() as db:
        return list(db.execute(select(AuditEvent).where(AuditEvent.chain_id == chain)
                               .order_by(AuditEvent.seq)).scalars())


def verify(platform: Platform) -> audit.VerifyReport:
    with platform.db.transaction() as db:
        return audit.verify(db)


def tamper(platform: Platform, sql: str, **params: object) -> None:
    """Change the table behind the application's back, as an intruder with SQL would."""
    with platform.db.engine.begin() as conn:
        conn.execute(text(sql), params)


def cli_verify(database_url: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("walletguard") or str(Path(sys.executable).parent / "walletguard")
    return subprocess.run([exe, "audit", "verify"], env=conftest.server_env(database_url, data_dir),
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def owner(platform: Platform) -> factories.Owner:
    """Registered, logged in, PIN set: three events on the owner's chain."""
    return factories.register_owner(platform)


def test_each_event_links_to_the_one_before_and_the_head_follows(
    platform: Platform, owner: factories.Owner,
) -> None:
    chain = events(platform, owner.user_id)
    assert [e.action for e in chain] == ["user.registered", "session.started", "pin.set"]
    assert [e.seq for e in chain] == [1, 2, 3]
    assert chain[0].prev_hash == audit.GENESIS
    assert [e.prev_hash for e in chain[1:]] == [e.hash for e in chain[:-1]]
    with platform.db.transaction() as db:
        head = db.get(AuditChain, owner.user_id)
        assert head is not None
        assert (head.length, head.head_hash) == (3, chain[-1].hash)
    report = verify(platform)
    assert report.first_break is None
    assert report.events == 3 and report.chains == 2  # the owner's and the system chain


@pytest.mark.parametrize(("column", "value"), [
    ("reason", "nothing happened"), ("actor", "owner:usr_someone_else"),
    ("action", "user.deleted"), ("subject", "usr_other"), ("data", '{"ip": "10.0.0.1"}'),
])
def test_editing_any_column_of_a_row_is_found_at_that_row(
    column: str, value: str, platform: Platform, owner: factories.Owner,
) -> None:
    target = events(platform, owner.user_id)[1]
    tamper(platform, f"UPDATE audit_events SET {column} = :v WHERE id = :id",
           v=value, id=target.id)
    broken = verify(platform).first_break
    assert broken is not None
    assert (broken.chain_id, broken.seq, broken.event_id) == (owner.user_id, 2, target.id)
    assert "hash" in broken.problem


def test_editing_a_row_and_recomputing_its_hash_is_found_at_the_next_row(
    platform: Platform, owner: factories.Owner,
) -> None:
    chain = events(platform, owner.user_id)
    forged = chain[0]
    forged.reason = "rewritten"
    new_hash = audit._digest(forged.prev_hash, forged)
    tamper(platform, "UPDATE audit_events SET reason = :r, hash = :h WHERE id = :id",
           r="rewritten", h=new_hash, id=forged.id)
    broken = verify(platform).first_break
    assert broken is not None
    assert (broken.chain_id, broken.seq) == (owner.user_id, 2)


def test_deleting_the_last_row_is_found(platform: Platform, owner: factories.Owner) -> None:
    last = events(platform, owner.user_id)[-1]
    tamper(platform, "DELETE FROM audit_events WHERE id = :id", id=last.id)
    broken = verify(platform).first_break
    assert broken is not None
    assert (broken.chain_id, broken.seq) == (owner.user_id, 3)
    assert "removed" in broken.problem


def test_deleting_a_middle_row_is_found_as_a_gap(
    platform: Platform, owner: factories.Owner,
) -> None:
    middle = events(platform, owner.user_id)[1]
    tamper(platform, "DELETE FROM audit_events WHERE id = :id", id=middle.id)
    broken = verify(platform).first_break
    assert broken is not None
    assert (broken.chain_id, broken.seq) == (owner.user_id, 3)
    assert "gap" in broken.problem


def test_dropping_a_chains_head_row_is_found(
    platform: Platform, owner: factories.Owner,
) -> None:
    """Dropping a chain's head row (not its events) is found too."""
    tamper(platform, "DELETE FROM audit_chains WHERE id = :id", id=owner.user_id)
    broken = verify(platform).first_break
    assert broken is not None and broken.chain_id == owner.user_id


def test_an_intact_log_verifies_and_the_first_break_is_the_one_named(
    platform: Platform,
) -> None:
    owners = [factories.register_owner(platform) for _ in range(3)]
    assert verify(platform).first_break is None
    second = events(platform, owners[1].user_id)
    tamper(platform, "UPDATE audit_events SET reason = 'x' WHERE id = :id", id=second[2].id)
    broken = verify(platform).first_break
    assert broken is not None
    assert (broken.chain_id, broken.seq) == (owners[1].user_id, 3)


def test_parallel_appends_to_one_chain_never_fork_it(platform: Platform) -> None:
    """API keys are audited on the shared system chain: 12 at once stay one chain."""
    contenders = 12
    barrier = threading.Barrier(contenders)

    def create(i: int) -> None:
        barrier.wait()
        factories.api_key(platform, "agent")

    with ThreadPoolExecutor(contenders) as pool:
        list(pool.map(create, range(contenders)))
    system = events(platform, audit.SYSTEM_CHAIN)
    assert [e.seq for e in system] == list(range(1, contenders + 1))
    assert verify(platform).first_break is None


def test_the_cli_exits_0_on_an_intact_log_and_1_naming_the_broken_row(
    platform: Platform, owner: factories.Owner, database_url: str, data_dir: Path,
) -> None:
    ok = cli_verify(database_url, data_dir)
    assert ok.returncode == 0, ok.stderr
    assert "verify" in ok.stdout
    target = events(platform, owner.user_id)[1]
    tamper(platform, "UPDATE audit_events SET reason = 'edited' WHERE id = :id", id=target.id)
    broken = cli_verify(database_url, data_dir)
    assert broken.returncode == 1
    assert f"'{owner.user_id}'" in broken.stderr
    assert "seq 2" in broken.stderr and f"row id {target.id}" in broken.stderr


def test_the_cli_finds_a_removed_last_row(
    platform: Platform, owner: factories.Owner, database_url: str, data_dir: Path,
) -> None:
    last = events(platform, owner.user_id)[-1]
    tamper(platform, "DELETE FROM audit_events WHERE id = :id", id=last.id)
    result = cli_verify(database_url, data_dir)
    assert result.returncode == 1
    assert owner.user_id in result.stderr and "seq 3" in result.stderr
