"""The pieces the resilience suites share: a ``walletguard serve`` that can be killed and
started again on the same database, data directory and port; a payment load that keeps
a record of every attempt and its outcome; the retry of every unsettled attempt under
its own idempotency key; and the books checked three ways (the wallets, the ledger rows
per key, the CLI's own checks).

A payment's outcome is *acknowledged* (201 read by the client), *refused* (any other
definite answer the service gives on purpose) or *unsettled* (no answer, or a 5xx): only
the last may be retried, and the retry decides it.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import Engine

from tests import conftest, factories
from walletguard.clock import SystemClock
from walletguard.config import Settings
from walletguard.ledger.models import IdempotencyRecord, LedgerTransfer
from walletguard.runtime import Platform

# Long enough for a payment queued behind the others on 2 cores, short enough that a
# request the server lost is given up in good time.
REQUEST_TIMEOUT = 10.0


def walletguard_exe() -> str:
    return shutil.which("walletguard") or str(Path(sys.executable).parent / "walletguard")


def platform_for(database_url: str, data_dir: Path) -> Platform:
    """An in-process platform on the drill's database, to seed it through the use cases."""
    settings = Settings(database_url=database_url, data_dir=data_dir, mode="test",
                        password_hash_memory_kib=1024, db_pool_size=2,
                        **conftest.TEST_SECRETS)  # type: ignore[arg-type]
    return Platform.build(settings, clock=SystemClock())


class Server:
    """``walletguard serve --workers N`` in its own process group, so SIGKILL takes the
    supervisor and every worker at once, as a power cut or the OOM killer would; started
    again on the same port, database and data directory."""

    def __init__(self, database_url: str, data_dir: Path, *, workers: int = 2) -> None:
        self.env = conftest.server_env(database_url, data_dir)
        self.data_dir = data_dir
        self.workers = workers
        self.port = conftest._free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self, timeout: float = 60) -> float:
        """Start and wait for /healthz; returns the seconds it took."""
        began = time.monotonic()
        self.starts += 1
        with open(self.data_dir / f"server-{self.port}-{self.starts}.log", "wb") as log:
            self.proc = subprocess.Popen(
                [walletguard_exe(), "serve", "--host", "127.0.0.1", "--port", str(self.port),
                 "--workers", str(self.workers)],
                env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        while time.monotonic() - began < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"walletguard serve exited:\n{self.log_tail()}")
            try:
                if httpx.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return time.monotonic() - began
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"walletguard serve did not start:\n{self.log_tail()}")

    def kill(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def log_tail(self, chars: int = 3000) -> str:
        return "\n".join(p.read_text(errors="replace")[-chars:]
                         for p in sorted(self.data_dir.glob(f"server-{self.port}-*.log")))

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([walletguard_exe(), *args], env=self.env, capture_output=True,
                              text=True, timeout=120)


# ---- the load --------------------------------------------------------------------------


@dataclass
class Attempt:
    owner: int
    key: str
    amount: int
    merchant_id: str
    status: int | None = None  # None: no answer (transport error, timeout)
    code: str | None = None
    retry_after: str | None = None  # the Retry-After header of the last answer
    payment_id: str | None = None
    error: str | None = None
    seconds: float = 0.0
    started: float = 0.0  # time.monotonic() when last sent
    sent_wall: float = 0.0  # time.time() then, to compare with the answer's created_at
    created_at: float | None = None  # of the 201 answer (a replay keeps the first one's)
    # What the load saw, before any retry: the answer, when it was sent, how long it took.
    first_status: int | None = None
    first_code: str | None = None
    first_error: str | None = None
    first_retry_after: str | None = None
    first_started: float = 0.0
    first_seconds: float = 0.0

    @property
    def acknowledged(self) -> bool:
        return self.status == 201

    @property
    def unsettled(self) -> bool:
        return self.status is None or self.status >= 500

    @property
    def replayed(self) -> bool:
        """The last answer was a success stored before this send: a replay, not a
        payment made now."""
        return self.created_at is not None and self.created_at < self.sent_wall - 0.001


@dataclass
class Books:
    owners: list[factories.Owner]
    merchant_id: str
    top_up: int
    attempts: list[Attempt] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, attempt: Attempt) -> None:
        with self.lock:
            self.attempts.append(attempt)

    def outcomes(self) -> Counter[str]:
        return Counter(outcome(a.status, a.code, a.error) for a in self.attempts)


def outcome(status: int | None, code: str | None, error: str | None) -> str:
    return error or "no answer" if status is None else f"{status} {code or ''}".strip()


def seed(platform: Platform, *, owners: int, top_up: int) -> Books:
    """``owners`` owners with a PIN and ``top_up`` fen each, and one merchant, all built
    through the real use cases."""
    merchant_id = factories.merchant(platform)
    people = [factories.register_owner(platform, balance=top_up) for _ in range(owners)]
    return Books(owners=people, merchant_id=merchant_id, top_up=top_up)


def pay_once(http: httpx.Client, books: Books, attempt: Attempt) -> None:
    """Send ``attempt`` (the same body and key each time) and note its answer."""
    owner = books.owners[attempt.owner]
    began = attempt.started = time.monotonic()
    attempt.sent_wall = time.time()
    attempt.status = attempt.code = attempt.error = attempt.retry_after = None
    try:
        reply = http.post("/v1/payments", headers={**owner.headers,
                                                   "Idempotency-Key": attempt.key},
                          json={"merchant_id": attempt.merchant_id, "amount": attempt.amount,
                                "auth": {"method": "pin", "pin": factories.PIN}})
    except httpx.HTTPError as exc:
        attempt.error = type(exc).__name__
    else:
        attempt.status = reply.status_code
        body = reply.json() if reply.headers.get("content-type", "").endswith("json") else {}
        attempt.code = body.get("code")
        attempt.retry_after = reply.headers.get("retry-after")
        if reply.status_code == 201:
            attempt.payment_id = body["id"]
            attempt.created_at = datetime.fromisoformat(body["created_at"]).timestamp()
    attempt.seconds = time.monotonic() - began


def run_load(base: str, books: Books, *, stop: threading.Event, connections: int,
             seed_: int = 1) -> list[threading.Thread]:
    """Start ``connections`` threads paying until ``stop`` is set. Owners are split
    between them, so no owner has two payments in flight: what is measured is recovery,
    not one wallet's lock queue."""

    def drive(number: int) -> None:
        rng = random.Random(seed_ * 1000 + number)
        mine = list(range(number, len(books.owners), connections))
        with httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT) as http:
            turn = 0
            while not stop.is_set():
                attempt = Attempt(owner=mine[turn % len(mine)], key=uuid.uuid4().hex,
                                  amount=rng.randint(100, 500), merchant_id=books.merchant_id)
                turn += 1
                pay_once(http, books, attempt)
                while attempt.error == "ConnectError" and not stop.is_set():
                    # Never reached a server (it is down): not in doubt, so it is sent
                    # again as it would be by a client, once there is a server.
                    time.sleep(0.05)
                    pay_once(http, books, attempt)
                attempt.first_status, attempt.first_code = attempt.status, attempt.code
                attempt.first_error, attempt.first_retry_after = attempt.error, attempt.retry_after
                attempt.first_started, attempt.first_seconds = attempt.started, attempt.seconds
                books.record(attempt)

    threads = [threading.Thread(target=drive, args=(n,), daemon=True)
               for n in range(connections)]
    for thread in threads:
        thread.start()
    return threads


def settle(base: str, books: Books, *, deadline_s: float = 30) -> int:
    """Retry every unsettled attempt with its own key and body until the service gives a
    definite answer; returns how many were retried."""
    unsettled = [a for a in books.attempts if a.unsettled]
    deadline = time.monotonic() + deadline_s
    with httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT) as http:
        for attempt in unsettled:
            pay_once(http, books, attempt)
            while attempt.unsettled and time.monotonic() < deadline:
                time.sleep(0.2)
                pay_once(http, books, attempt)
    return len(unsettled)


def replays_of_acknowledged(base: str, books: Books, sample: int = 50) -> list[str]:
    """Send a sample of acknowledged payments again: each must replay its own answer."""
    chosen = random.Random(7).sample([a for a in books.attempts if a.acknowledged],
                                     min(sample, sum(a.acknowledged for a in books.attempts)))
    wrong = []
    with httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT) as http:
        for attempt in chosen:
            first = attempt.payment_id
            pay_once(http, books, attempt)
            if attempt.status != 201 or attempt.payment_id != first:
                wrong.append(f"{attempt.key}: {first} replayed as {attempt.status} "
                             f"{attempt.payment_id}")
    return wrong


# ---- the books -------------------------------------------------------------------------


@dataclass
class Verdict:
    lost: list[str]  # acknowledged payments not in the ledger
    doubled: list[str]  # keys with more than one ledger transfer, or transfers with no key
    balances_wrong: list[str]
    acknowledged: int

    @property
    def clean(self) -> bool:
        return not (self.lost or self.doubled or self.balances_wrong)


def audit_books(database_url: str, books: Books) -> Verdict:
    """What the database says after the drill, read directly: every acknowledged payment
    is a ledger transfer, every success stored under a key is exactly one transfer, and
    every balance is the top-up minus the distinct successful payments."""
    engine: Engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            transfers = dict(conn.execute(
                select(LedgerTransfer.id, LedgerTransfer.user_id)
                .where(LedgerTransfer.kind == "payment")).all())
            stored = conn.execute(select(IdempotencyRecord.key, IdempotencyRecord.status_code,
                                         IdempotencyRecord.response)
                                  .where(IdempotencyRecord.scope.like("owner:%"))).all()
            balances = {str(user): int(balance) for user, balance in
                        conn.execute(text("SELECT user_id, balance FROM wallets"))}
    finally:
        engine.dispose()
    succeeded = {key: response["id"] for key, status, response in stored if status == 201}
    lost = [f"{a.key} -> {a.payment_id}" for a in books.attempts
            if a.acknowledged and transfers.get(str(a.payment_id)) is None]
    with_key = Counter(succeeded.values())
    doubled = [f"transfer {tid} under {n} keys" for tid, n in with_key.items() if n > 1]
    doubled += [f"transfer {tid} of {uid} has no successful key" for tid, uid in
                transfers.items() if tid not in with_key]
    doubled += [f"key {key}: success {pid} has no transfer" for key, pid in succeeded.items()
                if pid not in transfers]
    sent = {a.key: a for a in books.attempts}
    paid: Counter[str] = Counter()
    for key, pid in succeeded.items():
        if key in sent and pid in transfers:
            paid[books.owners[sent[key].owner].user_id] += sent[key].amount
    wrong = [f"{o.user_id}: {balances.get(o.user_id)} != {books.top_up - paid[o.user_id]}"
             for o in books.owners if balances.get(o.user_id) != books.top_up - paid[o.user_id]]
    return Verdict(lost=lost, doubled=doubled, balances_wrong=wrong,
                   acknowledged=sum(a.acknowledged for a in books.attempts))


def cli_checks(server: Server) -> dict[str, str]:
    """``walletguard ledger check`` and ``walletguard audit verify``: name → failure
    output, for each that did not exit 0."""
    failures = {}
    for command in (("ledger", "check"), ("audit", "verify")):
        done = server.cli(*command)
        if done.returncode != 0:
            failures[" ".join(command)] = (done.stdout + done.stderr)[-1500:]
    return failures
