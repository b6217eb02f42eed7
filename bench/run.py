"""The bench suite in one command: every figure of docs/benchmarks.md's summary, in one
run, so ratios are taken within it.

    python bench/run.py            # the full run (≈ 6–10 minutes on 2 cores)
    python bench/run.py --quick    # a short run (≈ 2–3 minutes): fewer owners, shorter phases

Against one ``walletguard serve --workers 2`` on PostgreSQL (database recreated):

1. seed owners and merchants through the API, and stored history up to 1,000 transfers
   (``history.py``: bulk INSERT … SELECT, not HTTP);
2. closed loop, one request in flight per connection: PIN payments, then password-free
   (every fifth by PIN: the policy asks for one after five in a row), then biometric
   (WebAuthn through a software authenticator) — payments/s and p50/p99 each; server CPU
   per payment and RSS per worker during the PIN phase;
3. open loop (a fixed arrival rate; latency from each payment's *scheduled* send time,
   so a stalled server is not hidden by a stalled client), on the closed loop's number of
   connections kept open (as wrk2, or a proxy in front of the workers): PIN payments at
   70 % of the PIN closed loop's rate;
4. overload: PIN payments arriving at 120 % of that rate, each on an idle connection or a
   new one (a crowd of clients: admission control must shed), while, from a separate process,
   an owner freezes every 200 ms — freeze p50/p99, and the payment each freeze must stop;
5. history up to 1,000,000 transfers (``--quick``: 100,000), the PIN closed loop again;
6. balances of a sample of owners against the acknowledged payments;
then, with the server stopped, pgbench TPC-B (``-i -s 10``, ``-c16 -j2 -T<phase>``) on the
same PostgreSQL, and ``inprocess.py`` (the use case in a loop without HTTP) on SQLite and on
PostgreSQL: the embedded figures, statements per payment, the risk engine's cost.

The server hashes passwords at the test suite's cost
(``WALLETGUARD_PASSWORD_HASH_MEMORY_KIB=1024``) and lets a sign-up wait 30 s for a hashing
slot (``WALLETGUARD_PASSWORD_HASH_WAIT_SECONDS``): seeding signs up and logs in hundreds of
owners, and at the production cost a busy 2-core machine answers some of them 503 (which
seeding also retries, as Retry-After says).

The table is printed and written into docs/benchmarks.md (between the ``bench/run.py``
markers) with the date, the machine, the load average and the command; ``--no-write``
leaves the file alone, ``--json PATH`` writes everything measured.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing
import os
import platform as host
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import (
    DEFAULT_DB_URL,
    TRANSPORT_ERRORS,
    BenchError,
    Connection,
    CpuMeter,
    PgTarget,
    Server,
    connect,
    latency_summary,
    run_async,
    running_server,
)
from freeze_latency import FROZEN, probe_freezes
from history import seed_history

from payments import (
    MIN_AMOUNT,
    Fixture,
    OwnerLedger,
    prepare,
    run_pgbench,
    send_payment,
    verify_balances,
)

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench/run.py: begin -->", "<!-- bench/run.py: end -->"
SERVER_ENV = {"WALLETGUARD_PASSWORD_HASH_MEMORY_KIB": "1024",
              "WALLETGUARD_PASSWORD_HASH_WAIT_SECONDS": "30"}
LOAD_TIMEOUT = 30.0
FREEZE_INTERVAL = 0.2
TARGETS = {"ratio": 0.3, "open_p99_ms": 25.0, "freeze_p99_ms": 50.0, "history_drift": 0.10,
           "risk_p99_ms": 1.0}


@dataclass
class Phase:
    """What one load phase saw inside its measured window."""

    name: str
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    by_method_ms: dict[str, list[float]] = field(default_factory=dict)
    outcomes: Counter[str] = field(default_factory=Counter)
    offered: int = 0

    def record(self, method: str, outcome: str, latency_ms: float) -> None:
        self.outcomes[outcome] += 1
        if outcome == "201":
            self.latencies_ms.append(latency_ms)
            self.by_method_ms.setdefault(method, []).append(latency_ms)

    def report(self) -> dict[str, Any]:
        return {
            "phase": self.name,
            "seconds": self.seconds,
            "offered": self.offered,
            "payments_per_s": round(self.outcomes["201"] / self.seconds, 1),
            "latency": latency_summary(self.latencies_ms),
            "by_method": {m: latency_summary(v) for m, v in self.by_method_ms.items()},
            "outcomes": dict(self.outcomes.most_common()),
        }


def method_for(ledger: OwnerLedger, wanted: str) -> str:
    """The method this owner's next payment is sent with: password-free turns to PIN for
    every fifth payment (the policy's limit on password-free payments in a row) and once
    its daily budget is spent; biometric without an authenticator is paid by PIN."""
    if wanted == "password_free" and ledger.sent % 5 == 4:
        return "pin"
    if wanted == "biometric" and ledger.owner.authenticator is None:
        return "pin"
    return wanted


async def pay_once(conn: Connection, ledger: OwnerLedger, fixture: Fixture, wanted: str,
                   rng: random.Random, run_id: str) -> tuple[str, str] | None:
    """One payment by this owner; (method sent, outcome), or None when its budget is spent."""
    plan = fixture.plan
    amount = rng.randint(MIN_AMOUNT, plan.max_amount)
    if ledger.paid + amount > plan.spend_limit:
        return None
    method = method_for(ledger, wanted)
    if method == "password_free" and ledger.paid_password_free + amount > plan.password_free_limit:
        method = "pin"
    key = f"{run_id}-{ledger.owner.index}-{ledger.sent}"
    ledger.sent += 1
    try:
        reply = await send_payment(conn, ledger, plan, method, amount, key, rng)
    except TRANSPORT_ERRORS as exc:
        ledger.uncertain = True
        return method, f"transport {type(exc).__name__}"
    if reply.status == 201:
        ledger.paid += amount
        ledger.paid_password_free += amount if method == "password_free" else 0
    ledger.uncertain |= reply.status >= 500 and reply.code != "unavailable"
    return method, "201" if reply.status == 201 else f"{reply.status} {reply.code}".strip()


async def closed_loop(server: Server, ledgers: list[OwnerLedger], fixture: Fixture,
                      wanted: str, connections: int, seconds: float, warmup: float,
                      on_window: Any = None) -> Phase:
    """``connections`` connections, one request in flight on each, owners partitioned
    among them (no owner has two payments in flight)."""
    phase, run_id = Phase(wanted, seconds), uuid.uuid4().hex[:10]
    start = time.monotonic() + warmup
    end = start + seconds

    async def drive(number: int) -> None:
        conn = connect(server, "raw", LOAD_TIMEOUT)
        mine = ledgers[number::connections]
        rng = random.Random(number)
        turn = 0
        try:
            while mine and time.monotonic() < end:
                ledger = mine[turn % len(mine)]
                sent = time.monotonic()
                done = await pay_once(conn, ledger, fixture, wanted, rng, run_id)
                if done is None:
                    mine.remove(ledger)
                    continue
                turn += 1
                finished = time.monotonic()
                if start <= finished <= end:
                    phase.record(done[0], done[1], (finished - sent) * 1000)
        finally:
            await conn.close()

    tasks = [drive(n) for n in range(min(connections, len(ledgers)))]
    if on_window is not None:
        tasks.append(on_window(start, end))
    await asyncio.gather(*tasks)
    return phase


async def open_loop(server: Server, ledgers: list[OwnerLedger], fixture: Fixture,
                    rate: float, seconds: float, name: str,
                    pool: int | None = None) -> Phase:
    """PIN payments at a fixed arrival rate for ``seconds``: the i-th is due at
    start + i / rate and its latency runs from then, whether or not the client could
    send it on time (no coordinated omission).

    ``pool``: at most that many connections, kept open, as wrk2 does and as a proxy in
    front of the workers does (an arrival finding every connection busy waits for one, its
    clock running). ``None``: a connection is taken from the idle ones or opened, so an
    arrival never waits for an answer — a crowd of clients, each with its own connection,
    which the overload phase uses to drive admission control."""
    phase, run_id = Phase(name, seconds), uuid.uuid4().hex[:10]
    idle: asyncio.Queue[Connection] = asyncio.Queue()
    opened: list[Connection] = []
    rng = random.Random(7)
    start = time.monotonic() + 0.2
    count = int(rate * seconds)
    phase.offered = count

    async def take() -> Connection:
        if idle.empty() and (pool is None or len(opened) < pool):
            opened.append(connect(server, "raw", LOAD_TIMEOUT))
            return opened[-1]
        return await idle.get()

    async def one(i: int, due: float) -> None:
        conn = await take()
        ledger = ledgers[i % len(ledgers)]
        done = await pay_once(conn, ledger, fixture, "pin", rng, run_id)
        idle.put_nowait(conn)
        if done is not None:
            phase.record(done[0], done[1], (time.monotonic() - due) * 1000)

    tasks = []
    for i in range(count):
        due = start + i / rate
        if (delay := due - time.monotonic()) > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, due)))
    await asyncio.gather(*tasks)
    for conn in opened:
        await conn.close()
    return phase


def worker_rss_mib(server: Server) -> list[float]:
    """Resident memory of each uvicorn worker (the processes of the server's session
    started by multiprocessing's spawn; not the supervisor or its resource tracker)."""
    sizes = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == server.process.pid:
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            if int(fields[3]) != server.process.pid:  # session id
                continue
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                if b"spawn_main" not in cmdline.read():
                    continue
            with open(f"/proc/{entry}/status", encoding="utf-8") as status:
                rss = next(line for line in status if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            continue
        sizes.append(round(int(rss.split()[1]) / 1024, 1))
    return sorted(sizes)


async def http_phases(server: Server, args: argparse.Namespace,
                      target: PgTarget) -> dict[str, Any]:
    probes = math.ceil(args.phase / FREEZE_INTERVAL) + 2
    setup = argparse.Namespace(client="raw", merchants=5, owners=args.owners,
                               workers=args.workers, topup=400_000)
    fixture = await prepare(server, setup, spare_owners=probes)
    ledgers = [OwnerLedger(owner) for owner in fixture.owners]
    report: dict[str, Any] = {"notes": fixture.plan.notes}
    report["history_1k"] = await asyncio.to_thread(seed_history, target, 1_000)
    cpu: dict[str, float] = {}
    rss: list[float] = []

    async def meter(start: float, end: float) -> None:
        await asyncio.sleep(max(0.0, start - time.monotonic()))
        cpu_meter = CpuMeter(server_session=server.process.pid, dbname=target.dbname)
        while (left := end - time.monotonic()) > 0:
            await asyncio.sleep(min(0.5, left))
            cpu_meter.sample()
            rss[:] = worker_rss_mib(server)
        cpu.update(cpu_meter.usage())

    phases = {}
    print("closed loop: pin", file=sys.stderr)
    phases["pin"] = await closed_loop(server, ledgers, fixture, "pin", args.connections,
                                      args.phase, 2.0, meter)
    report["cpu"], report["rss_mib"] = dict(cpu), list(rss)
    for method in ("password_free", "biometric"):
        print(f"closed loop: {method}", file=sys.stderr)
        phases[method] = await closed_loop(server, ledgers, fixture, method, args.connections,
                                           args.phase, 1.0)
    ceiling = max(phases["pin"].outcomes["201"] / args.phase, 1.0)
    print(f"open loop at 70 % of {ceiling:.0f}/s", file=sys.stderr)
    phases["open_70"] = await open_loop(server, ledgers, fixture, 0.7 * ceiling, args.phase,
                                        "open_70", pool=args.connections)
    report["open_pool"] = args.connections
    print("overload at 120 % with freezes", file=sys.stderr)
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        # The probe waits 0.5 s so the queue is built when the first freeze goes in.
        window = (time.monotonic() + 0.7, time.monotonic() + 0.2 + args.phase)
        probe = loop.run_in_executor(pool, probe_freezes, server.host, server.port,
                                     [o.token for o in fixture.spare_owners],
                                     fixture.plan.merchants[0], FREEZE_INTERVAL, window)
        phases["overload_120"] = await open_loop(server, ledgers, fixture, 1.2 * ceiling,
                                                 args.phase, "overload_120")
        samples = await probe
    report["freeze"] = {
        "latency": latency_summary([ms for ms, outcome, _ in samples if outcome == "201"]),
        "outcomes": dict(Counter(outcome for _, outcome, _ in samples)),
        "payment_after": dict(Counter(after for _, _, after in samples)),
    }
    # The comparison's two sides are measured back to back, either side of the seeding,
    # so the machine's load changes as little as possible between them.
    print("closed loop: pin before the history", file=sys.stderr)
    phases["pin_before_history"] = await closed_loop(
        server, ledgers, fixture, "pin", args.connections, args.phase, 1.0)
    report["history_before"] = await asyncio.to_thread(seed_history, target, 0)
    print(f"history up to {args.history:,} transfers", file=sys.stderr)
    report["history_big"] = await asyncio.to_thread(seed_history, target, args.history)
    phases["pin_history"] = await closed_loop(server, ledgers, fixture, "pin",
                                              args.connections, args.phase, 2.0)
    report["balances"] = await verify_balances(server, "raw", ledgers, 50, 8)
    report["phases"] = {name: phase.report() for name, phase in phases.items()}
    report["ceiling_per_s"] = round(ceiling, 1)
    return report


def in_process(database: str | None, payments_count: int) -> dict[str, Any]:
    """``inprocess.py`` in a process of its own (a clean interpreter, no event loop)."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        command = [sys.executable, str(ROOT / "bench" / "inprocess.py"),
                   "--payments", str(payments_count), "--json", out.name]
        if database:
            command += ["--postgres", database]
        env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
        result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=1800)
        if result.returncode != 0:
            raise BenchError(f"inprocess.py failed: {result.stderr[-800:]}")
        loaded: dict[str, Any] = json.loads(Path(out.name).read_text(encoding="utf-8"))
        return loaded


# --------------------------------------------------------------------------- the table


def verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def table(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(measurement, value, target and verdict) rows."""
    phases = report["phases"]

    def rate(name: str) -> float:
        value: float = phases[name]["payments_per_s"]
        return value

    def lat(name: str, method: str | None = None) -> str:
        got = phases[name]["by_method"].get(method, {}) if method else phases[name]["latency"]
        return f"p50 {got.get('p50_ms', 0)} / p99 {got.get('p99_ms', 0)} ms"

    def errors(name: str) -> str:
        bad = {k: v for k, v in phases[name]["outcomes"].items() if k != "201"}
        return ", ".join(f"{k}: {v}" for k, v in bad.items()) or "0 errors"

    tps = report.get("pgbench", {}).get("tps")
    ratio = rate("pin") / tps if tps else None
    pf_share = phases["password_free"]["by_method"].get("password_free", {}).get("count", 0)
    total_pf = max(1, sum(v["count"] for v in phases["password_free"]["by_method"].values()))
    freeze = report["freeze"]
    before = rate("pin_before_history")
    drift = rate("pin_history") / before - 1 if before else 0.0
    cpu = report["cpu"]
    overload = phases["overload_120"]
    shed = overload["outcomes"].get("503 unavailable", 0)
    freeze_ok = (freeze["latency"]["p99_ms"] <= TARGETS["freeze_p99_ms"]
                 and set(freeze["outcomes"]) == {"201"})
    rows = [
        ("PIN payments/s, closed loop", f"{rate('pin')} ({lat('pin')}; {errors('pin')})", ""),
        ("password-free payments/s, closed loop",
         f"{rate('password_free')} ({pf_share * 100 // total_pf} % password-free, every "
         f"fifth PIN; password-free {lat('password_free', 'password_free')}; "
         f"{errors('password_free')})", ""),
        ("biometric payments/s, closed loop",
         f"{rate('biometric')} ({lat('biometric', 'biometric')}, options round trip "
         f"included; {errors('biometric')})", ""),
        ("pgbench TPC-B tps (-c16 -j2, same run)", f"{tps:.0f}" if tps else "failed", ""),
        ("PIN payments/s ÷ TPC-B tps", f"{ratio:.3f}" if ratio else "—",
         f"≥ {TARGETS['ratio']}: {verdict(bool(ratio and ratio >= TARGETS['ratio']))}"),
        ("server CPU per PIN payment",
         f"{cpu.get('server_cores', 0) / max(rate('pin'), 1) * 1000:.2f} ms "
         f"(server {cpu.get('server_cores')} cores, postgres {cpu.get('postgres_cores')}, "
         f"client {cpu.get('client_cores')}, other {cpu.get('other_cores')})", ""),
        (f"open loop at 70 % of the PIN rate ({report['open_pool']} connections kept open)",
         f"{phases['open_70']['offered'] / phases['open_70']['seconds']:.0f}/s offered, "
         f"{rate('open_70')}/s done, {lat('open_70')} ({errors('open_70')})",
         f"p99 ≤ {TARGETS['open_p99_ms']:.0f} ms: "
         f"{verdict(phases['open_70']['latency']['p99_ms'] <= TARGETS['open_p99_ms'])}"),
        ("overload: payments at 120 %",
         f"{overload['offered'] / overload['seconds']:.0f}/s offered, {rate('overload_120')}/s "
         f"done, {shed} shed with 503 + Retry-After, admitted {lat('overload_120')} "
         f"({errors('overload_120')})", ""),
        ("freeze while payments arrive at 120 %",
         f"p50 {freeze['latency']['p50_ms']} / p99 {freeze['latency']['p99_ms']} ms "
         f"({freeze['latency']['count']} freezes; outcomes "
         f"{', '.join(f'{k}: {v}' for k, v in freeze['outcomes'].items())}; payment after "
         f"each: {freeze['payment_after'].get(FROZEN, 0)} of {freeze['latency']['count']} "
         "refused account_frozen)",
         f"p99 ≤ {TARGETS['freeze_p99_ms']:.0f} ms, never 503: {verdict(freeze_ok)}"),
        (f"PIN payments/s with {report['history_before']['transfers']:,} vs "
         f"{report['history_big']['transfers']:,} stored transfers",
         f"{before} vs {rate('pin_history')} ({drift:+.1%}; {lat('pin_before_history')} "
         f"before, {lat('pin_history')} after; "
         f"history seeded in {report['history_big']['seconds']} s)",
         f"within {TARGETS['history_drift']:.0%}: "
         f"{verdict(abs(drift) <= TARGETS['history_drift'])}"),
        ("RSS per worker", " / ".join(f"{m} MiB" for m in report["rss_mib"]) or "—", ""),
    ]
    for name, got in (("SQLite", report.get("sqlite")), ("PostgreSQL", report.get("postgres"))):
        if got:
            rows.append((f"in process on {name} (no HTTP), one at a time",
                         f"{got['payments_per_s']} payments/s, p50 {got['latency']['p50_ms']} / "
                         f"p99 {got['latency']['p99_ms']} ms, {got['cpu_ms_per_payment']} ms "
                         f"CPU each, {got['statements_per_payment']} statements per payment",
                         ""))
            risk, rules = got["risk_per_payment"], got["risk_rules_per_payment"]
            turns = got.get("with_and_without_engine")
            both = (f"; payments with and without the engine taking turns: p50 "
                    f"{turns['with']['p50_ms']} vs {turns['without']['p50_ms']}, p99 "
                    f"{turns['with']['p99_ms']} vs {turns['without']['p99_ms']} ms"
                    if turns else "")
            # The engine's whole work on the payment (evaluate + enforce) reads and writes
            # nothing of its own (ADR 0009): its state rides on the wallet's statements.
            rows.append((f"risk evaluation per payment ({name}, in process)",
                         f"rules p50 {rules['p50_ms']} / p99 {rules['p99_ms']} ms; the whole "
                         f"evaluation (evaluate + enforce) p50 {risk['p50_ms']} / p99 "
                         f"{risk['p99_ms']} ms{both}",
                         f"p99 ≤ {TARGETS['risk_p99_ms']:.0f} ms (evaluation): "
                         f"{verdict(risk['p99_ms'] <= TARGETS['risk_p99_ms'])}"))
    balances = report["balances"]
    rows.append(("balances checked afterwards",
                 f"{balances['checked']} owners, {len(balances['mismatches'])} mismatches", ""))
    return rows


def machine() -> str:
    cores = os.cpu_count()
    with open("/proc/meminfo", encoding="ascii") as meminfo:
        mem_kib = int(meminfo.readline().split()[1])
    try:
        pg = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc",
                             "SHOW server_version"], capture_output=True, text=True,
                            timeout=10).stdout.strip()
    except OSError:
        pg = "?"
    return (f"{host.node()}: {cores} cores, {mem_kib / 1024 / 1024:.0f} GiB, "
            f"{host.system()} {host.release()}, Python {host.python_version()}, "
            f"PostgreSQL {pg.split()[0] if pg else '?'}")


def markdown(report: dict[str, Any], args: argparse.Namespace) -> str:
    lines = [
        BEGIN,
        f"**Latest `bench/run.py` run** — {report['date']}, {report['machine']}; "
        f"load average {report['load_before']} before, {report['load_after']} after "
        "(other work shares the machine: compare ratios within one run).",
        "",
        f"Command: `{report['command']}` — {args.owners} owners, {args.connections} "
        f"connections, {args.workers} workers, {args.phase:.0f} s per phase.",
        "",
        "| measurement | value | target |",
        "|---|---|---|",
        *(f"| {a} | {b} | {c} |" for a, b, c in table(report)),
        END,
    ]
    return "\n".join(lines)


def write_doc(text: str) -> None:
    doc = DOC.read_text(encoding="utf-8")
    if BEGIN in doc and END in doc:
        doc = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: text, doc,
                     flags=re.S)
    else:
        first_section = doc.index("\n## ")
        doc = doc[:first_section] + "\n\n" + text + "\n" + doc[first_section:]
    DOC.write_text(doc, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run")
    parser.add_argument("--postgres", default=DEFAULT_DB_URL,
                        help="database URL; dropped and recreated")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, help="closed-loop connections (32; quick 16)")
    parser.add_argument("--owners", type=int, help="paying owners (200; quick 40)")
    parser.add_argument("--phase", type=float, help="seconds per phase (15; quick 5)")
    parser.add_argument("--history", type=int,
                        help="stored transfers for the comparison (1,000,000; quick 100,000)")
    parser.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE",
                        help="a setting for the server (repeatable), e.g. "
                        "WALLETGUARD_MONEY_IN_FLIGHT=32 to compare without admission control")
    parser.add_argument("--skip-inprocess", action="store_true",
                        help="do not run inprocess.py (SQLite and PostgreSQL in process)")
    parser.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    parser.add_argument("--json", metavar="PATH", help="also write the report as JSON")
    args = parser.parse_args()
    quick = args.quick
    args.connections = args.connections or (16 if quick else 32)
    args.owners = args.owners or (40 if quick else 200)
    args.phase = args.phase or (5.0 if quick else 15.0)
    args.history = args.history or (100_000 if quick else 1_000_000)
    target = PgTarget.from_url(args.postgres)
    report: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "command": "python bench/run.py" + (" --quick" if quick else ""),
        "load_before": " ".join(f"{x:.1f}" for x in os.getloadavg()),
    }
    server_env = dict(SERVER_ENV, **dict(item.split("=", 1) for item in args.server_env))
    if args.server_env:
        report["command"] += "".join(f" --server-env {item}" for item in args.server_env)
    target.recreate()
    with running_server(args.postgres, args.workers, server_env) as server:
        report |= run_async(http_phases(server, args, target))
    print("pgbench", file=sys.stderr)
    try:
        report["pgbench"] = run_pgbench(target, int(args.phase))
    except BenchError as error:
        report["pgbench"] = {"error": str(error)}
    if not args.skip_inprocess:
        print("in process: SQLite, PostgreSQL", file=sys.stderr)
        count = 1000 if quick else 3000
        report["sqlite"] = in_process(None, count)
        inproc = target.named("wg_bench_inprocess")
        inproc.recreate()
        report["postgres"] = in_process(
            f"postgresql+psycopg://{inproc.user}@{inproc.host}:{inproc.port}/{inproc.dbname}",
            count)
    report["load_after"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    text = markdown(report, args)
    print(text)
    if not args.no_write:
        write_doc(text)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, ensure_ascii=False),
                                   encoding="utf-8")
    failed = bool(report["balances"]["mismatches"]) or "error" in report["pgbench"]
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        sys.exit(f"bench: {error}")
