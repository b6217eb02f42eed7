"""Admission control for the money path, and the priority lane for freezes.

A worker that accepts every payment it is sent builds a queue it cannot drain: each
payment waits for CPU, a thread and a database connection behind all the others, and
a freeze sent meanwhile waits at the back of that queue (533 ms p99 measured while the
load ran, issue 20). So:

- **Money lane** (``POST /v1/payments``, ``POST /v1/transfers``): at most
  ``WALLETGUARD_MONEY_IN_FLIGHT`` are worked on at once per worker; the rest wait in
  arrival order, before their body is read and before they hold a thread or a
  connection, for at most ``WALLETGUARD_MONEY_WAIT_SECONDS``, then are answered 503
  ``unavailable`` with ``Retry-After`` — at once, without waiting, when the payments
  ahead of them could not all be worked on within that wait at the pace the recent ones
  took. Such a payment did nothing (no use case ran),
  so a retry with the same ``Idempotency-Key`` is a first attempt.
- **Priority lane** (the routes that freeze, report a phone lost or place a lock:
  ``metrics.FREEZE_ROUTES``): never counted, never queued, never shed here, and their
  transaction takes a connection from a small pool of its own
  (``WALLETGUARD_PRIORITY_POOL_SIZE``, ``Database.transaction(priority=True)``), so a
  pool busy with payments cannot make a freeze wait. While one is worked on, the money
  lane admits no new payment (those waiting keep their place and their deadline): the
  worker's CPU and its interpreter lock are shared with the payments already in flight
  only, not with each newly admitted one (docs/benchmarks.md has the numbers). The
  pause ends when the last priority request does, or ``PAUSE_AT_MOST`` seconds after it
  began however many priority requests overlap, so a stream of them (a lost-phone report
  needs no session) cannot stop a worker's payments for longer.
- Everything else passes as before.

The bound is per worker process, like the database pool: it keeps each process below
the point where queueing starts, whatever the number of processes.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import deque
from collections.abc import Callable

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from walletguard.errors import Unavailable
from walletguard.http.problems import send_problem
from walletguard.observability import metrics

MONEY_ROUTES = frozenset(metrics.MONEY_ROUTES)  # exact paths: matched before routing
PRIORITY_ROUTES = metrics.FREEZE_ROUTES  # route templates: matched after routing
# The same routes matched before routing, on the raw path (a template's ``{name}`` is one
# path segment).
_PRIORITY_PATHS = {
    method: re.compile("|".join(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(route))
                                for m, route in sorted(PRIORITY_ROUTES) if m == method))
    for method in {m for m, _ in PRIORITY_ROUTES}
}
PAUSE_AT_MOST = 0.25  # seconds the priority lane holds the money lane back, at most


def is_priority_path(method: str, path: str) -> bool:
    """Whether a request not yet routed is on the priority lane."""
    pattern = _PRIORITY_PATHS.get(method)
    return pattern is not None and pattern.fullmatch(path) is not None


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
        self.paused = 0  # pauses held (``pause``): no slot is handed out while any is,
        self._pause_expired = False  # unless they began PAUSE_AT_MOST ago
        self._pause_timer: asyncio.TimerHandle | None = None
        self._waiters: deque[asyncio.Future[None]] = deque()
        self.queued = 0  # waiters still waiting (the deque may hold ones that gave up)
        self.service_seconds: float | None = None  # a holder's time, smoothed (``observe``)

    async def acquire(self, timeout: float) -> bool:
        """Take a slot, waiting at most ``timeout`` seconds; False when none came — at
        once when the holders' recent pace says the queue ahead could not be served
        within ``timeout`` (it would only wait to be told the same)."""
        while self._waiters and self._waiters[0].done():  # gave up waiting: gone
            self._waiters.popleft()
        if self.in_use < self.limit and not self._waiters and not self._holding():
            self.in_use += 1
            return True
        if (self.service_seconds is not None
                and (self.queued + 1) * self.service_seconds / self.limit > timeout):
            return False
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        self.queued += 1
        try:
            await asyncio.wait_for(asyncio.shield(waiter), timeout)
        except TimeoutError:
            if waiter.done() and not waiter.cancelled():
                return True  # the slot was handed over just as the wait ran out
            self._give_up(waiter)
            return False
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed a slot while being cancelled: pass it on
            else:
                self._give_up(waiter)
            raise
        return True

    def observe(self, seconds: float) -> None:
        """How long a holder kept its slot: the pace ``acquire`` judges the queue by."""
        previous = self.service_seconds
        self.service_seconds = seconds if previous is None else 0.8 * previous + 0.2 * seconds

    def _give_up(self, waiter: asyncio.Future[None]) -> None:
        waiter.cancel()
        self.queued -= 1

    def release(self) -> None:
        # Hand the slot straight to the next waiter (the count stays), so a newcomer
        # arriving between the release and the waiter's wake-up cannot take it.
        if not self._holding() and self._hand_over():
            return
        self.in_use -= 1

    def pause(self) -> Callable[[], None]:
        """Hand out no slot until the returned ``resume`` is called (calling it again
        does nothing), or until ``PAUSE_AT_MOST`` seconds after the first of the pauses
        that overlap began. Slots already held are kept."""
        self.paused += 1
        if self.paused == 1:
            self._pause_timer = asyncio.get_running_loop().call_later(
                PAUSE_AT_MOST, self._expire_pause)
        resumed = False

        def resume() -> None:
            nonlocal resumed
            if resumed:
                return
            resumed = True
            self.paused -= 1
            if not self.paused:
                if self._pause_timer is not None:
                    self._pause_timer.cancel()
                self._pause_expired = False
                self._fill()

        return resume

    def _holding(self) -> bool:
        return bool(self.paused) and not self._pause_expired

    def _expire_pause(self) -> None:
        self._pause_expired = True
        self._fill()

    def _fill(self) -> None:
        while self.in_use < self.limit and self._hand_over():
            self.in_use += 1

    def _hand_over(self) -> bool:
        """Wake the first waiter still waiting, with a slot; False when there is none."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                self.queued -= 1
                return True
        return False


class Admission:
    """ASGI middleware: the money lane's bound (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, money_in_flight: int, money_wait_seconds: float) -> None:
        self.app = app
        self.money = Slots(money_in_flight)
        self.wait_seconds = money_wait_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if is_priority_path(scope["method"], scope["path"]):
            resume = self.money.pause()
            try:
                await self.app(scope, receive, send)
            finally:
                resume()
            return
        if (scope["method"], scope["path"]) not in MONEY_ROUTES:
            await self.app(scope, receive, send)
            return
        if not await self.money.acquire(self.wait_seconds):
            metrics.SHED.inc()
            await send_problem(send, Unavailable(
                "too many payments are being worked on at once; nothing was done, retry "
                "shortly", retry_after=1))
            return
        started = time.monotonic()
        try:
            await self.app(scope, receive, send)
        finally:
            self.money.observe(time.monotonic() - started)
            self.money.release()
