"""Admission control for the money path, and the priority lane for freezes.

A worker that accepts every payment it is sent builds a queue it cannot drain: each
payment waits for CPU, a thread and a database connection behind all the others, and
a freeze sent meanwhile waits at the back of that queue (533 ms p99 measured while the
load ran, issue 20). So:

- **Money lane** (``POST /v1/payments``, ``POST /v1/transfers``): at most
  ``WALLETGUARD_MONEY_IN_FLIGHT`` are worked on at once per worker; the rest wait in
  arrival order, before their body is read and before they hold a thread or a
  connection, for at most ``WALLETGUARD_MONEY_WAIT_SECONDS``, then are answered 503
  ``unavailable`` with ``Retry-After``. Such a payment did nothing (no use case ran),
  so a retry with the same ``Idempotency-Key`` is a first attempt.
- **Priority lane** (the routes that freeze, report a phone lost or place a lock:
  ``metrics.FREEZE_ROUTES``): never counted, never queued, never shed here, and their
  transaction takes a connection from a small pool of its own
  (``WALLETGUARD_PRIORITY_POOL_SIZE``, ``Database.transaction(priority=True)``), so a
  pool busy with payments cannot make a freeze wait.
- Everything else passes as before.

The bound is per worker process, like the database pool: it keeps each process below
the point where queueing starts, whatever the number of processes.
"""

from __future__ import annotations

import asyncio
from collections import deque

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from walletguard.errors import Unavailable
from walletguard.http.problems import send_problem
from walletguard.observability import metrics

MONEY_ROUTES = frozenset(metrics.MONEY_ROUTES)  # exact paths: matched before routing
PRIORITY_ROUTES = metrics.FREEZE_ROUTES  # route templates: matched after routing


def is_priority(request: Request) -> bool:
    """Whether the routed request is on the priority lane (freeze, lost-phone report,
    lock placement)."""
    route = getattr(request.scope.get("route"), "path", None)
    return (request.method, route) in PRIORITY_ROUTES


class Slots:
    """At most ``limit`` holders; the others wait first come, first served, up to a
    deadline. Lives on one event loop (a worker's), so no lock is needed: the counter
    changes only between awaits."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("at least one slot")
        self.limit = limit
        self.in_use = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def acquire(self, timeout: float) -> bool:
        """Take a slot, waiting at most ``timeout`` seconds; False when none came."""
        while self._waiters and self._waiters[0].done():  # gave up waiting: gone
            self._waiters.popleft()
        if self.in_use < self.limit and not self._waiters:
            self.in_use += 1
            return True
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await asyncio.wait_for(asyncio.shield(waiter), timeout)
        except TimeoutError:
            if waiter.done() and not waiter.cancelled():
                return True  # the slot was handed over just as the wait ran out
            waiter.cancel()
            return False
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed a slot while being cancelled: pass it on
            else:
                waiter.cancel()
            raise
        return True

    def release(self) -> None:
        # Hand the slot straight to the next waiter (the count stays), so a newcomer
        # arriving between the release and the waiter's wake-up cannot take it.
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self.in_use -= 1


class Admission:
    """ASGI middleware: the money lane's bound (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, money_in_flight: int, money_wait_seconds: float) -> None:
        self.app = app
        self.money = Slots(money_in_flight)
        self.wait_seconds = money_wait_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (scope["method"], scope["path"]) not in MONEY_ROUTES:
            await self.app(scope, receive, send)
            return
        if not await self.money.acquire(self.wait_seconds):
            metrics.SHED.inc()
            await send_problem(send, Unavailable(
                "too many payments are being worked on at once; nothing was done, retry "
                "shortly", retry_after=1))
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.money.release()
