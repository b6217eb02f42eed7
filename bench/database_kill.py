"""The database killed under load: ``pg_ctl stop -m immediate`` while payments run,
then started again, several times; the service is never restarted.

It runs on a PostgreSQL cluster of its own (``initdb`` into a temporary directory, on a
free loopback port; as the ``postgres`` user when run as root), never the shared one on
5432. Payments are the PIN payments of ``crash_restart.py``. Meanwhile every answer must
be 201 or 503 ``unavailable`` within ``--answer-bound`` seconds (never a 500, never a
hang); after each restart of the database the same server must pay again. At the end
every payment without a definite answer is sent again with its own key and the books
are checked as in ``crash_restart.py``. Also counted: payments answered 503 whose retry
replays a success committed before the crash (the client was told "not done" of a
payment that was done).

    python bench/database_kill.py                       # 5 crashes of 3 s
    python bench/database_kill.py --crashes 2 --outage 1
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from common import BenchError, PgTarget, Server, free_port, run_async, running_server
from crash_restart import (
    Owner,
    Run,
    add_args,
    cheap_password_hashing,
    failed,
    pay,
    print_rows,
    report,
    rows,
    seed,
    settle,
    verify,
)

UNAVAILABLE = "503 unavailable"


class Cluster:
    """A throw-away PostgreSQL cluster that can be crashed and started again."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="wg-bench-pg-"))
        self.data, self.log = self.root / "data", self.root / "postgres.log"
        self.port = free_port()
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            shutil.chown(self.root, "postgres")
            self.root.chmod(0o755)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--no-sync")

    def _run(self, tool: str, *args: str, check: bool = True) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run([*prefix, str(self.bin / tool), *args], capture_output=True,
                              text=True, timeout=120)
        if check and done.returncode != 0:
            raise BenchError(f"{tool} failed: {(done.stderr or done.stdout)[-800:]}")

    def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} "
                   "-c max_connections=60")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w",
                  "-t", "60", "start")

    def crash(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def remove(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)


async def drill(server: Server, cluster: Cluster, owners: list[Owner], merchant_id: str,
                args: argparse.Namespace) -> tuple[Run, int, dict[str, Any], list[dict[str, Any]]]:
    rng = random.Random(args.seed)
    run, budget = Run(), [args.payments]
    load = asyncio.gather(*(pay(server, owners[n::args.concurrency], merchant_id, run,
                                random.Random(args.seed * 1000 + n), budget)
                            for n in range(args.concurrency)))
    crashes = []
    try:
        for _ in range(args.crashes):
            await asyncio.sleep(rng.uniform(args.min_gap, args.max_gap))
            await asyncio.to_thread(cluster.crash)
            down_at = time.time()
            await asyncio.sleep(args.outage)
            restarting_at = time.time()
            await asyncio.to_thread(cluster.start)
            crashes.append({"down_at": down_at, "restarting_at": restarting_at,
                            "up_at": time.time()})
        await asyncio.sleep(1.0)
        run.done.set()
        await load
        retried = await settle(server, run)
        verdict = await verify(server, owners, run)
    finally:
        run.done.set()
        run.stopped, budget[0] = True, 0
        await asyncio.gather(load, return_exceptions=True)
    return run, retried, verdict, crashes


def outage_report(run: Run, crashes: list[dict[str, Any]], bound: float) -> dict[str, Any]:
    """What the clients saw while the database was down, and how soon it paid again."""
    during = [a for a in run.attempts for c in crashes
              if c["down_at"] < a.first_sent
              and a.first_sent + a.first_seconds < c["restarting_at"]]
    recovery = []
    for crash in crashes:
        after = [a.first_sent + a.first_seconds for a in run.attempts
                 if a.first == "201" and a.first_sent > crash["up_at"]]
        recovery.append(round(min(after) - crash["up_at"], 2) if after else None)
    return {
        "answers_during_outages": len(during),
        "not_503_during_outages": sorted({a.first for a in during} - {UNAVAILABLE}),
        "unexpected_answers": sorted({a.first for a in run.attempts} - {"201", UNAVAILABLE}),
        "slowest_answer_s": round(max((a.first_seconds for a in run.attempts), default=0.0),
                                  2),
        "answer_bound_s": bound,
        "recovery_s": recovery,
        "answered_503_though_committed": sum(1 for a in run.attempts
                                             if a.first == UNAVAILABLE and a.replayed),
    }


def outage_rows(result: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        ("answers during outages", f"{result['answers_during_outages']}, not 503 unavailable: "
                                   f"{result['not_503_during_outages'] or 'none'}"),
        ("other than 201 / 503", ", ".join(result["unexpected_answers"]) or "none"),
        ("slowest answer", f"{result['slowest_answer_s']} s (bound {result['answer_bound_s']} s)"),
        ("first 201 after restart", " / ".join(
            "none" if s is None else f"{s} s" for s in result["recovery_s"])),
        ("503 though committed", str(result["answered_503_though_committed"])),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_args(parser)
    parser.add_argument("--crashes", type=int, default=5, help="pg_ctl stop -m immediate runs")
    parser.add_argument("--outage", type=float, default=3.0, help="seconds the database is down")
    parser.add_argument("--min-gap", type=float, default=1.0,
                        help="least seconds of load between a restart and the next crash")
    parser.add_argument("--max-gap", type=float, default=3.0,
                        help="most seconds of load between a restart and the next crash")
    parser.add_argument("--answer-bound", type=float, default=5.0,
                        help="no answer may take longer (seconds)")
    parser.add_argument("--pg-bin", type=Path, default=Path("/usr/lib/postgresql/15/bin"),
                        help="where initdb and pg_ctl are")
    args = parser.parse_args(argv)
    if not (args.pg_bin / "initdb").is_file():
        raise BenchError(f"no initdb in {args.pg_bin} (give --pg-bin)")
    cheap_password_hashing()
    cluster = Cluster(args.pg_bin)
    try:
        cluster.start()
        url = f"postgresql+psycopg://postgres@127.0.0.1:{cluster.port}/wg_bench_dbkill"
        PgTarget.from_url(url).recreate()
        with running_server(url, args.workers) as server:
            owners, merchant_id = run_async(seed(server, args))
            run, retried, verdict, crashes = run_async(
                drill(server, cluster, owners, merchant_id, args))
            alive = server.process.poll() is None
    finally:
        cluster.remove()
    result = report(run, [], retried, verdict, args, cuts=args.crashes)
    result.update(outage_report(run, crashes, args.answer_bound), server_restarted=not alive)
    print_rows(rows(result, "crashes (-m immediate)") + outage_rows(result)
               + [("service restarted", "no" if alive else "YES (it died)")])
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(result, out, indent=2, ensure_ascii=False)
    bad = (failed(result) or result["not_503_during_outages"] or result["unexpected_answers"]
           or result["slowest_answer_s"] > args.answer_bound or None in result["recovery_s"]
           or not alive)
    return 1 if bad else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        sys.exit(f"bench: {error}")
