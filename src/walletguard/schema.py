"""Migrations: upgrade, and tell whether a database is the one this code expects.

"Current" means two things, both checked: the database is at this release's head
revision, **and** its tables match the models (``alembic.autogenerate.compare_metadata``).
A revision id alone cannot tell a database made by an edited migration from one made
by the original.
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect

from walletguard.models import Base

MIGRATIONS = Path(__file__).parent / "migrations"

# What "match" means, shared by the readiness check, `walletguard migrate --check`,
# the tests and autogenerate (migrations/env.py): column types and server defaults too,
# not only names.
COMPARE_OPTIONS: dict[str, Any] = {"compare_type": True, "compare_server_default": True}

# /readyz may be polled every second; comparing every table costs ~50-100 ms, so the
# comparison is reused for this long unless the revision changes in between.
COMPARISON_TTL_SECONDS = 30.0


class State(StrEnum):
    CURRENT = "current"      # at head, and the tables match the models
    EMPTY = "empty"          # no tables at all: a first run
    BEHIND = "behind"        # at a revision of this release older than head
    UNKNOWN = "unknown"      # a revision this release does not know (a newer release's?),
                             # or tables without any revision
    MISMATCH = "mismatch"    # at head, but the tables differ from the models


@dataclass(frozen=True)
class Verdict:
    state: State
    revision: str | None
    differences: tuple[str, ...] = ()

    @property
    def is_current(self) -> bool:
        return self.state is State.CURRENT

    def explain(self) -> str:
        """One operator-facing sentence (and the differences, one per line)."""
        head = head_revision()
        match self.state:
            case State.CURRENT:
                return f"the database is at revision {head} and matches the models"
            case State.EMPTY:
                return "the database is empty (no tables)"
            case State.BEHIND:
                return (f"the database is at revision {self.revision}; this release needs "
                        f"{head}")
            case State.UNKNOWN if self.revision is None:
                return "the database has tables but no migration revision"
            case State.UNKNOWN:
                return (f"the database is at revision {self.revision}, which this release "
                        f"does not know (its newest is {head}): was it migrated by a newer "
                        "release?")
            case State.MISMATCH:
                return (f"the database is at revision {head} but its tables differ from "
                        "the models:\n  " + "\n  ".join(self.differences))


def alembic_config(url: str, *, script_location: Path = MIGRATIONS) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def head_revision() -> str | None:
    return _scripts().get_current_head()


def revisions() -> list[str]:
    """Every revision of this release, oldest first."""
    return [script.revision for script in reversed(list(_scripts().walk_revisions()))]


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def differences(conn: Connection) -> list[str]:
    """How the database's tables differ from the models, one readable line each.

    Nothing is filtered: on both SQLite and PostgreSQL a database made by the
    migrations compares clean today, so any difference is a real one."""
    context = MigrationContext.configure(conn, opts=COMPARE_OPTIONS)
    return [_describe(diff) for diff in compare_metadata(context, Base.metadata)]


def _describe(diff: Any) -> str:
    """``("remove_column", None, "users", Column(...))`` → ``remove_column users.phone``."""
    if isinstance(diff, list):  # column modifications come as a list of tuples
        return "; ".join(_describe(d) for d in diff)
    kind, *rest = diff
    if kind.startswith("modify_"):  # (schema, table, column, info, old, new)
        _schema, table, column, _info, old, new = rest
        return f"{kind} {table}.{column}: {old!r} -> {new!r}"
    if kind in ("add_column", "remove_column"):  # (schema, table, column)
        return f"{kind} {rest[1]}.{rest[2].name}"
    if kind in ("add_table", "remove_table"):
        return f"{kind} {rest[0].name}"
    thing = rest[0]  # an index, a unique constraint or a foreign key
    table = getattr(getattr(thing, "table", None), "name", "?")
    return f"{kind} {table}.{getattr(thing, 'name', None) or thing}"


def check(engine: Engine) -> Verdict:
    """Where this database stands against this release (a full comparison at head)."""
    with engine.connect() as conn:
        revision = MigrationContext.configure(conn).get_current_revision()
        return _judge(conn, revision)


def _judge(conn: Connection, revision: str | None) -> Verdict:
    if revision is None:
        tables = set(inspect(conn).get_table_names()) - {"alembic_version"}
        return Verdict(State.UNKNOWN if tables else State.EMPTY, None)
    if revision == head_revision():
        found = tuple(differences(conn))
        return Verdict(State.MISMATCH if found else State.CURRENT, revision, found)
    if revision in revisions():
        return Verdict(State.BEHIND, revision)
    return Verdict(State.UNKNOWN, revision)


@dataclass(frozen=True)
class _Checked:
    verdict: Verdict
    at: float


_checked: weakref.WeakKeyDictionary[Engine, _Checked] = weakref.WeakKeyDictionary()
_checking = threading.Lock()


def verdict(engine: Engine, *, max_age: float = COMPARISON_TTL_SECONDS) -> Verdict:
    """``check`` for a readiness probe: the revision is read on every call (one small
    query); the table comparison is reused for ``max_age`` seconds while the revision
    stays the same."""
    revision = current_revision(engine)
    with _checking:
        cached = _checked.get(engine)
        if (cached is not None and cached.verdict.revision == revision
                and time.monotonic() - cached.at < max_age):
            return cached.verdict
        with engine.connect() as conn:
            found = _judge(conn, revision)
        _checked[engine] = _Checked(found, time.monotonic())
        return found


def is_current(engine: Engine) -> bool:
    """At head and matching the models (see ``verdict`` for the caching)."""
    return verdict(engine).is_current


# --- distributing the tables over Citus nodes (issue 15, docs/scaling.md) ---------------

@dataclass(frozen=True)
class Distribution:
    """What ``distribute`` did: each table's new placement, and those already placed."""

    citus: bool
    message: str
    reference: tuple[str, ...] = ()
    distributed: tuple[str, ...] = ()
    lookup: tuple[str, ...] = ()
    already: tuple[str, ...] = ()


def distribute(engine: Engine) -> Distribution:
    """Place every table by the distribution rule (``walletguard.distribution``) when the
    ``citus`` extension is installed in the database: reference tables on every node,
    owner-sharded tables by their owner column colocated with ``users`` (so a join or a
    foreign key between two of them stays on one node), lookup tables by their key. A
    table already placed is left as it is, so running it again does nothing.

    On SQLite, and on PostgreSQL without Citus, it changes nothing and says why."""
    from sqlalchemy import text

    from walletguard import distribution

    if engine.dialect.name != "postgresql":
        return Distribution(citus=False, message="SQLite is one file on one machine: "
                            "nothing to distribute")
    with engine.connect() as conn:
        installed = conn.execute(text(
            "SELECT extversion FROM pg_extension WHERE extname = 'citus'")).scalar()
        if installed is None:
            available = conn.execute(text(
                "SELECT 1 FROM pg_available_extensions WHERE name = 'citus'")).first()
            hint = (" (it is available: CREATE EXTENSION citus, and add the worker nodes, "
                    "first)" if available else "")
            return Distribution(citus=False, message="plain PostgreSQL, no citus extension in "
                                f"this database{hint}: nothing to distribute")
        placed = set(conn.execute(text(
            # Distributed (hash) and reference tables; not Citus' "local tables added
            # to metadata", which a foreign key to a reference table can make.
            "SELECT logicalrelid::regclass::text FROM pg_dist_partition "
            "WHERE partmethod = 'h' OR repmodel = 't'")).scalars())
    tables = Base.metadata.sorted_tables  # referred tables before the tables referring to them
    kinds = {t.name: distribution.kind_of(t) for t in tables}
    owners = [t.name for t in tables if kinds[t.name] is distribution.Kind.OWNER]
    # ``users`` first: every other owner table is colocated with it.
    owners.sort(key=lambda name: name != "users")
    plan: list[tuple[str, str, dict[str, str]]] = []
    for table in tables:
        if kinds[table.name] is distribution.Kind.REFERENCE:
            plan.append((table.name, "SELECT create_reference_table(:t)", {}))
    for name in owners:
        column = distribution.distribution_column(Base.metadata.tables[name])
        plan.append((name, "SELECT create_distributed_table(:t, :c, colocate_with => :w)",
                     {"c": column, "w": "none" if name == "users" else "users"}))
    for name, key in distribution.LOOKUP.items():
        plan.append((name, "SELECT create_distributed_table(:t, :c, colocate_with => 'none')",
                     {"c": key}))
    # Citus refuses to distribute a table that a local table refers to, and a table that
    # refers to a local one: the foreign keys of the tables still to place are dropped,
    # every table placed, then the keys made again (on colocated shards).
    pending = {name for name, _, _ in plan} - placed
    with engine.connect() as conn:
        inspector = inspect(conn)
        keys = [(name, fk) for name in sorted(pending)
                for fk in inspector.get_foreign_keys(name) if fk.get("name")]
    with engine.begin() as conn:
        for name, fk in keys:
            conn.execute(text(f'ALTER TABLE "{name}" DROP CONSTRAINT "{fk["name"]}"'))
    done: dict[distribution.Kind, list[str]] = {kind: [] for kind in distribution.Kind}
    already = []
    for name, statement, params in plan:
        if name in placed:
            already.append(name)
            continue
        # One transaction each: Citus copies the table's rows into its shards.
        with engine.begin() as conn:
            conn.execute(text(statement), {"t": name, **params})
        done[kinds[name]].append(name)
    # Every foreign key of the models that the database now lacks, made again: one
    # transaction each, over one connection per node (Citus needs that for a key to a
    # reference table; it is the placement's setting, not the application's).
    with engine.connect() as conn:
        inspector = inspect(conn)
        present = {(t.name, fk["name"]) for t in tables
                   for fk in inspector.get_foreign_keys(t.name)}
    for table in tables:
        for constraint in table.foreign_key_constraints:
            first = constraint.elements[0]
            name = f"fk_{table.name}_{first.parent.name}_{constraint.referred_table.name}"
            if (table.name, name) in present:
                continue
            columns = ", ".join(f'"{e.parent.name}"' for e in constraint.elements)
            referred = ", ".join(f'"{e.column.name}"' for e in constraint.elements)
            with engine.begin() as conn:
                conn.execute(text("SET LOCAL citus.multi_shard_modify_mode TO 'sequential'"))
                conn.execute(text(
                    f'ALTER TABLE "{table.name}" ADD CONSTRAINT "{name}" FOREIGN KEY '
                    f'({columns}) REFERENCES "{constraint.referred_table.name}" ({referred})'))
    return Distribution(
        citus=True, message=f"citus {installed}: every table placed",
        reference=tuple(done[distribution.Kind.REFERENCE]),
        distributed=tuple(done[distribution.Kind.OWNER]),
        lookup=tuple(done[distribution.Kind.LOOKUP]), already=tuple(already))
