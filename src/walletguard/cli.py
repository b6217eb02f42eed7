"""The ``walletguard`` command: serve, migrate, keys, partners, audit, ledger, demo, policy.

Two promises, both tested (tests/test_cli.py):

- ``--help`` and ``--version`` answer at once: this module imports only Typer and the
  standard library; the platform, the database and the services are imported inside
  the commands that use them.
- An expected failure (a bad setting, a database that cannot be reached, opened, written
  or that is not at this release's schema) is one line on stderr and an exit code of its
  own (``ExitCode``, listed in ``walletguard --help`` and docs/cli.md) — never a
  traceback. An unexpected one is one line too, and exit 70; ``WALLETGUARD_DEBUG=1``
  shows its traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

if TYPE_CHECKING:
    from rich.console import Console

    from walletguard import schema
    from walletguard.config import Settings
    from walletguard.runtime import Platform


class ExitCode(IntEnum):
    """What a ``walletguard`` exit status means. Scripts may rely on these."""

    OK = 0
    REFUSED = 1       # the command ran and its answer is no (a check failed, an unknown key)
    USAGE = 2         # bad arguments or options (an unknown role, a name with bidi controls)
    CONFIG = 3        # a setting is wrong: policy file, secrets, production without secrets
    DATABASE_URL = 4  # WALLETGUARD_DATABASE_URL is not a usable database URL
    UNREACHABLE = 5   # the database cannot be reached or opened
    READ_ONLY = 6     # the database, or the data directory it lives in, cannot be written
    SCHEMA = 7        # the database is not at this release's schema (empty, behind, unknown,
                      # tables that differ): `walletguard migrate`, or the advice printed
    CANNOT_LISTEN = 8  # `serve` cannot listen on --host/--port (in use, not an interface)
    INTERNAL = 70     # a bug: one line; WALLETGUARD_DEBUG=1 shows the traceback


EXIT_CODES_HELP = "\n".join([
    "Exit codes:",
    "0 ok",
    "1 the answer is no (a check failed, an unknown key)",
    "2 bad arguments or options",
    "3 bad configuration (policy file, secrets; production without secrets)",
    "4 WALLETGUARD_DATABASE_URL is not a usable database URL",
    "5 the database cannot be reached or opened",
    "6 the database or its data directory cannot be written",
    "7 the database is not at this release's schema (run `walletguard migrate`)",
    "8 serve cannot listen on --host/--port (in use, or not this machine's)",
    "70 an internal error (WALLETGUARD_DEBUG=1 shows the traceback)",
    "Every failure is one line on stderr. Details: docs/cli.md",
])


class Failure(Exception):
    """An expected failure: its one line, and the exit code that names it."""

    def __init__(self, code: ExitCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in str(text).splitlines() if part.strip())


def _classify(exc: BaseException) -> Failure | None:
    """The expected failure an exception stands for, or None (a bug). Imports nothing a
    command has not imported already: what could raise these is loaded by then."""
    if isinstance(exc, Failure):
        return exc
    errors = sys.modules.get("walletguard.errors")
    if errors is not None and isinstance(exc, errors.ConfigurationError):
        return Failure(ExitCode.CONFIG, f"configuration error: {_one_line(str(exc))}")
    if errors is not None and isinstance(exc, errors.DomainError):  # a service said no
        return Failure(ExitCode.REFUSED, f"{exc.code}: {_one_line(exc.detail)}")
    sa_exc = sys.modules.get("sqlalchemy.exc")
    if sa_exc is not None and isinstance(exc, sa_exc.DBAPIError):
        return _database_failure(exc)
    return None


# SQLSTATEs (PostgreSQL) and SQLite messages that say "you may read, not write".
_READ_ONLY_SQLSTATES = {"25006", "42501"}  # read_only_sql_transaction, insufficient_privilege
_NO_TABLE_SQLSTATES = {"42P01"}            # undefined_table


def _database_failure(exc: Any) -> Failure:
    orig = getattr(exc, "orig", None)
    sqlstate = getattr(orig, "sqlstate", None)
    said = _one_line(str(orig if orig is not None else exc))
    if sqlstate in _READ_ONLY_SQLSTATES or "readonly database" in said:
        return Failure(ExitCode.READ_ONLY, f"the database cannot be written: {said}")
    if sqlstate in _NO_TABLE_SQLSTATES or "no such table" in said:
        return Failure(ExitCode.SCHEMA, f"the database lacks this release's tables ({said}); "
                                        "run `walletguard migrate`")
    return Failure(ExitCode.UNREACHABLE, f"cannot reach the database: {said}")


def _fail(failure: Failure) -> NoReturn:
    sys.stderr.write(f"walletguard: {failure.message}\n")
    sys.stderr.flush()
    raise typer.Exit(failure.code)


class _Group(TyperGroup):
    """Turns every exception a command lets out into one line and its exit code."""

    def invoke(self, ctx: Any) -> Any:  # typer's vendored click Context
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except Exception as exc:
            failure = _classify(exc)
            if failure is not None:
                _fail(failure)
            if os.environ.get("WALLETGUARD_DEBUG"):
                raise
            _fail(Failure(ExitCode.INTERNAL,
                          f"internal error: {type(exc).__name__}: {_one_line(str(exc))} "
                          "(WALLETGUARD_DEBUG=1 shows the traceback)"))


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("walletguard")
        except PackageNotFoundError:  # run from a source tree that was never installed
            found = "unknown (not installed)"
        print(f"walletguard {found}")
        raise typer.Exit()


app = typer.Typer(cls=_Group, help="walletguard: a wallet core that protects the owner's money.",
                  epilog=EXIT_CODES_HELP, no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False)
keys_app = typer.Typer(help="Staff and operator API keys.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
ledger_app = typer.Typer(help="The double-entry ledger.", no_args_is_help=True)
policy_app = typer.Typer(help="The policy (every number the domain knows).",
                         no_args_is_help=True)
risk_app = typer.Typer(help="The risk engine: prove a policy on labelled history.",
                       no_args_is_help=True)
maintenance_app = typer.Typer(help="Housekeeping (safe to run from cron).", no_args_is_help=True)
partners_app = typer.Typer(help="Linked platforms that receive signed lost-device webhooks.",
                           no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(audit_app, name="audit")
app.add_typer(ledger_app, name="ledger")
app.add_typer(policy_app, name="policy")
app.add_typer(maintenance_app, name="maintenance")
app.add_typer(risk_app, name="risk")
app.add_typer(partners_app, name="partners")


@app.callback()
def _root(
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True,
        help="print the version and exit")] = False,
) -> None:
    """walletguard: a wallet core that protects the owner's money."""


def _out() -> Console:
    from rich.console import Console

    return Console(soft_wrap=True)  # a line longer than the terminal stays one line


def _ok(message: str) -> None:
    _out().print(f"[green]✓[/] {message}", highlight=False)


def _settings() -> Settings:
    """The settings, with the secrets and the policy resolved and the database URL
    checked, so a bad setting fails here, in one line, before anything runs."""
    from pydantic import ValidationError

    from walletguard.config import Settings

    try:
        settings = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "WALLETGUARD_" + "_".join(str(part) for part in first["loc"]).upper()
        raise Failure(ExitCode.CONFIG, f"configuration error: {name}: {first['msg']} "
                                       f"({exc.error_count()} error(s) in all)") from None
    _check_database_url(settings.resolved_database_url)
    if settings.resolved_database_url.startswith("sqlite") or not all(
            getattr(settings, name) for name in ("pii_key", "pin_pepper", "token_key")):
        _prepare_data_dir(settings)  # the SQLite file, or development secrets, live there
    settings.keys  # noqa: B018 - resolve (or generate) secrets before anything runs
    settings.policy  # noqa: B018 - fail early on a bad policy file
    return settings


def _check_database_url(url: str) -> None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    example = "e.g. postgresql+psycopg://user@host:5432/wallet or sqlite:///var/walletguard.db"
    try:
        parsed = make_url(url)
        parsed.get_dialect()
    except (ArgumentError, ValueError) as exc:
        # The URL itself is never echoed: it may hold a password.
        reason = type(exc).__name__ if isinstance(exc, ValueError) else _one_line(str(exc))
        raise Failure(ExitCode.DATABASE_URL, "WALLETGUARD_DATABASE_URL is not a usable "
                                             f"database URL ({reason}); {example}") from None


def _shown(url: str) -> str:
    """The database URL as it may be printed (no password)."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _prepare_data_dir(settings: Settings) -> None:
    """The data directory must exist before SQLite (or the development secrets) can be
    created in it."""
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise Failure(ExitCode.READ_ONLY, f"cannot create the data directory "
                                          f"{settings.data_dir}: {exc.strerror}") from None


@contextmanager
def _platform(settings: Settings | None = None) -> Iterator[Platform]:
    """The platform for one command on a database at this release's schema; its
    connections are closed when the command ends."""
    from walletguard.runtime import Platform

    settings = settings or _settings()
    _ensure_runnable(settings, first_run=False)
    platform = Platform.build(settings)
    try:
        yield platform
    finally:
        platform.db.dispose()


def _verdict(settings: Settings) -> schema.Verdict:
    """Where the configured database stands (a connection failure raises, and is told
    apart by ``_classify``)."""
    from walletguard import schema
    from walletguard.db import make_engine

    if settings.resolved_database_url.startswith("sqlite"):
        _prepare_data_dir(settings)
    engine = make_engine(settings.resolved_database_url, pool_size=1)
    try:
        return schema.check(engine)
    finally:
        engine.dispose()


def _migrate(settings: Settings) -> None:
    from walletguard import schema

    if settings.resolved_database_url.startswith("sqlite"):
        _prepare_data_dir(settings)
    with _out().status("Migrating the database…"):
        schema.upgrade(settings.resolved_database_url)


def _probe_write(settings: Settings) -> None:
    """Fail now, not at the first request, on a database that can be read but not
    written. The statement changes nothing and is rolled back."""
    from sqlalchemy import text

    from walletguard.db import make_engine

    engine = make_engine(settings.resolved_database_url, pool_size=1)
    try:
        with engine.connect() as conn, conn.begin() as tx:
            conn.execute(text("UPDATE alembic_version SET version_num = version_num"))
            tx.rollback()
    finally:
        engine.dispose()


_ADVICE = {
    "empty": "run `walletguard migrate` first",
    "behind": "back it up, then run `walletguard migrate`",
    "unknown": "run the walletguard release that migrated it",
    "mismatch": "restore it from a backup, or fix it with a new migration",
}


def _explained(verdict: schema.Verdict) -> str:
    """``Verdict.explain`` on one line (a mismatch lists its differences after a colon)."""
    first, *differences = (line.strip() for line in verdict.explain().splitlines())
    return " ".join([first, "; ".join(differences)]) if differences else first


def _ensure_runnable(settings: Settings, *, first_run: bool, write: bool = False,
                     doing: str = "run") -> None:
    """Run only on a database this release can run on. The one migration a command makes
    by itself is a first run (``first_run``: the embedded SQLite default, or demo data):
    creating the tables in an empty database. Anything else that is not current is the
    operator's decision, so it refuses and names ``walletguard migrate``. ``write``: also
    refuse a database that cannot be written (``serve``, ``demo``)."""
    from walletguard import schema

    verdict = _verdict(settings)
    if verdict.state is schema.State.EMPTY and first_run:
        _migrate(settings)
    elif not verdict.is_current:
        raise Failure(ExitCode.SCHEMA,
                      f"refusing to {doing}: {_explained(verdict)} — "
                      f"{_ADVICE[verdict.state.value]}")
    if write:
        _probe_write(settings)


@app.command()
def migrate(
    check: Annotated[bool, typer.Option(
        "--check", help="change nothing; exit 1 unless the database is at the latest "
                        "revision and matches the models")] = False,
) -> None:
    """Upgrade the database to the latest schema (the only command that does)."""
    from walletguard import schema

    settings = _settings()
    verdict = _verdict(settings)
    if check:
        if not verdict.is_current:  # a check whose answer is no, like `ledger check`
            raise Failure(ExitCode.REFUSED, _explained(verdict))
        _ok(verdict.explain())
        return
    if verdict.state in (schema.State.UNKNOWN, schema.State.MISMATCH):
        # Upgrading cannot repair these, and trying could damage what is there.
        raise Failure(ExitCode.SCHEMA, f"refusing to migrate: {_explained(verdict)}")
    _migrate(settings)
    _ok(f"database at revision {schema.head_revision()}")


@app.command()
def distribute() -> None:
    """Spread the tables over Citus nodes by owner (docs/scaling.md): reference tables on
    every node, owner tables by ``user_id`` colocated with ``users``, lookup tables by
    their key. Does nothing, and says so, on SQLite or PostgreSQL without Citus; running
    it again leaves placed tables as they are."""
    from walletguard import schema
    from walletguard.db import make_engine

    settings = _settings()
    verdict = _verdict(settings)
    if not verdict.is_current:
        raise Failure(ExitCode.SCHEMA, f"refusing to distribute: {_explained(verdict)}")
    engine = make_engine(settings.resolved_database_url, pool_size=1)
    try:
        result = schema.distribute(engine)
    finally:
        engine.dispose()
    if not result.citus:
        _ok(f"nothing done: {result.message}")
        return
    for label, names in (("reference (every node)", result.reference),
                         ("distributed by owner, colocated with users", result.distributed),
                         ("lookup (by key)", result.lookup),
                         ("already placed", result.already)):
        if names:
            _out().print(f"  {label}: {', '.join(names)}", highlight=False)
    _ok(result.message)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="worker processes")] = 1,
    demo: Annotated[bool, typer.Option(help="seed demo data first and print a tour")] = False,
) -> None:
    """Run the HTTP API (refuses a database it cannot reach, write, or run on).

    A first run on the embedded SQLite default migrates by itself; any other database
    must be current (`walletguard migrate`)."""

    import uvicorn

    settings = _settings()
    _check_listen(host, port)
    _ensure_runnable(settings, first_run=settings.database_url is None or demo, write=True,
                     doing="start")
    if demo:
        _seed_demo(settings, base=f"http://{host}:{port}")
    from walletguard.observability import logs, metrics

    if workers > 1 and "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics.multiprocess_dir(settings.data_dir))
    _ok(f"walletguard on http://{host}:{port}  ({workers} worker{'s' if workers > 1 else ''}, "
        f"{_shown(settings.resolved_database_url)})")
    sys.stdout.flush()
    # Only a proxy named in the setting may say who the client is: uvicorn would otherwise
    # believe X-Forwarded-For from 127.0.0.1, so anything local (or a local reverse proxy
    # passing the header through) could pick the address every per-IP limit counts.
    allow = settings.forwarded_allow_ips.strip()
    uvicorn.run("walletguard.app:create_app", factory=True, host=host, port=port,
                workers=workers, log_level=settings.log_level.lower(), access_log=False,
                log_config=logs.uvicorn_log_config(settings.log_level),
                proxy_headers=bool(allow), forwarded_allow_ips=allow or None)


def _check_listen(host: str, port: int) -> None:
    """Uvicorn would say so only after start-up, and exit 3 (our CONFIG): ask first."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        with socket.socket(infos[0][0], socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
            probe.bind(infos[0][4])
    except OSError as exc:
        raise Failure(ExitCode.CANNOT_LISTEN, f"cannot listen on {host}:{port}: "
                                              f"{exc.strerror or exc}") from None


@keys_app.command("create")
def keys_create(
    role: Annotated[str, typer.Option(help="operator | agent | teller | institution")],
    name: Annotated[str, typer.Option(help="who or what holds the key")],
) -> None:
    """Create an API key. It is printed once and stored only as a keyed digest."""
    from walletguard import text
    from walletguard.auth import service as auth
    from walletguard.errors import DomainError

    try:
        # Checked here as well as where keys are made: the name shows in every key list
        # and audit row, where a bidi override would disguise which key is which.
        name = text.free_text(name, field="name", max_length=text.KEY_NAME_MAX)
        with _platform() as platform, platform.db.transaction() as db:
            key, secret = auth.create_api_key(db, keys=platform.keys, role=role, name=name,
                                              actor=_cli_actor(), now=platform.clock.now())
    except DomainError as exc:
        raise Failure(ExitCode.USAGE, f"{exc.code}: {exc.detail}") from exc
    _ok(f"{key.role} key {key.id} for {key.name!r}. Store it now: it is not shown again.")
    print(secret)


def _cli_actor() -> Any:
    from walletguard.auth.principal import Principal, Role

    return Principal(role=Role.OPERATOR, id="cli")


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="the key's id (key_…), as create printed it")],
    reason: Annotated[str, typer.Option(help="recorded in the audit log")] = "revoked by operator",
) -> None:
    """Revoke an API key. Every worker refuses it from its next request."""
    from walletguard.auth import service as auth
    from walletguard.errors import DomainError

    try:
        with _platform() as platform, platform.db.transaction() as db:
            key = auth.revoke_api_key(db, key_id=key_id, actor=_cli_actor(), reason=reason,
                                      now=platform.clock.now())
    except DomainError as exc:
        raise Failure(ExitCode.REFUSED, f"{exc.code}: {exc.detail}: {key_id!r}") from exc
    _ok(f"{key.role} key {key.id} ({key.name!r}) revoked at "
        f"{key.revoked_at:%Y-%m-%d %H:%M:%S} UTC")


@keys_app.command("list")
def keys_list() -> None:
    """List API keys (never the keys themselves: only their digests are stored)."""
    from walletguard.auth import service as auth

    with _platform() as platform, platform.db.transaction() as db:
        keys = auth.list_api_keys(db)
    for key in keys:
        revoked = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "active"
        print(f"{key.id}  {key.role:<11}  {revoked:<22}  created "
              f"{key.created_at:%Y-%m-%d %H:%M}  {key.name}")
    if not keys:
        print("no API keys yet: walletguard keys create --role … --name …")


@partners_app.command("add")
def partners_add(
    key: Annotated[str, typer.Option(help="a short id: lower-case letters, digits, dashes")],
    name: Annotated[str, typer.Option(help="the platform's name, as staff read it")],
    category: Annotated[str, typer.Option(help="carrier | bank | wallet | e-commerce | payment")],
    url: Annotated[str, typer.Option(help="where the signed webhooks are POSTed")],
) -> None:
    """Link a platform. Its signing secret is printed once: hand it to the partner."""
    from walletguard import text
    from walletguard.errors import DomainError
    from walletguard.notifications import service as notifications

    try:
        name = text.free_text(name, field="name", max_length=100)
        with _platform() as platform, platform.db.transaction() as db:
            added = notifications.add_partner(db, vault=platform.keys.vault, key=key,
                                              name=name, category=category, webhook_url=url,
                                              now=platform.clock.now(), actor=_cli_actor())
    except DomainError as exc:
        code = ExitCode.REFUSED if exc.code == "conflict" else ExitCode.USAGE
        raise Failure(code, f"{exc.code}: {exc.detail}") from exc
    _ok(f"partner {added.partner.key} ({added.partner.name!r}, {added.partner.category}) "
        f"-> {added.partner.webhook_url}. Its signing secret, shown once:")
    print(added.secret)


@partners_app.command("list")
def partners_list() -> None:
    """List linked platforms (never their secrets: they are stored sealed)."""
    from rich.table import Table

    from walletguard.notifications import service as notifications

    with _platform() as platform, platform.db.transaction() as db:
        partners = notifications.list_partners(db)
    if not partners:
        print("no partners yet: walletguard partners add --key … --name … --category … --url …")
        return
    table = Table(title="partners")
    for column in ("key", "name", "category", "webhook", "status", "added"):
        table.add_column(column)
    for p in partners:
        table.add_row(p.key, p.name, p.category, p.webhook_url,
                      "active" if p.enabled else "removed", f"{p.created_at:%Y-%m-%d %H:%M}")
    _out().print(table)


@partners_app.command("remove")
def partners_remove(
    key: Annotated[str, typer.Argument(help="the partner's key")],
    reason: Annotated[str, typer.Option(help="recorded in the audit log")] = "removed by operator",
) -> None:
    """Unlink a platform: it receives nothing more and its acknowledgements are refused."""
    from walletguard.errors import DomainError
    from walletguard.notifications import service as notifications

    try:
        with _platform() as platform, platform.db.transaction() as db:
            partner = notifications.disable_partner(db, key=key, actor=_cli_actor(),
                                                    reason=reason, now=platform.clock.now())
    except DomainError as exc:
        raise Failure(ExitCode.REFUSED, f"{exc.code}: {exc.detail}") from exc
    _ok(f"partner {partner.key} ({partner.name!r}) removed")


@audit_app.command("verify")
def audit_verify(
    expect: Annotated[list[str] | None, typer.Option(
        help="an event hash that must be in an intact chain (an evidence pack's audit "
             "hash); repeatable")] = None,
) -> None:
    """Recompute every hash chain; exit 1 naming the first broken row, or an expected
    hash that no event has."""
    from walletguard.audit import service as audit

    with (_platform() as platform, platform.db.transaction() as db,
          _out().status("Verifying the audit chains…")):
        report = audit.verify(db)
        found = {h: audit.event_with_hash(db, h) for h in expect or []}
    if report.first_break is not None:
        b = report.first_break
        raise Failure(ExitCode.REFUSED, f"✗ audit chain {b.chain_id!r} breaks at seq {b.seq} "
                                        f"(row id {b.event_id}): {b.problem}")
    _ok(f"{report.events} events in {report.chains} chains verify")
    for wanted, event in found.items():
        if event is None:
            raise Failure(ExitCode.REFUSED, f"✗ no event with hash {wanted} in any chain")
        _ok(f"{wanted} is event {event.seq} of chain {event.chain_id} "
            f"({event.action}, {event.at:%Y-%m-%d %H:%M:%S} UTC)")


@ledger_app.command("check")
def ledger_check() -> None:
    """Prove conservation: all entries sum to zero, every wallet equals its entries."""
    from rich.table import Table

    from walletguard.ledger import service as ledger

    with (_platform() as platform, platform.db.transaction() as db,
          _out().status("Checking the ledger…")):
        report = ledger.check_conservation(db)
    table = Table(title="ledger check")
    table.add_column("check")
    table.add_column("result")
    table.add_row("accounts / entries", f"{report.accounts} / {report.entries}")
    table.add_row("sum of all entries", str(report.total))
    table.add_row("unbalanced transfers", str(len(report.unbalanced_transfers)))
    table.add_row("wallets not equal to their entries", str(len(report.wallet_mismatches)))
    table.add_row("payments refunded beyond their amount", str(len(report.over_refunded)))
    _out().print(table)
    if not report.ok:
        raise Failure(ExitCode.REFUSED, "✗ the ledger does not balance")
    _ok("money is conserved")


@maintenance_app.command("prune")
def maintenance_prune(
    # 24: the longest throttle window (policy.DAILY_WINDOW; a test checks they agree).
    # Dropping a per-day counter still in force would reset that daily limit.
    older_than_hours: Annotated[int, typer.Option(
        min=24, help="keep newer counters (at least the longest window, 24 h)")] = 24,
) -> None:
    """Drop rate-limit counters older than every window in use."""
    from datetime import timedelta

    from walletguard.auth import throttle

    with _platform() as platform, platform.db.transaction() as db:
        dropped = throttle.prune(db, now=platform.clock.now(),
                                 older_than=timedelta(hours=older_than_hours))
    _ok(f"dropped {dropped} expired rate-limit counters")


@app.command()
def worker(
    once: Annotated[bool, typer.Option(
        "--once", help="deliver what is due and run the periodic jobs once, then exit")] = False,
) -> None:
    """Deliver the outbox (e-mail, webhooks, SMS, inbox) with retries, and run the periodic
    jobs (prune, checklist reminders, restriction and cooling-off notices). Several may
    run at once on PostgreSQL; SIGTERM finishes the batch in hand, then exits."""
    import signal
    import threading

    from walletguard.notifications import worker as outbox

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with _platform() as platform:
        _ok(f"worker on {_shown(platform.settings.resolved_database_url)}")
        sys.stdout.flush()
        report = outbox.run(platform, stop=stop, once=once)
    _ok(f"delivered {report.delivered}, retrying {report.retried}, dead-lettered {report.dead}")


@policy_app.command("docs")
def policy_docs(
    output: Annotated[Path | None, typer.Option(help="write here instead of stdout")] = None,
) -> None:
    """Render docs/policy.md from the policy model."""
    from walletguard.policy_docs import render

    text = render()
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text)
        _ok(f"wrote {output}")


@risk_app.command("replay")
def risk_replay(
    file: Annotated[Path, typer.Argument(help="JSON lines, one event a line (docs/risk.md)")],
    policy: Annotated[Path | None, typer.Option(
        help="a policy TOML file (its [risk] section); default the configured policy")] = None,
    sensitivity: Annotated[str | None, typer.Option(help="low, medium or high")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON")] = False,
    decisions: Annotated[Path | None, typer.Option(
        help="write one JSON line per input event, in input order")] = None,
) -> None:
    """Run a stream through a policy from a fresh state, in time order; with labels,
    print takeovers stopped, genuine events interrupted and per-rule hit counts."""
    import json

    from walletguard.adapters.geo import IpRanges
    from walletguard.errors import InvalidInput
    from walletguard.policy import load_policy
    from walletguard.risk import replay, signals
    from walletguard.runtime import RISK_SAMPLES, geo_locator

    settings = _settings()
    chosen = load_policy(policy) if policy is not None else settings.policy
    if sensitivity is not None and sensitivity not in chosen.risk.thresholds:
        _fail(Failure(ExitCode.USAGE, "--sensitivity must be one of "
                      f"{', '.join(chosen.risk.thresholds)}"))
    from zoneinfo import ZoneInfo

    env = signals.Settings(zone=ZoneInfo(chosen.timezone),
                           sim_swap_hours=chosen.device_trust.sim_change_quiet_hours)
    try:
        with file.open(encoding="utf-8") as stream:
            report = replay.replay(
                replay.parse(stream), policy=chosen.risk, env=env, sensitivity=sensitivity,
                geo=geo_locator(settings),
                ranges=IpRanges.from_dir(settings.risk_ip_lists_dir or RISK_SAMPLES))
    except OSError as exc:
        _fail(Failure(ExitCode.USAGE, f"{file}: {exc.strerror or exc}"))
    except InvalidInput as exc:
        _fail(Failure(ExitCode.USAGE, f"{file}: {exc.detail}"))
    if decisions is not None:
        decisions.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n"
                                     for d in report.decisions), encoding="utf-8")
    if as_json:
        sys.stdout.write(json.dumps(report.summary()) + "\n")
    else:
        sys.stdout.write(replay.table(report))


@app.command()
def demo(
    story: Annotated[str, typer.Argument(help="'seed' (default) or 'lost-phone'")] = "seed",
) -> None:
    """Seed demo data, or play the lost-phone story in the terminal.

    Both write to the configured database: the same one that `walletguard serve --demo`
    uses when started with the same settings from the same directory. Either runs any
    number of times on one database."""
    if story not in ("seed", "lost-phone"):
        raise Failure(ExitCode.USAGE, f"unknown story {story!r}: use seed or lost-phone")
    settings = _settings()
    _ensure_runnable(settings, first_run=True, write=True)
    if story == "seed":
        _seed_demo(settings, base="http://127.0.0.1:8000")
        return
    from walletguard.demo import StoryBrokenError, play_lost_phone
    from walletguard.runtime import Platform

    print(f"writing to {_shown(settings.resolved_database_url)}, the database a "
          "`walletguard serve` with these settings uses", flush=True)
    platform = Platform.build(settings)
    try:
        play_lost_phone(platform, _out())
    except StoryBrokenError as exc:
        raise Failure(ExitCode.REFUSED, f"the story broke: {exc}") from exc
    finally:
        platform.db.dispose()


def _seed_demo(settings: Settings, *, base: str) -> None:
    from walletguard.demo import print_tour, seed
    from walletguard.runtime import Platform

    platform = Platform.build(settings)
    try:
        data = seed(platform)
    finally:
        platform.db.dispose()
    print_tour(data, base=base, database=_shown(settings.resolved_database_url))


def main() -> None:
    app()
