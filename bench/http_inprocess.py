"""A PIN payment through the whole ASGI app, in this process: what the HTTP edge costs on
top of the use case.

The app is ``create_app`` on a Platform built and seeded as ``inprocess.py`` does (SQLite
in a temporary directory, or a PostgreSQL database whose schema is migrated). Each
request is ``POST /v1/payments`` with its own ``Idempotency-Key`` and an owner's session
token, handed straight to the ASGI callable with the scope uvicorn would build (no
sockets, no client library: every CPU cycle counted is the server's, except uvicorn's
own HTTP parsing and writes). The use case alone (``inprocess.loop``: the same
payment in ``Database.transaction``, no HTTP) runs in the same process, in alternating
blocks with the HTTP requests, so the two are compared within one run on the same
database; their difference is the edge's cost: middleware, routing, request parsing and
validation, dependency solving, the session look-up, thread hand-offs, serialisation, the
log line and metrics.

``cpu_ms`` is this process's CPU time (all threads) per payment. The request log line is
formatted as ``serve`` formats it and written to ``/dev/null``. ``--profile`` prints the
top of a cProfile of the HTTP blocks; for it (and with ``--inline-threads``) the sync
endpoint and dependencies run on the event loop's thread instead of anyio's worker
threads, because cProfile sees one thread only (that also shows what the hand-offs cost).

    PYTHONPATH=src python bench/http_inprocess.py --payments 800                 # SQLite
    PYTHONPATH=src python bench/http_inprocess.py --payments 800 \\
        --postgres postgresql+psycopg://postgres@127.0.0.1/wg_http_bench
    PYTHONPATH=src python bench/http_inprocess.py --payments 400 --profile
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import logging
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio.to_thread
import inprocess
from sqlalchemy import Engine, event
from starlette.types import ASGIApp, Message

from walletguard.app import create_app
from walletguard.auth.principal import Principal
from walletguard.observability import logs
from walletguard.payments import service as payments
from walletguard.runtime import Platform


def quiet_logs() -> None:
    """The ``walletguard`` loggers as ``serve`` sets them up (JSON lines, INFO), into
    /dev/null: formatting the request line is part of a request's cost, a terminal is not."""
    root = logging.getLogger("walletguard")
    handler = logging.StreamHandler(open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115
    handler.setFormatter(logs.JsonFormatter())
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    root.propagate = False


def inline_threads() -> None:
    """Run what anyio would hand to a worker thread on the calling thread instead."""
    async def run_sync(func: Callable[..., Any], *args: Any, **_: Any) -> Any:
        return func(*args)

    anyio.to_thread.run_sync = run_sync  # type: ignore[assignment]


class Payer:
    """Sends ``POST /v1/payments`` to the ASGI app, as uvicorn would hand it over."""

    def __init__(self, app: ASGIApp, tokens: list[str], merchant: str) -> None:
        self.app, self.tokens, self.merchant = app, tokens, merchant

    async def pay(self, n: int, label: str) -> tuple[int, bytes]:
        body = json.dumps({"merchant_id": self.merchant, "amount": 100 + n % 300,
                           "auth": {"method": "pin", "pin": inprocess.PIN}}).encode()
        token = self.tokens[n % len(self.tokens)]
        scope: dict[str, Any] = {
            "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1", "server": ("127.0.0.1", 8000),
            "client": ("127.0.0.1", 40000 + n % 20000), "scheme": "http", "method": "POST",
            "root_path": "", "path": "/v1/payments", "raw_path": b"/v1/payments",
            "query_string": b"", "state": {},
            "headers": [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"bench"),
                        (b"accept", b"*/*"), (b"content-type", b"application/json"),
                        (b"authorization", f"Bearer {token}".encode()),
                        (b"idempotency-key", f"{label}-{n}".encode()),
                        (b"content-length", str(len(body)).encode())],
        }
        sent = False
        done = asyncio.Event()
        status = 0
        chunks: list[bytes] = []

        async def receive() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    done.set()

        await self.app(scope, receive, send)
        return status, b"".join(chunks)

    async def loop(self, count: int, label: str, start: int = 0) -> list[float]:
        samples = []
        for n in range(start, start + count):
            begun = time.perf_counter()
            status, answer = await self.pay(n, label)
            samples.append(time.perf_counter() - begun)
            if status != 201:
                raise SystemExit(f"payment {label}-{n}: {status} {answer[:300]!r}")
        return samples


class Statements:
    """Every statement sent on any of the engines while counting."""

    def __init__(self, engines: tuple[Engine, ...]) -> None:
        self.engines, self.seen = engines, list[str]()

    def _count(self, *args: Any) -> None:
        self.seen.append(" ".join(str(args[2]).split())[:160])

    def __enter__(self) -> Statements:
        for engine in self.engines:
            event.listen(engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *_: object) -> None:
        for engine in self.engines:
            event.remove(engine, "before_cursor_execute", self._count)


async def measure(platform: Platform, payer: Payer, owners: list[Principal], merchant: str,
                  *, count: int, rounds: int, profiler: cProfile.Profile | None,
                  edge_only: bool) -> dict[str, Any]:
    inprocess.loop(platform, owners, merchant, min(200, count), "warm-uc")
    await payer.loop(min(200, count), "warm-http")
    with Statements(platform.db.engines) as use_case_statements:
        inprocess.loop(platform, owners, merchant, 1, "count-uc")
    if edge_only:
        # The use case replaced by its answer: what is left is the edge, the session
        # look-up and an empty commit, measured without the use case's noise.
        canned = json.loads((await payer.pay(0, "answer"))[1])

        def null_use_case(db: Any, **_: Any) -> dict[str, Any]:
            return dict(canned)

        payments.authorize_payment = null_use_case  # type: ignore[assignment]
    with Statements(platform.db.engines) as http_statements:
        await payer.loop(1, "count-http")
    kinds = ("http",) if edge_only else ("use_case", "http")
    cpu = dict.fromkeys(kinds, 0.0)
    blocks: dict[str, list[float]] = {kind: [] for kind in kinds}  # CPU s of each block
    wall = dict.fromkeys(kinds, 0.0)
    samples: dict[str, list[float]] = {kind: [] for kind in kinds}
    block = max(1, count // rounds)
    for r in range(rounds):
        if not edge_only:
            began, cpu_began = time.perf_counter(), time.process_time()
            samples["use_case"] += inprocess.loop(platform, owners, merchant, block, f"uc{r}")
            blocks["use_case"].append(time.process_time() - cpu_began)
            cpu["use_case"] += blocks["use_case"][-1]
            wall["use_case"] += time.perf_counter() - began
        began, cpu_began = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        samples["http"] += await payer.loop(block, f"http{r}", start=r * block)
        if profiler:
            profiler.disable()
        blocks["http"].append(time.process_time() - cpu_began)
        cpu["http"] += blocks["http"][-1]
        wall["http"] += time.perf_counter() - began
    done = block * rounds
    per = {k: round(v / done * 1000, 3) for k, v in cpu.items()}
    # The least disturbed block of each kind: on a shared machine the other work only
    # ever adds to a block's CPU time, so the minimum is the steadiest estimate.
    least = {k: round(min(v) / block * 1000, 3) for k, v in blocks.items()}
    if not edge_only:
        per["edge"] = round(per["http"] - per["use_case"], 3)
        least["edge"] = round(least["http"] - least["use_case"], 3)
    return {
        "payments_each": done,
        "cpu_ms_per_payment": per,
        "cpu_ms_per_payment_least_block": least,
        "payments_per_s": {k: round(done / v, 1) for k, v in wall.items()},
        "latency": {k: inprocess.percentiles(v) for k, v in samples.items()},
        "statements_per_payment": {"use_case": len(use_case_statements.seen),
                                   "http": len(http_statements.seen)},
        "statements_http": http_statements.seen,
    }


def run(url: str | None, *, count: int, owners: int, rounds: int, profile: bool,
        inline: bool, profile_file: str | None = None, edge_only: bool = False
        ) -> dict[str, Any]:
    quiet_logs()
    if profile or inline:
        inline_threads()
    with tempfile.TemporaryDirectory(prefix="wg-http-inproc-") as tmp:
        platform = inprocess.build(url, Path(tmp))
        try:
            tokens: list[str] = []
            principals, merchant = inprocess.seed(platform, owners, tokens)
            app = create_app(platform=platform)
            payer = Payer(app, tokens, merchant)
            profiler = cProfile.Profile() if profile else None
            try:
                import uvloop
                runner: Callable[..., Any] = uvloop.run
            except ImportError:
                runner = asyncio.run
            report = runner(measure(platform, payer, principals, merchant, count=count,
                                    rounds=rounds, profiler=profiler, edge_only=edge_only))
        finally:
            platform.db.dispose()
    report = {"database": platform.db.engine.dialect.name,
              "load_average": [round(x, 2) for x in os.getloadavg()],
              "threads": "inline" if profile or inline else "anyio",
              "use_case": "replaced by its answer" if edge_only else "run", **report}
    if profiler:
        stats = pstats.Stats(profiler)
        if profile_file:
            stats.dump_stats(profile_file)
        stats.sort_stats("tottime").print_stats(35)
        stats.sort_stats("cumulative").print_stats(60)
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", help="a PostgreSQL URL (its schema is migrated); "
                        "default: SQLite in a temporary directory")
    parser.add_argument("--payments", type=int, default=800, help="payments of each kind")
    parser.add_argument("--owners", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=8,
                        help="alternating blocks of use case and HTTP payments")
    parser.add_argument("--profile", action="store_true",
                        help="print a cProfile of the HTTP requests (threads inline)")
    parser.add_argument("--profile-file", metavar="PATH",
                        help="with --profile, also write the raw cProfile stats there")
    parser.add_argument("--inline-threads", action="store_true",
                        help="run sync endpoints and dependencies on the event loop's thread")
    parser.add_argument("--edge-only", action="store_true",
                        help="replace the use case by its answer (the edge without its noise)")
    parser.add_argument("--statements", action="store_true",
                        help="list the statements of one request")
    parser.add_argument("--json", metavar="PATH", help="also write the report as JSON")
    args = parser.parse_args()
    report = run(args.postgres, count=args.payments, owners=args.owners, rounds=args.rounds,
                 profile=args.profile, inline=args.inline_threads,
                 profile_file=args.profile_file, edge_only=args.edge_only)
    if not args.statements:
        report.pop("statements_http")
    print(json.dumps(report, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
