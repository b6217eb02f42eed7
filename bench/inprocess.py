"""The money path without HTTP: ``authorize_payment`` in a loop, in this process, each
payment in its own transaction as the HTTP edge runs it (``Database.transaction``).

It gives the embedded figures (SQLite, a file in a temporary directory, the way the
service runs without ``WALLETGUARD_DATABASE_URL``), the same loop on PostgreSQL for
comparison, the statements per payment, and the risk engine's added cost per payment:
``risk.evaluate`` + ``risk.enforce`` timed around their calls (their two statements
included), and the rules alone (``signals.decide`` + ``signals.learn``, no database).
``cpu_ms_per_payment`` is this process's CPU time per payment, steadier than wall time
on a shared machine. ``--profile`` prints the top of a cProfile of the loop.

    PYTHONPATH=src python bench/inprocess.py                       # SQLite
    PYTHONPATH=src python bench/inprocess.py --postgres postgresql+psycopg://postgres@127.0.0.1/wg_inproc
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import functools
import json
import logging
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from common import BENCH_POLICY
from sqlalchemy import event

from walletguard import schema
from walletguard.auth.principal import Principal, Role
from walletguard.config import Settings
from walletguard.credentials import service as credentials
from walletguard.devices import service as devices
from walletguard.identity import service as identity
from walletguard.payments import operator as operations
from walletguard.payments import service as payments
from walletguard.risk import service as risk_service
from walletguard.runtime import Platform

PIN = "730264"
PASSWORD = "Plum-Blossom-88"
OPERATOR = Principal(role=Role.OPERATOR, id="bench-operator")
F = TypeVar("F", bound=Callable[..., Any])


def percentiles(samples: list[float]) -> dict[str, float]:
    values = sorted(samples)
    n = len(values)
    pick = lambda pct: values[min(n - 1, max(0, -(-n * pct // 100) - 1))] if n else 0.0  # noqa: E731
    return {"count": n, "p50_ms": round(pick(50) * 1000, 3), "p99_ms": round(pick(99) * 1000, 3),
            "max_ms": round(values[-1] * 1000, 3) if n else 0.0}


def resident_id(index: int) -> str:
    body = "11010519800101" + f"{index % 1000:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]


def build(url: str | None, data_dir: Path, *, default_policy: bool = False) -> Platform:
    """The platform on ``url``, with the money-path benchmark's policy (``BENCH_POLICY``:
    its velocity rule tolerates the loop's owners paying many times a second, so — as in
    ``bench/run.py``'s load — no rule fires on a payment, every rule still runs), or with
    the default policy, under which the velocity rule fires on every payment of the loop
    and each stores its decision row."""
    secret = base64.b64encode(b"b" * 32).decode()
    policy_file = None
    if not default_policy:
        policy_file = data_dir / "policy.toml"
        policy_file.write_text(BENCH_POLICY, encoding="utf-8")
    settings = Settings(database_url=url, data_dir=data_dir, mode="test",
                        password_hash_memory_kib=1024, pii_key=secret, pin_pepper=secret,
                        token_key=secret, policy_file=policy_file)  # type: ignore[arg-type]
    schema.upgrade(settings.resolved_database_url)
    return Platform.build(settings)


def seed(platform: Platform, owners: int,
         tokens: list[str] | None = None) -> tuple[list[Principal], str]:
    """``owners`` owners with a PIN and a balance, and a merchant; each owner's session
    token is appended to ``tokens`` when given (``http_inprocess.py`` pays with them)."""
    now = platform.clock.now()
    with platform.db.transaction() as db:
        merchant = operations.create_merchant(db, actor=OPERATOR, policy=platform.policy,
                                              name="bench", category="retail", now=now).id
    principals = []
    for index in range(owners):
        phone = f"+86139{index:08d}"
        with platform.db.transaction() as db:
            user = identity.register(db, keys=platform.keys, policy=platform.policy, now=now,
                                     data=identity.Registration(
                                         phone=phone, password=PASSWORD, real_name="陈静",
                                         id_number=resident_id(index)))
            user_id = user.id
        with platform.db.transaction() as db:
            started = devices.start_session(
                db, keys=platform.keys, policy=platform.policy, phone=phone,
                password=PASSWORD, now=now,
                device=devices.DeviceInfo(id=f"d{index}", name="Mate 60", platform="android",
                                          fingerprint={"model": "Mate 60"}),
                context=devices.LoginContext(ip="127.0.0.1"))
            owner = Principal(role=Role.OWNER, id=user_id, user_id=user_id,
                              device_id=started.device.id, session_id=started.session.id,
                              trusted=started.trusted)
            if tokens is not None:
                tokens.append(started.token)
        with platform.db.transaction() as db:
            credentials.set_pin(db, keys=platform.keys, policy=platform.policy, owner=owner,
                                pin=PIN, current_pin=None, now=now)
            operations.top_up(db, actor=OPERATOR, user_id=user_id, amount=100_000_000,
                              idempotency_key=None, now=now)
        principals.append(owner)
    return principals, merchant


def timed(samples: list[float], fn: F) -> F:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            samples.append(time.perf_counter() - start)
    return wrapper  # type: ignore[return-value]


def loop(platform: Platform, owners: list[Principal], merchant: str, count: int,
         label: str, paths: list[payments.MoneyPath] | None = None) -> list[float]:
    """``count`` payments, one at a time; with several ``paths``, taking turns."""
    paths = paths or [platform.money]
    samples = []
    for n in range(count):
        owner = owners[n % len(owners)]
        start = time.perf_counter()
        with platform.db.transaction() as db:
            payments.authorize_payment(
                db, path=paths[n % len(paths)], owner=owner, idempotency_key=f"{label}-{n}",
                now=platform.clock.now(),
                request=payments.PaymentRequest(
                    merchant_id=merchant, amount=100 + n % 300,
                    auth=payments.PaymentAuth(method="pin", pin=PIN)))
        samples.append(time.perf_counter() - start)
    return samples


def run(url: str | None, *, payments_count: int, owners: int, profile: bool,
        show_statements: bool = False, default_policy: bool = False) -> dict[str, Any]:
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="wg-inproc-") as tmp:
        platform = build(url, Path(tmp), default_policy=default_policy)
        try:
            principals, merchant = seed(platform, owners)
            loop(platform, principals, merchant, min(200, payments_count), "warm")
            statements: list[str] = []

            def count(*args: Any) -> None:
                statements.append(args[2])

            event.listen(platform.db.engine, "before_cursor_execute", count)
            loop(platform, principals, merchant, 1, "count")
            event.remove(platform.db.engine, "before_cursor_execute", count)
            risk_samples: list[float] = []
            rule_samples: list[float] = []
            evaluate, enforce = payments.risk.evaluate, payments.risk.enforce
            decide, learn = risk_service.signals.decide, risk_service.signals.learn
            payments.risk.evaluate = timed(risk_samples, evaluate)  # type: ignore[assignment]
            payments.risk.enforce = timed(risk_samples, enforce)  # type: ignore[assignment]
            risk_service.signals.decide = timed(rule_samples, decide)  # type: ignore[assignment]
            risk_service.signals.learn = timed(rule_samples, learn)  # type: ignore[assignment]
            profiler = cProfile.Profile() if profile else None
            started, cpu_started = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            samples = loop(platform, principals, merchant, payments_count, "run")
            if profiler:
                profiler.disable()
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            payments.risk.evaluate, payments.risk.enforce = evaluate, enforce  # type: ignore[assignment]
            risk_service.signals.decide, risk_service.signals.learn = decide, learn  # type: ignore[assignment]
            # The engine's whole cost, its statements and the wallet UPDATE's extra column
            # included: payments with and without it, taking turns in one loop.
            turns = loop(platform, principals, merchant, payments_count, "turns",
                         paths=[platform.money, replace(platform.money, risk=None)])
            with_engine, without_engine = turns[::2], turns[1::2]
        finally:
            platform.db.dispose()
    # evaluate and enforce are two samples per payment: add them pairwise
    per_payment = [a + b for a, b in zip(risk_samples[::2], risk_samples[1::2], strict=False)]
    rules = [a + b for a, b in zip(rule_samples[::2], rule_samples[1::2], strict=False)]
    report: dict[str, Any] = {
        "database": platform.db.engine.dialect.name,
        "payments_per_s": round(payments_count / elapsed, 1),
        "cpu_ms_per_payment": round(cpu / payments_count * 1000, 3),
        "latency": percentiles(samples),
        "statements_per_payment": len(statements),
        "risk_per_payment": percentiles(per_payment),
        "risk_rules_per_payment": percentiles(rules),
        "with_and_without_engine": {
            "with": percentiles(with_engine), "without": percentiles(without_engine),
            "added_p50_ms": round(
                percentiles(with_engine)["p50_ms"] - percentiles(without_engine)["p50_ms"], 3),
            "added_p99_ms": round(
                percentiles(with_engine)["p99_ms"] - percentiles(without_engine)["p99_ms"], 3)},
    }
    if show_statements:
        report["statements"] = [" ".join(s.split())[:160] for s in statements]
    if profiler:
        stats = pstats.Stats(profiler).sort_stats("cumulative")
        stats.print_stats(40)
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", help="a PostgreSQL URL (its schema is migrated); "
                        "default: SQLite in a temporary directory")
    parser.add_argument("--payments", type=int, default=2000)
    parser.add_argument("--owners", type=int, default=200,
                        help="owners paying in turn (200: each pays about once a second, "
                        "as in bench/run.py's HTTP phases)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the loop")
    parser.add_argument("--default-policy", action="store_true",
                        help="the default policy (its velocity rule fires on every payment "
                        "of the loop) instead of the money-path benchmark's")
    parser.add_argument("--statements", action="store_true",
                        help="also list one payment's statements (shortened)")
    parser.add_argument("--json", metavar="PATH", help="also write the report as JSON")
    args = parser.parse_args()
    report = run(args.postgres, payments_count=args.payments, owners=args.owners,
                 profile=args.profile, show_statements=args.statements,
                 default_policy=args.default_policy)
    print(json.dumps(report, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
