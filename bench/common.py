"""Shared pieces of the walletguard benchmarks.

The database and server lifecycle (drop + create the database, ``walletguard migrate``,
``walletguard serve``), a lean HTTP/1.1 client, seeding through the public v1 API,
percentiles and CPU accounting from ``/proc``. Everything runs on loopback against a
local PostgreSQL; nothing here is imported by the service or its tests.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal, Protocol, TypeVar
from urllib.parse import unquote, urlsplit

import httpx
from authenticator import SoftAuthenticator

PIN = "730264"
PASSWORD = "Plum-Blossom-88"
# The benchmark server's settings: the software authenticator's relying party, and a policy
# that lets a device seeded a minute ago pay by biometric (the default asks for 30 days),
# and whose velocity rule tolerates an owner paying every second (the default fires after
# 4 payments in its window and asks for a step-up; every rule is still evaluated). The
# window is one minute and the count 120: the state keeps the window's payments (at most
# the count), so a window of the default ten minutes with an unbounded count made every
# bench owner's risk state grow to hundreds of entries, read and written with each payment
# — a cost no real owner's payments carry.
WEBAUTHN_RP_ID, WEBAUTHN_ORIGIN = "localhost", "http://localhost:8000"
BENCH_POLICY = ("[biometric]\nmin_device_age_days = 0\n"
                "[login]\nregistrations_per_ip_per_hour = 1000000\n"
                "[risk]\nvelocity_window_minutes = 1\nvelocity_max_count = 120\n"
                "velocity_max_sum = 1000000000000\n")
DEFAULT_DB_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/wg_bench"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
NAMES = ("陈静", "王芳", "李伟", "张敏", "刘洋", "杨磊", "赵丽", "黄强")
ClientKind = Literal["raw", "httpx"]
SETUP_TIMEOUT = 120.0  # seconds; seeding waits on argon2id password hashing
T = TypeVar("T")
R = TypeVar("R")


class BenchError(Exception):
    """The benchmark cannot go on: setup, seeding or the server failed."""


# --------------------------------------------------------------------------- database


@dataclass(frozen=True)
class PgTarget:
    """A PostgreSQL database on loopback, addressed the way psql, createdb and pgbench want."""

    host: str
    port: int
    user: str
    password: str | None
    dbname: str

    @classmethod
    def from_url(cls, url: str) -> PgTarget:
        parts = urlsplit(url)
        target = cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=unquote(parts.username or "postgres"),
            password=unquote(parts.password) if parts.password else None,
            dbname=parts.path.lstrip("/"),
        )
        if target.host not in LOOPBACK or not target.dbname:
            raise BenchError(f"expected a loopback PostgreSQL URL with a database name, got {url}")
        return target

    def named(self, dbname: str) -> PgTarget:
        return PgTarget(self.host, self.port, self.user, self.password, dbname)

    def conn_args(self) -> list[str]:
        return ["-h", self.host, "-p", str(self.port), "-U", self.user]

    def env(self) -> dict[str, str]:
        return dict(os.environ, PGPASSWORD=self.password) if self.password else dict(os.environ)

    def run(self, *command: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        """Run a PostgreSQL client tool (psql, createdb, pgbench …) against this server."""
        tool, *rest = command
        result = subprocess.run(
            [tool, *self.conn_args(), *rest],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise BenchError(f"{tool} failed: {result.stderr.strip()[-500:]}")
        return result

    def recreate(self) -> None:
        """Drop (disconnecting any session) and create this database, empty."""
        self.run("dropdb", "--if-exists", "--force", self.dbname)
        self.run("createdb", self.dbname)


# --------------------------------------------------------------------------- server


@dataclass(frozen=True)
class Server:
    """A running ``walletguard serve`` and the environment it was started with."""

    base_url: str
    host: str
    port: int
    process: subprocess.Popen[bytes]
    env: Mapping[str, str]
    data_dir: str

    @property
    def log_path(self) -> str:
        return os.path.join(self.data_dir, "server.log")

    def cli(self, *args: str) -> str:
        """Run ``walletguard ARGS`` against this server's database; return stdout."""
        return run_cli(dict(self.env), *args)

    def log_tail(self, chars: int = 2000) -> str:
        with open(self.log_path, encoding="utf-8", errors="replace") as log:
            return log.read()[-chars:]


def walletguard_exe() -> str:
    exe = shutil.which("walletguard") or os.path.join(
        os.path.dirname(sys.executable), "walletguard"
    )
    if not os.path.exists(exe):
        raise BenchError(
            "the walletguard command is not installed (pip install -e . in the project root)"
        )
    return exe


def run_cli(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [walletguard_exe(), *args], env=env, capture_output=True, text=True, timeout=300
    )
    if result.returncode != 0:
        raise BenchError(
            f"walletguard {' '.join(args)} failed: {(result.stderr or result.stdout)[-800:]}"
        )
    return result.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_healthy(base_url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(base_url + "/healthz", timeout=1) as reply:
                if reply.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    raise BenchError(f"walletguard serve did not answer /healthz within {timeout:.0f}s")


@contextmanager
def running_server(
    db_url: str, workers: int, extra_env: Mapping[str, str] | None = None
) -> Iterator[Server]:
    """Migrate the database, start ``walletguard serve`` (with BENCH_POLICY, and
    ``extra_env`` added to its environment) on a free loopback port, wait for /healthz;
    on exit stop the whole process group. The data directory (with server.log) is kept
    when the body raised, removed otherwise."""
    data_dir = tempfile.mkdtemp(prefix="wg-bench-")
    policy_file = os.path.join(data_dir, "policy.toml")
    with open(policy_file, "w", encoding="utf-8") as policy:
        policy.write(BENCH_POLICY)
    env = dict(
        os.environ,
        WALLETGUARD_DATABASE_URL=db_url,
        WALLETGUARD_DATA_DIR=data_dir,
        WALLETGUARD_POLICY_FILE=policy_file,
        WALLETGUARD_WEBAUTHN_RP_ID=WEBAUTHN_RP_ID,
        WALLETGUARD_WEBAUTHN_ORIGINS=json.dumps([WEBAUTHN_ORIGIN]),
        **(extra_env or {}),
    )
    try:
        run_cli(env, "migrate")
    except BenchError:
        shutil.rmtree(data_dir, ignore_errors=True)
        raise
    port = free_port()
    with open(os.path.join(data_dir, "server.log"), "wb") as log:
        process = subprocess.Popen(
            [
                walletguard_exe(),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(f"http://127.0.0.1:{port}", "127.0.0.1", port, process, env, data_dir)
    try:
        wait_healthy(server.base_url, process)
        yield server
    except BaseException:
        print(
            f"server log kept in {server.log_path}; its tail:\n{server.log_tail()}", file=sys.stderr
        )
        raise
    finally:
        stop_process_group(process)
    shutil.rmtree(data_dir, ignore_errors=True)


def stop_process_group(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def create_operator_key(server: Server, name: str) -> str:
    """``walletguard keys create --role operator``: the key is the last long word printed."""
    words = [
        word.strip("\"'")
        for word in server.cli("keys", "create", "--role", "operator", "--name", name).split()
    ]
    keys = [word for word in words if len(word) >= 20]
    if not keys:
        raise BenchError("walletguard keys create printed no key")
    return keys[-1]


@dataclass(frozen=True)
class BiometricApi:
    """Where the server's WebAuthn ceremonies live."""

    registration_options: str
    registrations: str
    payment_options: str


def biometric_api(server: Server) -> BiometricApi | None:
    """The biometric (WebAuthn) endpoints named in /openapi.json, or None when the server
    has none. Matched by their last segments, so a move under another prefix is found."""
    with urllib.request.urlopen(server.base_url + "/openapi.json", timeout=10) as reply:
        paths = list(json.load(reply).get("paths", {}))
    found = []
    for suffix in ("registration-options", "registrations", "payment-options"):
        matches = [path for path in paths if path.endswith(f"biometric/{suffix}")]
        if not matches:
            return None
        found.append(matches[0])
    return BiometricApi(*found)


# --------------------------------------------------------------------------- HTTP


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    headers: Mapping[str, str]

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def code(self) -> str:
        """The problem+json ``code`` of an error reply ("" when there is none)."""
        try:
            document = self.json()
        except ValueError:
            return ""
        return str(document.get("code", "")) if isinstance(document, dict) else ""


class Connection(Protocol):
    """One HTTP connection used by one coroutine, one request at a time."""

    async def request(
        self, method: str, path: str, body: object = None, headers: Mapping[str, str] | None = None
    ) -> Reply: ...

    async def close(self) -> None: ...


class RawConnection:
    """A keep-alive HTTP/1.1 connection over asyncio streams.

    Enough HTTP for this server (Content-Length, chunked and read-to-close bodies,
    ``Connection: close``) at a fraction of httpx's CPU per request, which matters
    when the client shares two cores with the server and PostgreSQL."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self._host, self._port, self._timeout = host, port, timeout
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def request(
        self, method: str, path: str, body: object = None, headers: Mapping[str, str] | None = None
    ) -> Reply:
        data = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self._host}:{self._port}",
            f"Content-Length: {len(data)}",
        ]
        if body is not None:
            lines.append("Content-Type: application/json")
        lines.extend(f"{name}: {value}" for name, value in (headers or {}).items())
        try:
            async with asyncio.timeout(self._timeout):
                reader, writer = await self._open()
                writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + data)
                return await self._read_reply(reader)
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        if self._streams is not None:
            writer = self._streams[1]
            self._streams = None
            writer.close()

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._streams is not None and self._streams[0].at_eof():
            await self.close()  # the server closed it while idle (keep-alive timeout)
        if self._streams is None:
            self._streams = await asyncio.open_connection(self._host, self._port)
        return self._streams

    async def _read_reply(self, reader: asyncio.StreamReader) -> Reply:
        status_line, *header_lines = (
            (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        )
        status = int(status_line.split(" ", 2)[1])
        headers = {}
        for line in header_lines:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = await reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = await _read_chunked(reader)
        elif status in (204, 304):
            body = b""
        else:
            body = await reader.read()
            headers["connection"] = "close"
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return Reply(status, body, headers)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    chunks = []
    while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
        chunks.append(await reader.readexactly(size))
        await reader.readexactly(2)
    while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers
        pass
    return b"".join(chunks)


class HttpxConnection:
    """The same contract over ``httpx.AsyncClient`` (one pooled connection), for comparison."""

    def __init__(self, base_url: str, timeout: float) -> None:
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        self._client = httpx.AsyncClient(base_url=base_url, timeout=timeout, limits=limits)

    async def request(
        self, method: str, path: str, body: object = None, headers: Mapping[str, str] | None = None
    ) -> Reply:
        reply = await self._client.request(method, path, json=body, headers=headers)
        return Reply(reply.status_code, reply.content, reply.headers)

    async def close(self) -> None:
        await self._client.aclose()


TRANSPORT_ERRORS = (
    OSError,
    TimeoutError,
    asyncio.IncompleteReadError,
    asyncio.LimitOverrunError,
    httpx.HTTPError,
)


def connect(server: Server, kind: ClientKind, timeout: float = SETUP_TIMEOUT) -> Connection:
    if kind == "httpx":
        return HttpxConnection(server.base_url, timeout)
    return RawConnection(server.host, server.port, timeout)


def bearer(token: str, idempotency_key: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}"}
    if idempotency_key is not None:
        headers["Idempotency-Key"] = idempotency_key
    return headers


async def call(
    conn: Connection,
    method: str,
    path: str,
    body: object = None,
    *,
    token: str | None = None,
    idempotent: bool = False,
    attempts: int = 8,
) -> Any:
    """A setup request that must succeed (2xx). 429, and 503 ``unavailable`` (busy: "retry
    shortly", e.g. no password-hashing slot), are retried (bounded, honouring Retry-After up
    to 10 s) with the same Idempotency-Key; anything else raises."""
    headers = bearer(token, uuid.uuid4().hex if idempotent else None) if token else {}
    try:
        reply = await conn.request(method, path, body, headers)
        for attempt in range(attempts - 1):
            if reply.status != 429 and (reply.status, reply.code) != (503, "unavailable"):
                break
            delay = float(reply.headers.get("retry-after", 2**attempt * 0.25))
            await asyncio.sleep(min(delay, 10))
            reply = await conn.request(method, path, body, headers)
    except TRANSPORT_ERRORS as exc:
        raise BenchError(f"{method} {path}: {type(exc).__name__} {exc}") from exc
    if not 200 <= reply.status < 300:
        raise BenchError(
            f"{method} {path} -> {reply.status}: {reply.body[:300].decode(errors='replace')}"
        )
    return reply.json()


# --------------------------------------------------------------------------- seeding


@dataclass(frozen=True)
class Owner:
    """A seeded wallet owner with a device session, a payment PIN and a topped-up balance."""

    index: int
    user_id: str
    token: str
    topup: int
    authenticator: SoftAuthenticator | None  # bound for biometric payments, when the server can


def resident_id(index: int) -> str:
    """A valid, unique 18-digit resident ID (GB 11643 check digit) for owner ``index``."""
    birth = date(1960, 1, 1) + timedelta(days=index % 10_000)
    body = "110105" + birth.strftime("%Y%m%d") + f"{index // 10_000 % 1000:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]


def phone_number(index: int) -> str:
    return f"+86139{index:08d}"


async def seed_owner(
    conn: Connection, *, index: int, operator_key: str, topup: int, biometric: BiometricApi | None
) -> Owner:
    """Register, log in on one device, set the PIN, bind biometric (when the server has it),
    top up, and opt in to password-free payments."""
    phone = phone_number(index)
    user = await call(
        conn,
        "POST",
        "/v1/users",
        {
            "phone": phone,
            "password": PASSWORD,
            "real_name": NAMES[index % len(NAMES)],
            "id_number": resident_id(index),
        },
    )
    device = {
        "id": f"bench-device-{index}",
        "name": "Mate 60",
        "platform": "android",
        "fingerprint": {"model": "Mate 60"},
    }
    session = await call(
        conn, "POST", "/v1/sessions", {"phone": phone, "password": PASSWORD, "device": device}
    )
    token = session["token"]
    await call(conn, "PUT", "/v1/payment-pin", {"pin": PIN}, token=token)
    authenticator = None
    if biometric is not None:
        authenticator = SoftAuthenticator(WEBAUTHN_RP_ID, WEBAUTHN_ORIGIN)
        options = await call(
            conn, "POST", biometric.registration_options, token=token, idempotent=True
        )
        credential = authenticator.create(options)
        await call(
            conn,
            "POST",
            biometric.registrations,
            {"credential": credential, "pin": PIN},
            token=token,
            idempotent=True,
        )
    await call(
        conn,
        "POST",
        "/v1/topups",
        {"user_id": user["id"], "amount": topup},
        token=operator_key,
        idempotent=True,
    )
    await call(conn, "PUT", "/v1/settings/password-free", {"enabled": True, "pin": PIN},
               token=token)
    return Owner(index, str(user["id"]), token, topup, authenticator)


async def create_merchants(conn: Connection, operator_key: str, count: int) -> list[str]:
    """``count`` merchants; the first is the popular one the load concentrates on."""
    merchants = []
    for number in range(count):
        name = "bench-popular" if number == 0 else f"bench-merchant-{number}"
        merchant = await call(
            conn,
            "POST",
            "/v1/merchants",
            {"name": name, "category": "retail"},
            token=operator_key,
            idempotent=True,
        )
        merchants.append(str(merchant["id"]))
    return merchants


async def seed_owners(
    server: Server,
    kind: ClientKind,
    *,
    indices: range,
    operator_key: str,
    topup: int,
    biometric: BiometricApi | None,
    concurrency: int,
) -> list[Owner]:
    """Seed one owner per index, ``concurrency`` at a time, each worker on its own connection."""

    async def seed(conn: Connection, index: int) -> Owner:
        return await seed_owner(
            conn, index=index, operator_key=operator_key, topup=topup, biometric=biometric
        )

    owners = await on_connections(server, kind, list(indices), concurrency, seed)
    return sorted(owners, key=lambda owner: owner.index)


async def on_connections(
    server: Server,
    kind: ClientKind,
    items: list[T],
    concurrency: int,
    job: Callable[[Connection, T], Awaitable[R]],
) -> list[R]:
    """Run ``job`` over ``items`` from ``concurrency`` workers, one connection each."""
    pending = iter(items)
    results: list[R] = []

    async def worker() -> None:
        conn = connect(server, kind)
        try:
            for item in pending:  # the iterator is shared: each item goes to one worker
                results.append(await job(conn, item))
        finally:
            await conn.close()

    await asyncio.gather(*(worker() for _ in range(max(1, min(concurrency, len(items))))))
    return results


# --------------------------------------------------------------------------- numbers


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of an already sorted list (0.0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = max(1, -(-len(sorted_values) * pct // 100))
    return sorted_values[int(rank) - 1]


def latency_summary(latencies_ms: list[float]) -> dict[str, float]:
    values = sorted(latencies_ms)
    return {
        "count": len(values),
        "p50_ms": round(percentile(values, 50), 2),
        "p95_ms": round(percentile(values, 95), 2),
        "p99_ms": round(percentile(values, 99), 2),
        "max_ms": round(values[-1], 2) if values else 0.0,
    }


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Process:
    pid: int
    ppid: int
    session: int
    comm: str
    cpu: float  # utime + stime, seconds


class CpuMeter:
    """CPU used between its creation and its last ``sample()``, by role, from ``/proc``.

    client: this process and its descendants in our session (the freeze probe, pgbench);
    server: the server's session (uvicorn's supervisor and workers); postgres: backends
    connected to ``dbname`` and PostgreSQL's own processes; other: the rest of the machine
    (other databases, other programs). Counted per process, so one that starts inside the
    window counts from zero; one that ends counts up to the last sample that saw it
    (sample every fraction of a second: pooled connections come and go)."""

    def __init__(self, *, server_session: int | None, dbname: str) -> None:
        self._server_session, self._dbname = server_session, dbname
        self._started, self._busy_at_start = time.monotonic(), _machine_busy()
        self._baseline = {pid: cpu for pid, _, cpu in self._roles()}
        self._latest: dict[int, tuple[str, float]] = {}
        self.sample()

    def sample(self) -> None:
        for pid, role, cpu in self._roles():
            self._baseline.setdefault(pid, 0.0)
            self._latest[pid] = (role, cpu)
        self._sampled, self._busy = time.monotonic(), _machine_busy()

    def usage(self) -> dict[str, float]:
        """Average cores busy, by role, between creation and the last sample."""
        wall = max(self._sampled - self._started, 1e-9)
        cores = dict.fromkeys(("client", "server", "postgres"), 0.0)
        for pid, (role, cpu) in self._latest.items():
            cores[role] += (cpu - self._baseline[pid]) / wall
        cores["machine_busy"] = (self._busy - self._busy_at_start) / wall
        cores["other"] = (
            cores["machine_busy"] - cores["client"] - cores["server"] - cores["postgres"]
        )
        return {f"{role}_cores": round(value, 2) for role, value in cores.items()} | {
            "machine_cores": os.cpu_count() or 0
        }

    def _roles(self) -> Iterator[tuple[int, str, float]]:
        processes = _processes()
        children: dict[int, list[Process]] = {}
        for process in processes:
            children.setdefault(process.ppid, []).append(process)
        me, session = os.getpid(), os.getsid(0)
        family = [process for process in processes if process.pid == me]
        while family:  # the server is our child too, but in a session of its own
            process = family.pop()
            yield process.pid, "client", process.cpu
            family.extend(
                child for child in children.get(process.pid, []) if child.session == session
            )
        for process in processes:
            if process.session == self._server_session:
                yield process.pid, "server", process.cpu
            elif process.comm == "postgres" and _serves_database(process.pid, self._dbname):
                yield process.pid, "postgres", process.cpu


def _machine_busy() -> float:
    """CPU seconds the whole machine has been busy (all but idle and iowait)."""
    with open("/proc/stat", encoding="ascii") as stat:
        ticks = [int(value) for value in stat.readline().split()[1:]]
    return (sum(ticks[:8]) - ticks[3] - ticks[4]) / CLOCK_TICKS


def _processes() -> list[Process]:
    processes = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as stat:
                text = stat.read()
        except OSError:  # it ended while we looked
            continue
        comm = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        cpu = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        processes.append(Process(int(entry), int(fields[1]), int(fields[3]), comm, cpu))
    return processes


def _serves_database(pid: int, dbname: str) -> bool:
    """A PostgreSQL backend connected to ``dbname`` ("postgres: 15/main: user db host(port)
    state"), or one of the server's own processes (postmaster, checkpointer, WAL writer …)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            title = cmdline.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    words = title.split(": ", 2)[-1].split()
    is_backend = len(words) >= 3 and ("(" in words[2] or words[2] == "[local]")
    return not is_backend or words[1] == dbname


def run_async(main: Coroutine[Any, Any, R]) -> R:
    """Run a coroutine on uvloop when it is installed (less client CPU), else asyncio."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)


def event_loop_name() -> str:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return "asyncio"
    return "uvloop"
