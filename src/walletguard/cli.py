"""The ``walletguard`` command: serve, migrate, keys, audit, ledger, demo, policy."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy.exc import OperationalError

from walletguard import schema, text
from walletguard.audit import service as audit
from walletguard.auth import service as auth
from walletguard.auth import throttle
from walletguard.auth.principal import Principal, Role
from walletguard.config import Settings
from walletguard.db import make_engine
from walletguard.errors import ConfigurationError, DomainError
from walletguard.ledger import service as ledger
from walletguard.runtime import Platform

app = typer.Typer(help="walletguard: a wallet core that protects the owner's money.",
                  no_args_is_help=True, add_completion=False)
keys_app = typer.Typer(help="Staff and operator API keys.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
ledger_app = typer.Typer(help="The double-entry ledger.", no_args_is_help=True)
policy_app = typer.Typer(help="The policy (every number the domain knows).",
                         no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(audit_app, name="audit")
app.add_typer(ledger_app, name="ledger")
app.add_typer(policy_app, name="policy")
maintenance_app = typer.Typer(help="Housekeeping (safe to run from cron).", no_args_is_help=True)
app.add_typer(maintenance_app, name="maintenance")

out = Console()
err = Console(stderr=True)
CLI_ACTOR = Principal(role=Role.OPERATOR, id="cli")


def _settings() -> Settings:
    try:
        settings = Settings()
        settings.keys  # noqa: B018 - resolve (or generate) secrets before anything runs
        settings.policy  # noqa: B018 - fail early on a bad policy file
        return settings
    except ConfigurationError as exc:
        err.print(f"[red]configuration error:[/] {exc}")
        raise typer.Exit(2) from exc


@contextmanager
def _platform() -> Iterator[Platform]:
    """The platform for one command; its connections are closed when the command ends."""
    platform = Platform.build(_settings())
    try:
        yield platform
    finally:
        platform.db.dispose()


def _migrate(settings: Settings) -> None:
    url = settings.resolved_database_url
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    with out.status("Migrating the database…"):
        schema.upgrade(url)


def _verdict(settings: Settings) -> schema.Verdict:
    """Where the configured database stands; OperationalError when it cannot be reached."""
    url = settings.resolved_database_url
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)  # as _migrate: the file's home
    engine = make_engine(url, pool_size=1)
    try:
        return schema.check(engine)
    finally:
        engine.dispose()


@app.command()
def migrate(
    check: Annotated[bool, typer.Option(
        "--check", help="change nothing; exit 1 unless the database is at the latest "
                        "revision and matches the models")] = False,
) -> None:
    """Upgrade the database to the latest schema (the only command that does)."""
    settings = _settings()
    try:
        verdict = _verdict(settings)
    except OperationalError as exc:
        err.print(f"[red]cannot reach the database:[/] {exc.orig or exc}", soft_wrap=True)
        raise typer.Exit(1) from exc
    if check:
        if not verdict.is_current:
            err.print(f"[red]✗[/] {escape(verdict.explain())}", soft_wrap=True)
            raise typer.Exit(1)
        out.print(f"[green]✓[/] {escape(verdict.explain())}")
        return
    if verdict.state in (schema.State.UNKNOWN, schema.State.MISMATCH):
        # Upgrading cannot repair these, and trying could damage what is there.
        err.print(f"refusing to migrate: {verdict.explain()}", soft_wrap=True, markup=False)
        raise typer.Exit(1)
    try:
        _migrate(settings)
    except Exception as exc:
        err.print(f"[red]migration failed:[/] {exc}")
        raise typer.Exit(1) from exc
    out.print(f"[green]✓[/] database at revision {schema.head_revision()}")


def _ensure_runnable(settings: Settings, *, first_run: bool) -> None:
    """Run only on a database this release can run on. The one migration ``serve`` (and
    ``demo``) make by themselves is a first run (``first_run``: the embedded SQLite
    default, or demo data): creating the tables in an empty database. Anything else that
    is not current is the operator's decision, so it refuses and names
    ``walletguard migrate``."""
    try:
        verdict = _verdict(settings)
    except OperationalError:
        # Nothing can be damaged by starting: /readyz answers 503 until it is reachable.
        err.print("[yellow]warning:[/] the database cannot be reached yet; /readyz will "
                  "say so until it can", soft_wrap=True)
        return
    if verdict.state is schema.State.EMPTY and first_run:
        _migrate(settings)
        return
    if verdict.is_current:
        return
    advice = {
        schema.State.EMPTY: "run `walletguard migrate` first",
        schema.State.BEHIND: "back it up, then run `walletguard migrate`",
        schema.State.UNKNOWN: "run the walletguard release that migrated it",
        schema.State.MISMATCH: "restore it from a backup, or fix it with a new migration",
    }[verdict.state]
    err.print(f"refusing to start: {verdict.explain()}\n→ {advice}", soft_wrap=True,
              markup=False)
    raise typer.Exit(1)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="worker processes")] = 1,
    demo: Annotated[bool, typer.Option(help="seed demo data first")] = False,
) -> None:
    """Run the HTTP API. A first run on the embedded SQLite default migrates by itself;
    any other database must be current (`walletguard migrate`)."""
    import uvicorn

    settings = _settings()
    _ensure_runnable(settings, first_run=settings.database_url is None or demo)
    if demo:
        _seed_demo(settings, base=f"http://{host}:{port}")
    from walletguard.observability import logs, metrics

    if workers > 1 and "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics.multiprocess_dir(settings.data_dir))
    out.print(f"[green]✓[/] walletguard on http://{host}:{port}  "
              f"({workers} worker{'s' if workers > 1 else ''}, "
              f"{settings.resolved_database_url.split(':')[0]})")
    # Only a proxy named in the setting may say who the client is: uvicorn would otherwise
    # believe X-Forwarded-For from 127.0.0.1, so anything local (or a local reverse proxy
    # passing the header through) could pick the address every per-IP limit counts.
    allow = settings.forwarded_allow_ips.strip()
    uvicorn.run("walletguard.app:create_app", factory=True, host=host, port=port,
                workers=workers, log_level=settings.log_level.lower(), access_log=False,
                log_config=logs.uvicorn_log_config(settings.log_level),
                proxy_headers=bool(allow), forwarded_allow_ips=allow or None)


@keys_app.command("create")
def keys_create(
    role: Annotated[str, typer.Option(help="operator | agent | teller | institution")],
    name: Annotated[str, typer.Option(help="who or what holds the key")],
) -> None:
    """Create an API key. It is printed once and stored only as a keyed digest."""
    try:
        # Checked here as well as where keys are made: the name shows in every key list
        # and audit row, where a bidi override would disguise which key is which.
        name = text.free_text(name, field="name", max_length=100)
        with _platform() as platform, platform.db.transaction() as db:
            key, secret = auth.create_api_key(db, keys=platform.keys, role=role, name=name,
                                              actor=CLI_ACTOR, now=platform.clock.now())
    except DomainError as exc:
        err.print(f"[red]{exc.code}:[/] {exc.detail}")
        raise typer.Exit(2) from exc
    out.print(f"[green]✓[/] {key.role} key {key.id} for {key.name!r}. "
              "Store it now: it is not shown again.", soft_wrap=True)
    print(secret)


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="the key's id (key_…), as create printed it")],
    reason: Annotated[str, typer.Option(help="recorded in the audit log")] = "revoked by operator",
) -> None:
    """Revoke an API key. Every worker refuses it from its next request."""
    try:
        with _platform() as platform, platform.db.transaction() as db:
            key = auth.revoke_api_key(db, key_id=key_id, actor=CLI_ACTOR, reason=reason,
                                      now=platform.clock.now())
    except DomainError as exc:
        err.print(f"[red]{exc.code}:[/] {exc.detail}: {key_id!r}")
        raise typer.Exit(1) from exc
    out.print(f"[green]✓[/] {key.role} key {key.id} ({key.name!r}) revoked "
              f"at {key.revoked_at:%Y-%m-%d %H:%M:%S} UTC")


@keys_app.command("list")
def keys_list() -> None:
    """List API keys (never the keys themselves: only their digests are stored)."""
    with _platform() as platform, platform.db.transaction() as db:
        keys = auth.list_api_keys(db)
    for key in keys:
        revoked = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "active"
        out.print(f"{key.id}  {key.role:<11}  {revoked:<22}  created "
                  f"{key.created_at:%Y-%m-%d %H:%M}  {key.name}", soft_wrap=True, markup=False,
                  highlight=False)
    if not keys:
        out.print("no API keys yet: walletguard keys create --role … --name …")


@audit_app.command("verify")
def audit_verify() -> None:
    """Recompute every hash chain; exit 1 naming the first broken row."""
    with (_platform() as platform, platform.db.transaction() as db,
          out.status("Verifying the audit chains…")):
        report = audit.verify(db)
    if report.first_break is None:
        out.print(f"[green]✓[/] {report.events} events in {report.chains} chains verify")
        return
    b = report.first_break
    err.print(f"[red]✗ audit chain {b.chain_id!r} breaks at seq {b.seq} (row id {b.event_id}):"
              f"[/] {b.problem}", soft_wrap=True)
    raise typer.Exit(1)


@ledger_app.command("check")
def ledger_check() -> None:
    """Prove conservation: all entries sum to zero, every wallet equals its entries."""
    with (_platform() as platform, platform.db.transaction() as db,
          out.status("Checking the ledger…")):
        report = ledger.check_conservation(db)
    table = Table(title="ledger check")
    table.add_column("check")
    table.add_column("result")
    table.add_row("accounts / entries", f"{report.accounts} / {report.entries}")
    table.add_row("sum of all entries", str(report.total))
    table.add_row("unbalanced transfers", str(len(report.unbalanced_transfers)))
    table.add_row("wallets not equal to their entries", str(len(report.wallet_mismatches)))
    table.add_row("payments refunded beyond their amount", str(len(report.over_refunded)))
    out.print(table)
    if not report.ok:
        err.print("[red]✗ the ledger does not balance[/]")
        raise typer.Exit(1)
    out.print("[green]✓[/] money is conserved")


@maintenance_app.command("prune")
def maintenance_prune(
    older_than_hours: Annotated[int, typer.Option(min=2, help="keep newer counters")] = 24,
) -> None:
    """Drop rate-limit counters older than every window in use."""
    with _platform() as platform, platform.db.transaction() as db:
        dropped = throttle.prune(db, now=platform.clock.now(),
                                 older_than=timedelta(hours=older_than_hours))
    out.print(f"[green]✓[/] dropped {dropped} expired rate-limit counters")


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
        out.print(f"[green]✓[/] wrote {output}")


@app.command()
def demo(
    story: Annotated[str, typer.Argument(help="'seed' (default) or 'lost-phone'")] = "seed",
) -> None:
    """Seed demo data, or play the lost-phone story end to end in the terminal."""
    settings = _settings()
    _ensure_runnable(settings, first_run=True)
    if story == "seed":
        _seed_demo(settings, base="http://127.0.0.1:8000")
    elif story == "lost-phone":
        from walletguard.demo import play_lost_phone

        play_lost_phone(Platform.build(settings), out)
    else:
        err.print(f"[red]unknown story {story!r}[/]: use seed or lost-phone")
        raise typer.Exit(2)


def _seed_demo(settings: Settings, *, base: str) -> None:
    from walletguard.demo import print_tour, seed

    platform = Platform.build(settings)
    with out.status("Seeding demo data…"):
        data = seed(platform)
    print_tour(data, out, base=base)


def main() -> None:
    app()
