"""How fast a self-freeze takes effect while payments run, and whether it holds.

Runs the payment load of payments.py and, in a separate process (so the load's event
loop does not colour the timings), every ``--interval`` seconds takes a fresh owner
seeded for this purpose and outside the payment pool, calls ``POST /v1/freeze`` and
measures request to response (the response is sent after the freeze commits). Right
after each freeze it tries one PIN payment by that owner, which must be refused with
403 ``account_frozen``. Reports freeze p50/p99 against the 50 ms target.

    python bench/freeze_latency.py --duration 20 --owners 200
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import math
import multiprocessing
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

from common import PIN, BenchError, PgTarget, Server, latency_summary, run_async, running_server

from payments import (
    Window,
    add_load_args,
    balance_rows,
    load_report,
    payment_rows,
    prepare,
    print_rows,
    run_load,
    server_errors,
    verify_balances,
    write_json,
)

FREEZE_P99_TARGET_MS = 50.0
FROZEN = "403 account_frozen"

# (freeze latency ms, freeze outcome, outcome of the payment tried right after it)
Sample = tuple[float, str, str]


def post(conn: http.client.HTTPConnection, path: str, body: object, token: str) -> str:
    """POST with a fresh Idempotency-Key; the outcome as "201" or "403 account_frozen"."""
    headers = {
        "Authorization": f"Bearer {token}",
        "Idempotency-Key": uuid.uuid4().hex,
        "Content-Type": "application/json",
    }
    try:
        conn.request("POST", path, json.dumps(body), headers)
        reply = conn.getresponse()
        data = reply.read()
    except (OSError, http.client.HTTPException) as exc:
        conn.close()  # http.client reconnects on the next request
        return f"transport {type(exc).__name__}"
    if reply.status < 300:
        return str(reply.status)
    try:
        code = json.loads(data).get("code", "")
    except (ValueError, AttributeError):
        code = ""
    return f"{reply.status} {code}".strip()


def probe_freezes(
    host: str,
    port: int,
    tokens: list[str],
    merchant: str,
    interval: float,
    window: tuple[float, float],
) -> list[Sample]:
    """In its own process: one freeze per ``interval`` inside the window, each by a new owner,
    each followed by one payment attempt by that owner. The payment is sent from a thread
    of its own (its own connection) as soon as the freeze has answered, so a payment that
    waits in the money lane's queue does not put the next freeze off its schedule."""
    conn = http.client.HTTPConnection(host, port, timeout=30)
    local = threading.local()

    def pay_after(token: str) -> str:
        if not hasattr(local, "conn"):
            local.conn = http.client.HTTPConnection(host, port, timeout=30)
        payment = {"merchant_id": merchant, "amount": 100, "auth": {"method": "pin", "pin": PIN}}
        return post(local.conn, "/v1/payments", payment, token)

    frozen: list[tuple[float, str, Future[str]]] = []
    due, end = window
    with ThreadPoolExecutor(8) as payers:
        for token in tokens:
            time.sleep(max(0.0, due - time.monotonic()))
            if time.monotonic() >= end:
                break
            started = time.perf_counter()
            outcome = post(conn, "/v1/freeze", {"reason": "bench: phone lost"}, token)
            latency_ms = (time.perf_counter() - started) * 1000
            frozen.append((latency_ms, outcome, payers.submit(pay_after, token)))
            due += interval
        samples = [(latency_ms, outcome, after.result()) for latency_ms, outcome, after in frozen]
    conn.close()
    return samples


def freeze_report(samples: list[Sample], scheduled: int) -> dict[str, Any]:
    return {
        "scheduled": scheduled,
        "freezes": len(samples),
        "latency": latency_summary(
            [latency for latency, outcome, _ in samples if outcome == "201"]
        ),
        "p99_target_ms": FREEZE_P99_TARGET_MS,
        "freeze_outcomes": dict(Counter(outcome for _, outcome, _ in samples).most_common()),
        "payment_after_freeze": dict(Counter(after for _, _, after in samples).most_common()),
    }


def freeze_rows(report: dict[str, Any]) -> list[tuple[str, str]]:
    latency = report["latency"]
    verdict = "met" if latency["p99_ms"] <= report["p99_target_ms"] else "MISSED"
    held = report["payment_after_freeze"].get(FROZEN, 0)
    outcomes = report["freeze_outcomes"].items()
    return [
        (
            "freezes",
            f"{report['freezes']} of {report['scheduled']} scheduled "
            f"({', '.join(f'{o}: {n}' for o, n in outcomes)}); one at a time, so a slow "
            "freeze + check delays the next",
        ),
        (
            "freeze p50/p95/p99",
            f"{latency['p50_ms']} / {latency['p95_ms']} / {latency['p99_ms']} ms "
            f"(max {latency['max_ms']}; p99 target "
            f"{report['p99_target_ms']:.0f} ms: {verdict})",
        ),
        (
            "payment after freeze",
            f"{held} of {report['freezes']} refused with {FROZEN}; all: "
            + ", ".join(f"{o}: {n}" for o, n in report["payment_after_freeze"].items()),
        ),
    ]


async def benchmark(server: Server, args: argparse.Namespace) -> dict[str, Any]:
    probes = math.ceil(args.duration / args.interval) + 1
    fixture = await prepare(server, args, spare_owners=probes)
    window = Window.after(args.warmup, args.duration)
    tokens = [owner.token for owner in fixture.spare_owners]
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        probe = loop.run_in_executor(
            pool,
            probe_freezes,
            server.host,
            server.port,
            tokens,
            fixture.plan.merchants[0],
            args.interval,
            (window.start, window.end),
        )
        tally, ledgers, cpu = await run_load(server, fixture, args, window)
        samples = await probe
    report = load_report(tally, cpu, args, fixture.plan)
    report["balances"] = await verify_balances(
        server, args.client, ledgers, args.verify_sample, args.concurrency
    )
    report["freeze"] = freeze_report(samples, scheduled=math.floor(args.duration / args.interval))
    server_errors(server, report)
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_load_args(parser)
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between freezes")
    args = parser.parse_args(argv)
    PgTarget.from_url(args.postgres).recreate()
    with running_server(args.postgres, args.workers) as server:
        report = run_async(benchmark(server, args))
    print_rows(
        payment_rows(report) + balance_rows(report["balances"]) + freeze_rows(report["freeze"])
    )
    write_json(args.json, report)
    freeze = report["freeze"]
    held = freeze["payment_after_freeze"].get(FROZEN, 0) == freeze["freezes"]
    return 0 if held and not report["balances"]["mismatches"] else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        sys.exit(f"bench: {error}")
