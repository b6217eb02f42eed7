"""Migrations are history: a landed revision is never edited, every revision upgrades a
database that holds data, and the migrations make exactly the tables the models describe.

How "a database that holds data" is built, and why this way. For each revision, a fresh
database is upgraded to the revision before it, and every table that exists *then* gets
rows written with plain SQL from the reflected schema; then the database is upgraded
to the revision and the rows are read back. The use cases cannot build that data: they
run against the *current* models, which may already need the columns the revision
adds. Plain SQL from the reflected tables needs nothing from the code of the day, so
every revision, past and future, is tested the same way without anyone writing data
for it.

Each table gets two rows: a *minimal* one (every nullable column NULL) and a *full*
one (every column set), with foreign keys pointing at the referred table's rows — the
two shapes a new NOT NULL column, a backfill or a type change meets in production.
After the upgrade, every old value must read back unchanged (unless the revision says
it rewrites that column, ``REWRITTEN``), and every NOT NULL column the revision added
must hold a value in every old row. What synthetic rows cannot judge — that a backfilled
value is the *right* one — a revision states in ``AFTER_UPGRADE``.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Column, Connection, Engine, MetaData, Table

from tests import conftest
from tests.databases import fresh_database
from walletguard import schema
from walletguard.db import make_engine

Rows = dict[str, list[dict[str, Any]]]

# Revisions that have landed, with the SHA-256 of their file. A database made by each
# exists somewhere, so the file must never change again: a schema change is a new
# revision. When a revision lands (stops being the head), add it here.
LANDED = {
    "0001": "5ea794b4c5175aea9a6165ebbb4729fe793149f1894428e81a0276393def4dd1",
    "0002": "3a7bddd11b60a7175324e9c7eed6d9e1ecc5f2258bc9d662e3f3ba055fe97dc2",
    "0004": "661c8b028fc34a016d7f0d8ba2315bdb3bf3699f2ef5d978ea306be35e0a4426",
    "0005": "dcfd9199afaae6b3b71b71d5b5c6f0fb3d685c5de566edc8c3516ae5011b15ac",
    "0006": "ed2ed39fa4d542f653590e3d4bcb7f7e5df4826fa231fd2a56a8a399283d49be",
    "0007": "847f459d6fd48b22baf2b1ef673f19cf9d3a94408ea128d8e47b544fd73f52b6",
    "0008": "b0d41675bb14e13f838311a1dcbc941293ba7925a085571bc848d3738a50c3d3",
    "0009": "5d07f180d1b8d3e07a72c40d8486e8901c9b0f901f2718debeb204371a70c834",
    "0011": "d2a89f46c7f477c4838360d367501182cc888f433abbc947499bbe162679560b",
}

# Per revision: "table.column" whose old values the revision rewrites on purpose, and
# "table" it drops on purpose.
REWRITTEN: dict[str, set[str]] = {
    # An owner column that was NULL (about no owner) becomes ``system``.
    "0007": {"ledger_transfers.user_id", "outbox.user_id"},
    # The risk state moves onto the wallet row (ADR 0009).
    "0012": {"risk_profiles"},
}

# Per revision: tables it adds rows to on purpose (every old row must still be there).
GROWN: dict[str, set[str]] = {
    # The payee's copy of a transfer between owners (ADR 0008).
    "0007": {"ledger_transfers"},
}

# Per revision: a check of the values its upgrade gave the old rows (a backfill that
# must be right, not merely present). Called with the connection, the rows as they were
# before and the rows as they are after.
def _0002_trusts_each_owners_first_active_device(_conn: Connection, before: Rows,
                                                 after: Rows) -> None:
    """Every device and session starts untrusted, except each owner's first active device
    (the one a pre-trust build let act as the owner) and its live sessions."""
    first: dict[str, tuple[object, str]] = {}
    for d in before["devices"]:
        if d["status"] == "active":
            key = (d["first_seen_at"], d["id"])
            if d["user_id"] not in first or key < first[d["user_id"]]:
                first[d["user_id"]] = key
    chosen = {device_id for _at, device_id in first.values()}
    for d in after["devices"]:
        assert d["trust"] == ("trusted" if d["id"] in chosen else "untrusted"), d
    for s in after["device_sessions"]:
        assert bool(s["trusted"]) == (s["device_id"] in chosen and s["revoked_at"] is None), s


def _0007_keys_every_row_by_its_owner(_conn: Connection, before: Rows, after: Rows) -> None:
    """Each phone is claimed by its user; each entry lives with its wallet's owner (or, on
    a shared account, its transfer's), next to a copy of its transfer; each account's key
    is the owner of the wallet it backs, else its own id."""
    claims = {c["phone_index"]: c["user_id"] for c in after["phone_claims"]}
    assert claims == {u["phone_index"]: u["id"] for u in before["users"]}
    wallet_owner = {w["account_id"]: w["user_id"] for w in before["wallets"]}
    transfer_owner = {t["id"]: t["user_id"] or "system" for t in before["ledger_transfers"]}
    copies = {(t["user_id"], t["id"]) for t in after["ledger_transfers"]}
    for e in after["ledger_entries"]:
        owner = wallet_owner.get(e["account_id"], transfer_owner[e["transfer_id"]])
        assert e["user_id"] == owner, e
        assert (owner, e["transfer_id"]) in copies, e
    for a in after["ledger_accounts"]:
        assert a["user_id"] == wallet_owner.get(a["id"], a["id"]), a
    events = {i["id"]: i["user_id"] for i in before["incidents"]}
    for row in after["incident_events"] + after["checklist_items"]:
        assert row["user_id"] == events[row["incident_id"]], row


def _0012_moves_each_risk_state_onto_its_wallet(_conn: Connection, before: Rows,
                                                after: Rows) -> None:
    """Each owner's risk state and clean count now sit on their wallet, unchanged; a
    wallet whose owner had no profile has none (NULL, 0)."""
    profiles = {p["user_id"]: p for p in before["risk_profiles"]}
    assert profiles, "the sample data holds risk profiles"
    for w in after["wallets"]:
        profile = profiles.get(w["user_id"])
        assert w["risk_state"] == (profile["state"] if profile else None), w
        assert w["risk_clean_allows"] == (profile["clean_allows"] if profile else 0), w


AFTER_UPGRADE: dict[str, Callable[[Connection, Rows, Rows], None]] = {
    "0002": _0002_trusts_each_owners_first_active_device,
    "0007": _0007_keys_every_row_by_its_owner,
    "0012": _0012_moves_each_risk_state_onto_its_wallet,
}


def _steps() -> list[tuple[str | None, str]]:
    revisions = schema.revisions()
    return list(zip([None, *revisions[:-1]], revisions, strict=True))


# --- building and reading the data ----------------------------------------------------

def _reflect(engine: Engine) -> MetaData:
    meta = MetaData()
    meta.reflect(engine)
    if "alembic_version" in meta.tables:
        meta.remove(meta.tables["alembic_version"])
    return meta


def _sample(column: Column[Any], n: int) -> Any:
    """The value of ``column`` in row ``n`` (1 or 2), distinct per row so that unique
    constraints hold, small so that the one CHECK (``balance >= held >= 0``) holds."""
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return n == 2
    if isinstance(kind, sa.Integer):
        return 1000 + n
    if isinstance(kind, sa.Float | sa.Numeric):
        return n + 0.5
    if isinstance(kind, sa.DateTime):
        return datetime(2026, 1, n, 12, 30, tzinfo=UTC if kind.timezone else None)
    if isinstance(kind, sa.Date):
        return date(2026, 1, n)
    if isinstance(kind, sa.JSON):
        return {"row": n, "note": "written before the upgrade"}
    if isinstance(kind, sa.LargeBinary):
        return bytes([n]) * 16
    if isinstance(kind, sa.String):
        value = f"{n}-{column.table.name}.{column.name}"
        return value[: kind.length] if kind.length else value
    raise AssertionError(f"teach _sample the type {kind!r} of {column}")


def _fill(engine: Engine) -> Rows:
    """Two rows in every table (see the module's docstring), then everything read back."""
    meta = _reflect(engine)
    made: dict[tuple[str, str], dict[int, Any]] = {}
    with engine.begin() as conn:
        for table in meta.sorted_tables:
            for n in (1, 2):
                values = {c.name: _value(table, c, n, made) for c in table.columns}
                conn.execute(table.insert().values(values))
                for name, value in values.items():
                    made.setdefault((table.name, name), {})[n] = value
    return _read(engine, meta)


def _value(table: Table, column: Column[Any], n: int,
           made: dict[tuple[str, str], dict[int, Any]]) -> Any:
    minimal = n == 1 and column.nullable and not column.primary_key
    if minimal:
        return None
    if column.name == "user_id" and "users" in table.metadata.tables:
        # Row n of every table belongs to owner n, as the use cases would have it: the
        # owner column takes part in several foreign keys (users, and the composite keys
        # between owner tables), which must all agree.
        return _sample(table.metadata.tables["users"].c.id, n)
    for fk in column.foreign_keys:
        referred = (fk.column.table.name, fk.column.name)
        if fk.column.table.name == table.name:
            # A row refers to itself: the one row of its own owner it can refer to.
            return _sample(fk.column, n)
        return made[referred][n]
    return _sample(column, n)


def _read(engine: Engine, meta: MetaData) -> Rows:
    with engine.connect() as conn:
        return {
            table.name: [dict(row._mapping) for row in conn.execute(
                sa.select(table).order_by(*table.primary_key.columns))]
            for table in meta.sorted_tables
        }


def _upgrade(url: str, revision: str, *, script_location: Path = schema.MIGRATIONS) -> None:
    command.upgrade(schema.alembic_config(url, script_location=script_location), revision)


def _assert_rows_survived(engine: Engine, before: Rows, *, revision: str) -> Rows:
    meta = _reflect(engine)
    after = _read(engine, meta)
    rewritten = REWRITTEN.get(revision, set())
    for name, old_rows in before.items():
        if name not in after:
            assert name in rewritten, f"{revision} dropped table {name} and its rows"
            continue
        table = meta.tables[name]
        new_rows = after[name]
        grown = name in GROWN.get(revision, set())
        assert len(new_rows) == len(old_rows) or (grown and len(new_rows) > len(old_rows)), \
            f"{revision} changed the row count of {name}"
        kept = [c for c in old_rows[0] if c in table.c and f"{name}.{c}" not in rewritten]
        # Compared as sets of rows: a revision that re-keys a table changes its order.
        old = sorted(repr({c: r[c] for c in kept}) for r in old_rows)
        new = sorted(repr({c: r[c] for c in kept}) for r in new_rows)
        if grown:
            assert set(old) <= set(new), f"{revision} changed {name}"
        else:
            assert new == old, f"{revision} changed {name}"
        added = [c for c in table.columns if c.name not in old_rows[0] and not c.nullable]
        for column in added:
            empty = [r for r in new_rows if r[column.name] is None]
            assert not empty, f"{revision} left {name}.{column.name} NULL in old rows"
    return after


# --- the tests ------------------------------------------------------------------------

def _digest(revision: str) -> str:
    [path] = (schema.MIGRATIONS / "versions").glob(f"{revision}_*.py")
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("revision", sorted(LANDED))
def test_a_landed_revision_is_never_edited(revision: str) -> None:
    assert _digest(revision) == LANDED[revision], (
        f"revision {revision} has landed and databases made by it exist: put the schema "
        "change in a new revision instead of editing this one")


def test_every_revision_before_the_head_is_recorded_as_landed() -> None:
    assert set(schema.revisions()[:-1]) <= set(LANDED), (
        "a revision stopped being the head: record its digest in LANDED")


@pytest.mark.parametrize("backend", conftest.BACKENDS)
@pytest.mark.parametrize(("before", "revision"), _steps(),
                         ids=[f"{b or 'empty'}->{r}" for b, r in _steps()])
def test_each_revision_upgrades_a_database_that_holds_data(
    backend: str, before: str | None, revision: str, tmp_path: Path,
) -> None:
    with fresh_database(backend, tmp_path) as url:
        if before is not None:
            _upgrade(url, before)
        engine = make_engine(url, pool_size=1)
        try:
            rows = _fill(engine)
            assert before is None or all(len(r) >= 2 for r in rows.values())
            _upgrade(url, revision)
            after = _assert_rows_survived(engine, rows, revision=revision)
            if check := AFTER_UPGRADE.get(revision):
                with engine.connect() as conn:
                    check(conn, rows, after)
        finally:
            engine.dispose()


@pytest.mark.parametrize("backend", conftest.BACKENDS)
def test_the_migrations_make_exactly_the_tables_the_models_describe(
    backend: str, tmp_path: Path,
) -> None:
    with fresh_database(backend, tmp_path) as url:
        schema.upgrade(url)
        engine = make_engine(url, pool_size=1)
        try:
            with engine.connect() as conn:
                assert schema.differences(conn) == []
        finally:
            engine.dispose()


# --- the check above, checked: it catches the classic broken revision -----------------

PROBE = '''
import sqlalchemy as sa
from alembic import op

revision = "9001"
down_revision = "{down}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch_op:
        batch_op.add_column(sa.Column("scope", sa.String(20), nullable=False{default}))


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch_op:
        batch_op.drop_column("scope")
'''


def _history_with_probe(tmp_path: Path, *, default: str) -> Path:
    """This release's migrations plus one more revision adding a NOT NULL column."""
    location = tmp_path / "migrations"
    shutil.copytree(schema.MIGRATIONS, location,
                    ignore=shutil.ignore_patterns("__pycache__"))
    head = schema.head_revision()
    (location / "versions" / "9001_probe.py").write_text(
        PROBE.format(down=head, default=default))
    return location


@pytest.mark.parametrize("backend", conftest.BACKENDS)
def test_a_not_null_column_added_without_a_value_fails_on_a_database_with_data(
    backend: str, tmp_path: Path,
) -> None:
    broken = _history_with_probe(tmp_path, default="")
    fixed = _history_with_probe(tmp_path / "fixed", default=', server_default="all"')
    with fresh_database(backend, tmp_path) as url:
        _upgrade(url, "head")
        engine = make_engine(url, pool_size=1)
        try:
            rows = _fill(engine)
            assert len(rows) >= 20 and all(len(r) >= 2 for r in rows.values())
            # PostgreSQL: "column contains null values"; SQLite refuses any NOT NULL
            # column without a default, rows or not.
            with pytest.raises(sa.exc.DBAPIError, match=r"(?i)null"):
                _upgrade(url, "9001", script_location=broken)
            _upgrade(url, "9001", script_location=fixed)
            after = _assert_rows_survived(engine, rows, revision="9001")
            assert {r["scope"] for r in after["api_keys"]} == {"all"}
        finally:
            engine.dispose()
