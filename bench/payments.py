"""Payment throughput and latency of walletguard on loopback, against pgbench on the same server.

Recreates the benchmark database, runs ``walletguard migrate`` and ``walletguard serve``,
seeds merchants and owners through the v1 API, then drives ``POST /v1/payments`` from
``--concurrency`` keep-alive connections for ``--duration`` seconds (after a warm-up):
60 % password-free, 30 % PIN, 10 % biometric, 80 % of them to one popular merchant.
Owners are partitioned across connections, so an owner never has two payments in flight
and the figure is throughput, not lock waits. Afterwards it checks a sample of balances
against the acknowledged payments and, unless ``--skip-pgbench``, runs pgbench TPC-B for
the same duration and prints payments/s ÷ pgbench tps.

    python bench/payments.py --duration 20 --owners 200 --json out.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from common import (
    DEFAULT_DB_URL,
    PIN,
    TRANSPORT_ERRORS,
    BenchError,
    BiometricApi,
    ClientKind,
    Connection,
    CpuMeter,
    Owner,
    PgTarget,
    Reply,
    Server,
    bearer,
    biometric_api,
    call,
    connect,
    create_merchants,
    create_operator_key,
    event_loop_name,
    latency_summary,
    on_connections,
    run_async,
    running_server,
    seed_owners,
)

# One owner's payment methods in order: 6 password-free, 3 PIN, 1 biometric, never more
# than 3 password-free in a row (the policy asks for PIN/biometric after 5).
CYCLE = (
    "password_free",
    "password_free",
    "password_free",
    "pin",
    "password_free",
    "password_free",
    "password_free",
    "pin",
    "biometric",
    "pin",
)
P99_TARGET_MS = 25.0
POPULAR_SHARE = 0.8
MIN_AMOUNT, MAX_AMOUNT = 100, 500
CPU_SAMPLE_S = 0.5
LABEL_WIDTH = 24
LOAD_TIMEOUT = 30.0  # seconds; a payment slower than this counts as a transport error
CLIENT_NAMES = {"raw": "raw asyncio HTTP/1.1 keep-alive", "httpx": "httpx.AsyncClient"}


# --------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class Plan:
    """What the load sends: merchants, the per-owner budget, the biometric endpoints."""

    merchants: list[str]
    spend_limit: int  # per owner for the run: min(top-up, daily limit)
    password_free_limit: int  # per owner per day
    max_amount: int
    biometric: BiometricApi | None
    notes: list[str]


@dataclass(frozen=True)
class Window:
    """The measured interval, on the monotonic clock; requests before it are warm-up."""

    start: float
    end: float

    @classmethod
    def after(cls, warmup: float, duration: float) -> Window:
        start = time.monotonic() + warmup
        return cls(start, start + duration)


@dataclass
class OwnerLedger:
    """What the load did with one owner: payments sent and the amount the server acknowledged."""

    owner: Owner
    sent: int = 0
    paid: int = 0
    paid_password_free: int = 0
    uncertain: bool = False  # a transport error or 5xx: the payment may or may not exist

    def method(self) -> str:
        return CYCLE[(self.owner.index + self.sent) % len(CYCLE)]


@dataclass
class Tally:
    """Outcomes of the requests that finished inside the window."""

    latencies_ms: list[float] = field(default_factory=list)
    by_method_ms: dict[str, list[float]] = field(default_factory=dict)
    outcomes: Counter[str] = field(default_factory=Counter)
    methods: Counter[str] = field(default_factory=Counter)
    retired_owners: int = 0


@dataclass(frozen=True)
class Fixture:
    plan: Plan
    owners: list[Owner]
    spare_owners: list[Owner]  # seeded like the others, never paid from by the load


def biometric_note(api: BiometricApi | None) -> str:
    if api is None:
        return (
            "no biometric (WebAuthn) endpoint in /openapi.json: the biometric 10 % is paid by PIN"
        )
    return (
        "biometric pays through WebAuthn (a software authenticator per owner; one "
        f"{api.payment_options} round trip per payment, inside its latency); the bench policy "
        "sets biometric.min_device_age_days = 0 so freshly seeded devices qualify"
    )


async def prepare(server: Server, args: argparse.Namespace, spare_owners: int = 0) -> Fixture:
    """Seed merchants and ``args.owners`` (+ ``spare_owners``) owners; derive the plan."""
    operator_key = create_operator_key(server, "bench")
    biometric = biometric_api(server)
    conn = connect(server, args.client)
    try:
        merchants = await create_merchants(conn, operator_key, args.merchants)
        started = time.monotonic()
        owners = await seed_owners(
            server,
            args.client,
            indices=range(args.owners + spare_owners),
            operator_key=operator_key,
            topup=args.topup,
            biometric=biometric,
            # registration and login hash a password (argon2id): CPU-bound on the server,
            # so more requests in parallel than it has workers would only queue
            concurrency=2 * args.workers,
        )
        print(f"seeded {len(owners)} owners in {time.monotonic() - started:.1f}s", file=sys.stderr)
        wallet = await call(conn, "GET", "/v1/wallet", token=owners[0].token)
    finally:
        await conn.close()
    password_free = wallet.get("password_free") or {}
    plan = Plan(
        merchants=merchants,
        spend_limit=min(args.topup, wallet.get("daily_limit") or args.topup),
        password_free_limit=password_free.get("daily_limit") or args.topup,
        max_amount=min(MAX_AMOUNT, password_free.get("per_payment_limit") or MAX_AMOUNT),
        biometric=biometric,
        notes=[biometric_note(biometric)],
    )
    return Fixture(plan, owners[: args.owners], owners[args.owners :])


# --------------------------------------------------------------------------- load


async def send_payment(
    conn: Connection,
    ledger: OwnerLedger,
    plan: Plan,
    method: str,
    amount: int,
    key: str,
    rng: random.Random,
) -> Reply:
    """POST /v1/payments; a biometric payment first asks for its single-use challenge (a
    refusal of that request is returned as the payment's answer)."""
    popular, *others = plan.merchants
    merchant = popular if not others or rng.random() < POPULAR_SHARE else rng.choice(others)
    token, authenticator = ledger.owner.token, ledger.owner.authenticator
    auth: dict[str, Any] = {"method": method}
    if method == "pin":
        auth["pin"] = PIN
    elif method == "biometric" and plan.biometric and authenticator:
        options = await conn.request(
            "POST", plan.biometric.payment_options, None, bearer(token, f"{key}-o")
        )
        if not 200 <= options.status < 300:
            return options
        auth["assertion"] = authenticator.get(options.json())
    body = {"merchant_id": merchant, "amount": amount, "auth": auth}
    return await conn.request("POST", "/v1/payments", body, bearer(token, key))


def method_to_send(ledger: OwnerLedger, plan: Plan, amount: int) -> str | None:
    """The method the owner's next payment is sent with: its turn in CYCLE, except that
    biometric is paid by PIN when the server has no biometric endpoints, and password-free
    by PIN once the owner's password-free daily budget is spent; None once its spending
    budget is."""
    method = ledger.method()
    if ledger.paid + amount > plan.spend_limit:
        return None
    if method == "biometric" and ledger.owner.authenticator is None:
        return "pin"
    if method == "password_free" and ledger.paid_password_free + amount > plan.password_free_limit:
        return "pin"
    return method


async def pay(
    conn: Connection,
    ledger: OwnerLedger,
    plan: Plan,
    run_id: str,
    rng: random.Random,
    window: Window,
    tally: Tally,
) -> bool:
    """Send the owner's next payment; False when its budget for the run is spent."""
    method, amount = ledger.method(), rng.randint(MIN_AMOUNT, plan.max_amount)
    sent_as = method_to_send(ledger, plan, amount)
    if sent_as is None:
        return False
    key = f"{run_id}-{ledger.owner.index}-{ledger.sent}"
    ledger.sent += 1
    started = time.monotonic()
    try:
        reply = await send_payment(conn, ledger, plan, sent_as, amount, key, rng)
    except TRANSPORT_ERRORS as exc:
        ledger.uncertain, outcome = True, f"transport {type(exc).__name__}"
    else:
        outcome = "201" if reply.status == 201 else f"{reply.status} {reply.code}".strip()
        if reply.status == 201:
            ledger.paid += amount
            ledger.paid_password_free += amount if sent_as == "password_free" else 0
        ledger.uncertain |= reply.status >= 500
    finished = time.monotonic()
    if window.start <= finished <= window.end:
        tally.outcomes[outcome] += 1
        tally.methods[method if sent_as == method else f"{method} (sent as {sent_as})"] += 1
        if outcome == "201":
            latency = (finished - started) * 1000
            tally.latencies_ms.append(latency)
            tally.by_method_ms.setdefault(sent_as, []).append(latency)
    return True


async def drive(
    conn: Connection,
    ledgers: list[OwnerLedger],
    plan: Plan,
    run_id: str,
    window: Window,
    tally: Tally,
    seed: int,
) -> None:
    """Pay from this partition's owners in turn, one request at a time, until the window ends."""
    rng = random.Random(seed)
    active = list(ledgers)
    turn = 0
    try:
        while active and time.monotonic() < window.end:
            ledger = active[turn % len(active)]
            if await pay(conn, ledger, plan, run_id, rng, window, tally):
                turn += 1
            else:
                active.remove(ledger)
                tally.retired_owners += 1
    finally:
        await conn.close()


async def measure_cpu(server: Server, dbname: str, window: Window) -> dict[str, float]:
    await asyncio.sleep(max(0.0, window.start - time.monotonic()))
    meter = CpuMeter(server_session=server.process.pid, dbname=dbname)
    while (left := window.end - time.monotonic()) > 0:
        await asyncio.sleep(min(CPU_SAMPLE_S, left))
        meter.sample()
    return meter.usage()


async def run_load(
    server: Server, fixture: Fixture, args: argparse.Namespace, window: Window
) -> tuple[Tally, list[OwnerLedger], dict[str, float]]:
    ledgers = [OwnerLedger(owner) for owner in fixture.owners]
    tally, run_id = Tally(), uuid.uuid4().hex[:12]
    workers = max(1, min(args.concurrency, len(ledgers)))
    dbname = PgTarget.from_url(args.postgres).dbname
    cpu = asyncio.create_task(measure_cpu(server, dbname, window))
    await asyncio.gather(
        *(
            drive(
                connect(server, args.client, LOAD_TIMEOUT),
                ledgers[number::workers],
                fixture.plan,
                run_id,
                window,
                tally,
                args.seed + number,
            )
            for number in range(workers)
        )
    )
    return tally, ledgers, await cpu


# --------------------------------------------------------------------------- checks


async def verify_balances(
    server: Server, kind: ClientKind, ledgers: list[OwnerLedger], sample: int, concurrency: int
) -> dict[str, Any]:
    """GET /v1/wallet for a sample of owners: balance must be top-up minus acknowledged payments."""
    certain = [ledger for ledger in ledgers if not ledger.uncertain]
    chosen = random.Random(7).sample(certain, min(sample, len(certain)))

    async def balance(conn: Connection, ledger: OwnerLedger) -> tuple[OwnerLedger, Any]:
        wallet = await call(conn, "GET", "/v1/wallet", token=ledger.owner.token)
        return ledger, wallet.get("balance")

    mismatches = [
        {
            "owner": ledger.owner.index,
            "expected": ledger.owner.topup - ledger.paid,
            "reported": reported,
        }
        for ledger, reported in await on_connections(server, kind, chosen, concurrency, balance)
        if reported != ledger.owner.topup - ledger.paid
    ]
    return {
        "checked": len(chosen),
        "skipped_uncertain": len(ledgers) - len(certain),
        "mismatches": mismatches,
    }


def run_pgbench(target: PgTarget, duration: int) -> dict[str, Any]:
    """TPC-B (pgbench -s 10, 16 clients, 2 threads, prepared) into wg_pgbench on the same
    server; CPU is sampled over the middle of the run, while pgbench's backends live."""
    bench_db = target.named("wg_pgbench")
    bench_db.recreate()
    bench_db.run("pgbench", "-i", "-q", "-s", "10", bench_db.dbname)
    command = ["-c", "16", "-j", "2", "-T", str(duration), "-M", "prepared", bench_db.dbname]
    settle = min(1.0, duration / 4)
    with subprocess.Popen(
        ["pgbench", *bench_db.conn_args(), *command],
        env=bench_db.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as pgbench:
        time.sleep(settle)
        meter = CpuMeter(server_session=None, dbname=bench_db.dbname)
        for _ in range(int((duration - 2 * settle) / CPU_SAMPLE_S)):
            time.sleep(CPU_SAMPLE_S)
            meter.sample()
        cpu = meter.usage()
        output, errors = pgbench.communicate(timeout=duration + 300)
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", output)
    latency = re.search(r"latency average = ([\d.]+) ms", output)
    if pgbench.returncode != 0 or tps is None:
        raise BenchError(f"pgbench failed:\n{output}{errors[-800:]}")
    return {
        "tps": float(tps.group(1)),
        "latency_avg_ms": float(latency.group(1)) if latency else None,
        "cpu": cpu,
    }


# --------------------------------------------------------------------------- report


def load_report(
    tally: Tally, cpu: dict[str, float], args: argparse.Namespace, plan: Plan
) -> dict[str, Any]:
    return {
        "client": f"{CLIENT_NAMES[args.client]} on {event_loop_name()}",
        "server_workers": args.workers,
        "connections": args.concurrency,
        "owners": args.owners,
        "duration_s": args.duration,
        "payments_per_s": round(tally.outcomes["201"] / args.duration, 1),
        "latency": latency_summary(tally.latencies_ms),
        "p99_target_ms": P99_TARGET_MS,
        "latency_by_method": {
            method: latency_summary(values) for method, values in tally.by_method_ms.items()
        },
        "outcomes": dict(tally.outcomes.most_common()),
        "methods": dict(tally.methods.most_common()),
        "owners_out_of_budget": tally.retired_owners,
        "cpu": cpu,
        "notes": plan.notes,
    }


def payment_rows(report: dict[str, Any]) -> list[tuple[str, str]]:
    latency, cpu = report["latency"], report["cpu"]
    verdict = "met" if latency["p99_ms"] <= report["p99_target_ms"] else "MISSED"
    rows = [
        (
            "setup",
            f"{report['client']}; {report['server_workers']} server workers, "
            f"{report['connections']} connections, {report['owners']} owners, "
            f"{report['duration_s']} s measured",
        ),
        ("payments/s", f"{report['payments_per_s']}"),
        (
            "latency p50/p95/p99",
            f"{latency['p50_ms']} / {latency['p95_ms']} / {latency['p99_ms']} ms "
            f"(max {latency['max_ms']}; p99 target "
            f"{report['p99_target_ms']:.0f} ms: {verdict})",
        ),
        *(
            (
                f"  {method} p50/p99",
                f"{values['p50_ms']} / {values['p99_ms']} ms ({values['count']})",
            )
            for method, values in report["latency_by_method"].items()
        ),
        (
            "outcomes",
            ", ".join(f"{outcome}: {count}" for outcome, count in report["outcomes"].items()),
        ),
        ("methods", ", ".join(f"{method}: {count}" for method, count in report["methods"].items())),
        (
            "CPU (cores)",
            f"client {cpu['client_cores']}, server {cpu['server_cores']}, postgres "
            f"{cpu['postgres_cores']}, other {cpu['other_cores']}; machine busy "
            f"{cpu['machine_busy_cores']} of {cpu['machine_cores']}",
        ),
    ]
    if report["owners_out_of_budget"]:
        rows.append(("owners out of budget", str(report["owners_out_of_budget"])))
    return rows + [("note", note) for note in report["notes"]]


def balance_rows(balances: dict[str, Any]) -> list[tuple[str, str]]:
    rows = [
        (
            "balances",
            f"{balances['checked']} owners checked, {len(balances['mismatches'])} "
            f"mismatches ({balances['skipped_uncertain']} skipped: uncertain outcome)",
        )
    ]
    return rows + [("  mismatch", json.dumps(mismatch)) for mismatch in balances["mismatches"]]


def pgbench_rows(report: dict[str, Any]) -> list[tuple[str, str]]:
    pgbench = report["pgbench"]
    cpu = pgbench["cpu"]
    return [
        (
            "pgbench TPC-B",
            f"{pgbench['tps']:.1f} tps (latency avg {pgbench['latency_avg_ms']} ms; "
            f"cores: pgbench {cpu['client_cores']}, postgres {cpu['postgres_cores']}, "
            f"other {cpu['other_cores']})",
        ),
        ("payments/s ÷ tps", f"{report['ratio_payments_per_pgbench_tps']}"),
    ]


def print_rows(rows: Sequence[tuple[str, str]]) -> None:
    for label, value in rows:
        print(f"{label:<{LABEL_WIDTH}}  {value}", flush=True)


def server_errors(server: Server, report: dict[str, Any]) -> None:
    """When the server answered 5xx, show the end of its log."""
    if any(outcome.startswith("5") for outcome in report["outcomes"]):
        print(
            f"--- server answered 5xx; the end of {server.log_path}:\n{server.log_tail()}",
            file=sys.stderr,
        )


# --------------------------------------------------------------------------- main


def add_load_args(parser: argparse.ArgumentParser) -> None:
    """The arguments shared by payments.py and freeze_latency.py."""
    parser.add_argument(
        "--postgres", default=DEFAULT_DB_URL, help="database URL; dropped and recreated"
    )
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers")
    parser.add_argument("--duration", type=int, default=20, help="measured seconds")
    parser.add_argument(
        "--warmup", type=float, default=2.0, help="seconds of load before measuring"
    )
    parser.add_argument("--concurrency", type=int, default=32, help="client connections")
    parser.add_argument("--owners", type=int, default=200, help="owners paying")
    parser.add_argument(
        "--merchants", type=int, default=5, help="merchants (80 %% of payments go to one)"
    )
    parser.add_argument("--topup", type=int, default=200_000, help="each owner's top-up, fen")
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw", help="HTTP client")
    parser.add_argument("--seed", type=int, default=1, help="random seed of amounts and merchants")
    parser.add_argument(
        "--verify-sample", type=int, default=50, help="owners whose balance is checked"
    )
    parser.add_argument("--json", metavar="PATH", help="also write the report as JSON")


async def benchmark(server: Server, args: argparse.Namespace) -> dict[str, Any]:
    fixture = await prepare(server, args)
    tally, ledgers, cpu = await run_load(
        server, fixture, args, Window.after(args.warmup, args.duration)
    )
    report = load_report(tally, cpu, args, fixture.plan)
    report["balances"] = await verify_balances(
        server, args.client, ledgers, args.verify_sample, args.concurrency
    )
    server_errors(server, report)
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_load_args(parser)
    parser.add_argument("--skip-pgbench", action="store_true", help="do not run pgbench afterwards")
    args = parser.parse_args(argv)
    target = PgTarget.from_url(args.postgres)
    target.recreate()
    with running_server(args.postgres, args.workers) as server:
        report = run_async(benchmark(server, args))
    print_rows(payment_rows(report) + balance_rows(report["balances"]))
    failed = bool(report["balances"]["mismatches"])
    if not args.skip_pgbench:
        try:
            report["pgbench"] = run_pgbench(target, args.duration)
        except BenchError as error:
            report["pgbench"], failed = {"error": str(error)}, True
            print_rows([("pgbench", str(error))])
        else:
            report["ratio_payments_per_pgbench_tps"] = round(
                report["payments_per_s"] / report["pgbench"]["tps"], 3
            )
            print_rows(pgbench_rows(report))
    write_json(args.json, report)
    return 1 if failed else 0


def write_json(path: str | None, report: dict[str, Any]) -> None:
    if path:
        with open(path, "w", encoding="utf-8") as out:
            json.dump(report, out, indent=2, ensure_ascii=False)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        sys.exit(f"bench: {error}")
