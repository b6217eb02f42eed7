"""Engine, sessions, the declarative base and the transaction edge.

Lock order — every transaction that takes more than one lock takes them in this order,
so two transactions can never wait on each other:

1. owner wallet rows (``wallets``), several in ascending ``user_id`` order;
2. rows owned by those users (PIN, devices, restrictions, audit chain head of the user);
3. the global audit chain head (``audit_chains`` id ``system``), last.

Book-keeping writes that a request makes before its use case runs (refreshing a
session's last-use time) are deferred with ``defer_until_commit``, so they come after
the use case's locks and never invert this order.

Refusals. The part of a use case that can be refused runs in ``judged`` — a savepoint
opened *after* the use case has taken its lock (and claimed its idempotency key, counted its
throttles: what must stand whatever the judgement). A refusal rolls the savepoint back, so
nothing the judged work wrote survives, writes what it keeps (``DomainError.keeping``),
and the edge commits. Row locks taken before the savepoint are held throughout; locks
taken inside it are released by the rollback on PostgreSQL, which is why the one lock
comes first. The savepoint costs nothing until a statement runs inside it (SQLAlchemy
emits SAVEPOINT then), and the judged part's closing write (``Inserts.finish``) runs
outside it when none is open: a refusal may not follow it (ADR 0012).

PostgreSQL takes row locks with ``SELECT … FOR UPDATE``. SQLite has no row locks: every
writing transaction starts with ``BEGIN IMMEDIATE``, which takes the database write lock
up front, so the same order holds trivially.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar, cast

from sqlalchemy import (
    CursorResult,
    DateTime,
    Engine,
    MetaData,
    Result,
    Table,
    TextClause,
    bindparam,
    create_engine,
    event,
    insert,
    inspect,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ColumnElement, literal_column
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

from walletguard.errors import DomainError

_log = logging.getLogger(__name__)
#: How long to keep asking whether a COMMIT whose reply was lost took effect, while the
#: database comes back (beyond it the request answers 503 ``unavailable``).
COMMIT_LOOKUP_SECONDS = 2.0

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def table_of(model: type[Base]) -> Table:
    """A model's Core table, for hot-path inserts that skip the unit of work."""
    return cast(Table, model.__table__)


def rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE matched (its result is always a cursor result)."""
    return int(cast("CursorResult[Any]", result).rowcount)


def hold(db: Session, row: object) -> None:
    """Keep ``row`` in the session's identity map for the session's life, so that a later
    ``db.get`` of it reads nothing: the map holds objects weakly, and a row read ahead of
    its use (with a lock, in another use's statement) would otherwise be dropped."""
    db.info.setdefault("walletguard.held", []).append(row)


class Inserts:
    """Rows for several tables, written together by ``write``: on PostgreSQL as one
    statement — every table's INSERT but the last a data-modifying CTE of the last one
    (``WITH w0 AS (INSERT …), w1 AS (INSERT …) INSERT …``; PostgreSQL runs each exactly
    once, whether or not the outer statement reads it) — so a use case's closing writes
    cost one round trip; elsewhere one INSERT per table, in the order added.

    For rows nothing in the use case reads back before they are written (the money
    path's transfer, entries and alert). Ids come from the tables' own defaults.

    SQLAlchemy does not cache the compiled form of an INSERT used as a CTE (it would be
    compiled anew on every payment: measured ≈ 3 ms of CPU per payment under cProfile),
    so the statement is written here once per shape — the tables, their columns, their
    row counts — as a typed text clause, which is cached like any other statement.

    ``finish(db, updating=[wallet])``: the same writes as the last step of a judged part,
    with the pending changes of the locked ORM rows in ``updating`` (the wallet's new
    balance, counters, risk state): on PostgreSQL ``UPDATE`` CTEs of the same statement,
    keyed by the row's primary key, elsewhere an UPDATE each; the rows are then marked
    written, so the unit of work has nothing left to flush for them (ADR 0011). It runs
    on the transaction's own connection, so it opens no savepoint (ADR 0012); nothing
    after it may refuse."""

    _shapes: ClassVar[dict[tuple[object, ...], TextClause]] = {}

    def __init__(self) -> None:
        self._pending: list[tuple[Table, list[dict[str, Any]]]] = []

    def add(self, table: Table, rows: list[dict[str, Any]]) -> None:
        if rows:
            self._pending.append((table, rows))

    def write(self, db: Session) -> None:
        self._send(db.execute, [], combined=db.get_bind().dialect.name == "postgresql")

    def finish(self, db: Session, *, updating: Sequence[object] = ()) -> None:
        """The rows and ``updating``'s changes, as the last step of the judged part around
        it: no refusal may follow.

        A savepoint costs two round trips (SAVEPOINT, RELEASE), and SQLAlchemy emits its
        SAVEPOINT only when a statement first runs inside it. These writes run on the
        outer transaction's connection, not through the savepoint: when nothing ran
        before them in the judged part (a PIN payment that passes), no savepoint is ever
        opened; when something did, they run inside the savepoint already open on that
        same connection. Either way no refusal may come after them: ``judged`` turns one
        into a ``RuntimeError`` (ADR 0012). A database error here rolls the whole
        transaction back, as it always did. On SQLite the rows' changes are written by
        an UPDATE of their own, not by the unit of work (which would open the savepoint)."""
        outer = db.get_transaction()
        if outer is None:
            raise RuntimeError("Inserts.finish outside a transaction")
        conn = outer.connection(None)
        db.info[_FINISHED] = True
        updates = [change for row in updating if (change := _take_changes(db, row))]
        self._send(conn.execute, updates, combined=conn.dialect.name == "postgresql")

    def _send(self, execute: Callable[..., object], updates: list[_Change], *,
              combined: bool) -> None:
        pending, self._pending = self._pending, []
        if combined and len(updates) + len(pending) > 1:
            execute(self._statement(updates, pending), _parameters(updates, pending))
            return
        for change in updates:
            execute(self._statement([change], []), _parameters([change], []))
        for table, rows in pending:
            execute(insert(table), rows)

    @classmethod
    def _statement(cls, updates: Sequence[_Change],
                   pending: list[tuple[Table, list[dict[str, Any]]]]) -> TextClause:
        shape = (tuple((c.table.name, tuple(c.key), tuple(c.values)) for c in updates),
                 tuple((table.name, tuple(rows[0]), len(rows)) for table, rows in pending))
        statement = cls._shapes.get(shape)
        if statement is None:
            statement = cls._shapes[shape] = _combined_insert(pending, updates)
        return statement


def _parameters(updates: Sequence[_Change],
                pending: list[tuple[Table, list[dict[str, Any]]]]) -> dict[str, Any]:
    """The values of ``_combined_insert``'s parameters, named as it names them."""
    params = {f"u{n}_{column}": value for n, change in enumerate(updates)
              for column, value in (*change.key.items(), *change.values.items())}
    params |= {f"w{t}_{r}_{column}": value
               for t, (_table, rows) in enumerate(pending)
               for r, row in enumerate(rows)
               for column, value in row.items()}
    return params


@dataclass(frozen=True)
class _Change:
    """A row's pending UPDATE: its table, its primary key, its changed columns."""

    table: Table
    key: dict[str, Any]
    values: dict[str, Any]


def _take_changes(db: Session, row: object) -> _Change | None:
    """The changed columns of an ORM row (None when nothing changed), which is then
    marked as written: the caller writes them itself, and the unit of work must find
    nothing to flush for it."""
    state = inspect(row)
    mapper = state.mapper
    columns = mapper.columns
    # ``committed_state`` holds the attributes set since the row was loaded or flushed.
    values = {columns[key].name: state.dict[key] for key in state.committed_state
              if key in columns}
    if not values:
        return None
    # What a flush does to each row it wrote (SQLAlchemy has no public spelling of it):
    # no pending change, out of the session's modified set. Without it every later
    # statement's autoflush would walk the row again for nothing (measured: that walk
    # cost as much as the UPDATE round trip saved).
    state._commit_all(state.dict, db.identity_map)
    table = cast(Table, mapper.local_table)
    key = {column.name: state.dict[mapper.get_property_by_column(column).key]
           for column in mapper.primary_key}
    return _Change(table, key, values)


def _combined_insert(pending: list[tuple[Table, list[dict[str, Any]]]],
                     updates: Sequence[_Change] = ()) -> TextClause:
    """``WITH w0 AS (INSERT …), … INSERT …`` for ``Inserts``' shape, its parameters
    typed by their columns (JSON, timestamps) as the tables' own INSERTs would be."""
    parts, params = [], []
    for n, change in enumerate(updates):
        # Table and column names come from the models, never from input.
        assignments = ", ".join(f"{c} = :u{n}_{c}" for c in change.values)
        where = " AND ".join(f"{c} = :u{n}_{c}" for c in change.key)
        parts.append(f"UPDATE {change.table.name} SET {assignments} WHERE {where}")  # noqa: S608
        params += [bindparam(f"u{n}_{c}", type_=change.table.c[c].type)
                   for c in (*change.key, *change.values)]
    for t, (table, rows) in enumerate(pending):
        columns = list(rows[0])
        values = ", ".join(
            "(" + ", ".join(f":w{t}_{r}_{c}" for c in columns) + ")" for r in range(len(rows)))
        # Table and column names come from the models, never from input.
        parts.append(f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES {values}")  # noqa: S608
        params += [bindparam(f"w{t}_{r}_{c}", type_=table.c[c].type)
                   for r in range(len(rows)) for c in columns]
    *ctes, last = parts
    sql = ("WITH " + ", ".join(f"w{n} AS ({cte})" for n, cte in enumerate(ctes)) + " "
           + last) if ctes else last
    return text(sql).bindparams(*params)


class next_serial(FunctionElement[int]):  # noqa: N801 - reads as a SQL function
    """The next integer id of a table whose key is ``(owner, id)``.

    PostgreSQL fills it from the column's own sequence (``DEFAULT``). SQLite gives an
    automatic id only to a one-column ``INTEGER PRIMARY KEY``; for a composite key the id
    is the table's largest rowid plus one (kept equal to ``id`` by revision 0007), read
    in the INSERT itself, under the write lock every SQLite transaction takes first. The
    SQLite engine sends one row per INSERT, so each row sees the one before it."""

    name = "next_serial"
    inherit_cache = True

    def __init__(self, table: str) -> None:
        super().__init__(literal_column(table))


@compiles(next_serial)
def _next_serial_default(element: next_serial, compiler: SQLCompiler, **kw: Any) -> str:
    return "DEFAULT"


@compiles(next_serial, "sqlite")
def _next_serial_sqlite(element: next_serial, compiler: SQLCompiler, **kw: Any) -> str:
    [table] = list(element.clauses)
    assert isinstance(table, ColumnElement)
    name = compiler.process(table, **kw)  # a table name from the models, never input
    return f"(SELECT COALESCE(MAX(rowid), 0) + 1 FROM {name})"  # noqa: S608


_CITUS: dict[int, bool] = {}


def is_citus(session: Session) -> bool:
    """Whether the session's database has the ``citus`` extension (asked once per engine)."""
    engine = session.get_bind()
    known = _CITUS.get(id(engine))
    if known is None:
        known = session.execute(text(
            "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')")).scalar_one()
        _CITUS[id(engine)] = bool(known)
    return bool(known)


def new_id(prefix: str) -> str:
    """Opaque, unguessable ids that say what they name: ``usr_…``, ``pay_…``."""
    return f"{prefix}_{secrets.token_urlsafe(15)}"


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(
        # No pre-ping: it costs a round trip per transaction. A connection broken by a
        # database restart fails one request (503, retry) and the pool is refreshed.
        url, pool_size=pool_size, max_overflow=pool_size, pool_recycle=3600,
        connect_args={"prepare_threshold": 1},
    )


def _sqlite_engine(url: str) -> Engine:
    # Pooled, like PostgreSQL's (SQLAlchemy's default QueuePool for a file): a connection
    # per transaction cost ≈ 20 ms a payment (the PRAGMAs on open, and on close of the
    # last connection a WAL checkpoint and the WAL file deleted, to be made again on the
    # next open). In memory SQLAlchemy keeps its one connection.
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                           # One row per INSERT: a multi-row VALUES would read ``next_serial``
                           # once for all.
                           use_insertmanyvalues=False)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        # Manage transactions ourselves so that every one can start IMMEDIATE.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin_immediate(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


_DEFERRED = "walletguard.deferred"
_FINISHED = "walletguard.judged-finished"
_XID = "walletguard.xid"


def note_transaction_id(session: Session, xid: str) -> None:
    """Remember the database's id for this transaction (PostgreSQL ``pg_current_xact_id``,
    read for free with a statement the use case makes anyway), so that a COMMIT whose
    reply is lost can be looked up instead of answered as a failure."""
    session.info[_XID] = xid


def defer_until_commit(session: Session, work: Callable[[Session], object]) -> None:
    """Run ``work`` in this transaction just before it commits (not if it rolls back)."""
    session.info.setdefault(_DEFERRED, []).append(work)


def _run_deferred(session: Session) -> None:
    for work in session.info.pop(_DEFERRED, []):
        work(session)


@contextmanager
def judged(session: Session) -> Iterator[None]:
    """Run the refusable part of a use case in a savepoint (see the module docstring)."""
    savepoint = session.begin_nested()
    try:
        yield
    except DomainError as refusal:
        if session.info.get(_FINISHED):
            # ``Inserts.finish`` wrote outside the savepoint: rolling it back would not
            # undo those writes, and committing them would pay on a refusal.
            raise RuntimeError(f"refusal {refusal.code!r} raised after the judged part's "
                               "last write (Inserts.finish)") from refusal
        savepoint.rollback()
        # Nested judged parts each undo their own work and re-apply the keeps, so the
        # outermost rollback cannot erase them.
        for write in refusal.keeps:
            write(session)
        refusal.judged = True
        raise
    else:
        savepoint.commit()
    finally:
        if not session.in_nested_transaction():  # the outermost judged part is over
            session.info.pop(_FINISHED, None)


class Database:
    """One per process: the engine and the session factory."""

    def __init__(self, url: str, *, pool_size: int = 10, priority_pool_size: int = 2) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False, autoflush=True)
        # The priority lane's own connections (freezes, lost-phone reports, lock
        # placements: ``http.admission``), so a pool busy with payments never makes a
        # freeze wait for a connection. On SQLite the lanes share the engine: every
        # write waits for the database's one writer whatever its connection, and an
        # in-memory database exists only on its one connection.
        self.priority_engine = (self.engine if self.is_sqlite else
                                make_engine(url, pool_size=priority_pool_size))
        self.priority_sessions = sessionmaker(self.priority_engine, expire_on_commit=False,
                                              autoflush=True)

    @property
    def engines(self) -> tuple[Engine, ...]:
        """Each distinct engine (the priority lane's is the same one on SQLite)."""
        return tuple(dict.fromkeys((self.engine, self.priority_engine)))

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def transaction(self, *, priority: bool = False) -> Iterator[Session]:
        """The edge's unit of work: commit on success, roll back on error — except a
        refusal that was ``judged``: its judged work is already undone, and what remains
        (what the use case wrote before judging, what the refusal keeps) is committed.
        ``priority`` takes the connection from the priority lane's pool.

        Once the commit has succeeded the answer is the success: a failure while closing
        (the connection died just after COMMIT) is not the caller's concern."""
        session = self.priority_sessions() if priority else self.sessions()
        try:
            try:
                yield session
                _run_deferred(session)
            except DomainError as exc:
                if exc.keeps and not exc.judged:
                    raise RuntimeError(f"refusal {exc.code!r} has writes to keep but was "
                                       "raised outside judged()") from exc
                if not exc.judged:
                    raise
                _run_deferred(session)
                self._commit(session)
                raise
            self._commit(session)
        except BaseException:
            _quietly(session.rollback)
            raise
        finally:
            _quietly(session.close)

    def _commit(self, session: Session) -> None:
        """COMMIT; if the connection dies before its reply, ask the database whether the
        transaction committed. It may well have (the server crashed after writing the
        commit record): then the answer is the success, not 503."""
        xid = session.info.pop(_XID, None)
        try:
            session.commit()
        except OperationalError:
            if xid is None or not self._committed(xid):
                raise
            _log.warning("the connection failed during COMMIT; the transaction had committed")

    def _committed(self, xid: str) -> bool:
        deadline = time.monotonic() + COMMIT_LOOKUP_SECONDS
        while True:
            try:
                with self.engine.connect() as conn:
                    status = conn.execute(text("SELECT pg_xact_status(CAST(:xid AS xid8))"),
                                          {"xid": xid}).scalar_one()
                return bool(status == "committed")
            except OperationalError:
                if time.monotonic() >= deadline:
                    return False  # still unknown: the caller answers 503 and retries
                time.sleep(0.1)

    def dispose(self) -> None:
        self.engine.dispose()
        self.priority_engine.dispose()


def _quietly(release: Callable[[], object]) -> None:
    """Give a connection back. After a failure the connection may be dead; the error the
    caller sees is the first one (or the success already committed), never this."""
    try:
        release()
    except Exception:
        _log.debug("releasing a session failed", exc_info=True)
