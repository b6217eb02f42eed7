"""Crash and restart: SIGKILL the whole server under payment load, start it again, and
prove that no acknowledged payment was lost and none was applied twice.

Seeds owners through the API, runs PIN payments from ``--concurrency`` connections
(each owner on one connection, so no owner has two payments in flight), and at random
moments kills ``walletguard serve`` — supervisor and workers, one SIGKILL to the process
group — then starts it again on the same port, database and data directory. When the
kills are done and ``--payments`` attempts were made, every payment without a definite
answer (no answer, or a 5xx) is sent again with its own ``Idempotency-Key`` until it has
one. Then: each owner's balance must be the top-up minus the distinct acknowledged
payments, ``GET /v1/transactions`` must list exactly those payments, and
``walletguard ledger check`` and ``walletguard audit verify`` must pass.

    python bench/crash_restart.py                      # 10 kills, ~1,000 payments
    python bench/crash_restart.py --kills 3 --payments 300
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from common import (
    DEFAULT_DB_URL,
    PIN,
    TRANSPORT_ERRORS,
    BenchError,
    Owner,
    PgTarget,
    RawConnection,
    Server,
    create_merchants,
    create_operator_key,
    latency_summary,
    run_async,
    running_server,
    seed_owners,
    stop_process_group,
    wait_healthy,
    walletguard_exe,
)

LABEL_WIDTH = 28
REQUEST_TIMEOUT = 10.0  # seconds; a request the killed server lost is given up after this
SETTLE_DEADLINE = 60.0  # seconds to get a definite answer for every unsettled payment


@dataclass
class Attempt:
    owner: Owner
    key: str
    amount: int
    merchant_id: str
    first: str = ""  # the outcome the load saw: "201", "503 unavailable", "ConnectionError"
    status: int | None = None  # the last answer's status (None: no answer)
    payment_id: str | None = None
    created_at: float | None = None  # of the 201 answer; a replay keeps the first's
    sent_wall: float = 0.0  # time.time() of the last send
    seconds: float = 0.0  # how long the last send took
    first_sent: float = 0.0  # the same two for the load's own send, before any retry
    first_seconds: float = 0.0

    @property
    def unsettled(self) -> bool:
        return self.status is None or self.status >= 500

    @property
    def replayed(self) -> bool:
        return self.created_at is not None and self.created_at < self.sent_wall - 0.001


@dataclass
class Run:
    attempts: list[Attempt] = field(default_factory=list)
    done: asyncio.Event = field(default_factory=asyncio.Event)  # the last cut is over
    stopped: bool = False  # give up now (the drill failed)


async def send(conn: RawConnection, attempt: Attempt) -> str:
    """POST the attempt (same body, same key every time); its outcome as a label."""
    attempt.sent_wall, began = time.time(), time.monotonic()
    attempt.status = None
    headers = {"Authorization": f"Bearer {attempt.owner.token}", "Idempotency-Key": attempt.key}
    body = {"merchant_id": attempt.merchant_id, "amount": attempt.amount,
            "auth": {"method": "pin", "pin": PIN}}
    try:
        reply = await conn.request("POST", "/v1/payments", body, headers)
    except TRANSPORT_ERRORS as exc:
        attempt.seconds = time.monotonic() - began
        return type(exc).__name__
    attempt.seconds = time.monotonic() - began
    attempt.status = reply.status
    if reply.status == 201:
        answer = reply.json()
        attempt.payment_id = answer["id"]
        attempt.created_at = datetime.fromisoformat(answer["created_at"]).timestamp()
        return "201"
    return f"{reply.status} {reply.code}".strip()


async def pay(server: Server, owners: list[Owner], merchant_id: str, run: Run,
              rng: random.Random, budget: list[int]) -> None:
    """One connection paying from its owners in turn until the run is done and the
    budget of attempts is spent."""
    conn = RawConnection(server.host, server.port, REQUEST_TIMEOUT)
    turn = 0
    try:
        while budget[0] > 0 or not run.done.is_set():
            budget[0] -= 1
            attempt = Attempt(owner=owners[turn % len(owners)], key=uuid.uuid4().hex,
                              amount=rng.randint(100, 500), merchant_id=merchant_id)
            turn += 1
            attempt.first = await send(conn, attempt)
            while attempt.first == "ConnectionRefusedError" and not run.stopped:
                # Never reached a server (it is down): not in doubt, send it once it is up.
                await asyncio.sleep(0.05)
                attempt.first = await send(conn, attempt)
            attempt.first_sent, attempt.first_seconds = attempt.sent_wall, attempt.seconds
            run.attempts.append(attempt)
            if attempt.unsettled:
                # A 503 says "retry shortly": a client that hammers it only measures itself.
                await asyncio.sleep(0.1)
    finally:
        await conn.close()


async def settle(server: Server, run: Run) -> int:
    """Send every unsettled payment again with its own key until it has an answer."""
    unsettled = [a for a in run.attempts if a.unsettled]
    deadline = time.monotonic() + SETTLE_DEADLINE
    conn = RawConnection(server.host, server.port, REQUEST_TIMEOUT)
    try:
        for attempt in unsettled:
            await send(conn, attempt)
            while attempt.unsettled and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
                await send(conn, attempt)
    finally:
        await conn.close()
    return len(unsettled)


async def verify(server: Server, owners: list[Owner], run: Run) -> dict[str, Any]:
    """Balances and transaction lists against the acknowledged payments, then the
    ledger and audit checks of the CLI."""
    conn = RawConnection(server.host, server.port, REQUEST_TIMEOUT)
    paid: Counter[int] = Counter()
    ids: dict[int, set[str]] = {owner.index: set() for owner in owners}
    # GET /v1/transactions returns at most 500, newest first: fewer per owner, always.
    most = max(Counter(a.owner.index for a in run.attempts).values(), default=0)
    if most >= 500:
        raise BenchError(f"an owner made {most} payments; give more --owners")
    for attempt in run.attempts:
        if attempt.status == 201 and attempt.payment_id:
            paid[attempt.owner.index] += attempt.amount
            ids[attempt.owner.index].add(attempt.payment_id)
    balances_wrong, lost, doubled = [], 0, 0
    try:
        for owner in owners:
            headers = {"Authorization": f"Bearer {owner.token}"}
            wallet = (await conn.request("GET", "/v1/wallet", None, headers)).json()
            if wallet.get("balance") != owner.topup - paid[owner.index]:
                balances_wrong.append({"owner": owner.index, "reported": wallet.get("balance"),
                                       "expected": owner.topup - paid[owner.index]})
            listed = (await conn.request("GET", "/v1/transactions?limit=500", None,
                                         headers)).json()["items"]
            payments = Counter(item["id"] for item in listed if item["kind"] == "payment")
            lost += len(ids[owner.index] - set(payments))
            doubled += sum(n - 1 for n in payments.values()) + len(
                set(payments) - ids[owner.index])
    finally:
        await conn.close()
    checks = {}
    for command in (("ledger", "check"), ("audit", "verify")):
        try:
            server.cli(*command)
            checks[" ".join(command)] = "ok"
        except BenchError as error:
            checks[" ".join(command)] = str(error)
    return {"lost": lost, "doubled": doubled, "balances_wrong": balances_wrong,
            "checks": checks}


class Restarter:
    """The server's process group, killed with SIGKILL and started again in place."""

    def __init__(self, server: Server, workers: int) -> None:
        self.server = server
        self.workers = workers
        self.process: subprocess.Popen[bytes] = server.process
        self.restart_seconds: list[float] = []

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def start(self) -> None:
        began = time.monotonic()
        with open(self.server.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [walletguard_exe(), "serve", "--host", self.server.host, "--port",
                 str(self.server.port), "--workers", str(self.workers)],
                env=dict(self.server.env), stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        wait_healthy(self.server.base_url, self.process)
        self.restart_seconds.append(time.monotonic() - began)

    def stop(self) -> None:
        if self.process is not self.server.process:
            stop_process_group(self.process)


async def crash_loop(restarter: Restarter, kills: int, rng: random.Random,
                     between: tuple[float, float]) -> None:
    """Kill at random moments; start again after a pause of up to 0.3 s."""
    for _ in range(kills):
        await asyncio.sleep(rng.uniform(*between))
        restarter.kill()
        await asyncio.sleep(rng.uniform(0.0, 0.3))
        await asyncio.to_thread(restarter.start)


async def drill(server: Server, restarter: Restarter, owners: list[Owner], merchant_id: str,
                args: argparse.Namespace) -> tuple[Run, int, dict[str, Any]]:
    rng = random.Random(args.seed)
    run = Run()
    budget = [args.payments]
    workers = [pay(server, owners[n::args.concurrency], merchant_id, run,
                   random.Random(args.seed * 1000 + n), budget)
               for n in range(args.concurrency)]
    load = asyncio.gather(*workers)
    try:
        await crash_loop(restarter, args.kills, rng, (args.min_gap, args.max_gap))
        run.done.set()
        await load
        retried = await settle(server, run)
        verdict = await verify(server, owners, run)
    finally:
        run.done.set()
        run.stopped, budget[0] = True, 0
        await asyncio.gather(load, return_exceptions=True)
    return run, retried, verdict


def report(run: Run, restart_seconds: list[float], retried: int, verdict: dict[str, Any],
           args: argparse.Namespace, cuts: int) -> dict[str, Any]:
    attempts = run.attempts
    return {
        "cuts": cuts,
        "workers": args.workers,
        "connections": args.concurrency,
        "owners": args.owners,
        "payments": len(attempts),
        "restart_s": latency_summary([s * 1000 for s in restart_seconds]),
        "first_outcomes": dict(Counter(a.first for a in attempts).most_common()),
        "retried": retried,
        "retried_replayed": sum(1 for a in attempts if a.first != "201" and a.replayed),
        "retried_applied_now": sum(1 for a in attempts if a.first != "201"
                                   and a.status == 201 and not a.replayed),
        "final_outcomes": dict(Counter(str(a.status) for a in attempts).most_common()),
        "acknowledged": sum(1 for a in attempts if a.status == 201),
        **verdict,
    }


def rows(result: dict[str, Any], what: str) -> list[tuple[str, str]]:
    restart = result["restart_s"]
    return [
        ("setup", f"{result['workers']} server workers, {result['connections']} connections, "
                  f"{result['owners']} owners, PIN payments"),
        (what, str(result["cuts"])),
        *([("restart p50/max", f"{restart['p50_ms'] / 1000:.2f} / "
                               f"{restart['max_ms'] / 1000:.2f} s")] if restart["count"] else []),
        ("payments", str(result["payments"])),
        ("first answers", ", ".join(f"{k}: {v}" for k, v in result["first_outcomes"].items())),
        ("retried with the same key", f"{result['retried']} ({result['retried_replayed']} "
                                      f"replayed a success committed before the cut, "
                                      f"{result['retried_applied_now']} applied on retry)"),
        ("final answers", ", ".join(f"{k}: {v}" for k, v in result["final_outcomes"].items())),
        ("acknowledged payments", str(result["acknowledged"])),
        ("lost / doubled", f"{result['lost']} / {result['doubled']}"),
        ("balances wrong", str(len(result["balances_wrong"]))),
        *((command, outcome) for command, outcome in result["checks"].items()),
    ]


def print_rows(table: Sequence[tuple[str, str]]) -> None:
    for label, value in table:
        print(f"{label:<{LABEL_WIDTH}}  {value}", flush=True)


def failed(result: dict[str, Any]) -> bool:
    return bool(result["lost"] or result["doubled"] or result["balances_wrong"]
                or any(v != "ok" for v in result["checks"].values())
                or any(k != "201" for k in result["final_outcomes"]))


async def seed(server: Server, args: argparse.Namespace) -> tuple[list[Owner], str]:
    operator = create_operator_key(server, "crash drill")
    conn = RawConnection(server.host, server.port, 120)
    try:
        merchant_id = (await create_merchants(conn, operator, 1))[0]
    finally:
        await conn.close()
    owners = await seed_owners(server, "raw", indices=range(args.owners), operator_key=operator,
                               topup=args.topup, biometric=None, concurrency=2 * args.workers)
    return owners, merchant_id


def cheap_password_hashing() -> None:
    """Seeding logs every owner in, and at the production argon2id cost a busy 2-core
    machine answers some sign-ups 503 (no hashing slot in time). The drill is about
    crashes, not logins: hash at the test suite's cost (the server inherits this)."""
    os.environ.setdefault("WALLETGUARD_PASSWORD_HASH_MEMORY_KIB", "1024")


def add_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--postgres", default=DEFAULT_DB_URL.rsplit("/", 1)[0] + "/wg_bench_crash",
                        help="database URL; dropped and recreated")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers")
    parser.add_argument("--concurrency", type=int, default=8, help="client connections")
    parser.add_argument("--owners", type=int, default=40, help="paying owners")
    parser.add_argument("--payments", type=int, default=1000,
                        help="payments to attempt (at least; the load runs until the last cut)")
    parser.add_argument("--topup", type=int, default=1_000_000, help="each owner's top-up, fen")
    parser.add_argument("--seed", type=int, default=1, help="random seed")
    parser.add_argument("--json", metavar="PATH", help="also write the report as JSON")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_args(parser)
    parser.add_argument("--kills", type=int, default=10, help="SIGKILLs of the server")
    parser.add_argument("--min-gap", type=float, default=0.5,
                        help="least seconds of load between a restart and the next kill")
    parser.add_argument("--max-gap", type=float, default=2.5,
                        help="most seconds of load between a restart and the next kill")
    args = parser.parse_args(argv)
    cheap_password_hashing()
    PgTarget.from_url(args.postgres).recreate()
    with running_server(args.postgres, args.workers) as server:
        owners, merchant_id = run_async(seed(server, args))
        restarter = Restarter(server, args.workers)
        try:
            run, retried, verdict = run_async(
                drill(server, restarter, owners, merchant_id, args))
        finally:
            restarter.stop()
    result = report(run, restarter.restart_seconds, retried, verdict, args, cuts=args.kills)
    print_rows(rows(result, "kills (SIGKILL, group)"))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(result, out, indent=2, ensure_ascii=False)
    return 1 if failed(result) else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        sys.exit(f"bench: {error}")
